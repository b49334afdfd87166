"""The shipment's side of the delivery estimate: what it tells its lanes, and its estimate. Pure.

After each input that changed a shipment's events (or gave a scanned shipment its first order), the
shipment works out, per leg it reached, its outcome: delivered so many hours after the leg started,
ended without a delivery (its status an exception or a return) at its latest scan, or still in flight
at its latest scan. When an outcome moved to another bin (or kind) since it last told its lanes, each
of its four lanes gets one `LaneObserved` with the move (a later scan in the same bin moves nothing,
and sends nothing). When an outcome changed and the shipment is on its way to the buyer (scanned, not
delivered, not ended, an open order), it estimates its delivery from its lanes as they stand
(`streams.eta.lanes.estimate`) and emits the estimate if it is its first or p80 moved by
`revise_days`; the estimate emitted is remembered for the next revision and for R8.
"""

from collections.abc import Mapping
from datetime import datetime

from schemas.eta import (
    BinCounts,
    EtaMemory,
    LaneObserved,
    LaneState,
    Leg,
    LegStart,
    Outcome,
    add_counts,
    lane_keys,
)
from schemas.outputs import EtaEstimated
from schemas.state import ShipmentState, evolve
from schemas.status import SCANNED, Status
from streams.eta.histogram import DAY_HOURS, bucket_of, moves
from streams.eta.lanes import estimate
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
    state: ShipmentState, facts: Facts, now: datetime, settings: EtaSettings, lanes: Mapping[str, LaneState]
) -> tuple[ShipmentState, list[LaneObserved], list[EtaEstimated]]:
    """The shipment with what it told its lanes (and the estimate it emitted) remembered, the commands
    for its lanes, and its estimate when one is due."""
    if not settings.enabled or not state.orders or facts.first_scan is None or state.carrier is None:
        return state, [], []
    order = state.orders[min(state.orders)]
    memory = state.eta or EtaMemory(
        lanes=lane_keys(state.carrier, order.origin_country, order.destination_country),
        bucket=bucket_of(order.shipped_at, settings),
        legs=(),
    )
    starts = _leg_starts(state.eta, order.shipped_at, state.events)
    latest_scan = max(event.occurred_at for event in state.events if event.status in SCANNED)
    told: dict[Leg, Outcome] = {}
    changed = False
    counts: BinCounts = {}
    for leg in LEG_ORDER:
        if leg not in starts:
            continue
        outcome = _outcome(starts[leg], facts, latest_scan)
        if outcome is not None:
            told[leg] = outcome
        before = memory.told.get(leg)
        if before != outcome:
            changed = True
            add_counts(counts, moves(memory.bucket, leg, before, outcome, settings))
    legs = tuple(LegStart(leg=leg, started_at=starts[leg]) for leg in LEG_ORDER if leg in starts)
    memory = evolve(memory, legs=legs, told=told)
    commands = [LaneObserved.model_construct(lane=lane, counts=counts) for lane in memory.lanes] if counts else []
    open_order = any(not watch.closed and now < watch.protection_ends_at for watch in state.orders.values())
    if not changed or facts.delivered is not None or facts.status in ENDED or not open_order:
        return evolve(state, eta=memory), commands, []
    found = estimate(lanes, memory.lanes, tuple(reversed(legs)), now, settings)
    previous = memory.estimate.p80_at if memory.estimate is not None else None
    if found is None or not moved(previous, found.p80_at, settings):
        return evolve(state, eta=memory), commands, []
    output = EtaEstimated.build(
        tracking_number=state.tracking_number,
        order_ids=tuple(sorted(state.orders)),
        carrier=state.carrier,
        origin_country=order.origin_country,
        destination_country=order.destination_country,
        status=facts.status,
        **found.model_dump(),
    )
    return evolve(state, eta=evolve(memory, estimate=found)), commands, [output]


def moved(previous: datetime | None, p80_at: datetime, settings: EtaSettings) -> bool:
    """Whether an estimate is worth emitting: the first, or p80 moved by `revise_days` or more."""
    return previous is None or abs((p80_at - previous).total_seconds()) / 3600 >= settings.revise_days * DAY_HOURS
