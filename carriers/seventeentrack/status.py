"""17TRACK sub-statuses grouped by canonical status. 17TRACK puts a `sub_status` on every event of
`track_info.tracking.providers[].events[]` as well as on `track_info.latest_status`.

Where each code is documented:

    [HELP] https://help.17track.net/hc/en-us/articles/37471096573337-Understanding-Tracking-Status-Main-Status-Substatus
           the 9 main statuses and 30 sub-statuses of the API (the table is read up to Exception_NoBody)
    [V24]  https://api.17track.net/en/doc?version=v2.4 sub-status table (the rest of the Exception_* rows),
           as transcribed in godely/aio17track aio17track/enums.py
    [SHOP] https://help-shopify.17track.net/en/article/learn-about-17track-sub-status-atb7ak (labels of the
           same sub-statuses: "Alert - Lost", "Alert - Destroyed by customs", …)

Codes absent on purpose, so that an event carrying one is `unknown`: NotFound_Other and
NotFound_InvalidCode [HELP] say that no tracking information was found, which is no scan at all;
Expired_Other [HELP] is 17TRACK's verdict that the parcel has been in transit for a long time, which
parcelwatch's own timers judge instead.

Every code keeps its main status here ([HELP]: the sub-status refines the main status). The customs
codes are `InTransit` and say nothing of the direction ("import/export customs clearance" [HELP]);
the adapter makes them `import` or `export` only when the event's country is the recipient's or the
shipper's.
"""

from carriers.base import StatusTable
from schemas.status import Status

SEVENTEENTRACK_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {"InfoReceived"},  # [HELP]
        Status.IN_TRANSIT: {
            "InTransit_PickedUp",  # [HELP]
            "InTransit_Other",  # [HELP]
            "InTransit_CustomsProcessing",  # [HELP]
            "InTransit_CustomsReleased",  # [HELP]
            "InTransit_CustomsRequiringInformation",  # [HELP]
        },
        Status.EXPORT: {"InTransit_Departure"},  # [HELP]
        Status.IMPORT: {"InTransit_Arrival"},  # [HELP]
        Status.AVAILABLE_FOR_PICKUP: {"AvailableForPickup_Other"},  # [HELP]
        Status.OUT_FOR_DELIVERY: {"OutForDelivery_Other"},  # [HELP]
        Status.DELIVERY_FAILED: {
            "DeliveryFailure_Other",  # [HELP]
            "DeliveryFailure_NoBody",  # [HELP]
            "DeliveryFailure_Security",  # [HELP]
            "DeliveryFailure_Rejected",  # [HELP]
            "DeliveryFailure_InvalidAddress",  # [HELP]
        },
        Status.DELIVERED: {"Delivered_Other"},  # [HELP]
        Status.RETURNING_TO_SENDER: {"Exception_Returning"},  # [HELP]
        Status.RETURNED_TO_SENDER: {"Exception_Returned"},  # [HELP]
        Status.EXCEPTION: {
            "Exception_Other",  # [HELP]
            "Exception_NoBody",  # [HELP]
            "Exception_Security",  # [V24]
            "Exception_Damage",  # [V24] [SHOP]
            "Exception_Rejected",  # [V24]
            "Exception_Delayed",  # [V24] [SHOP]
            "Exception_Lost",  # [V24] [SHOP]
            "Exception_Destroyed",  # [V24] [SHOP]
            "Exception_Cancel",  # [V24] [SHOP]
        },
    }
)

#: Customs sub-statuses whose direction the event's country decides [HELP].
CUSTOMS = frozenset(
    {"InTransit_CustomsProcessing", "InTransit_CustomsReleased", "InTransit_CustomsRequiringInformation"}
)

SEVENTEENTRACK_SUBSTATUS: dict[str, str] = {
    "InTransit_CustomsRequiringInformation": "customs_hold",  # [HELP]
    "DeliveryFailure_InvalidAddress": "address_issue",  # [HELP]
}
