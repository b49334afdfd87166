"""`dhl`: DHL Shipment Tracking - Unified API (JSON, API key), polled."""
