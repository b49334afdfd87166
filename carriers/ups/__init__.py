"""`ups`: the UPS Track API (JSON, OAuth2), polled."""
