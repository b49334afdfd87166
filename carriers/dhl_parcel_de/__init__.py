"""`dhl_parcel_de`: DHL Parcel DE Shipment Tracking (Post & Parcel Germany; XML, API key and tracking login), polled."""
