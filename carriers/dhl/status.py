"""DHL Shipment Tracking - Unified API `events[].statusCode` values by canonical status.

Where they are documented:
    [FAQ]  "What are the different status codes available in the DHL Shipment tracking - Unified API?":
           https://support-developer.dhl.com/support/solutions/articles/47001197243
    [API]  https://developer.dhl.com/api-reference/shipment-tracking (GET /shipments, 200 data schema)

Left out on purpose, so `unknown` with their text kept: `failure` ([FAQ]: could not be delivered, or "an
unforeseen event, e.g., customs, expired (consignee doesn't pick up from service point), returned": several
canonical statuses) and `unknown` ("a simplified status code is not available"). DHL documents no export or
import code; out-for-delivery, return and ready-for-pickup codes are "planned" [FAQ].
"""

from carriers.base import StatusTable
from schemas.status import Status

DHL_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "pre-transit",  # [FAQ][API] Currently awaiting shipment
        },
        Status.IN_TRANSIT: {
            "transit",  # [FAQ][API] Carrier has accepted or picked up the shipment; on the way
        },
        Status.DELIVERED: {
            "delivered",  # [FAQ][API] The shipment was delivered successfully
        },
    }
)
