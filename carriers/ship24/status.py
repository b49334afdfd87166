"""Ship24 `statusCode` and `statusMilestone` → canonical status.

Every event carries a `statusMilestone` ("the overall status of the shipment at the time of the
event") and, on significant events, a `statusCode` ("the codified meaning of a specific event").
Where each code is documented:

    [CODE] https://docs.ship24.com/status/#statuscode-and-statuscategory (the category and status-code
           table, as generated from Ship24's own statuses data in ship24/ship24-ai-plugin
           skills/ship24-tracking-statuses/references/statuses.md @ 9c8209a2)
    [MILE] https://docs.ship24.com/status/#statusmilestone (the eight milestones)

An event's `statusCode` is looked up first. When it is null or not in this table, the milestone is
used if it alone decides the canonical status; `pending` (no events yet), `in_transit` (which may be
export, import or neither) and `exception` ("returning, returned, lost, destroyed, etc." [MILE]) do
not, so such an event is `unknown` and goes to the text fallback with its raw text.

Absent on purpose, so they fall back to their milestone: `data_order_cancelled`, `data_delivery_proposed`
and `data_delivery_decided` ("events related to data exchange, without physical meaning" [CODE]) are no
scans; `customs_received`, `customs_cleared` and `customs_exception` do not say which country's customs
(Ship24 events name no country); `delivery_exception` ("issue during delivery or preventing delivery,
which usually could be solved" [CODE]) says neither that a delivery was attempted nor that it failed.
"""

from carriers.base import StatusTable
from schemas.status import Status

SHIP24_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "data_order_created",  # [CODE]
            "info_received",  # [MILE]
        },
        Status.IN_TRANSIT: {"transit_handover"},  # [CODE]
        Status.EXPORT: {"transit_origin_country_departure"},  # [CODE]
        Status.IMPORT: {"destination_arrival"},  # [CODE]
        Status.OUT_FOR_DELIVERY: {
            "delivery_out_for_delivery",  # [CODE]
            "out_for_delivery",  # [MILE]
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "delivery_available_for_pickup",  # [CODE]
            "available_for_pickup",  # [MILE]
        },
        Status.DELIVERY_FAILED: {
            "delivery_attempted",  # [CODE]
            "delivery_refused",  # [CODE] "refused by the recipient"
            "failed_attempt",  # [MILE]
        },
        Status.DELIVERED: {
            "delivery_delivered",  # [CODE]
            "delivered",  # [MILE]
        },
        Status.RETURNING_TO_SENDER: {"exception_return"},  # [CODE] "will be or being returned"
        Status.EXCEPTION: {
            "customs_rejected",  # [CODE] "rejected by customs"
            "exception_lost",  # [CODE]
            "exception_discarded",  # [CODE] "destroyed by the carrier"
        },
    }
)

SHIP24_SUBSTATUS: dict[str, str] = {
    "customs_exception": "customs_hold",  # [CODE] "exception or delay during customs clearance"
    "customs_rejected": "customs_hold",  # [CODE]
}

#: Codes and milestones of events that happen in the destination country ([CODE], [MILE]): the arrival
#: there and the delivery phase.
AT_DESTINATION = frozenset(
    {
        "destination_arrival",
        "delivery_available_for_pickup",
        "delivery_out_for_delivery",
        "delivery_attempted",
        "delivery_exception",
        "delivery_refused",
        "delivery_delivered",
        "out_for_delivery",
        "failed_attempt",
        "available_for_pickup",
        "delivered",
    }
)
#: Codes and milestones of events that happen in the origin country ([CODE], [MILE]): the order declared,
#: the hand-over, the departure.
AT_ORIGIN = frozenset({"data_order_created", "transit_handover", "transit_origin_country_departure", "info_received"})
