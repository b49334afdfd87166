from datetime import timedelta, timezone

import pytest

from schemas.event import TrackingEvent, derive_status, merge_events
from schemas.status import Status
from tests.core.helpers import T0


def event(status: str, hours: float, code: str | None = None, location: str = "X") -> TrackingEvent:
    return TrackingEvent(
        status=status, occurred_at=T0 + timedelta(hours=hours), carrier="c", raw_code=code or status, location=location
    )


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], None),
        ([("info_received", 0)], Status.INFO_RECEIVED),
        ([("info_received", 0), ("export", 5)], Status.EXPORT),
        ([("export", 5), ("info_received", 9)], Status.EXPORT),
        ([("export", 5), ("unknown", 9)], Status.EXPORT),
        ([("unknown", 1)], Status.UNKNOWN),
        ([("import", 9), ("export", 5)], Status.IMPORT),
        ([("delivered", 9), ("info_received", 10)], Status.DELIVERED),
        ([("delivered", 9), ("returning_to_sender", 10)], Status.RETURNING_TO_SENDER),
        # a delivery after the parcel turned back is the delivery to the sender
        ([("returning_to_sender", 10), ("in_transit", 11), ("delivered", 20)], Status.RETURNED_TO_SENDER),
        ([("delivered", 9), ("returning_to_sender", 10), ("delivered", 20)], Status.RETURNED_TO_SENDER),
        # and the scans on the way back keep it returning
        ([("returning_to_sender", 10), ("export", 12), ("in_transit", 14)], Status.RETURNING_TO_SENDER),
        ([("returning_to_sender", 10), ("returned_to_sender", 20), ("in_transit", 21)], Status.RETURNING_TO_SENDER),
        # same carrier time: the stage further along the journey wins, whatever the arrival order
        ([("import", 5), ("export", 5)], Status.IMPORT),
    ],
)
def test_shipment_status_follows_carrier_time(history, expected):
    merged, _ = merge_events((), [event(s, h) for s, h in history])
    assert derive_status(merged) == expected


def test_duplicates_count_once_and_history_is_time_ordered():
    first, added = merge_events((), [event("export", 5), event("in_transit", 1)])
    assert [e.status for e in first] == [Status.IN_TRANSIT, Status.EXPORT]
    assert len(added) == 2
    again, added_again = merge_events(first, [event("export", 5), event("import", 9)])
    assert [e.status for e in again] == [Status.IN_TRANSIT, Status.EXPORT, Status.IMPORT]
    assert [e.status for e in added_again] == [Status.IMPORT]


def test_same_code_and_time_at_another_location_is_another_event():
    merged, _ = merge_events((), [event("in_transit", 1, location="A"), event("in_transit", 1, location="B")])
    assert len(merged) == 2


def test_same_instant_with_other_offset_is_a_duplicate():
    a = event("export", 5)
    b = a.model_copy(update={"occurred_at": a.occurred_at.astimezone(timezone(timedelta(hours=8)))})
    merged, _ = merge_events((a,), [b])
    assert len(merged) == 1
