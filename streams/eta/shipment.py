"""The shipment's side of the delivery estimate: what it tells its lanes, and when it asks. Pure.

After each input that changed a shipment's events (or gave a scanned shipment its first order), the
shipment works out, per leg it reached, its outcome: delivered so many hours after the leg started,
ended without a delivery (its status an exception or a return) at its latest scan, or still in flight
at its latest scan. What changed since it last told its lanes goes to each of them in one
`LaneObserved`. While it is on its way to the buyer (scanned, not delivered, not ended, an open
order), it asks its finest lane for an estimate (`EtaRequest`), most advanced leg first. The answer
comes back as `EtaNoted` and is remembered for the next revision and for R8.
"""

from datetime import datetime

from schemas.eta import EtaEstimate, EtaMemory, EtaRequest, LaneObserved, Leg, LegStart, Outcome, lane_keys
from schemas.state import ShipmentState, evolve
from schemas.status import SCANNED, Status
from streams.eta.histogram import DAY_HOURS, bucket_of, outcome_change
from streams.eta.settings import EtaSettings
from streams.rules.base import Facts

#: Statuses that start a leg: the first import scan, and the first scan of the last mile.
LEG_STATUSES: dict[Leg, frozenset[Status]] = {
    "import": frozenset({Status.IMPORT}),
    "out_for_delivery": frozenset({Status.OUT_FOR_DELIVERY, Status.DELIVERY_FAILED, Status.AVAILABLE_FOR_PICKUP}),
}
#: A journey that ended without a delivery: nothing more to estimate, its outcome is `ended`.
ENDED = frozenset({Status.EXCEPTION, Status.RETURNING_TO_SENDER, Status.RETURNED_TO_SENDER})
LEG_ORDER: tuple[Leg, ...] = ("shipped", "import", "out_for_delivery")


def _hours(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 3)


def _leg_starts(memory: EtaMemory | None, shipped_at: datetime, events) -> dict[Leg, datetime]:
    starts: dict[Leg, datetime] = {"shipped": shipped_at}
    if memory is not None:
        starts.update({start.leg: start.started_at for start in memory.legs})
    for event in events:
        for leg, statuses in LEG_STATUSES.items():
            if event.status in statuses and (leg not in starts or event.occurred_at < starts[leg]):
                starts[leg] = event.occurred_at
    return starts


def _outcome(start: datetime, facts: Facts, latest_scan: datetime) -> Outcome | None:
    if facts.delivered is not None:
        hours = _hours(start, facts.delivered.occurred_at)
        return Outcome(kind="delivered", hours=hours) if hours >= 0 else None
    kind = "ended" if facts.status in ENDED else "in_flight"
    return Outcome(kind=kind, hours=max(_hours(start, latest_scan), 0.0))


def eta_commands(
    state: ShipmentState, facts: Facts, now: datetime, settings: EtaSettings
) -> tuple[ShipmentState, list[LaneObserved | EtaRequest]]:
    """The shipment with what it told its lanes remembered, and the commands for them."""
    if not settings.enabled or not state.orders or facts.first_scan is None or state.carrier is None:
        return state, []
    order = state.orders[min(state.orders)]
    memory = state.eta or EtaMemory(
        lanes=lane_keys(state.carrier, order.origin_country, order.destination_country),
        bucket=bucket_of(order.shipped_at, settings),
        legs=(),
    )
    starts = _leg_starts(state.eta, order.shipped_at, state.events)
    latest_scan = max(event.occurred_at for event in state.events if event.status in SCANNED)
    told: dict[Leg, Outcome] = {}
    changes = []
    for leg in LEG_ORDER:
        if leg not in starts:
            continue
        outcome = _outcome(starts[leg], facts, latest_scan)
        if outcome is not None:
            told[leg] = outcome
        change = outcome_change(leg, memory.told.get(leg), outcome)
        if change is not None:
            changes.append(change)
    legs = tuple(LegStart(leg=leg, started_at=starts[leg]) for leg in LEG_ORDER if leg in starts)
    memory = evolve(memory, legs=legs, told=told)
    state = evolve(state, eta=memory)
    if not changes:
        return state, []
    commands: list[LaneObserved | EtaRequest] = [
        LaneObserved(lane=lane, bucket=memory.bucket, changes=tuple(changes)) for lane in memory.lanes
    ]
    open_order = any(not watch.closed and now < watch.protection_ends_at for watch in state.orders.values())
    if facts.delivered is None and facts.status not in ENDED and open_order:
        previous = memory.estimate.p80_at if memory.estimate is not None else None
        commands.append(
            EtaRequest(
                lane=memory.lanes[0],
                fallback=memory.lanes[1:],
                tracking_number=state.tracking_number,
                order_ids=tuple(sorted(state.orders)),
                carrier=state.carrier,
                origin_country=order.origin_country,
                destination_country=order.destination_country,
                status=facts.status,
                estimated_at=now,
                legs=tuple(reversed(legs)),
                previous_p80_at=previous,
            )
        )
    return state, commands


def note_estimate(state: ShipmentState, estimate: EtaEstimate) -> ShipmentState:
    """The shipment remembering the estimate a lane emitted for it."""
    if state.eta is None:
        return state
    return evolve(state, eta=evolve(state.eta, estimate=estimate))


def moved(previous: datetime | None, p80_at: datetime, settings: EtaSettings) -> bool:
    """Whether an estimate is worth emitting: the first, or p80 moved by `revise_days` or more."""
    return previous is None or abs((p80_at - previous).total_seconds()) / 3600 >= settings.revise_days * DAY_HOURS
