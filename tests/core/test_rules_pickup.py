"""R15 (a parcel waiting at a pickup point) as a table of short replay histories.

Shipped on day 0, protection ends on day 60. Available for pickup from day 12: the reminder is
due on day 37 (25 days) and its deadline is day 42, when the parcel goes back (30 days).
"""

import pytest

from tests.core.helpers import (
    TN,
    assert_idempotent,
    case,
    clock,
    day,
    dispute,
    extended,
    notified,
    raised,
    receipt_confirmed,
    registered,
    replaced,
    run,
    scans,
)

N2 = "LP000000028CN"

AT_PICKUP = scans(TN, ("export", day(3)), ("import", day(10)), ("available_for_pickup", day(12)))
REMINDER = notified("awaiting_pickup", day(42))

CASES = [
    case("waiting 25 days", [registered(), AT_PICKUP, clock(day(70))], [REMINDER]),
    case("clock line at day 37", [registered(), AT_PICKUP, clock(day(37))], [REMINDER]),
    case("clock line just before day 37", [registered(), AT_PICKUP, clock(day(36.99))], []),
    case(
        "raised with its own deadline when noticed late",
        [registered(), scans(TN, ("available_for_pickup", day(12)), at=day(40))],
        [REMINDER],
    ),
    case("never at a pickup point", [registered(), scans(TN, ("in_transit", day(3))), clock(day(70))], []),
    case("picked up on day 30", [registered(), AT_PICKUP, scans(TN, ("delivered", day(30))), clock(day(70))], []),
    case(
        "picked up on day 40, after the reminder",
        [registered(), AT_PICKUP, scans(TN, ("delivered", day(40))), clock(day(70))],
        [REMINDER],
    ),
    case(
        "late pickup scan: occurred day 35, arrived day 38, after the reminder was due",
        [registered(), AT_PICKUP, scans(TN, ("delivered", day(35)), at=day(38)), clock(day(70))],
        [REMINDER],
    ),
    case(
        "late pickup scan: occurred day 35, arrived day 36",
        [registered(), AT_PICKUP, scans(TN, ("delivered", day(35)), at=day(36)), clock(day(70))],
        [],
    ),
    case(
        "a second pickup notice: counted from the first",
        [registered(), AT_PICKUP, scans(TN, ("available_for_pickup", day(20))), clock(day(70))],
        [REMINDER],
    ),
    case(
        "duplicate pushes",
        [registered(), AT_PICKUP, AT_PICKUP | {"at": day(13).isoformat()}, clock(day(70))],
        [REMINDER],
    ),
    case(
        "out of order: an older scan arrives after the pickup notice",
        [registered(), AT_PICKUP, scans(TN, ("out_for_delivery", day(11)), at=day(14)), clock(day(70))],
        [REMINDER],
    ),
    case(
        "failed delivery, then at a pickup point again: a new stay",
        [
            registered(),
            AT_PICKUP,
            scans(TN, ("delivery_failed", day(14))),
            scans(TN, ("available_for_pickup", day(15))),
            clock(day(70)),
        ],
        [notified("awaiting_pickup", day(45))],
    ),
    case(
        "reminded, then a new stay after a failed delivery: reminded again",
        [
            registered(protection_days=100),
            AT_PICKUP,
            clock(day(38)),
            scans(TN, ("delivery_failed", day(40))),
            scans(TN, ("available_for_pickup", day(41))),
            clock(day(100)),
        ],
        [REMINDER, notified("awaiting_pickup", day(71))],
    ),
    case(
        "an open dispute does not stop the reminder",
        [registered(), AT_PICKUP, dispute("opened", at=day(20)), clock(day(70))],
        [REMINDER],
    ),
    case("protection ends on day 35", [registered(protection_days=35), AT_PICKUP, clock(day(70))], []),
    case(
        "protection extended from day 35 to 60",
        [registered(protection_days=35), AT_PICKUP, extended(day(60), at=day(30)), clock(day(70))],
        [REMINDER],
    ),
    case("receipt confirmed", [registered(), AT_PICKUP, receipt_confirmed(at=day(20)), clock(day(70))], []),
    case(
        "number replaced: the old number at a pickup point is not the order's",
        [registered(), AT_PICKUP, replaced(N2, at=day(13)), clock(day(70))],
        [],
    ),
    case(
        "number replaced: the new number at a pickup point",
        [registered(), replaced(N2, at=day(5)), scans(N2, ("available_for_pickup", day(12))), clock(day(70))],
        [notified("awaiting_pickup", day(42), tracking_number=N2)],
    ),
    case(
        "reminded after 20 days, returned after 25",
        [registered(), AT_PICKUP, clock(day(70))],
        [notified("awaiting_pickup", day(37))],
        pickup_reminder_days=20,
        pickup_return_days=25,
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_pickup_table(history, expected, settings):
    assert raised(history, settings, only=("awaiting_pickup",)) == expected


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_pickup_table_is_idempotent(history, expected, settings):
    assert_idempotent(history, settings)


def test_reminder_says_where_and_since_when():
    history = [registered(), scans(TN, ("available_for_pickup", day(12)), location="Correos Sevilla 3"), clock(day(37))]
    (reminder,) = [o for o in run(history) if o.topic == "buyer.notifications.v1" and o.template == "awaiting_pickup"]
    assert (reminder.key, reminder.buyer_id, reminder.deadline) == ("o-1", "b-1", day(42))
    assert reminder.facts == {"available_since": "2026-03-13T00:00:00Z", "location": "Correos Sevilla 3"}
