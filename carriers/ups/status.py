"""UPS activity statuses by canonical status: `status.code` first, then `status.type`.

Where they are documented:
    [ALERT]  UPS Track Alert API spec (status types, and example events with their codes):
             https://github.com/UPS-API/api-documentation/blob/main/UPSTrackAlert.yaml
    [APPX]   UPS Track API appendix, activity status types:
             https://developer.ups.com/api/reference/tracking/appendix

Left out on purpose, so `unknown` with their text kept: type X (Exception: "something out of the normal
happened to your package, but it may still be delivered on time" [ALERT]; it covers failed deliveries, customs
releases, delays and returns alike), U (update of the schedule [ALERT]), MV (billing information voided), NA
(not available), and the freight-only DO, DD, W. UPS documents no export or import code.
"""

from carriers.base import StatusTable
from schemas.status import Status

UPS_ACTIVITY_CODES = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "MP",  # [ALERT] Shipment Ready for UPS (type M)
        },
        Status.IN_TRANSIT: {
            "OR",  # [ALERT] On the Way (type I), origin scan example
            "DP",  # [ALERT] On the Way (type I), departure example
            "YP",  # [ALERT] Preparing for Delivery (type I)
        },
        Status.OUT_FOR_DELIVERY: {
            "OT",  # [ALERT] Out for Delivery (type I)
        },
        Status.DELIVERED: {
            "FS",  # [ALERT] Delivered (type D)
        },
    }
)

UPS_STATUS_TYPES = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "M",  # [APPX] Billing Information Received; [ALERT] manifest information
        },
        Status.IN_TRANSIT: {
            "I",  # [APPX] In Transit; [ALERT] in-progress
            "P",  # [APPX] Pickup
        },
        Status.OUT_FOR_DELIVERY: {
            "O",  # [APPX] Out for Delivery
        },
        Status.DELIVERED: {
            "D",  # [APPX] Delivered
        },
        Status.RETURNED_TO_SENDER: {
            "RS",  # [APPX] Returned to Shipper
        },
    }
)
