"""R8 (protection about to end) and R13 (guaranteed delivery time missed) as tables of short
replay histories.

Shipped on day 0, protection ends on day 60: R8 is due on day 55 and its notice's deadline is
the end of protection. With "delivery within 30 days", R13 is due on day 30.
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
    flagged,
    notified,
    raised,
    receipt_confirmed,
    registered,
    replaced,
    scans,
)

N2 = "LP000000028CN"

R8 = notified("protection_ending_soon", day(60))
IN_TRANSIT = scans(TN, ("export", day(3)), ("import", day(20)))

R8_CASES = [
    case("not delivered: warned 5 days before the end", [registered(), IN_TRANSIT, clock(day(70))], [R8]),
    case("never scans: warned too", [registered(), clock(day(70))], [R8]),
    case("clock line at day 55", [registered(), IN_TRANSIT, clock(day(55))], [R8]),
    case("clock line just before day 55", [registered(), IN_TRANSIT, clock(day(54.99))], []),
    case("delivered on day 40", [registered(), IN_TRANSIT, scans(TN, ("delivered", day(40))), clock(day(70))], []),
    case(
        "delivered on day 57, after the warning",
        [registered(), IN_TRANSIT, scans(TN, ("delivered", day(57))), clock(day(70))],
        [R8],
    ),
    case(
        "late delivery: occurred day 50, arrived day 56, after the warning was due",
        [registered(), IN_TRANSIT, scans(TN, ("delivered", day(50)), at=day(56)), clock(day(70))],
        [R8],
    ),
    case(
        "late delivery: occurred day 50, arrived day 54",
        [registered(), IN_TRANSIT, scans(TN, ("delivered", day(50)), at=day(54)), clock(day(70))],
        [],
    ),
    case(
        "registered on day 57, delivered on day 56: the warning was due on day 55",
        [IN_TRANSIT, scans(TN, ("delivered", day(56))), registered(at=day(57), shipped_at=day(0)), clock(day(70))],
        [R8],
    ),
    case(
        "delivery contradicted by a return: protection restored, warning due again",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("delivered", day(30))),
            scans(TN, ("returning_to_sender", day(33))),
            clock(day(70)),
        ],
        [R8],
    ),
    case(
        "an open dispute does not stop the warning",
        [registered(), IN_TRANSIT, dispute("opened", at=day(45)), clock(day(70))],
        [R8],
    ),
    case(
        "protection extended to day 90 before the warning",
        [registered(), IN_TRANSIT, extended(day(90), at=day(40)), clock(day(100))],
        [notified("protection_ending_soon", day(90))],
    ),
    case(
        "protection extended to day 90 after the warning: warned again before the new end",
        [registered(), IN_TRANSIT, clock(day(56)), extended(day(90), at=day(56)), clock(day(100))],
        [R8, notified("protection_ending_soon", day(90))],
    ),
    case(
        "the same extension delivered twice, late",
        [
            registered(),
            IN_TRANSIT,
            extended(day(90), at=day(40)),
            extended(day(90), at=day(86)),
            clock(day(100)),
        ],
        [notified("protection_ending_soon", day(90))],
    ),
    case("receipt confirmed", [registered(), IN_TRANSIT, receipt_confirmed(at=day(50)), clock(day(70))], []),
    case(
        "number replaced on day 30: the warning goes out for the new number",
        [registered(), IN_TRANSIT, replaced(N2, at=day(30)), clock(day(70))],
        [notified("protection_ending_soon", day(60), tracking_number=N2)],
    ),
    case(
        "number replaced after the warning: not warned twice",
        [registered(), IN_TRANSIT, replaced(N2, at=day(56)), clock(day(70))],
        [R8],
    ),
    case("warned 10 days before the end", [registered(), IN_TRANSIT, clock(day(50))], [R8], protection_ending_days=10),
    case("warned 5 days before the end, by default", [registered(), IN_TRANSIT, clock(day(50))], []),
]


@pytest.mark.parametrize(("history", "expected", "settings"), R8_CASES)
def test_protection_ending_table(history, expected, settings):
    assert raised(history, settings, only=("protection_ending_soon",)) == expected


def guaranteed(**kwargs) -> dict:
    return registered(guaranteed_delivery_days=30, **kwargs)


R13 = flagged("guaranteed_delivery_missed", day(30))

R13_CASES = [
    case("not delivered in 30 days", [guaranteed(), IN_TRANSIT, clock(day(70))], [R13]),
    case("never scans", [guaranteed(), clock(day(70))], [R13]),
    case("no guarantee", [registered(), IN_TRANSIT, clock(day(70))], []),
    case("clock line at day 30", [guaranteed(), IN_TRANSIT, clock(day(30))], [R13]),
    case("clock line just before day 30", [guaranteed(), IN_TRANSIT, clock(day(29.99))], []),
    case("delivered on day 29", [guaranteed(), scans(TN, ("export", day(3)), ("delivered", day(29)))], []),
    case(
        "delivered on day 31",
        [guaranteed(), IN_TRANSIT, scans(TN, ("delivered", day(31))), clock(day(70))],
        [R13],
    ),
    case(
        "late delivery: occurred day 29, arrived day 31, after R13 was due",
        [guaranteed(), IN_TRANSIT, scans(TN, ("delivered", day(29)), at=day(31)), clock(day(70))],
        [R13],
    ),
    case(
        "registered on day 32, delivered on day 31: R13 stands",
        [scans(TN, ("delivered", day(31))), guaranteed(at=day(32), shipped_at=day(0)), clock(day(70))],
        [R13],
    ),
    case(
        "raised_at is the deadline: first heard of on day 45",
        [guaranteed(), clock(day(45))],
        [R13],
    ),
    case(
        "duplicate delivery pushes after the deadline",
        [
            guaranteed(),
            scans(TN, ("delivered", day(35))),
            scans(TN, ("delivered", day(35)), at=day(36)),
            clock(day(70)),
        ],
        [R13],
    ),
    case(
        "delivered, then returned, before day 30",
        [
            guaranteed(),
            scans(TN, ("delivered", day(20))),
            scans(TN, ("returning_to_sender", day(25))),
            clock(day(70)),
        ],
        [R13],
    ),
    case("protection ends on day 25", [guaranteed(protection_days=25), clock(day(70))], []),
    case(
        "protection extended from day 25 to 60 before day 30",
        [guaranteed(protection_days=25), extended(day(60), at=day(20)), clock(day(70))],
        [R13],
    ),
    case("receipt confirmed on day 28", [guaranteed(), receipt_confirmed(at=day(28)), clock(day(70))], []),
    case(
        "number replaced: still counted from shipment",
        [guaranteed(), replaced(N2, at=day(10)), clock(day(70))],
        [flagged("guaranteed_delivery_missed", day(30), tracking_number=N2)],
    ),
    case(
        "number replaced after R13: not raised twice",
        [guaranteed(), replaced(N2, at=day(31)), clock(day(70))],
        [R13],
    ),
    case(
        "delivery within 45 days",
        [registered(guaranteed_delivery_days=45), clock(day(70))],
        [flagged("guaranteed_delivery_missed", day(45))],
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), R13_CASES)
def test_guaranteed_delivery_table(history, expected, settings):
    assert raised(history, settings, only=("guaranteed_delivery_missed",)) == expected


@pytest.mark.parametrize(("history", "expected", "settings"), R8_CASES + R13_CASES)
def test_protection_tables_are_idempotent(history, expected, settings):
    assert_idempotent(history, settings)
