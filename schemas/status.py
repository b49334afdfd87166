"""The canonical status vocabulary every carrier code maps to (BRIEF §2)."""

from enum import StrEnum


class Status(StrEnum):
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    EXPORT = "export"
    IMPORT = "import"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERED = "delivered"
    RETURNING_TO_SENDER = "returning_to_sender"
    RETURNED_TO_SENDER = "returned_to_sender"
    EXCEPTION = "exception"
    UNKNOWN = "unknown"


#: Every status in the order stored codes number them (`schemas.codec`'s state, the poll schedule's meta):
#: a new status is appended, never inserted, or what was stored would read as another status.
STATUS_CODES: tuple[Status, ...] = (
    Status.INFO_RECEIVED,
    Status.IN_TRANSIT,
    Status.EXPORT,
    Status.IMPORT,
    Status.OUT_FOR_DELIVERY,
    Status.AVAILABLE_FOR_PICKUP,
    Status.DELIVERY_FAILED,
    Status.DELIVERED,
    Status.RETURNING_TO_SENDER,
    Status.RETURNED_TO_SENDER,
    Status.EXCEPTION,
    Status.UNKNOWN,
)

#: Statuses that prove a carrier physically handled the parcel (R6).
SCANNED: frozenset[Status] = frozenset(Status) - {Status.INFO_RECEIVED, Status.UNKNOWN}

#: Where a status stands in a parcel's journey; breaks ties between events that share a carrier time.
JOURNEY_RANK: dict[Status, int] = {
    status: rank
    for rank, status in enumerate(
        [
            Status.UNKNOWN,
            Status.INFO_RECEIVED,
            Status.IN_TRANSIT,
            Status.EXPORT,
            Status.IMPORT,
            Status.OUT_FOR_DELIVERY,
            Status.DELIVERY_FAILED,
            Status.AVAILABLE_FOR_PICKUP,
            Status.EXCEPTION,
            Status.DELIVERED,
            Status.RETURNING_TO_SENDER,
            Status.RETURNED_TO_SENDER,
        ]
    )
}
