"""`royalmail`: Royal Mail's Tracking API v2 (JSON, client id and secret), polled."""
