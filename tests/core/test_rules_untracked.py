"""R2, R3, R4 and R6 (a number that never scans) as a table of short replay histories.

Shipped and registered on day 0, protection ends on day 60: R2 is due on day 10, R3 on day 15,
R4 (under $10) on day 57. Each row lists every flag and notification these rules raise.
"""

import pytest

from tests.core.helpers import (
    TN,
    assert_idempotent,
    case,
    clock,
    day,
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
RULE_OUTPUTS = (
    "tracking_unreadable_seller_check",
    "tracking_unreadable",
    "tracking_unreadable_can_dispute",
    "low_value_untracked",
)


def unreadable(since: float, ends: float = 60, tracking_number: str = TN) -> list:
    """R2 and R3 for a number tracked since `since` in an order protected until `ends`."""
    return [
        flagged("tracking_unreadable_seller_check", day(since + 10), tracking_number=tracking_number),
        flagged("tracking_unreadable", day(since + 15), tracking_number=tracking_number),
        notified("tracking_unreadable_can_dispute", day(ends), tracking_number=tracking_number),
    ]


R2 = flagged("tracking_unreadable_seller_check", day(10))
R4 = flagged("low_value_untracked", day(57))

CASES = [
    # parcels that never scan, and the clock-only line
    case("never scans: R2 at day 10, R3 at day 15", [registered(), clock(day(70))], unreadable(0)),
    case("clock line at the deadline fires R2", [registered(), clock(day(10))], [R2]),
    case("clock line just before the deadline fires nothing", [registered(), clock(day(9.99))], []),
    case(
        "raised_at is the deadline, not the line that noticed it",
        [registered(), clock(day(13)), clock(day(40))],
        unreadable(0),
    ),
    # R6: one real scan ends R2/R3 for good; notices do not count
    case("a scan before day 10", [registered(), scans(TN, ("in_transit", day(4))), clock(day(70))], []),
    case(
        "a scan between day 10 and 15: R2 only",
        [registered(), scans(TN, ("in_transit", day(12))), clock(day(70))],
        [R2],
    ),
    case(
        "info_received only: still never scanned",
        [registered(), scans(TN, ("info_received", day(1))), clock(day(70))],
        unreadable(0),
    ),
    case(
        "unknown only: still never scanned",
        [registered(), scans(TN, ("unknown", day(2))), clock(day(70))],
        unreadable(0),
    ),
    case(
        "notice first, the real scan after day 10",
        [registered(), scans(TN, ("info_received", day(1))), scans(TN, ("export", day(11))), clock(day(70))],
        [R2],
    ),
    case(
        "after one scan, only notices for weeks: the number still counts as working",
        [
            registered(),
            scans(TN, ("in_transit", day(2))),
            scans(TN, ("info_received", day(20))),
            clock(day(70)),
        ],
        [],
    ),
    # late, duplicate and out-of-order scans
    case(
        "late scan: occurred day 8, arrived day 12: R2 was due with no scan known, R3 is not",
        [registered(), scans(TN, ("in_transit", day(8)), at=day(12)), clock(day(70))],
        [R2],
    ),
    case(
        "late scan arriving after both deadlines: both had fired at their deadlines",
        [registered(), scans(TN, ("in_transit", day(8)), at=day(16)), clock(day(70))],
        unreadable(0),
    ),
    case(
        "out of order: a later scan arrives before an earlier notice",
        [
            registered(),
            scans(TN, ("in_transit", day(9))),
            scans(TN, ("info_received", day(1)), at=day(9.5)),
            clock(day(70)),
        ],
        [],
    ),
    case(
        "duplicate notices are one notice",
        [
            registered(),
            scans(TN, ("info_received", day(1))),
            scans(TN, ("info_received", day(1)), at=day(2)),
            clock(day(70)),
        ],
        unreadable(0),
    ),
    case(
        "registration redelivered after R2 fired: no second R2",
        [registered(), clock(day(11)), registered(at=day(11), shipped_at=day(0)), clock(day(12))],
        [R2],
    ),
    # registered late: deadlines that already passed are raised at once, at their own time
    case(
        "registered on day 12 for a day-0 shipment",
        [registered(at=day(12), shipped_at=day(0)), clock(day(70))],
        unreadable(0),
    ),
    case(
        "registered on day 12, the number scanned before",
        [scans(TN, ("in_transit", day(3))), registered(at=day(12), shipped_at=day(0)), clock(day(70))],
        [],
    ),
    case(
        "registered on day 12, the first scan on day 11: R2 was due before it",
        [scans(TN, ("in_transit", day(11))), registered(at=day(12), shipped_at=day(0)), clock(day(70))],
        [R2],
    ),
    # the order's events
    case(
        "protection extended before R3: the buyer's notice carries the new end",
        [registered(), extended(day(90), at=day(12)), clock(day(100))],
        unreadable(0, ends=90),
    ),
    case(
        "number replaced on day 5: the clock restarts from the replacement",
        [registered(), replaced(N2, at=day(5)), clock(day(70))],
        unreadable(5, tracking_number=N2),
    ),
    case(
        "number replaced on day 12, after R2 on the old number",
        [registered(), replaced(N2, at=day(12)), clock(day(70))],
        [R2, *unreadable(12, tracking_number=N2)],
    ),
    case(
        "the old number's scans after the replacement do not count for the order",
        [registered(), replaced(N2, at=day(5)), scans(TN, ("in_transit", day(6))), clock(day(70))],
        unreadable(5, tracking_number=N2),
    ),
    case(
        "the new number scans: the order's R2/R3 end",
        [registered(), replaced(N2, at=day(5)), scans(N2, ("in_transit", day(7))), clock(day(70))],
        [],
    ),
    case("receipt confirmed before day 10", [registered(), receipt_confirmed(at=day(8)), clock(day(70))], []),
    case(
        "receipt confirmed between R2 and R3",
        [registered(), receipt_confirmed(at=day(12)), clock(day(70))],
        [R2],
    ),
    case(
        "protection ends on day 12: R3 comes after it and is not raised",
        [registered(protection_days=12), clock(day(70))],
        [R2],
    ),
    case("protection ends on day 8: nothing", [registered(protection_days=8), clock(day(70))], []),
    # R4: under $10, no R2/R3; one flag with 3 days of protection left
    case("low value never scans: R4 only", [registered(value_usd="9.99"), clock(day(70))], [R4]),
    case(
        "exactly $10 is not low value",
        [registered(value_usd="10.00"), clock(day(70))],
        unreadable(0),
    ),
    case(
        "low value scanned before day 57",
        [registered(value_usd="5.00"), scans(TN, ("in_transit", day(56))), clock(day(70))],
        [],
    ),
    case(
        "low value scanned after day 57: R4 stands",
        [registered(value_usd="5.00"), scans(TN, ("in_transit", day(58))), clock(day(70))],
        [R4],
    ),
    case(
        "low value, late scan: occurred day 50, arrived day 58",
        [registered(value_usd="5.00"), scans(TN, ("in_transit", day(50)), at=day(58)), clock(day(70))],
        [R4],
    ),
    case(
        "low value registered on day 58, the first scan on day 57.5: R4 was due before it",
        [
            scans(TN, ("in_transit", day(57.5))),
            registered(at=day(58), shipped_at=day(0), value_usd="5.00"),
            clock(day(70)),
        ],
        [R4],
    ),
    case(
        "low value, a notice only: R4",
        [registered(value_usd="5.00"), scans(TN, ("info_received", day(1))), clock(day(70))],
        [R4],
    ),
    case(
        "R4 fires once however many clock lines follow",
        [registered(value_usd="5.00"), clock(day(57)), clock(day(58)), clock(day(59)), clock(day(70))],
        [R4],
    ),
    case(
        "low value, protection extended before R4: R4 moves to 3 days before the new end",
        [registered(value_usd="5.00"), extended(day(90), at=day(30)), clock(day(100))],
        [flagged("low_value_untracked", day(87))],
    ),
    case(
        "low value, protection extended after R4: still one flag",
        [registered(value_usd="5.00"), clock(day(58)), extended(day(90), at=day(58)), clock(day(100))],
        [R4],
    ),
    case(
        "low value, number replaced: R4 once, on the new number",
        [registered(value_usd="5.00"), replaced(N2, at=day(20)), clock(day(70))],
        [flagged("low_value_untracked", day(57), tracking_number=N2)],
    ),
    case(
        "low value, receipt confirmed",
        [registered(value_usd="5.00"), receipt_confirmed(at=day(30)), clock(day(70))],
        [],
    ),
    # settings change the numbers
    case(
        "seller check at 7 days, unreadable at 20",
        [registered(), clock(day(70))],
        [
            flagged("tracking_unreadable_seller_check", day(7)),
            flagged("tracking_unreadable", day(20)),
            notified("tracking_unreadable_can_dispute", day(60)),
        ],
        seller_check_days=7,
        unreadable_days=20,
    ),
    case(
        "low value threshold $30: a $25 order is low value",
        [registered(), clock(day(70))],
        [R4],
        low_value_usd="30",
    ),
    case(
        "R4 with 10 days left",
        [registered(value_usd="5.00"), clock(day(70))],
        [flagged("low_value_untracked", day(50))],
        low_value_days_left=10,
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_untracked_number_table(history, expected, settings):
    assert raised(history, settings, only=RULE_OUTPUTS) == expected


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_untracked_number_table_is_idempotent(history, expected, settings):
    assert_idempotent(history, settings)
