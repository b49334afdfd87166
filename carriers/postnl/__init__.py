"""`postnl`: PostNL's Shippingstatus API v2 (JSON, API key), polled."""
