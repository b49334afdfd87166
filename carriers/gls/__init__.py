"""`gls`: GLS Group's Track And Trace API v1 (JSON, OAuth2), polled."""
