"""`auspost`: Australia Post's Shipping and Tracking API, Track Items (JSON, API key and account), polled."""
