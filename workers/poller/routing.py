"""Where a number is tracked: polled at its carrier's API, registered with the aggregator, or both. Pure.

The first route of `PARCELWATCH_POLLER__ROUTING__ROUTES` whose carrier and lane match decides. A
route's carrier is a slug or `*`; its lane is `ORIGIN-DESTINATION` (`CN-ES`), with `*` for either side
or for the whole lane. A number of unknown carrier matches only `*` carriers, and one of unknown lane
(a replaced number) only the lane `*`. Without a matching route, a number whose carrier is polled
directly is polled, and any other goes to the configured aggregator (none when there is none).

A route to direct polls for a carrier that is not polled, or to an aggregator when none is configured,
leaves that part out: the number is tracked the other way, or not at all (`Route.nowhere`).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from workers.settings import RouteSettings, RoutingSettings


@dataclass(frozen=True, slots=True)
class Route:
    carrier: str | None
    """The carrier the number is believed to be of: the order's, else the likeliest detected."""
    direct: str | None
    """The carrier whose API polls it, or None."""
    aggregator: str | None
    """The aggregator it is registered with, or None."""

    @property
    def nowhere(self) -> bool:
        return self.direct is None and self.aggregator is None


def lane_matches(lane: str, origin: str | None, destination: str | None) -> bool:
    if lane == "*":
        return True
    want_origin, _, want_destination = lane.partition("-")
    return all(
        wanted == "*" or (actual is not None and wanted.upper() == actual.upper())
        for wanted, actual in ((want_origin, origin), (want_destination, destination))
    )


def matching(
    routes: Sequence[RouteSettings], carrier: str | None, origin: str | None, destination: str | None
) -> RouteSettings | None:
    for rule in routes:
        if rule.carrier not in ("*", carrier):
            continue
        if lane_matches(rule.lane, origin, destination):
            return rule
    return None


def route(
    carrier: str | None,
    detected: Sequence[str],
    origin: str | None,
    destination: str | None,
    polled: Collection[str],
    routing: RoutingSettings,
) -> Route:
    """Where a number is tracked: `carrier` is the order's (or None), `detected` the carriers its format
    points to, most likely first; `polled` the carriers polled directly."""
    if carrier is None:
        carrier = next((slug for slug in detected if slug in polled), None) or next(iter(detected), None)
    rule = matching(routing.routes, carrier, origin, destination)
    via = rule.via if rule else ("direct" if carrier in polled else "aggregator")
    direct = carrier if via in ("direct", "both") and carrier in polled else None
    aggregator = routing.aggregator if via in ("aggregator", "both") else None
    return Route(carrier, direct, aggregator)
