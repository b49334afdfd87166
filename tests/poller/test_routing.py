"""Where a number is tracked, as a table: the order's carrier and lane, the routes, the polled carriers."""

import pytest

from workers.poller.routing import Route, lane_matches, route
from workers.settings import RoutingSettings

POLLED = {"ups", "usps", "dhl"}
BIG_DIRECT_LONG_TAIL = RoutingSettings(
    aggregator="17track",
    routes=[
        {"carrier": "ups", "via": "direct"},
        {"carrier": "usps", "lane": "CN-*", "via": "both"},
        {"lane": "*-BR", "via": "aggregator"},
    ],
)


@pytest.mark.parametrize(
    ("carrier", "detected", "origin", "destination", "routing", "expected"),
    [
        # Without routes: a polled carrier is polled, any other number goes to the aggregator.
        ("ups", [], "CN", "ES", RoutingSettings(aggregator="17track"), Route("ups", "ups", None)),
        ("cainiao", [], "CN", "ES", RoutingSettings(aggregator="17track"), Route("cainiao", None, "17track")),
        (None, [], "CN", "ES", RoutingSettings(aggregator="17track"), Route(None, None, "17track")),
        ("cainiao", [], "CN", "ES", RoutingSettings(), Route("cainiao", None, None)),
        # An unknown carrier is the likeliest detected one that is polled, else the likeliest.
        (None, ["upu", "usps"], "CN", "US", RoutingSettings(aggregator="17track"), Route("usps", "usps", None)),
        (None, ["upu"], "CN", "US", RoutingSettings(aggregator="17track"), Route("upu", None, "17track")),
        # Routes: the first that matches carrier and lane decides.
        ("ups", [], "CN", "BR", BIG_DIRECT_LONG_TAIL, Route("ups", "ups", None)),
        ("usps", [], "CN", "US", BIG_DIRECT_LONG_TAIL, Route("usps", "usps", "17track")),
        ("usps", [], "HK", "US", BIG_DIRECT_LONG_TAIL, Route("usps", "usps", None)),
        ("dhl", [], "DE", "BR", BIG_DIRECT_LONG_TAIL, Route("dhl", None, "17track")),
        ("dhl", [], "DE", "FR", BIG_DIRECT_LONG_TAIL, Route("dhl", "dhl", None)),
        # A replaced number has no lane: only lane * matches it.
        ("usps", [], None, None, BIG_DIRECT_LONG_TAIL, Route("usps", "usps", None)),
        # Direct for a carrier not polled, or an aggregator when none is set, leaves that part out.
        ("cainiao", [], "CN", "ES", RoutingSettings(routes=[{"via": "direct"}]), Route("cainiao", None, None)),
        ("ups", [], "CN", "ES", RoutingSettings(routes=[{"via": "both"}]), Route("ups", "ups", None)),
    ],
)
def test_route(carrier, detected, origin, destination, routing, expected):
    assert route(carrier, detected, origin, destination, POLLED, routing) == expected


@pytest.mark.parametrize(
    ("lane", "origin", "destination", "matches"),
    [
        ("*", None, None, True),
        ("CN-ES", "CN", "ES", True),
        ("cn-es", "CN", "ES", True),
        ("CN-ES", "CN", "FR", False),
        ("CN-*", "CN", "FR", True),
        ("*-FR", "HK", "FR", True),
        ("CN-*", None, "FR", False),
    ],
)
def test_lane_matches(lane, origin, destination, matches):
    assert lane_matches(lane, origin, destination) is matches


def test_route_nowhere():
    assert Route("cainiao", None, None).nowhere
    assert not Route("ups", "ups", None).nowhere
