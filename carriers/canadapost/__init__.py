"""`canadapost`: Canada Post's Get Tracking Details (REST, XML), polled one PIN at a time."""
