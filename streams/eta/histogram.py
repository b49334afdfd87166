"""A lane's transit times as bounded histograms, and the Kaplan–Meier quantiles read from them. Pure.

Durations fall in bins `min_bin_hours` wide up to where `bin_growth` of a duration is wider, then
each bin `bin_growth` wider than the one before, up to `max_days` (defaults: 2 h bins to 2.8 days,
3 % after: 198 bins). Per window bucket (shipments shipped in the same `bucket_days`) and leg, a
lane counts per bin the shipments delivered that long after the leg started and the shipments not
delivered by then (censored: in flight at their latest scan, or lost, returned, destroyed). Counts
add and subtract, so histograms merge by adding and a shipment's outcome is moved by taking it out
of one bin and putting it in another. Buckets whose shipments are all older than `window_days` are
dropped.

The quantiles are Kaplan–Meier's over the merged bins: at each bin, the share of the shipments
still at risk (not delivered and not censored before it) that were delivered in it. A censored
shipment counts as at risk through its bin. Given the time already spent in the leg, the
estimate is conditional on it: S(t) / S(elapsed). Linear within a bin.
"""

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from schemas.eta import LaneState, Leg, LegChange, LegCounts, Outcome
from schemas.state import evolve
from streams.eta.settings import EtaSettings

EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
DAY_HOURS = 24.0


@lru_cache(maxsize=8)
def _edges(min_bin_hours: float, bin_growth: float, max_days: float) -> tuple[float, ...]:
    edges = [0.0]
    last = max_days * DAY_HOURS
    while edges[-1] < last:
        edges.append(max(edges[-1] + min_bin_hours, edges[-1] * (1 + bin_growth)))
    return tuple(edges)


def edges(settings: EtaSettings) -> tuple[float, ...]:
    """The bins' edges in hours, from 0: bin k holds durations in [edges[k], edges[k + 1])."""
    return _edges(settings.min_bin_hours, settings.bin_growth, settings.max_days)


def bin_of(hours: float, settings: EtaSettings) -> int:
    bounds = edges(settings)
    return min(max(bisect_right(bounds, hours) - 1, 0), len(bounds) - 2)


def days_since_epoch(moment: datetime) -> float:
    return (moment - EPOCH) / timedelta(days=1)


def bucket_of(shipped_at: datetime, settings: EtaSettings) -> int:
    """The window bucket of a shipment: `bucket_days`-long slices of shipment time since 1970."""
    return int(days_since_epoch(shipped_at) // settings.bucket_days)


def in_window(bucket: int, now: datetime, settings: EtaSettings) -> bool:
    """Whether a bucket still holds shipments shipped within `window_days` of `now`."""
    return (bucket + 1) * settings.bucket_days > days_since_epoch(now) - settings.window_days


def _moved(counts: dict[int, int], removed: int | None, added: int | None) -> dict[int, int]:
    counts = dict(counts)
    if removed is not None and counts.get(removed, 0) > 0:
        if counts[removed] == 1:
            del counts[removed]
        else:
            counts[removed] -= 1
    if added is not None:
        counts[added] = counts.get(added, 0) + 1
    return counts


def _changed(counts: LegCounts, change: LegChange, settings: EtaSettings) -> LegCounts:
    delivered, censored = counts.delivered, counts.censored
    for outcome, sign in ((change.removed, -1), (change.added, 1)):
        if outcome is None:
            continue
        index = bin_of(outcome.hours, settings)
        removed, added = (index, None) if sign < 0 else (None, index)
        if outcome.delivered:
            delivered = _moved(delivered, removed, added)
        else:
            censored = _moved(censored, removed, added)
    return evolve(counts, delivered=delivered, censored=censored)


def observe(
    state: LaneState, bucket: int, changes: Iterable[LegChange], now: datetime, settings: EtaSettings
) -> LaneState:
    """`state` with a shipment's changed outcomes moved in `bucket`, and the buckets out of the window dropped."""
    buckets = {b: legs for b, legs in state.buckets.items() if in_window(b, now, settings)}
    if in_window(bucket, now, settings):
        legs = dict(buckets.get(bucket, {}))
        for change in changes:
            legs[change.leg] = _changed(legs.get(change.leg) or LegCounts(), change, settings)
        buckets[bucket] = legs
    return evolve(state, buckets=buckets)


def merged(state: LaneState | None, leg: Leg, now: datetime, settings: EtaSettings) -> tuple[list[int], list[int]]:
    """The leg's delivered and censored counts per bin over the buckets in the window."""
    size = len(edges(settings)) - 1
    delivered, censored = [0] * size, [0] * size
    if state is None:
        return delivered, censored
    for bucket, legs in state.buckets.items():
        counts = legs.get(leg)
        if counts is None or not in_window(bucket, now, settings):
            continue
        for index, count in counts.delivered.items():
            delivered[index] += count
        for index, count in counts.censored.items():
            censored[index] += count
    return delivered, censored


def survival(delivered: list[int], censored: list[int]) -> list[float]:
    """Kaplan–Meier's share not yet delivered at each bin edge (one more value than bins)."""
    at_risk = sum(delivered) + sum(censored)
    share, curve = 1.0, [1.0]
    for done, lost in zip(delivered, censored, strict=True):
        if done and at_risk:
            share *= 1 - done / at_risk
        curve.append(share)
        at_risk -= done + lost
    return curve


def _share_at(curve: list[float], bounds: tuple[float, ...], hours: float) -> float:
    index = min(max(bisect_right(bounds, hours) - 1, 0), len(bounds) - 2)
    low, high = bounds[index], bounds[index + 1]
    fraction = min(max((hours - low) / (high - low), 0.0), 1.0)
    return curve[index] + (curve[index + 1] - curve[index]) * fraction


def _hours_at(curve: list[float], bounds: tuple[float, ...], target: float, start: int) -> float | None:
    for index in range(start, len(curve) - 1):
        if curve[index + 1] <= target:
            drop = curve[index] - curve[index + 1]
            fraction = 1.0 if drop <= 0 else (curve[index] - target) / drop
            return bounds[index] + (bounds[index + 1] - bounds[index]) * min(max(fraction, 0.0), 1.0)
    return None


def samples_after(delivered: list[int], hours: float, settings: EtaSettings) -> int:
    """Deliveries in the bins that end after `hours`: what an estimate conditional on that rests on."""
    return sum(delivered[bin_of(hours, settings) :])


def quantiles(
    delivered: list[int], censored: list[int], elapsed_hours: float, levels: Iterable[float], settings: EtaSettings
) -> tuple[float, ...] | None:
    """Hours after the leg's start by which each share in `levels` of the shipments still undelivered
    after `elapsed_hours` is delivered (Kaplan–Meier, conditional); None when the curve does not get
    that far (too few deliveries after that long)."""
    bounds = edges(settings)
    curve = survival(delivered, censored)
    elapsed_hours = max(elapsed_hours, 0.0)
    remaining = _share_at(curve, bounds, elapsed_hours)
    if remaining <= 0:
        return None
    start = bin_of(elapsed_hours, settings)
    found = []
    for level in levels:
        hours = _hours_at(curve, bounds, remaining * (1 - level), start)
        if hours is None:
            return None
        found.append(max(hours, elapsed_hours))
    return tuple(found)


def outcome_change(leg: Leg, before: Outcome | None, after: Outcome | None) -> LegChange | None:
    return None if before == after else LegChange(leg=leg, removed=before, added=after)
