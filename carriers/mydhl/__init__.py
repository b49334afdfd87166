"""`mydhl`: DHL Express, the MyDHL API's tracking (JSON, HTTP Basic), polled."""
