"""`usps`: the USPS Tracking API v3 (JSON, OAuth2), polled."""
