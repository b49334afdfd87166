"""AfterShip subtags (delivery sub-statuses) and the tags that alone decide a canonical status.

Every checkpoint carries a `tag` (delivery status) and a `subtag` (delivery sub-status). Where each
code is documented:

    [SUB] https://www.aftership.com/docs/tracking/2026-07/enum/delivery-sub-statuses (the table; its
          rows past Exception_013 were read in transcriptions of the same table)
    [TAG] https://www.aftership.com/docs/tracking/2025-01/enum/delivery-statuses (the nine tags)
    [NEW] https://tracking-helpcenter.aftership.com/en/article/learn-about-delivery-sub-status-1b0hdlx
          (sub-statuses added in 2026)

A checkpoint's subtag is looked up first. When the subtag is missing or not in this table, its tag is
used only if the tag alone decides the canonical status: InfoReceived, Pending, AttemptFail,
AvailableForPickup and Delivered. InTransit (which may be export or import), OutForDelivery ("about
to deliver, or ready to pick up" [TAG]), Exception (losses, delays and returns alike) and Expired are
not in the table, so such a checkpoint is `unknown`.

Absent on purpose: Expired_001 and the Expired tag ("no tracking information for 30 days since
added" [TAG]) are AfterShip's verdict about the tracking, not a scan; parcelwatch's own timers judge
that. Pending_001 is nothing on the carrier's side yet: no scan, like `info_received`.

The customs subtags say nothing of the direction; the adapter makes them `import` or `export` when
the checkpoint's country is the tracking's destination or origin.
"""

from carriers.base import StatusTable
from schemas.status import Status

AFTERSHIP_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "InfoReceived",  # [TAG]
            "InfoReceived_001",  # [SUB]
            "Pending",  # [TAG]
            "Pending_001",  # [SUB]
        },
        Status.IN_TRANSIT: {
            "InTransit_001",  # [SUB]
            "InTransit_002",  # [SUB]
            "InTransit_003",  # [SUB]
            "InTransit_005",  # [SUB]
            "InTransit_006",  # [SUB]
            "InTransit_007",  # [SUB]
            "InTransit_008",  # [SUB]
            "InTransit_009",  # [SUB]
        },
        Status.IMPORT: {"InTransit_004"},  # [SUB]
        Status.OUT_FOR_DELIVERY: {
            "OutForDelivery_001",  # [SUB]
            "OutForDelivery_003",  # [SUB]
            "OutForDelivery_004",  # [SUB]
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "AvailableForPickup",  # [TAG]
            "AvailableForPickup_001",  # [SUB]
        },
        Status.DELIVERY_FAILED: {
            "AttemptFail",  # [TAG]
            "AttemptFail_001",  # [SUB]
            "AttemptFail_002",  # [SUB]
            "AttemptFail_003",  # [SUB]
        },
        Status.DELIVERED: {
            "Delivered",  # [TAG]
            "Delivered_001",  # [SUB]
            "Delivered_002",  # [SUB]
            "Delivered_003",  # [SUB]
            "Delivered_004",  # [SUB]
            "Delivered_005",  # [SUB]
        },
        Status.RETURNING_TO_SENDER: {"Exception_010"},  # [SUB]
        Status.RETURNED_TO_SENDER: {"Exception_011"},  # [SUB]
        Status.EXCEPTION: {
            "Exception_001",  # [SUB]
            "Exception_002",  # [SUB]
            "Exception_003",  # [SUB]
            "Exception_004",  # [SUB]
            "Exception_005",  # [SUB]
            "Exception_006",  # [SUB]
            "Exception_007",  # [SUB]
            "Exception_008",  # [SUB]
            "Exception_009",  # [SUB]
            "Exception_012",  # [SUB]
            "Exception_013",  # [SUB]
            "Exception_016",  # [NEW]
            "Exception_017",  # [NEW]
            "Exception_018",  # [NEW]
            "Exception_019",  # [NEW]
            "Exception_020",  # [NEW]
            "Exception_021",  # [NEW]
        },
    }
)

#: Customs subtags whose direction the checkpoint's country decides [SUB].
CUSTOMS = frozenset({"InTransit_005", "InTransit_006", "Exception_004"})

AFTERSHIP_SUBSTATUS: dict[str, str] = {
    "Exception_002": "address_issue",  # [SUB]
    "Exception_004": "customs_hold",  # [SUB]
    "Exception_007": "address_issue",  # [SUB]
}
