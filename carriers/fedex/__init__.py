"""`fedex`: the FedEx Track API (JSON, OAuth2), polled in batches of 30."""
