"""Canonical models of parcelwatch: statuses, tracking events, shipment state and topic values."""
