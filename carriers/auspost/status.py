"""Australia Post tracking event descriptions by canonical status.

Track Items events carry no code: each is a `description`, a `date` and a `location`. The descriptions
mapped here are those Australia Post's own example answer shows, word for word; any other description is
`unknown` with its text kept, so the text fallback reads it.

Where they are documented:
    [TI]  Australia Post Shipping and Tracking API, Track Items (`GET /shipping/v1/track`), its example
          answer (https://developers.auspost.com.au/apis/shipping-and-tracking/reference/track-items, as
          vendored in karrioapi/karrio `modules/connectors/australiapost/schemas/tracking_response.json`
          @ deea10f).
"""

from carriers.base import StatusTable
from schemas.status import Status

AUSPOST_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "Shipping information received by Australia Post",  # [TI]
            "Shipping information approved by Australia Post",  # [TI]
        },
        Status.IN_TRANSIT: {
            "Received by Australia Post",  # [TI]
            "Arrived at facility",  # [TI]
            "Processed through Australia Post facility",  # [TI]
            "Processed by air carrier",  # [TI]
            "Departed facility",  # [TI]
        },
        Status.EXPORT: {
            "Cleared and awaiting international departure",  # [TI] outbound from BRISBANE QLD
        },
        Status.IMPORT: {
            "Arrived at facility in destination country",  # [TI]
        },
        Status.OUT_FOR_DELIVERY: {
            "With Australia Post for delivery today",  # [TI]
        },
        Status.DELIVERED: {
            "Delivered",  # [TI]
        },
    }
)
