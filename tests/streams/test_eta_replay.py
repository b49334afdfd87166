"""`shipments.eta.v1` as tables of replay histories: which estimate a shipment gets (basis, leg,
samples, when), with the idempotency check the rule tables make.

A lane's history is parcels shipped from day 0 on, each pushed once when delivered (export a day
after shipment, optionally import, then the delivery); the shipment estimated is registered on day
40 and scanned on day 41 (`TN`, lane generic CN → ES).
"""

from datetime import datetime, timedelta
from typing import NamedTuple

import pytest

from schemas.outputs import BuyerNotification, EtaEstimated
from schemas.types import format_utc
from streams.rules.settings import RuleSettings
from tests.core.helpers import TN, assert_idempotent, clock, day, registered, run, scans

HOUR = timedelta(hours=1)


def parcel(n: int, shipped: datetime, transit_days: float, *, import_days: float | None = None, **order) -> list[dict]:
    """A parcel of the lane's history, delivered `transit_days` after shipment."""
    number = f"LP{n:09d}XX"
    events = [("export", shipped + timedelta(days=1))]
    if import_days is not None:
        events.append(("import", shipped + timedelta(days=import_days)))
    events.append(("delivered", shipped + timedelta(days=transit_days)))
    return [registered(number, f"lane-{n}", at=shipped, **order), scans(number, *events)]


def lost(n: int, shipped: datetime, last_scan_days: float, *, status: str = "in_transit", **order) -> list[dict]:
    """A parcel last scanned (`status`) `last_scan_days` after shipment, never delivered."""
    number = f"LP{n:09d}XX"
    events = [("export", shipped + timedelta(days=1)), (status, shipped + timedelta(days=last_scan_days))]
    return [registered(number, f"lane-{n}", at=shipped, **order), scans(number, *events)]


def lane(count: int, first: int = 0, *, transit=lambda i: 10 + i * 0.25, **kwargs) -> list[dict]:
    """`count` parcels shipped a few hours apart, delivered after 10, 10.25, 10.5… days."""
    return [r for i in range(count) for r in parcel(first + i, day(i * 0.2), transit(i), **kwargs)]


def history(*parts: list[dict]) -> list[dict]:
    records = [record for part in parts for record in part]
    return sorted(records, key=lambda record: record["at"])


TARGET = [registered(at=day(40)), scans(TN, ("export", day(41)))]


class Estimate(NamedTuple):
    at: str
    basis: str
    leg: str
    samples: int


def estimates(records: list[dict], settings: RuleSettings | None = None) -> list[Estimate]:
    found = [o for o in run(records, settings) if isinstance(o, EtaEstimated) and o.tracking_number == TN]
    return [Estimate(format_utc(o.estimated_at), o.basis, o.leg, o.samples) for o in found]


def eta_of(records: list[dict], settings: RuleSettings | None = None) -> EtaEstimated:
    found = [o for o in run(records, settings) if isinstance(o, EtaEstimated) and o.tracking_number == TN]
    assert found, "no estimate"
    return found[-1]


ES = {"destination_country": "ES"}
CASES = [
    pytest.param(history(lane(30), TARGET), [Estimate(format_utc(day(41)), "lane", "shipped", 30)], id="enough"),
    pytest.param(
        history(lane(5), lane(25, 100, origin_country="HK"), TARGET),
        [Estimate(format_utc(day(41)), "destination", "shipped", 30)],
        id="too few on the lane and the country pair: the destination's",
    ),
    pytest.param(
        history(lane(5), lane(6, 100, origin_country="HK"), lane(4, 200, destination_country="FR"), TARGET),
        [Estimate(format_utc(day(41)), "global", "shipped", 15)],
        id="too few everywhere: global, with what it has",
    ),
    pytest.param(history(TARGET), [], id="no samples: nothing"),
    pytest.param(
        history(lane(30), [registered(at=day(40)), scans(TN, ("info_received", day(41)))]),
        [],
        id="a notice is not a scan: nothing",
    ),
    pytest.param(
        history(lane(30), TARGET, [scans(TN, ("delivered", day(50)))]),
        [Estimate(format_utc(day(41)), "lane", "shipped", 30)],
        id="delivered: no more estimates",
    ),
    pytest.param(
        history(lane(30), TARGET, [scans(TN, ("in_transit", day(41) + HOUR))]),
        [Estimate(format_utc(day(41)), "lane", "shipped", 30)],
        id="a scan an hour later moves p80 less than a day: not revised",
    ),
    pytest.param(
        history(lane(60), TARGET, [scans(TN, ("in_transit", day(58)))]),
        [Estimate(format_utc(day(41)), "lane", "shipped", 60), Estimate(format_utc(day(58)), "lane", "shipped", 29)],
        id="18 days after shipment, still in transit: p80 moved, revised on the deliveries after about 18 days",
    ),
]


@pytest.mark.parametrize(("records", "expected"), CASES)
def test_estimates(records, expected):
    assert estimates(records) == expected
    assert_idempotent(records)


def test_min_samples_is_a_setting():
    records = history(lane(5), TARGET)
    assert estimates(records, RuleSettings(eta={"min_samples": 5})) == [
        Estimate(format_utc(day(41)), "lane", "shipped", 5)
    ]
    assert estimates(records, RuleSettings(eta={"enabled": False})) == []


def test_the_estimate_is_the_lanes_quantiles_from_shipment():
    eta = eta_of(history(lane(40, transit=lambda i: 10 + i * 0.25), TARGET))
    shipped = day(40)
    # transits 10 … 19.75 days, evenly: about 15, 18 and 19.5 days, the KM curve being linear within bins
    assert 14 <= (eta.p50_at - shipped) / timedelta(days=1) <= 16
    assert 17 <= (eta.p80_at - shipped) / timedelta(days=1) <= 19
    assert 18.5 <= (eta.p95_at - shipped) / timedelta(days=1) <= 20.5
    assert eta.p50_at < eta.p80_at < eta.p95_at
    assert (eta.carrier, eta.origin_country, eta.destination_country, eta.status) == ("generic", "CN", "ES", "export")


def test_leg_conditioning_tightens_the_estimate_once_imported():
    """Import comes 5 to 15 days after shipment; delivery always 3 days after import."""
    learned = [r for i in range(30) for r in parcel(i, day(i * 0.2), 5 + i / 3 + 3, import_days=5 + i / 3)]
    records = history(learned, TARGET, [scans(TN, ("import", day(50)))])
    found = [o for o in run(records) if isinstance(o, EtaEstimated) and o.tracking_number == TN]
    assert [(o.leg, format_utc(o.estimated_at)) for o in found] == [
        ("shipped", format_utc(day(41))),
        ("import", format_utc(day(50))),
    ]
    first, imported = found
    assert (first.p95_at - first.p50_at) > timedelta(days=3)
    assert (imported.p95_at - imported.p50_at) < timedelta(days=1)
    assert abs(imported.p50_at - day(53)) < timedelta(hours=6)
    assert_idempotent(records)


def test_parcels_in_flight_keep_a_lane_from_looking_fast():
    """Half the lane is delivered in 10 days, a quarter after 30; the rest has not arrived by day 25."""
    fast = lane(20, transit=lambda i: 10 + i * 0.05)
    slow = lane(20, 100, transit=lambda i: 30 + i * 0.05)
    without = eta_of(history(fast, slow, TARGET))
    in_flight = [r for i in range(20) for r in lost(300 + i, day(i * 0.2), 25)]
    records = history(fast, slow, in_flight, TARGET)
    censored = eta_of(records)
    assert censored.samples == without.samples == 40
    assert censored.p50_at - without.p50_at > timedelta(days=5)
    assert censored.p50_at > day(40 + 25)
    assert_idempotent(records)


@pytest.mark.parametrize("status", ["exception", "returning_to_sender"])
def test_parcels_that_will_not_come_do_not_make_the_others_late(status):
    """The same lane, the rest lost or going back at day 25: the deliveries say when the others come."""
    fast = lane(20, transit=lambda i: 10 + i * 0.05)
    slow = lane(20, 100, transit=lambda i: 30 + i * 0.05)
    without = eta_of(history(fast, slow, TARGET))
    ended = [r for i in range(20) for r in lost(300 + i, day(i * 0.2), 25, status=status)]
    records = history(fast, slow, ended, TARGET)
    assert abs(eta_of(records).p50_at - without.p50_at) < timedelta(days=1)
    assert_idempotent(records)


@pytest.mark.parametrize(("protection_days", "after"), [(15, True), (30, False)])
def test_r8_tells_the_buyer_the_estimate(protection_days, after):
    """The lane's p80 is about 16.5 days after shipment."""
    target = [registered(at=day(40), protection_days=protection_days), scans(TN, ("export", day(41)))]
    records = [*history(lane(30), target), clock(day(80))]
    eta = eta_of(records)
    (notice,) = [o for o in run(records) if isinstance(o, BuyerNotification) and o.key == "o-1"]
    assert notice.template == "protection_ending_soon"
    assert notice.facts["eta"] == {
        "p50_at": format_utc(eta.p50_at),
        "p80_at": format_utc(eta.p80_at),
        "p80_after_protection_ends": after,
        "basis": "lane",
        "estimated_at": format_utc(day(41)),
    }
    assert_idempotent(records)


def test_r8_without_an_estimate_says_nothing_of_one():
    records = [registered(at=day(40), protection_days=17), scans(TN, ("export", day(41))), clock(day(60))]
    (notice,) = [o for o in run(records) if isinstance(o, BuyerNotification)]
    assert "eta" not in notice.facts
