"""`ship24`: the Ship24 Tracking API (docs.ship24.com), its trackers' results and webhooks."""
