"""`trackingmore`: the TrackingMore API v4 (api.trackingmore.com/v4), its tracking results."""
