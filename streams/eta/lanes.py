"""The lane's side of the delivery estimate: `decide_lane(state, command, now, settings)`, pure.

A `LaneObserved` moves a shipment's outcomes in the lane's histograms (`streams.eta.histogram`). An
`EtaRequest` is answered from the lane's histograms, leg by leg as the request lists them (most
advanced first), conditional on the time already spent in the leg (the shipment is in flight
then); when no leg has `min_samples` deliveries in the bins from that time on, the request goes on
to the next coarser lane. The coarsest lane
(`global`) answers with any deliveries at all: never with none. The lane emits nothing: it answers
the shipment (`EtaAnswered`), which decides whether the estimate is news and emits it
(`streams.eta.shipment.answered`). An estimate within `revise_days` of the p80 the request names as
last emitted is not answered: most requests are no news.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.commands import EtaAnswered
from schemas.eta import EtaEstimate, EtaRequest, LaneObserved, LaneState, basis_of
from streams.eta.histogram import bin_of, delivery_quantiles, observe, samples_after, tail
from streams.eta.settings import EtaSettings
from streams.eta.shipment import moved

LEVELS = (0.5, 0.8, 0.95)


@dataclass(frozen=True, slots=True)
class LaneDecision:
    state: LaneState | None  # None: unchanged
    commands: list[EtaRequest | EtaAnswered] = field(default_factory=list)


def _at(start: datetime, hours: float) -> datetime:
    return start + timedelta(minutes=round(hours * 60))


def estimate(state: LaneState | None, request: EtaRequest, now: datetime, settings: EtaSettings) -> EtaEstimate | None:
    """The lane's estimate for the request, or None when no leg has enough deliveries after the time spent."""
    need = settings.min_samples if request.fallback else 1
    for start in request.legs:
        elapsed = (request.estimated_at - start.started_at).total_seconds() / 3600
        counts = tail(state, start.leg, now, bin_of(max(elapsed, 0.0), settings), settings)
        samples = samples_after(counts)
        if samples < need:
            continue
        found = delivery_quantiles(counts, elapsed, LEVELS, settings)
        if found is None:
            continue
        p50, p80, p95 = (_at(start.started_at, hours) for hours in found)
        return EtaEstimate(
            estimated_at=request.estimated_at,
            p50_at=p50,
            p80_at=p80,
            p95_at=p95,
            basis=basis_of(request.lane),
            leg=start.leg,
            samples=samples,
        )
    return None


def decide_lane(
    state: LaneState | None, command: LaneObserved | EtaRequest, now: datetime, settings: EtaSettings
) -> LaneDecision:
    if isinstance(command, LaneObserved):
        current = state or LaneState(lane=command.lane)
        return LaneDecision(observe(current, command.bucket, command.changes, now, settings))
    found = estimate(state, command, now, settings)
    if found is None:
        if not command.fallback:
            return LaneDecision(None)
        onward = command.model_copy(update={"lane": command.fallback[0], "fallback": command.fallback[1:]})
        return LaneDecision(None, [onward])
    if not moved(command.previous_p80_at, found.p80_at, settings):
        return LaneDecision(None)
    answer = EtaAnswered(
        tracking_number=command.tracking_number,
        order_ids=command.order_ids,
        carrier=command.carrier,
        origin_country=command.origin_country,
        destination_country=command.destination_country,
        status=command.status,
        estimate=found,
    )
    return LaneDecision(None, [answer])
