"""R5 (stuck in export) and R7 (origin-only tracking) as a table of short replay histories.

Shipped on day 0, protection ends on day 60. An export scan on day 3 makes R7 due on day 23
(20 days of silence) and R5 on day 33 (30 days in export).
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
    raised,
    receipt_confirmed,
    registered,
    replaced,
    scans,
)

N2 = "LP000000028CN"
RULE_OUTPUTS = ("stuck_in_export", "origin_only_tracking")

R7 = flagged("origin_only_tracking", day(23))
R5 = flagged("stuck_in_export", day(33))
EXPORTED = scans(TN, ("in_transit", day(1)), ("export", day(3)), country="CN")

CASES = [
    case("export, then silence", [registered(), EXPORTED, clock(day(70))], [R7, R5]),
    case("clock line at day 33 fires both", [registered(), EXPORTED, clock(day(33))], [R7, R5]),
    case("clock line just before day 23 fires nothing", [registered(), EXPORTED, clock(day(22.99))], []),
    case(
        "raised_at is the deadline: the export scan arrives on day 40 (one decision, rules in their order)",
        [registered(), scans(TN, ("export", day(3)), at=day(40)), clock(day(70))],
        [R5, R7],
    ),
    case("never scans", [registered(), clock(day(70))], []),
    case("import on day 15", [registered(), EXPORTED, scans(TN, ("import", day(15))), clock(day(70))], []),
    case(
        "import on day 28: origin-only was raised, stuck in export is not",
        [registered(), EXPORTED, scans(TN, ("import", day(28))), clock(day(70))],
        [R7],
    ),
    case(
        "delivered without an import scan",
        [registered(), EXPORTED, scans(TN, ("delivered", day(20))), clock(day(70))],
        [],
    ),
    case(
        "R7 counts silence from the last export scan, R5 from the first of the run",
        [registered(), EXPORTED, scans(TN, ("export", day(10)), country="CN"), clock(day(70))],
        [flagged("origin_only_tracking", day(30)), R5],
    ),
    case(
        "late import: occurred day 30, arrived day 35, after R5 was due",
        [registered(), EXPORTED, scans(TN, ("import", day(30)), at=day(35)), clock(day(70))],
        [R7, R5],
    ),
    case(
        "late import: occurred day 25, arrived day 32, before R5 was due",
        [registered(), EXPORTED, scans(TN, ("import", day(25)), at=day(32)), clock(day(70))],
        [R7],
    ),
    case(
        "out of order: the import arrives before the export",
        [registered(), scans(TN, ("import", day(15))), scans(TN, ("export", day(3)), at=day(16)), clock(day(70))],
        [],
    ),
    case(
        "duplicate export pushes",
        [registered(), EXPORTED, EXPORTED | {"at": day(4).isoformat()}, clock(day(70))],
        [R7, R5],
    ),
    case(
        "an import long ago and export now is not origin-only",
        [
            registered(),
            scans(TN, ("import", day(2)), ("export", day(4))),
            clock(day(70)),
        ],
        [flagged("stuck_in_export", day(34))],
    ),
    case("protection ends on day 30: R5 not raised", [registered(protection_days=30), EXPORTED, clock(day(70))], [R7]),
    case("protection ends on day 20: nothing", [registered(protection_days=20), EXPORTED, clock(day(70))], []),
    case(
        "protection extended from day 30 to 60 before R5",
        [registered(protection_days=30), EXPORTED, extended(day(60), at=day(25)), clock(day(70))],
        [R7, R5],
    ),
    case(
        "receipt confirmed on day 25",
        [registered(), EXPORTED, receipt_confirmed(at=day(25)), clock(day(70))],
        [R7],
    ),
    case(
        "number replaced on day 10: the old number's export no longer counts",
        [registered(), EXPORTED, replaced(N2, at=day(10)), clock(day(70))],
        [],
    ),
    case(
        "number replaced, the new number exports on day 12",
        [registered(), EXPORTED, replaced(N2, at=day(10)), scans(N2, ("export", day(12))), clock(day(70))],
        [
            flagged("origin_only_tracking", day(32), tracking_number=N2),
            flagged("stuck_in_export", day(42), tracking_number=N2),
        ],
    ),
    case(
        "stuck after 45 days, origin-only after 10",
        [registered(), EXPORTED, clock(day(70))],
        [flagged("origin_only_tracking", day(13)), flagged("stuck_in_export", day(48))],
        stuck_in_export_days=45,
        origin_only_silence_days=10,
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_export_table(history, expected, settings):
    assert raised(history, settings, only=RULE_OUTPUTS) == expected


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_export_table_is_idempotent(history, expected, settings):
    assert_idempotent(history, settings)
