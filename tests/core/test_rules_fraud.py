"""R14 (fake or reused numbers) as tables of short replay histories: a number whose first scan
predates the shipment by more than a day (raised at the shipment), and a delivery in another
country than the order's destination (raised at the delivery scan).

Shipped on day 5 to Spain (ES), protection ends on day 65.
"""

import pytest

from tests.core.helpers import (
    TN,
    assert_idempotent,
    case,
    clock,
    day,
    dispute,
    flagged,
    raised,
    receipt_confirmed,
    registered,
    replaced,
    scans,
)

N2 = "LP000000028CN"
SHIPPED = day(5)


def order(**kwargs) -> dict:
    return registered(at=SHIPPED, **kwargs)


PREDATES = flagged("tracking_number_predates_shipment", SHIPPED)

PREDATES_CASES = [
    case("first scan 3 days before shipment", [order(), scans(TN, ("in_transit", day(2)), at=day(6))], [PREDATES]),
    case("first scan 1.5 days before shipment", [order(), scans(TN, ("in_transit", day(3.5)), at=day(6))], [PREDATES]),
    case("first scan exactly 1 day before shipment", [order(), scans(TN, ("in_transit", day(4)), at=day(6))], []),
    case("first scan after shipment", [order(), scans(TN, ("in_transit", day(6)))], []),
    case(
        "an electronic notice before shipment is not a scan",
        [order(), scans(TN, ("info_received", day(1)), ("in_transit", day(6)))],
        [],
    ),
    case(
        "the number scanned before the order was registered: flagged at registration",
        [scans(TN, ("in_transit", day(1)), ("delivered", day(3))), order()],
        [PREDATES],
    ),
    case(
        "out of order: the old scan arrives after a recent one",
        [order(), scans(TN, ("in_transit", day(6))), scans(TN, ("export", day(1)), at=day(7))],
        [PREDATES],
    ),
    case(
        "duplicate pushes",
        [order(), scans(TN, ("in_transit", day(2)), at=day(6)), scans(TN, ("in_transit", day(2)), at=day(7))],
        [PREDATES],
    ),
    case(
        "a dispute cancelled before it changes nothing",
        [
            order(),
            dispute("opened", at=day(5.5)),
            dispute("cancelled", at=day(5.6)),
            scans(TN, ("in_transit", day(2)), at=day(6)),
        ],
        [PREDATES],
    ),
    case(
        "the old scan arrives after protection ended",
        [order(protection_days=10), scans(TN, ("in_transit", day(2)), at=day(16))],
        [],
    ),
    case(
        "receipt confirmed",
        [order(), receipt_confirmed(at=day(6)), scans(TN, ("in_transit", day(2)), at=day(7))],
        [],
    ),
    case(
        "number replaced: the new number predates the shipment",
        [order(), replaced(N2, at=day(6)), scans(N2, ("in_transit", day(1)), at=day(7))],
        [flagged("tracking_number_predates_shipment", SHIPPED, tracking_number=N2)],
    ),
    case(
        "number replaced: the old number's old scans are no longer the order's",
        [order(), replaced(N2, at=day(6)), scans(TN, ("in_transit", day(1)), at=day(7)), clock(day(30))],
        [],
    ),
    case(
        "3 days allowed",
        [order(), scans(TN, ("in_transit", day(2.5)), at=day(6))],
        [],
        shipment_predates_days=3,
    ),
    case(
        "no margin",
        [order(), scans(TN, ("in_transit", day(4.9)), at=day(6))],
        [PREDATES],
        shipment_predates_days=0,
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), PREDATES_CASES)
def test_number_predates_shipment_table(history, expected, settings):
    assert raised(history, settings, only=("tracking_number_predates_shipment",)) == expected


IN_TRANSIT = scans(TN, ("export", day(7)), ("import", day(15)), country="CN")
MISMATCH = flagged("destination_mismatch", day(20))

DESTINATION_CASES = [
    case("delivered in the destination country", [order(), IN_TRANSIT, scans(TN, ("delivered", day(20)))], []),
    case(
        "delivered in another country",
        [order(), IN_TRANSIT, scans(TN, ("delivered", day(20)), country="FR")],
        [MISMATCH],
    ),
    case(
        "scans abroad before the delivery are the journey",
        [order(), IN_TRANSIT, scans(TN, ("in_transit", day(16)), country="FR"), clock(day(19))],
        [],
    ),
    case(
        "a delivery with no country",
        [order(), IN_TRANSIT, scans(TN, ("delivered", day(20)), country=None)],
        [],
    ),
    case(
        "late delivery scan: raised at the scan, not its arrival",
        [order(), IN_TRANSIT, scans(TN, ("delivered", day(20)), at=day(23), country="FR")],
        [MISMATCH],
    ),
    case(
        "duplicate delivery pushes",
        [
            order(),
            IN_TRANSIT,
            scans(TN, ("delivered", day(20)), country="FR"),
            scans(TN, ("delivered", day(20)), at=day(21), country="FR"),
        ],
        [MISMATCH],
    ),
    case(
        "out of order: the delivery arrives before the journey",
        [order(), scans(TN, ("delivered", day(20)), country="FR"), IN_TRANSIT | {"at": day(21).isoformat()}],
        [MISMATCH],
    ),
    case(
        "delivered after protection ended",
        [order(protection_days=10), IN_TRANSIT, scans(TN, ("delivered", day(20)), country="FR")],
        [],
    ),
    case(
        "receipt confirmed",
        [order(), IN_TRANSIT, receipt_confirmed(at=day(18)), scans(TN, ("delivered", day(20)), country="FR")],
        [],
    ),
    case(
        "number replaced: the new number is delivered abroad",
        [order(), replaced(N2, at=day(6)), scans(N2, ("delivered", day(20)), country="FR")],
        [flagged("destination_mismatch", day(20), tracking_number=N2)],
    ),
    case(
        "number replaced: the old number delivered abroad is not the order's",
        [order(), IN_TRANSIT, replaced(N2, at=day(16)), scans(TN, ("delivered", day(20)), country="FR")],
        [],
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), DESTINATION_CASES)
def test_destination_mismatch_table(history, expected, settings):
    assert raised(history, settings, only=("destination_mismatch",)) == expected


BAD_S10 = "LP000000017CN"  # the check digit of 00000001 is 4
INVALID_CASES = [
    case(
        "an S10 number with a wrong check digit is flagged at registration",
        [registered(BAD_S10, shipped_at=day(0), at=day(1))],
        [flagged("invalid_tracking_number", day(0), tracking_number=BAD_S10)],
    ),
    case(
        "flagged once, whatever scans follow",
        [
            registered(BAD_S10, at=day(0)),
            scans(BAD_S10, ("in_transit", day(2))),
            scans(BAD_S10, ("delivered", day(9))),
        ],
        [flagged("invalid_tracking_number", day(0), tracking_number=BAD_S10)],
    ),
    case("a valid S10 number is not flagged", [registered(TN, at=day(0))], []),
    case("a number of another format is not an S10 number", [registered("1Z999AA10123456784", at=day(0))], []),
    case(
        "a replacement with a wrong check digit is flagged from the replacement",
        [registered(TN, at=day(0)), replaced(BAD_S10, TN, at=day(3))],
        [flagged("invalid_tracking_number", day(3), tracking_number=BAD_S10)],
    ),
]


@pytest.mark.parametrize(("history", "expected", "settings"), INVALID_CASES)
def test_invalid_tracking_number_table(history, expected, settings):
    assert raised(history, settings, only=("invalid_tracking_number",)) == expected


@pytest.mark.parametrize(("history", "expected", "settings"), PREDATES_CASES + DESTINATION_CASES + INVALID_CASES)
def test_fraud_tables_are_idempotent(history, expected, settings):
    assert_idempotent(history, settings)
