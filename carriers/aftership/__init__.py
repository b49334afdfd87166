"""`aftership`: the AfterShip Tracking aggregator (signed webhooks and the Tracking API)."""
