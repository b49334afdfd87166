"""TrackingMore `checkpoint_delivery_substatus` and `checkpoint_delivery_status` → canonical status.

Where each code is documented:

    [SUB]  https://www.trackingmore.com/docs/logistics_status.php?lang=cn (the sub-status tables:
           notfound001-002, transit001-005, delivered001-004, exception004-011; the English wording is
           that of the same page in English, https://www.trackingmore.com/docs/logistics_status.php)
    [STAT] the same pages' status table (pending, notfound, transit, pickup, delivered, undelivered,
           exception, expired) and inforeceived (TrackingMore's tracking status glossary, as in its
           carrier pages, e.g. clooney/royal-mail-tracking-api README.md @ 1521c8f7)

A checkpoint's sub-status is looked up first. When it is missing or not in this table, its status is
used if it alone decides the canonical status: inforeceived, delivered and undelivered ("also known as
Failed Attempt" [STAT]). transit (export, import or neither), pickup ("out for delivery, or ready to
be picked up at local sort facility" [STAT]), exception (returns, refusals, damage alike), expired,
notfound and pending do not, so such a checkpoint is `unknown` and goes to the text fallback.

Absent on purpose: notfound002 ("no tracking information" [SUB]) and exception008 ("canceled before
it was picked up" [SUB]) are no scans; exception004 ("unclaimed" [SUB]) and exception005 ("delivery
exception" [SUB]) say no consequence for the parcel; transit005 ("customs clearance completed" [SUB])
does not say which country's customs: the adapter makes it import or export when the checkpoint's
country is the tracking's destination or origin. delivered004 (in English "left at the front door or
with a neighbour", in Chinese "delivered to a parcel locker or received by the building's doorman"
[SUB]) may be a locker the buyer has still to open, so it is `AMBIGUOUS`: it stays `unknown` whatever
its status says, and the text fallback reads its description.
"""

from carriers.base import StatusTable
from schemas.status import Status

TRACKINGMORE_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "notfound001",  # [SUB]
            "inforeceived",  # [STAT]
        },
        Status.IN_TRANSIT: {
            "transit001",  # [SUB] "shipment on the way"
            "transit002",  # [SUB] "arrived at a hub or sorting center"
            "transit003",  # [SUB] "arrived at delivery facility"
        },
        Status.IMPORT: {"transit004"},  # [SUB] "arrived at the destination country"
        Status.DELIVERY_FAILED: {
            "exception009",  # [SUB] "rejected by the recipient"
            "undelivered",  # [STAT]
        },
        Status.DELIVERED: {
            "delivered001",  # [SUB]
            "delivered002",  # [SUB] "picked up by the customer"
            "delivered003",  # [SUB] "delivered and signed by the customer"
            "delivered",  # [STAT]
        },
        Status.RETURNING_TO_SENDER: {"exception011"},  # [SUB] "on its way back to the sender"
        Status.RETURNED_TO_SENDER: {"exception010"},  # [SUB] "returned to the sender"
        Status.EXCEPTION: {
            "exception006",  # [SUB] "held by customs (prohibited goods)"
            "exception007",  # [SUB] "damaged, lost or discarded"
        },
    }
)

#: Sub-statuses that no single canonical status fits: `unknown`, whatever the checkpoint's status.
AMBIGUOUS = frozenset({"delivered004"})

#: Customs sub-statuses whose direction the checkpoint's country decides [SUB].
CUSTOMS = frozenset({"transit005"})

TRACKINGMORE_SUBSTATUS: dict[str, str] = {"exception006": "customs_hold"}  # [SUB]
