"""R10 (the parcel goes back to the seller) as a table of short replay histories.

Shipped on day 0, protection ends on day 60: the flags are raised at the return scan, the
buyer's notice (once per order) carries the end of protection as its deadline.
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
    run,
    scans,
)

N2 = "LP000000028CN"
RULE_OUTPUTS = ("returning_to_sender", "returned_to_sender", "parcel_returning")

IN_TRANSIT = scans(TN, ("export", day(3)), ("import", day(15)))
RETURNING = flagged("returning_to_sender", day(30))
RETURNED = flagged("returned_to_sender", day(40))
NOTICE = notified("parcel_returning", day(60))

CASES = [
    case("no return", [registered(), IN_TRANSIT, clock(day(70))], []),
    case("returning", [registered(), IN_TRANSIT, scans(TN, ("returning_to_sender", day(30)))], [RETURNING, NOTICE]),
    case(
        "returning, then returned: one flag per stage, one notice",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("returning_to_sender", day(30))),
            scans(TN, ("returned_to_sender", day(40))),
        ],
        [RETURNING, NOTICE, RETURNED],
    ),
    case("returned only", [registered(), IN_TRANSIT, scans(TN, ("returned_to_sender", day(40)))], [RETURNED, NOTICE]),
    case(
        "a delivery after turning back is the return to the sender",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("returning_to_sender", day(30))),
            scans(TN, ("delivered", day(40))),
        ],
        [RETURNING, NOTICE, RETURNED],
    ),
    case(
        "both stages in one push: the parcel is back, its last stage is flagged",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("returning_to_sender", day(30)), ("returned_to_sender", day(40))),
        ],
        [RETURNED, NOTICE],
    ),
    case(
        "out of order: returned arrives before returning",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("returned_to_sender", day(40))),
            scans(TN, ("returning_to_sender", day(30)), at=day(41)),
        ],
        [RETURNED, NOTICE],
    ),
    case(
        "duplicate pushes",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("returning_to_sender", day(30))),
            scans(TN, ("returning_to_sender", day(30)), at=day(31)),
        ],
        [RETURNING, NOTICE],
    ),
    case(
        "returning, back in transit, returning again: once",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("returning_to_sender", day(30))),
            scans(TN, ("in_transit", day(32))),
            scans(TN, ("returning_to_sender", day(35))),
        ],
        [RETURNING, NOTICE],
    ),
    case(
        "late return scan: raised at the scan, not its arrival",
        [registered(), IN_TRANSIT, scans(TN, ("returning_to_sender", day(30)), at=day(36))],
        [RETURNING, NOTICE],
    ),
    case(
        "an open dispute: notified too",
        [
            registered(),
            IN_TRANSIT,
            dispute("opened", at=day(25)),
            scans(TN, ("returning_to_sender", day(30))),
        ],
        [RETURNING, NOTICE],
    ),
    case(
        "returned after a delivery: the notice carries protection restored to its end",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("delivered", day(20))),
            scans(TN, ("returning_to_sender", day(23))),
        ],
        [flagged("returning_to_sender", day(23)), NOTICE],
    ),
    case(
        "returned after the shortened protection ended: the delivery was wrong, protection is back",
        [
            registered(),
            IN_TRANSIT,
            scans(TN, ("delivered", day(20))),
            scans(TN, ("returning_to_sender", day(30))),
        ],
        [RETURNING, NOTICE],
    ),
    case(
        "protection extended: the notice carries the new end",
        [
            registered(),
            IN_TRANSIT,
            extended(day(90), at=day(20)),
            scans(TN, ("returning_to_sender", day(30))),
        ],
        [RETURNING, notified("parcel_returning", day(90))],
    ),
    case(
        "return scan arrives after protection ended",
        [registered(), IN_TRANSIT, scans(TN, ("returning_to_sender", day(58)), at=day(61))],
        [],
    ),
    case(
        "receipt confirmed",
        [registered(), IN_TRANSIT, receipt_confirmed(at=day(25)), scans(TN, ("returning_to_sender", day(30)))],
        [],
    ),
    case(
        "number replaced: the old number going back is not the order's",
        [registered(), IN_TRANSIT, replaced(N2, at=day(20)), scans(TN, ("returning_to_sender", day(30)))],
        [],
    ),
    case(
        "number replaced: the new number going back is",
        [registered(), IN_TRANSIT, replaced(N2, at=day(20)), scans(N2, ("returning_to_sender", day(30)))],
        [
            flagged("returning_to_sender", day(30), tracking_number=N2),
            notified("parcel_returning", day(60), tracking_number=N2),
        ],
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_return_table(history, expected, settings):
    assert raised(history, settings, only=RULE_OUTPUTS) == expected


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_return_table_is_idempotent(history, expected, settings):
    assert_idempotent(history, settings)


def notice_facts(history: list[dict]) -> list[dict]:
    return [o.facts for o in run(history) if o.topic == "buyer.notifications.v1" and o.template == "parcel_returning"]


RETURN_SCAN = scans(TN, ("returning_to_sender", day(30)))


@pytest.mark.parametrize(
    ("disputes", "expected"),
    [
        pytest.param([], {}, id="no dispute"),
        pytest.param([dispute("opened", at=day(25))], {"dispute_id": "d-1"}, id="open dispute"),
        pytest.param(
            [dispute("opened", at=day(25), reason="damaged")], {"dispute_id": "d-1"}, id="open for another reason"
        ),
        pytest.param(
            [dispute("opened", at=day(25)), dispute("cancelled", at=day(26))], {}, id="cancelled before the return"
        ),
    ],
)
def test_return_notice_names_the_open_dispute(disputes, expected):
    facts = notice_facts([registered(), IN_TRANSIT, *disputes, RETURN_SCAN])
    assert facts == [{"status": "returning_to_sender", "since": "2026-03-31T00:00:00Z", **expected}]
