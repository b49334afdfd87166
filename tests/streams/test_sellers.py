"""The seller scorecard (`sellers.metrics.v1`) as a table of short replay histories.

Seller s-1's orders ship on day 0 (2026-03-01) unless a case says otherwise; a scorecard is
compared as of 00:00 UTC of the day the case names (`as_of`), and every case also runs twice and
with every input delivered twice, for the same outputs and ids.
"""

from typing import NamedTuple

import pytest

from schemas.outputs import SELLER_METRICS_TOPIC, SellerMetrics
from streams.rules.settings import RuleSettings
from streams.sellers.settings import SellerSettings
from tests.core.helpers import TN, assert_idempotent, clock, day, registered, replaced, run, scans

N2, N3 = "LP000000028CN", "LP000000031CN"


class Card(NamedTuple):
    orders: int
    valid_tracking_rate: float | None
    median_hours_to_first_scan: int | None
    delivered: int
    on_time_rate: float | None
    returned: int


def cards(history: list[dict], settings: RuleSettings | None = None, seller: str = "s-1") -> list[SellerMetrics]:
    return [o for o in run(history, settings) if o.topic == SELLER_METRICS_TOPIC and o.seller_id == seller]


def card_as_of(history: list[dict], as_of: int, settings: RuleSettings | None = None) -> Card | None:
    """The one scorecard of `as_of` (None: none was emitted that day)."""
    found = [c for c in cards(history, settings) if c.as_of == day(as_of)]
    assert len(found) <= 1, found
    if not found:
        return None
    c = found[0]
    return Card(c.orders, c.valid_tracking_rate, c.median_hours_to_first_scan, c.delivered, c.on_time_rate, c.returned)


def guaranteed(days: int, tracking_number: str = TN, order_id: str = "o-1", **fields) -> dict:
    return registered(tracking_number, order_id, guaranteed_delivery_days=days, **fields)


NO_SCAN = Card(1, 0.0, None, 0, None, 0)

CASES = [
    ("no scan", [registered(), clock(day(10))], 10, NO_SCAN),
    (
        "an electronic notice only is no scan",
        [registered(), scans(TN, ("info_received", day(1))), clock(day(10))],
        10,
        NO_SCAN,
    ),
    (
        "a scan on day 2: valid, 48 hours",
        [registered(), scans(TN, ("in_transit", day(2))), clock(day(10))],
        10,
        Card(1, 1.0, 48, 0, None, 0),
    ),
    (
        "a scan 5 days after shipment is in time",
        [registered(), scans(TN, ("in_transit", day(5))), clock(day(10))],
        10,
        Card(1, 1.0, 120, 0, None, 0),
    ),
    (
        "a late scan on day 6: not valid, 144 hours",
        [registered(), scans(TN, ("in_transit", day(6))), clock(day(10))],
        10,
        Card(1, 0.0, 144, 0, None, 0),
    ),
    (
        "a scan of day 3 reported on day 8: not valid as of day 7",
        [registered(), scans(TN, ("in_transit", day(3)), at=day(8)), clock(day(10))],
        7,
        NO_SCAN,
    ),
    (
        "a scan of day 3 reported on day 8: valid once known",
        [registered(), scans(TN, ("in_transit", day(3)), at=day(8)), clock(day(10))],
        9,
        Card(1, 1.0, 72, 0, None, 0),
    ),
    (
        "an earlier scan reported later moves the first scan",
        [registered(), scans(TN, ("import", day(7))), scans(TN, ("export", day(2)), at=day(8)), clock(day(10))],
        10,
        Card(1, 1.0, 48, 0, None, 0),
    ),
    (
        "a scan predating the shipment by more than a day is not valid tracking",
        [registered(at=day(0)), scans(TN, ("in_transit", day(-3)), at=day(0.5)), clock(day(10))],
        10,
        NO_SCAN,
    ),
    (
        "an order younger than 5 days is counted, not rated",
        [registered(at=day(7)), clock(day(10))],
        10,
        Card(1, None, None, 0, None, 0),
    ),
    (
        "valid tracking: a day counts once it ended 5 days before as_of",
        [registered(at=day(4.5)), clock(day(10))],
        10,
        Card(1, 0.0, None, 0, None, 0),
    ),
    (
        "valid tracking: not the day before",
        [registered(at=day(4.5)), clock(day(10))],
        9,
        Card(1, None, None, 0, None, 0),
    ),
    (
        "guaranteed, delivered within the guarantee",
        [guaranteed(20), scans(TN, ("in_transit", day(1))), scans(TN, ("delivered", day(15))), clock(day(16))],
        16,
        Card(1, 1.0, 24, 1, 1.0, 0),
    ),
    (
        "guaranteed, delivered on its last moment",
        [guaranteed(15), scans(TN, ("in_transit", day(1))), scans(TN, ("delivered", day(15))), clock(day(16))],
        16,
        Card(1, 1.0, 24, 1, 1.0, 0),
    ),
    (
        "guaranteed, delivered late",
        [guaranteed(10), scans(TN, ("in_transit", day(1))), scans(TN, ("delivered", day(15))), clock(day(16))],
        16,
        Card(1, 1.0, 24, 1, 0.0, 0),
    ),
    (
        "unguaranteed: delivered, no on-time rate",
        [registered(), scans(TN, ("in_transit", day(1))), scans(TN, ("delivered", day(15))), clock(day(16))],
        16,
        Card(1, 1.0, 24, 1, None, 0),
    ),
    (
        "guaranteed and unguaranteed orders: the rate counts the guaranteed",
        [
            guaranteed(10, TN, "o-1"),
            registered(N2, "o-2"),
            guaranteed(20, N3, "o-3"),
            scans(TN, ("delivered", day(12))),
            scans(N2, ("delivered", day(12))),
            scans(N3, ("delivered", day(12))),
            clock(day(13)),
        ],
        13,
        Card(3, 0.0, 288, 3, 0.5, 0),
    ),
    (
        "a delivery a later scan contradicts no longer counts",
        [
            registered(),
            scans(TN, ("in_transit", day(1))),
            scans(TN, ("delivered", day(15))),
            scans(TN, ("in_transit", day(16))),
            clock(day(17)),
        ],
        17,
        Card(1, 1.0, 24, 0, None, 0),
    ),
    (
        "returned to the sender",
        [registered(), scans(TN, ("in_transit", day(1))), scans(TN, ("returned_to_sender", day(20))), clock(day(21))],
        21,
        Card(1, 1.0, 24, 0, None, 1),
    ),
    (
        "window: an order shipped 30 days before as_of counts",
        [registered(), clock(day(31))],
        30,
        NO_SCAN,
    ),
    (
        "window: 31 days before, no order, no scorecard",
        [registered(), clock(day(31))],
        31,
        None,
    ),
    (
        "window: delivered in it, shipped before it",
        [registered(), scans(TN, ("in_transit", day(1))), scans(TN, ("delivered", day(20))), clock(day(35))],
        35,
        Card(0, None, None, 1, None, 0),
    ),
    (
        "an order registered after its window counts for nothing",
        [registered(at=day(40), shipped_at=day(0)), clock(day(42))],
        42,
        None,
    ),
    (
        "a replaced number: the new number's scan, one order",
        [
            registered(),
            replaced(N2, at=day(1)),
            scans(N2, ("in_transit", day(2))),
            clock(day(10)),
        ],
        10,
        Card(1, 1.0, 48, 0, None, 0),
    ),
    (
        "median of two orders: the lower middle one",
        [
            registered(TN, "o-1"),
            registered(N2, "o-2"),
            scans(TN, ("in_transit", day(10 / 24))),
            scans(N2, ("in_transit", day(50 / 24))),
            clock(day(10)),
        ],
        10,
        Card(2, 1.0, 10, 0, None, 0),
    ),
    (
        "median of three orders, one never scanned",
        [
            registered(TN, "o-1"),
            registered(N2, "o-2"),
            registered(N3, "o-3"),
            scans(TN, ("in_transit", day(10 / 24))),
            scans(N2, ("in_transit", day(300 / 24))),
            clock(day(20)),
        ],
        20,
        Card(3, 0.333, 10, 0, None, 0),
    ),
]


@pytest.mark.parametrize(("history", "as_of", "expected"), [pytest.param(h, a, e, id=n) for n, h, a, e in CASES])
def test_scorecard(history, as_of, expected):
    assert card_as_of(history, as_of) == expected
    assert_idempotent(history)


def test_one_scorecard_a_day_while_the_window_holds_an_order_even_without_inputs():
    history = [
        registered(at=day(0.25)),
        scans(TN, ("info_received", day(0.5))),
        scans(TN, ("in_transit", day(0.75))),
        clock(day(45)),
    ]
    emitted = cards(history)
    assert [c.as_of for c in emitted] == [day(n) for n in range(1, 31)]
    assert {c.event_id for c in emitted} == {c.event_id for c in cards(history)}
    assert len({c.event_id for c in emitted}) == 30


def test_each_seller_has_its_own_scorecard():
    history = [registered(TN, "o-1"), registered(N2, "o-2", seller_id="s-2"), clock(day(2))]
    assert [c.orders for c in cards(history, seller="s-1")] == [1, 1]
    assert [c.orders for c in cards(history, seller="s-2")] == [1, 1]
    assert [c.key for c in cards(history, seller="s-2")] == ["s-2", "s-2"]


def test_the_event_id_is_the_seller_and_the_day():
    one = cards([registered(), clock(day(1))])[0]
    other = cards([registered(), scans(TN, ("in_transit", day(0.5))), clock(day(1))])[0]
    assert one.event_id == other.event_id
    assert one.median_hours_to_first_scan != other.median_hours_to_first_scan
    assert cards([registered(), clock(day(2))])[1].event_id != one.event_id


def test_settings_change_the_window_and_the_valid_tracking_days():
    settings = RuleSettings(sellers=SellerSettings(window_days=7, valid_tracking_days=2))
    history = [registered(), scans(TN, ("in_transit", day(3))), clock(day(10))]
    emitted = cards(history, settings)
    assert [c.as_of for c in emitted] == [day(n) for n in range(1, 8)]
    assert {c.window_days for c in emitted} == {7}
    assert [c.valid_tracking_rate for c in emitted if c.as_of == day(7)] == [0.0]


def test_disabled_no_scorecards():
    settings = RuleSettings(sellers=SellerSettings(enabled=False))
    assert cards([registered(), scans(TN, ("delivered", day(3))), clock(day(5))], settings) == []
