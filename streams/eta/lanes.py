"""The lanes' side of the delivery estimate, pure: `decide_lane` and `estimate`.

A `LaneObserved` adds its counts to the lane's histograms (`streams.eta.histogram`). A shipment's
estimate is read from its lanes, finest first (`lane`, `country_pair`, `destination`, `global`), and
in each lane leg by leg, most advanced first, conditional on the time already spent in the leg (the
shipment is in flight then): a lane where no leg has `min_samples` deliveries in the bins from that
time on gives way to the next coarser one, and the coarsest answers with any deliveries at all:
never with none.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

from schemas.eta import EtaEstimate, LaneObserved, LaneState, LegStart, basis_of
from streams.eta.histogram import bin_of, deliveries_from, delivery_quantiles, observe, tail
from streams.eta.settings import EtaSettings

LEVELS = (0.5, 0.8, 0.95)


def decide_lane(state: LaneState | None, command: LaneObserved, now: datetime, settings: EtaSettings) -> LaneState:
    """The lane with the command's shipments moved in its histograms."""
    return observe(state or LaneState(lane=command.lane), command.counts, now, settings)


def _at(start: datetime, hours: float) -> datetime:
    return start + timedelta(minutes=round(hours * 60))


def _lane_estimate(
    state: LaneState, legs: tuple[LegStart, ...], need: int, now: datetime, settings: EtaSettings
) -> EtaEstimate | None:
    for start in legs:
        elapsed = (now - start.started_at).total_seconds() / 3600
        first = bin_of(max(elapsed, 0.0), settings)
        samples = deliveries_from(state, start.leg, now, first, settings)
        if samples < need:
            continue
        found = delivery_quantiles(tail(state, start.leg, now, first, settings), elapsed, LEVELS, settings)
        if found is None:
            continue
        p50, p80, p95 = (_at(start.started_at, hours) for hours in found)
        return EtaEstimate(
            estimated_at=now,
            p50_at=p50,
            p80_at=p80,
            p95_at=p95,
            basis=basis_of(state.lane),
            leg=start.leg,
            samples=samples,
        )
    return None


def estimate(
    lanes: Mapping[str, LaneState],
    keys: tuple[str, ...],
    legs: tuple[LegStart, ...],
    now: datetime,
    settings: EtaSettings,
) -> EtaEstimate | None:
    """A shipment's estimate at `now` from the first of its lanes `keys` (finest first) with enough
    deliveries after the time spent in one of its `legs` (most advanced first); None when none has."""
    for position, key in enumerate(keys):
        state = lanes.get(key)
        if state is None:
            continue
        need = settings.min_samples if position < len(keys) - 1 else 1
        found = _lane_estimate(state, legs, need, now, settings)
        if found is not None:
            return found
    return None
