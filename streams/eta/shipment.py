"""The shipment's side of the delivery estimate: what it tells its lanes, when it asks, and which
answers it emits. Pure.

After each input that changed a shipment's events (or gave a scanned shipment its first order), the
shipment works out, per leg it reached, its outcome: delivered so many hours after the leg started,
ended without a delivery (its status an exception or a return) at its latest scan, or still in flight
at its latest scan. What changed since it last told its lanes goes to each of them in one
`LaneObserved`. While it is on its way to the buyer (scanned, not delivered, not ended, an open
order), it asks its finest lane for an estimate (`EtaRequest`), most advanced leg first.

The answer comes back as `EtaAnswered`, and the shipment, not the lane, emits `eta_estimated`: when
it is still on its way, the answer is not older than the estimate it last emitted, and it is its
first or its p80 moved by `revise_days` or more from that one. A shipment's records are decided one
at a time against its state, so of requests in flight together (a burst of scans) only the answers
that are news against what was emitted before them are emitted. The estimate emitted is remembered
for the next revision and for R8.
"""

from datetime import datetime

from schemas.commands import EtaAnswered
from schemas.eta import EtaMemory, EtaRequest, LaneObserved, Leg, LegStart, Outcome, lane_keys
from schemas.outputs import EtaEstimated
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
    if on_its_way(state, facts, now):
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


def on_its_way(state: ShipmentState, facts: Facts, now: datetime) -> bool:
    """Whether the shipment is on its way to the buyer: a real scan (R6) and a carrier, not delivered,
    its journey not ended, and an order open (not closed, before its protection end)."""
    return (
        facts.first_scan is not None
        and state.carrier is not None
        and facts.delivered is None
        and facts.status not in ENDED
        and any(not watch.closed and now < watch.protection_ends_at for watch in state.orders.values())
    )


def answered(
    state: ShipmentState, answer: EtaAnswered, now: datetime, settings: EtaSettings
) -> tuple[ShipmentState, list[EtaEstimated]]:
    """The shipment on a lane's answer: `eta_estimated` emitted and the estimate remembered when the
    shipment is still on its way and the answer is news (no older than the estimate last emitted, and
    its first or moved from it by `revise_days`); otherwise the shipment as it was, and nothing."""
    memory = state.eta
    found = answer.estimate
    if not settings.enabled or memory is None or not on_its_way(state, Facts(state.tracking_number, state.events), now):
        return state, []
    last = memory.estimate
    if last is not None and (found.estimated_at < last.estimated_at or not moved(last.p80_at, found.p80_at, settings)):
        return state, []
    output = EtaEstimated.build(
        tracking_number=state.tracking_number,
        order_ids=answer.order_ids,
        carrier=answer.carrier,
        origin_country=answer.origin_country,
        destination_country=answer.destination_country,
        status=answer.status,
        **found.model_dump(),
    )
    return evolve(state, eta=evolve(memory, estimate=found)), [output]


def moved(previous: datetime | None, p80_at: datetime, settings: EtaSettings) -> bool:
    """Whether an estimate is news against the p80 last emitted: the first, or moved by `revise_days` or more."""
    return previous is None or abs((p80_at - previous).total_seconds()) / 3600 >= settings.revise_days * DAY_HOURS
