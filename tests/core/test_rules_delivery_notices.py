"""R9 and R11 (the buyer told of a delivery in time to act) and R12 (a "not received" dispute
opened after tracking showed delivered) as tables of short replay histories.

Shipped on day 0, protection ends on day 60; a delivery on day 20 gives the buyer until day 25.
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
RULE_OUTPUTS = ("delivered_open_dispute", "delivered_check_receipt", "dispute_conflicts_with_delivery")

IN_TRANSIT = scans(TN, ("export", day(3)), ("import", day(15)))
DELIVERED = scans(TN, ("delivered", day(20)))
R9 = notified("delivered_open_dispute", day(25))
R11 = notified("delivered_check_receipt", day(25))

R9_R11_CASES = [
    case("delivered, no dispute", [registered(), IN_TRANSIT, DELIVERED], [R11]),
    case("delivered with an open not-received dispute", [registered(), dispute("opened", at=day(18)), DELIVERED], [R9]),
    case(
        "dispute opened and cancelled before delivery",
        [registered(), dispute("opened", at=day(10)), dispute("cancelled", at=day(12)), DELIVERED],
        [R11],
    ),
    case(
        "dispute closed before delivery",
        [registered(), dispute("opened", at=day(10)), dispute("closed", at=day(12)), DELIVERED],
        [R11],
    ),
    case(
        "an open dispute for another reason",
        [registered(), dispute("opened", at=day(18), reason="not_as_described"), DELIVERED],
        [R11],
    ),
    case(
        "dispute modified to not received before delivery",
        [
            registered(),
            dispute("opened", at=day(10), reason="not_as_described"),
            dispute("modified", at=day(12)),
            DELIVERED,
        ],
        [R9],
    ),
    case(
        "dispute escalated before delivery",
        [registered(), dispute("opened", at=day(10)), dispute("escalated", at=day(12)), DELIVERED],
        [R9],
    ),
    case(
        "dispute arrives before the order is registered",
        [dispute("opened", at=day(0)), registered(at=day(0.5), shipped_at=day(0)), DELIVERED],
        [R9],
    ),
    case("duplicate delivery pushes", [registered(), DELIVERED, DELIVERED | {"at": day(21).isoformat()}], [R11]),
    case(
        "late delivery scan: occurred day 20, arrived day 23: deadline from the scan",
        [registered(), IN_TRANSIT, scans(TN, ("delivered", day(20)), at=day(23))],
        [R11],
    ),
    case(
        "out of order: the delivery arrives before the earlier scans",
        [registered(), DELIVERED, scans(TN, ("export", day(3)), ("import", day(15)), at=day(21))],
        [R11],
    ),
    case(
        "an older scan arriving after the delivery does not notify again",
        [registered(), DELIVERED, scans(TN, ("out_for_delivery", day(19)), at=day(22))],
        [R11],
    ),
    case(
        "delivered, contradicted, delivered again: one notice per delivery",
        [
            registered(),
            DELIVERED,
            scans(TN, ("in_transit", day(22))),
            scans(TN, ("delivered", day(30))),
        ],
        [R11, notified("delivered_check_receipt", day(35))],
    ),
    case(
        "protection ends on day 22, before delivered + 5: act before protection ends",
        [registered(protection_days=22), IN_TRANSIT, DELIVERED],
        [notified("delivered_check_receipt", day(22))],
    ),
    case(
        "late delivery scan arriving after the end it shortens protection to: protection is over, no notice",
        [registered(), IN_TRANSIT, scans(TN, ("delivered", day(20)), at=day(26))],
        [],
    ),
    case(
        "delivery scan arrives after protection ended",
        [registered(), IN_TRANSIT, scans(TN, ("delivered", day(58)), at=day(61))],
        [],
    ),
    case(
        "protection extended, then delivered: the 5 days still count from the delivery",
        [registered(), extended(day(90), at=day(10)), DELIVERED],
        [R11],
    ),
    case("receipt confirmed, then delivered", [registered(), receipt_confirmed(at=day(19)), DELIVERED], []),
    case(
        "number replaced: the dispute follows the order",
        [
            registered(),
            dispute("opened", at=day(8)),
            replaced(N2, at=day(9)),
            scans(N2, ("delivered", day(20))),
        ],
        [notified("delivered_open_dispute", day(25), tracking_number=N2)],
    ),
    case(
        "number replaced, then a dispute: it reaches the new number",
        [
            registered(),
            replaced(N2, at=day(9)),
            dispute("opened", at=day(10)),
            scans(N2, ("delivered", day(20))),
        ],
        [notified("delivered_open_dispute", day(25), tracking_number=N2)],
    ),
    case(
        "number replaced: a delivery on the old number is not the order's",
        [registered(), replaced(N2, at=day(9)), DELIVERED, clock(day(70))],
        [],
    ),
    case(
        "buyer has 7 days",
        [registered(), DELIVERED],
        [notified("delivered_check_receipt", day(27))],
        act_after_delivery_days=7,
        delivered_protection_days=7,
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), R9_R11_CASES)
def test_delivery_notice_table(history, expected, settings):
    assert raised(history, settings, only=RULE_OUTPUTS) == expected


R12_CASES = [
    case(
        "not-received dispute opened after the delivery",
        [registered(), DELIVERED, dispute("opened", at=day(22))],
        [R11, flagged("dispute_conflicts_with_delivery", day(22))],
    ),
    case(
        "opened before the delivery",
        [registered(), dispute("opened", at=day(19)), DELIVERED, clock(day(30))],
        [R9],
    ),
    case(
        "opened before the delivery, escalated after it: opened before, no flag",
        [registered(), dispute("opened", at=day(19)), DELIVERED, dispute("escalated", at=day(22))],
        [R9],
    ),
    case(
        "opened after the delivery for another reason",
        [registered(), DELIVERED, dispute("opened", at=day(22), reason="damaged")],
        [R11],
    ),
    case(
        "the open dispute redelivered later",
        [
            registered(),
            DELIVERED,
            dispute("opened", at=day(22)),
            dispute("opened", at=day(22)) | {"at": "2026-03-24T00:00:00Z"},
        ],
        [R11, flagged("dispute_conflicts_with_delivery", day(22))],
    ),
    case(
        "escalated afterwards: still one flag",
        [registered(), DELIVERED, dispute("opened", at=day(22)), dispute("escalated", at=day(23))],
        [R11, flagged("dispute_conflicts_with_delivery", day(22))],
    ),
    case(
        "a second dispute after the delivery is a second signal",
        [
            registered(),
            DELIVERED,
            dispute("opened", at=day(21)),
            dispute("cancelled", at=day(21.5)),
            dispute("opened", at=day(22), dispute_id="d-2"),
        ],
        [
            R11,
            flagged("dispute_conflicts_with_delivery", day(21)),
            flagged("dispute_conflicts_with_delivery", day(22)),
        ],
    ),
    case(
        "late delivery scan: occurred before the dispute, arrived after it (carrier time decides)",
        [registered(), IN_TRANSIT, dispute("opened", at=day(22)), scans(TN, ("delivered", day(20)), at=day(23))],
        [R9, flagged("dispute_conflicts_with_delivery", day(22))],
    ),
    case(
        "dispute opened after the shortened protection ended",
        [registered(), DELIVERED, dispute("opened", at=day(26))],
        [R11],
    ),
    case(
        "receipt confirmed, then a dispute",
        [registered(), DELIVERED, receipt_confirmed(at=day(21)), dispute("opened", at=day(22))],
        [R11],
    ),
    case(
        "number replaced: the new number's delivery counts",
        [
            registered(),
            replaced(N2, at=day(9)),
            scans(N2, ("delivered", day(20))),
            dispute("opened", at=day(22)),
        ],
        [
            notified("delivered_check_receipt", day(25), tracking_number=N2),
            flagged("dispute_conflicts_with_delivery", day(22), tracking_number=N2),
        ],
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), R12_CASES)
def test_dispute_after_delivery_table(history, expected, settings):
    assert raised(history, settings, only=RULE_OUTPUTS) == expected


@pytest.mark.parametrize(("history", "expected", "settings"), R9_R11_CASES + R12_CASES)
def test_delivery_notice_tables_are_idempotent(history, expected, settings):
    assert_idempotent(history, settings)


def test_notices_carry_what_the_buyer_needs():
    outputs = run(
        [
            registered(),
            IN_TRANSIT,
            dispute("opened", at=day(18)),
            scans(TN, ("delivered", day(20)), location="Sevilla"),
        ]
    )
    (notice,) = [o for o in outputs if o.topic == "buyer.notifications.v1" and o.template.startswith("delivered")]
    assert notice.model_dump(mode="json", exclude={"event_id"}) == {
        "schema_version": 1,
        "type": "notification",
        "template": "delivered_open_dispute",
        "order_id": "o-1",
        "buyer_id": "b-1",
        "tracking_number": TN,
        "deadline": "2026-03-26T00:00:00Z",
        "facts": {"delivered_at": "2026-03-21T00:00:00Z", "location": "Sevilla", "dispute_id": "d-1"},
    }


def test_conflict_flag_details():
    outputs = run([registered(), IN_TRANSIT, DELIVERED, dispute("opened", at=day(22))])
    (conflict,) = [o for o in outputs if o.topic == "tracking.flags.v1" and o.flag == "dispute_conflicts_with_delivery"]
    assert conflict.key == "o-1"
    assert conflict.details == {
        "dispute_id": "d-1",
        "delivered_at": "2026-03-21T00:00:00Z",
        "delivered_location": "Madrid",
    }


def test_a_second_delivered_scan_with_the_same_deadline_is_not_a_second_notice():
    """Carriers often send "delivered" twice (a scan, then the signature); protection already ends
    at the first delivery + 5 days, so the second would repeat the deadline under the same
    `event_id` with another `delivered_at`."""
    from datetime import timedelta

    from schemas.outputs import BuyerNotification
    from schemas.types import format_utc

    again = day(20) + timedelta(minutes=1)
    history = [registered(), scans(TN, ("delivered", day(20))), scans(TN, ("delivered", again))]
    notices = [o for o in run(history) if isinstance(o, BuyerNotification) and o.template == "delivered_check_receipt"]
    assert [(n.facts["delivered_at"], n.deadline) for n in notices] == [(format_utc(day(20)), day(25))]
