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

An estimate reads the window's buckets summed per leg, and the deliveries from a bin on. Both are
remembered beside the lane's state (for the state last read and the newest `observe` made, the
last 4,096 lanes): `observe` derives the new state's sums from the counts it touched, so a lane is
summed afresh only when a state nobody summed is read.
"""

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from schemas.eta import OUTCOME_KINDS, BinCounts, LaneState, Leg, LegCounts, Outcome
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


def _added(counts: dict[int, int], bins: dict[int, int]) -> dict[int, int]:
    counts = dict(counts)
    for index, count in bins.items():
        total = counts.get(index, 0) + count
        if total > 0:
            counts[index] = total
        else:
            counts.pop(index, None)  # taking out a shipment a bin does not hold leaves it empty
    return counts


def observe(state: LaneState, counts: BinCounts, now: datetime, settings: EtaSettings) -> LaneState:
    """`state` with `counts` added (a `LaneObserved`'s), and the buckets out of the window dropped."""
    oldest = first_bucket(now, settings)
    buckets = {bucket: legs for bucket, legs in state.buckets.items() if bucket >= oldest}
    for bucket, moved in counts.items():
        if bucket < oldest:
            continue
        legs = dict(buckets.get(bucket, {}))
        for leg, kinds in moved.items():
            current = legs.get(leg) or LegCounts()
            legs[leg] = evolve(current, **{kind: _added(getattr(current, kind), bins) for kind, bins in kinds.items()})
        buckets[bucket] = legs
    after = evolve(state, buckets=buckets)
    _remember_after(state, after, counts, oldest)
    return after


def moves(bucket: int, leg: Leg, before: Outcome | None, after: Outcome | None, settings: EtaSettings) -> BinCounts:
    """What a shipment's outcome in `leg` going from `before` to `after` adds to its lanes' histograms
    (empty when both fall in the same bin of the same kind)."""
    kinds: dict[str, dict[int, int]] = {}
    placed = [(outcome, sign) for outcome, sign in ((before, -1), (after, 1)) if outcome is not None]
    for outcome, sign in placed:
        bins = kinds.setdefault(outcome.kind, {})
        index = bin_of(outcome.hours, settings)
        bins[index] = bins.get(index, 0) + sign
        if not bins[index]:
            del bins[index]
            if not bins:
                del kinds[outcome.kind]
    return {bucket: {leg: kinds}} if kinds else {}


Sums = dict[Leg, dict[int, tuple[int, int, int]]]
NO_COUNTS = LegCounts()

#: Per lane read or written lately, two of its states, each with its legs' counts summed over the
#: buckets from an oldest one on (leg → bin → (delivered, ended, in flight)) and, once read, each
#: leg's bins in order with the deliveries from each on: the state last read (an estimate) and the
#: newest (`observe`). A lane's state is replaced, never changed, so the sums hold while it is the
#: state read; two, because a stream's agents read the table's state while the lanes agent decides
#: the next ones.
_SUMS: OrderedDict[str, dict[str, "_Summed"]] = OrderedDict()
LANES_KEPT = 4096


@dataclass(slots=True)
class _Summed:
    state: LaneState  # held, so that its id is not reused while it is remembered
    oldest: int
    sums: Sums
    delivered_from: dict[Leg, tuple[list[int], list[int]]] = field(default_factory=dict)


def _remembered(state: LaneState, oldest: int) -> _Summed | None:
    for summed in _SUMS.get(state.lane, {}).values():
        if summed.state is state and summed.oldest == oldest:
            return summed
    return None


def _remember(role: str, summed: _Summed) -> None:
    lane = summed.state.lane
    _SUMS.setdefault(lane, {})[role] = summed
    _SUMS.move_to_end(lane)
    if len(_SUMS) > LANES_KEPT:
        _SUMS.popitem(last=False)


def _summed(state: LaneState, oldest: int) -> _Summed:
    found = _remembered(state, oldest)
    if found is None:
        summed: dict[Leg, dict[int, list[int]]] = {}
        for bucket, legs in state.buckets.items():
            if bucket < oldest:
                continue
            for leg, counts in legs.items():
                bins = summed.setdefault(leg, {})
                for position, kind in enumerate(OUTCOME_KINDS):
                    for index, count in getattr(counts, kind).items():
                        bins.setdefault(index, [0, 0, 0])[position] += count
        sums = {leg: {index: tuple(values) for index, values in bins.items()} for leg, bins in summed.items()}
        found = _Summed(state, oldest, sums)
    _remember("read", found)
    return found


def _remember_after(before: LaneState, after: LaneState, counts: BinCounts, oldest: int) -> None:
    """Remember `after`'s sums from `before`'s (when known for the same window) and what `observe`
    changed: each count it touched, as it is now less as it was. `before`'s stay as they were (a
    stream's other agents read it until `after` is written)."""
    remembered = _remembered(before, oldest)
    if remembered is None:
        return
    found = remembered.sums
    sums = dict(found)
    for bucket, moved in counts.items():
        if bucket < oldest:
            continue
        was, now = before.buckets.get(bucket, {}), after.buckets[bucket]
        for leg, kinds in moved.items():
            if sums.get(leg) is found.get(leg):
                sums[leg] = dict(sums.get(leg, {}))
            bins = sums[leg]
            for kind, added in kinds.items():
                position = OUTCOME_KINDS.index(kind)
                old, new = getattr(was.get(leg) or NO_COUNTS, kind), getattr(now[leg], kind)
                for index in added:
                    change = new.get(index, 0) - old.get(index, 0)
                    if change:
                        values = list(bins.get(index, (0, 0, 0)))
                        values[position] += change
                        if any(values):
                            bins[index] = tuple(values)
                        else:
                            del bins[index]
    _remember("newest", _Summed(after, oldest, sums))


def deliveries_from(state: LaneState | None, leg: Leg, now: datetime, first: int, settings: EtaSettings) -> int:
    """The leg's deliveries from bin `first` on, over the buckets in the window (`samples_after` of `tail`)."""
    if state is None:
        return 0
    summed = _summed(state, first_bucket(now, settings))
    if leg not in summed.delivered_from:
        bins = sorted(summed.sums.get(leg, {}))
        delivered = [0] * (len(bins) + 1)
        for position in range(len(bins) - 1, -1, -1):
            delivered[position] = delivered[position + 1] + summed.sums[leg][bins[position]][0]
        summed.delivered_from[leg] = (bins, delivered)
    bins, delivered = summed.delivered_from[leg]
    return delivered[bisect_left(bins, first)]


def tail(
    state: LaneState | None, leg: Leg, now: datetime, first: int, settings: EtaSettings
) -> dict[int, tuple[int, int, int]]:
    """The leg's counts from bin `first` on, over the buckets in the window: bin → (delivered, ended, in flight)."""
    if state is None:
        return {}
    bins = _summed(state, first_bucket(now, settings)).sums.get(leg, {})
    return {index: values for index, values in bins.items() if index >= first}


def delivery_quantiles(
    counts: dict[int, tuple[int, int, int]], elapsed_hours: float, levels: Iterable[float], settings: EtaSettings
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


def samples_after(counts: dict[int, tuple[int, int, int]]) -> int:
    """The deliveries in `counts` (a `tail`): what an estimate conditional on the time spent rests on."""
    return sum(values[0] for values in counts.values())
