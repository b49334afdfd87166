"""`inpost`: InPost's ShipX API, the Tracking resource (JSON, no authentication), polled."""
