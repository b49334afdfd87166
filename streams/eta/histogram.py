"""A lane's transit times as bounded histograms, and the delivery quantiles read from them. Pure.

Durations fall in bins `min_bin_hours` wide up to where `bin_growth` of a duration is wider, then
each bin `bin_growth` wider than the one before, up to `max_days` (defaults: 2 h bins to 2.8 days,
3 % after: 202 bins). Per window bucket (shipments shipped in the same `bucket_days`) and leg, a
lane counts per bin, by outcome, the shipments delivered that long after the leg started, those
whose journey ended then without a delivery (lost, destroyed, returned), and those still in flight
at their latest scan then. Counts add and subtract, so histograms merge by adding and a shipment's
outcome is moved by taking it out of one bin and putting it in another. Buckets whose shipments
are all older than `window_days` are dropped.

The quantiles are read from the merged bins after the time already spent in the leg, as survival
analysis with a competing risk (the Aalen–Johansen estimator, Kaplan–Meier's product with two
ends): at each bin, of the shipments still at risk (in flight at its start), the share delivered
in it adds to the delivered share, and the delivered and ended ones leave; those in flight at
their latest scan leave without counting either way (censored: counted as at risk through their
bin). The estimate is the delivery time of the shipments that will be delivered: the time by
which the delivered share reaches 50, 80 and 95 % of all it reaches, linear within a bin. So the
parcels still on their way count (a lane whose slow parcels have not arrived yet does not look
fast), and a lost parcel counts as not delivered rather than as one that would still come.
"""

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from schemas.eta import OUTCOME_KINDS, LaneState, Leg, LegChange, LegCounts, Outcome
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


def first_bucket(now: datetime, settings: EtaSettings) -> int:
    """The oldest bucket that still holds shipments shipped within `window_days` of `now`."""
    return int((days_since_epoch(now) - settings.window_days) // settings.bucket_days)


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
    fields = {}
    for outcome, removing in ((change.removed, True), (change.added, False)):
        if outcome is None:
            continue
        index = bin_of(outcome.hours, settings)
        current = fields.get(outcome.kind, getattr(counts, outcome.kind))
        fields[outcome.kind] = _moved(current, index, None) if removing else _moved(current, None, index)
    return evolve(counts, **fields)


def observe(
    state: LaneState, bucket: int, changes: Iterable[LegChange], now: datetime, settings: EtaSettings
) -> LaneState:
    """`state` with a shipment's changed outcomes moved in `bucket`, and the buckets out of the window dropped."""
    oldest = first_bucket(now, settings)
    buckets = state.buckets
    if min(buckets, default=oldest) < oldest:
        buckets = {b: legs for b, legs in buckets.items() if b >= oldest}
    else:
        buckets = dict(buckets)
    if bucket >= oldest:
        legs = dict(buckets.get(bucket, {}))
        for change in changes:
            legs[change.leg] = _changed(legs.get(change.leg) or LegCounts(), change, settings)
        buckets[bucket] = legs
    return evolve(state, buckets=buckets)


def tail(state: LaneState | None, leg: Leg, now: datetime, first: int, settings: EtaSettings) -> dict[int, list[int]]:
    """The leg's counts from bin `first` on, over the buckets in the window: bin → [delivered, ended, in flight]."""
    merged: dict[int, list[int]] = {}
    if state is None:
        return merged
    oldest = first_bucket(now, settings)
    for bucket, legs in state.buckets.items():
        counts = legs.get(leg)
        if counts is None or bucket < oldest:
            continue
        for position, kind in enumerate(OUTCOME_KINDS):
            for index, count in getattr(counts, kind).items():
                if index >= first:
                    merged.setdefault(index, [0, 0, 0])[position] += count
    return merged


def delivery_quantiles(
    counts: dict[int, list[int]], elapsed_hours: float, levels: Iterable[float], settings: EtaSettings
) -> tuple[float, ...] | None:
    """Hours after the leg's start by which each share in `levels` of the shipments in flight after
    `elapsed_hours` that will be delivered is delivered (`counts`: `tail` from the bin of
    `elapsed_hours`); None without a delivery. The bin holding `elapsed_hours` counts for its part after it."""
    bounds = edges(settings)
    elapsed_hours = max(elapsed_hours, 0.0)
    first = bin_of(elapsed_hours, settings)
    segments = []  # (from hours, to hours, delivered share before, after)
    at_risk = float(sum(sum(values) for values in counts.values()))
    remaining, delivered_share = 1.0, 0.0
    for index in sorted(counts):
        low, high = bounds[index], bounds[index + 1]
        done, ended, in_flight = counts[index]
        if index == first:
            after = (high - max(low, elapsed_hours)) / (high - low)
            at_risk -= (done + ended + in_flight) * (1 - after)
            done, ended, in_flight, low = done * after, ended * after, in_flight * after, max(low, elapsed_hours)
        if at_risk <= 0:
            break
        share = delivered_share + remaining * done / at_risk
        segments.append((low, high, delivered_share, share))
        remaining *= 1 - (done + ended) / at_risk
        at_risk -= done + ended + in_flight
        delivered_share = share
    if delivered_share <= 0:
        return None
    found = []
    for level in levels:
        target = level * delivered_share
        for low, high, before, after in segments:
            if after >= target and after > before:
                found.append(low + (high - low) * (target - before) / (after - before))
                break
    return tuple(found)


def samples_after(counts: dict[int, list[int]]) -> int:
    """The deliveries in `counts` (a `tail`): what an estimate conditional on the time spent rests on."""
    return sum(values[0] for values in counts.values())


def outcome_change(leg: Leg, before: Outcome | None, after: Outcome | None) -> LegChange | None:
    return None if before == after else LegChange(leg=leg, removed=before, added=after)
