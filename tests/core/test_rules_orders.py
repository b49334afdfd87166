"""R16 (order events change what is watched) and the disputes around them, as a table of short
replay histories. Each row lists everything raised for the order: flags, notifications and
protection adjustments from every rule.

Shipped on day 0, protection ends on day 60.
"""

import pytest

from tests.core.helpers import (
    TN,
    adjusted,
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
N3 = "LP000000031CN"

IN_TRANSIT = scans(TN, ("export", day(3)), ("import", day(8)))
R8 = notified("protection_ending_soon", day(60))


def delivered_on(day_n: float, tracking_number: str = TN) -> dict:
    return scans(tracking_number, ("delivered", day(day_n)))


def unreadable(since: float, tracking_number: str, ends: float = 60) -> list:
    return [
        flagged("tracking_unreadable_seller_check", day(since + 10), tracking_number=tracking_number),
        flagged("tracking_unreadable", day(since + 15), tracking_number=tracking_number),
        notified("tracking_unreadable_can_dispute", day(ends), tracking_number=tracking_number),
    ]


EXTENDED = [
    case(
        "extended before the deadlines: R8 and R4 move to the new end",
        [registered(value_usd="5.00"), extended(day(90), at=day(30)), clock(day(100))],
        [notified("protection_ending_soon", day(90)), flagged("low_value_untracked", day(87))],
    ),
    case(
        "extended after both fired: R8 again for the new end, R4 once",
        [registered(value_usd="5.00"), clock(day(58)), extended(day(90), at=day(58)), clock(day(100))],
        [R8, flagged("low_value_untracked", day(57)), notified("protection_ending_soon", day(90))],
    ),
    case(
        "extended after protection ended: watched again until the new end",
        [registered(), IN_TRANSIT, clock(day(61)), extended(day(90), at=day(61)), clock(day(100))],
        [R8, notified("protection_ending_soon", day(90))],
    ),
    case(
        "extended after an R1 shortening: a later scan no longer restores the old end",
        [
            registered(),
            IN_TRANSIT,
            delivered_on(20),
            extended(day(90), at=day(21)),
            scans(TN, ("in_transit", day(22))),
            clock(day(100)),
        ],
        [
            adjusted("protection_shortened", day(25)),
            notified("delivered_check_receipt", day(25)),
            notified("protection_ending_soon", day(90)),
        ],
    ),
]

REPLACED = [
    case(
        "replaced: R2/R3 count from the replacement, on the new number",
        [registered(), clock(day(11)), replaced(N2, at=day(12)), clock(day(70))],
        [
            flagged("tracking_unreadable_seller_check", day(10)),
            *unreadable(12, N2),
            notified("protection_ending_soon", day(60), tracking_number=N2),
        ],
    ),
    case(
        "replaced: the old number's later scans no longer affect the order",
        [
            registered(),
            IN_TRANSIT,
            replaced(N2, at=day(9)),
            scans(N2, ("export", day(10))),
            delivered_on(20),
            scans(TN, ("returning_to_sender", day(25))),
            scans(N2, ("import", day(26)), ("delivered", day(28))),
        ],
        [
            adjusted("protection_shortened", day(33), tracking_number=N2),
            notified("delivered_check_receipt", day(33), tracking_number=N2),
        ],
    ),
    case(
        "replaced: what fired on the old number is not raised again",
        [
            registered(),
            IN_TRANSIT,
            clock(day(56)),
            replaced(N2, at=day(56)),
            scans(N2, ("import", day(57))),
            clock(day(70)),
        ],
        [R8],
    ),
    case(
        "replaced twice: the order follows to the last number",
        [
            registered(),
            IN_TRANSIT,
            replaced(N2, at=day(9)),
            replaced(N3, N2, at=day(10)),
            delivered_on(18, N2),
            delivered_on(19, N3),
        ],
        [
            adjusted("protection_shortened", day(24), tracking_number=N3),
            notified("delivered_check_receipt", day(24), tracking_number=N3),
        ],
    ),
    case(
        "the replacement redelivered later: handed over once",
        [
            registered(),
            IN_TRANSIT,
            replaced(N2, at=day(9)),
            scans(N2, ("in_transit", day(10))),
            replaced(N2, at=day(11)),
            delivered_on(20, N2),
        ],
        [
            adjusted("protection_shortened", day(25), tracking_number=N2),
            notified("delivered_check_receipt", day(25), tracking_number=N2),
        ],
    ),
    case(
        "replaced: the open dispute follows the order",
        [
            registered(),
            IN_TRANSIT,
            dispute("opened", at=day(8.5)),
            replaced(N2, at=day(9)),
            scans(N2, ("in_transit", day(10))),
            delivered_on(20, N2),
        ],
        [
            adjusted("protection_shortened", day(25), tracking_number=N2),
            notified("delivered_open_dispute", day(25), tracking_number=N2),
        ],
    ),
    case(
        "replaced: a dispute cancelled afterwards reaches the new number",
        [
            registered(),
            IN_TRANSIT,
            dispute("opened", at=day(8.5)),
            replaced(N2, at=day(9)),
            scans(N2, ("in_transit", day(10))),
            dispute("cancelled", at=day(15)),
            delivered_on(20, N2),
        ],
        [
            adjusted("protection_shortened", day(25), tracking_number=N2),
            notified("delivered_check_receipt", day(25), tracking_number=N2),
        ],
    ),
    case(
        "a replacement for an order the old number does not carry changes nothing",
        [registered(), IN_TRANSIT, replaced(N2, at=day(9), order_id="o-9"), delivered_on(20, N2), delivered_on(21)],
        [adjusted("protection_shortened", day(26)), notified("delivered_check_receipt", day(26))],
    ),
]

CLOSED = [
    case(
        "receipt confirmed on day 1: nothing, ever", [registered(), receipt_confirmed(at=day(1)), clock(day(100))], []
    ),
    case(
        "receipt confirmed ends every rule",
        [
            registered(guaranteed_delivery_days=20),
            receipt_confirmed(at=day(12)),
            scans(TN, ("in_transit", day(2)), at=day(13)),
            scans(TN, ("export", day(3)), at=day(13), country="FR"),
            dispute("opened", at=day(14)),
            scans(TN, ("available_for_pickup", day(15))),
            scans(TN, ("delivered", day(20)), country="FR"),
            dispute("opened", at=day(22), dispute_id="d-2"),
            scans(TN, ("returning_to_sender", day(23))),
            extended(day(90), at=day(24)),
            clock(day(100)),
        ],
        [flagged("tracking_unreadable_seller_check", day(10))],
    ),
    case(
        "receipt confirmed for one of two orders on a number",
        [
            registered(order_id="o-1"),
            registered(order_id="o-2"),
            IN_TRANSIT,
            receipt_confirmed(at=day(12), order_id="o-2"),
            delivered_on(20),
        ],
        [adjusted("protection_shortened", day(25)), notified("delivered_check_receipt", day(25))],
    ),
    case(
        "receipt confirmed redelivered",
        [registered(), IN_TRANSIT, receipt_confirmed(at=day(12)), receipt_confirmed(at=day(12)), delivered_on(20)],
        [],
    ),
    case(
        "after the end of protection nothing more is raised",
        [
            registered(protection_days=30),
            IN_TRANSIT,
            clock(day(31)),
            scans(TN, ("returning_to_sender", day(29)), at=day(32)),
            dispute("opened", at=day(33)),
            delivered_on(35),
            clock(day(100)),
        ],
        [notified("protection_ending_soon", day(30))],
    ),
]

DISPUTES = [
    case(
        "dispute opened before delivery",
        [registered(), IN_TRANSIT, dispute("opened", at=day(15)), delivered_on(20)],
        [adjusted("protection_shortened", day(25)), notified("delivered_open_dispute", day(25))],
    ),
    case(
        "dispute opened and cancelled before delivery: R11, not R9",
        [registered(), IN_TRANSIT, dispute("opened", at=day(15)), dispute("cancelled", at=day(16)), delivered_on(20)],
        [adjusted("protection_shortened", day(25)), notified("delivered_check_receipt", day(25))],
    ),
    case(
        "dispute arriving before the order is registered",
        [dispute("opened", at=day(0)), registered(at=day(0.5), shipped_at=day(0)), IN_TRANSIT, delivered_on(20)],
        [adjusted("protection_shortened", day(25)), notified("delivered_open_dispute", day(25))],
    ),
    case(
        "dispute arriving and cancelled before the order is registered",
        [
            dispute("opened", at=day(0)),
            dispute("cancelled", at=day(0.2)),
            registered(at=day(0.5), shipped_at=day(0)),
            IN_TRANSIT,
            delivered_on(20),
        ],
        [adjusted("protection_shortened", day(25)), notified("delivered_check_receipt", day(25))],
    ),
    case(
        "a dispute for another order does not reach this one",
        [registered(), IN_TRANSIT, dispute("opened", at=day(15), order_id="o-2"), delivered_on(20)],
        [adjusted("protection_shortened", day(25)), notified("delivered_check_receipt", day(25))],
    ),
]

CASES = EXTENDED + REPLACED + CLOSED + DISPUTES


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_order_events_table(history, expected, settings):
    assert raised(history, settings) == expected


@pytest.mark.parametrize(("history", "expected", "settings"), CASES)
def test_order_events_table_is_idempotent(history, expected, settings):
    assert_idempotent(history, settings)


def test_dispute_and_delivery_both_known_before_the_order_is_registered():
    history = [
        dispute("opened", at=day(0.5)),
        scans(TN, ("in_transit", day(0.8)), ("delivered", day(1))),
        registered(at=day(2), shipped_at=day(0)),
    ]
    assert raised(history) == [adjusted("protection_shortened", day(6)), notified("delivered_open_dispute", day(6))]


def test_status_changes_name_the_orders_a_number_carries():
    outputs = run(
        [
            registered(),
            IN_TRANSIT,
            replaced(N2, at=day(9)),
            scans(TN, ("delivered", day(20))),
            scans(N2, ("in_transit", day(21))),
        ]
    )
    changes = [(o.tracking_number, o.order_ids, o.status) for o in outputs if o.topic == "shipments.status.v1"]
    assert changes == [(TN, ("o-1",), "import"), (TN, (), "delivered"), (N2, ("o-1",), "in_transit")]
