"""The decision core: `decide(state, input, now, settings)`, pure and synchronous.

The Faust agents, `parcelwatch replay` and the tests all call these functions; they read no
clock, broker, cache or network. One shipment (tracking number) is one state; `decide_order`
keeps the per-order link to its shipments and its dispute.

A decision is the new state, the outputs for the dispute platform, the commands for other keys
(an order handed to a new tracking number, a dispute forwarded to the order's shipments) and
`wake_at`, the earliest deadline a time rule waits for: the shell calls `decide` with a `Tick`
then. `unknown` holds the events with status `unknown` the input newly added to the history:
the stream counts them (`streams.metrics.count_unknown`), so an event a carrier repeats is
counted once.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemas.commands import (
    AdoptOrder,
    DisputeChanged,
    EtaAnswered,
    LinkShipment,
    OrderCommand,
    ReleaseOrder,
    ShipmentCommand,
    Tick,
    UnlinkShipment,
)
from schemas.eta import LaneCommand
from schemas.event import TrackingEvent, kept_events, merge_events
from schemas.inputs import (
    DisputeEvent,
    ProtectionExtended,
    ReceiptConfirmed,
    ShipmentRegistered,
    TrackingNumberReplaced,
)
from schemas.outputs import Output, StatusChanged
from schemas.sellers import SellerCommand
from schemas.state import DisputeState, OrderLink, OrderWatch, ShipmentState, evolve
from schemas.status import Status
from streams.eta.shipment import answered, eta_commands
from streams.rules import RULES, ListedRule
from streams.rules.base import Facts, RuleContext, Verdict, days, update_order
from streams.rules.r16_order_events import apply_order_change
from streams.rules.settings import RuleSettings
from streams.sellers.shipment import seller_commands


@dataclass(frozen=True, slots=True)
class CarrierUpdate:
    """Canonical events a carrier reported for one tracking number."""

    tracking_number: str
    carrier: str
    events: tuple[TrackingEvent, ...]


@dataclass(frozen=True, slots=True)
class OrderInput:
    event: ShipmentRegistered | ProtectionExtended | TrackingNumberReplaced | ReceiptConfirmed

    @property
    def tracking_number(self) -> str:
        return self.event.tracking_number


Input = CarrierUpdate | OrderInput | ShipmentCommand
Command = ShipmentCommand | OrderCommand | LaneCommand | SellerCommand

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Decision:
    state: ShipmentState
    outputs: list[Output] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    wake_at: datetime | None = None
    forget: bool = False
    unknown: tuple[TrackingEvent, ...] = ()


def decide(state: ShipmentState | None, update: Input, now: datetime, settings: RuleSettings) -> Decision:
    current = state or ShipmentState(tracking_number=update.tracking_number)
    outputs: list[Output] = []
    commands: list[Command] = []
    facts: Facts | None = None  # of the new events, when they changed
    unknown: tuple[TrackingEvent, ...] = ()
    match update:
        case CarrierUpdate():
            current, changed, facts, unknown = _apply_events(current, update, settings.kept_events)
            outputs.extend(changed)
        case OrderInput(event=event):
            current, handed = apply_order_change(current, event, now)
            commands.extend(handed)
        case ReleaseOrder() | AdoptOrder():
            current, handed = apply_order_change(current, update, now)
            commands.extend(handed)
        case DisputeChanged():
            current = update_order(current, update.order_id, dispute=update.dispute, linked=True)
        case EtaAnswered():
            current, estimated = answered(current, update, now, settings.eta)
            outputs.extend(estimated)
        case Tick():
            pass
    if not isinstance(update, Tick | EtaAnswered):
        current = evolve(current, updated_at=now)
    if facts is not None or (isinstance(update, OrderInput) and current.eta is None and current.events):
        current, observed = eta_commands(
            current, facts or Facts(current.tracking_number, current.events), now, settings.eta
        )
        commands.extend(observed)
    current, fired, wake_at = _run_rules(current, now, settings, facts)
    outputs.extend(fired)
    commands.extend(seller_commands(state, current, facts, settings))
    forget_at = _forget_at(current, settings)
    if now >= forget_at and not fired and not commands:
        return Decision(current, forget=True, unknown=unknown)
    return Decision(current, outputs, commands, min(filter(None, (wake_at, forget_at))), unknown=unknown)


def _forget_at(state: ShipmentState, settings: RuleSettings) -> datetime:
    """A shipment no order needs any more (closed, or its protection over) is dropped from the
    table `retention_days` after its last input or the end of the protection it carried."""
    last = state.updated_at or NEVER
    for order in state.orders.values():
        if not order.closed and order.protection_ends_at > last:
            last = order.protection_ends_at
    return last + days(settings.retention_days)


def _apply_events(
    state: ShipmentState, update: CarrierUpdate, limit: int
) -> tuple[ShipmentState, list[Output], Facts | None, tuple[TrackingEvent, ...]]:
    history, added = merge_events(state.events, update.events)
    if not added:
        return state, [], None, ()
    history = kept_events(history, limit)
    if history == state.events:
        return state, [], None, ()  # each new event sorts before the kept ones and is not one the rules read
    unknown = _unknown_kept(added, history)
    facts = Facts(state.tracking_number, history)
    latest, new_status = facts.current, facts.status
    updated = evolve(state, events=history, status=new_status, carrier=update.carrier)
    if latest is None or new_status == state.status:
        return updated, [], facts, unknown
    changed = StatusChanged.build(
        tracking_number=state.tracking_number,
        order_ids=tuple(sorted(state.orders)),
        status=new_status,
        previous_status=state.status,
        substatus=latest.substatus,
        occurred_at=latest.occurred_at,
        carrier=latest.carrier,
        country=latest.country,
        location=latest.location,
        description=latest.description,
        time_inferred=latest.time_inferred,
    )
    return updated, [changed], facts, unknown


def _unknown_kept(added: tuple[TrackingEvent, ...], history: tuple[TrackingEvent, ...]) -> tuple[TrackingEvent, ...]:
    """The `unknown` events of `added` the kept history holds. One `kept_events` leaves out at once
    sorts before every kept event: most often an old event a full history re-pushed, which the state
    no longer held, so it is not counted again."""
    unknown = [event for event in added if event.status is Status.UNKNOWN]
    if not unknown:
        return ()
    held = {event.identity() for event in history}
    return tuple(event for event in unknown if event.identity() in held)


def verdicts(
    state: ShipmentState, now: datetime, settings: RuleSettings, facts: Facts | None = None
) -> Iterator[tuple[str, ListedRule, Verdict]]:
    """Each listed rule's verdict for each open order, over `facts` (computed from `state` when not
    given), as `decide` runs them: each rule sees the order as the rule before it left it. `decide`
    and `pending_timers` (`parcelwatch inspect`) both run the rules through this loop."""
    ctx: RuleContext | None = None
    for order_id, order in state.orders.items():
        if order.closed:
            continue
        if ctx is None:
            ctx = RuleContext(
                facts=facts or Facts(state.tracking_number, state.events),
                now=now,
                settings=settings,
                eta=state.eta.estimate if state.eta is not None else None,
            )
        for rule in RULES:
            verdict = rule.check(order, ctx)
            order = verdict.order
            yield order_id, rule, verdict


def _run_rules(
    state: ShipmentState, now: datetime, settings: RuleSettings, facts: Facts | None = None
) -> tuple[ShipmentState, list[Output], datetime | None]:
    """Every rule for every open order: the state with the orders they left, their outputs, and
    the earliest deadline they wait for."""
    outputs: list[Output] = []
    wake_at: datetime | None = None
    after: dict[str, OrderWatch] = {}
    for order_id, _, verdict in verdicts(state, now, settings, facts):
        after[order_id] = verdict.order
        if verdict.outputs:
            outputs.extend(verdict.outputs)
        if verdict.wake_at is not None and (wake_at is None or verdict.wake_at < wake_at):
            wake_at = verdict.wake_at
    changed = {order_id: order for order_id, order in after.items() if order is not state.orders[order_id]}
    updated = evolve(state, orders={**state.orders, **changed}) if changed else state
    return updated, outputs, wake_at


def decide_order(
    link: OrderLink | None, update: DisputeEvent | OrderCommand, order_id: str
) -> tuple[OrderLink, list[ShipmentCommand]]:
    """The order side: which shipments carry the order, and its dispute forwarded to each."""
    current = link or OrderLink(order_id=order_id)
    match update:
        case DisputeEvent():
            dispute = _dispute_after(current.dispute, update)
            current = evolve(current, dispute=dispute)
            targets = current.tracking_numbers
        case LinkShipment():
            if update.tracking_number not in current.tracking_numbers:
                current = evolve(current, tracking_numbers=(*current.tracking_numbers, update.tracking_number))
            targets = (update.tracking_number,)
        case UnlinkShipment():
            remaining = tuple(n for n in current.tracking_numbers if n != update.tracking_number)
            return evolve(current, tracking_numbers=remaining), []
    return current, [
        DisputeChanged(tracking_number=number, order_id=order_id, dispute=current.dispute) for number in targets
    ]


def _dispute_after(previous: DisputeState | None, event: DisputeEvent) -> DisputeState:
    opened_at = previous.opened_at if previous and previous.dispute_id == event.dispute_id else event.at
    return DisputeState(
        dispute_id=event.dispute_id,
        reason=event.reason,
        open=event.type in ("opened", "modified", "escalated"),
        opened_at=opened_at,
        updated_at=event.at,
    )


def next_wake(state: ShipmentState, now: datetime, settings: RuleSettings) -> datetime | None:
    """When `state` next needs a `Tick` (`now` if a rule is already due): rebuilds the wake-up
    index from a table after a restart or a rebalance."""
    _, outputs, wake_at = _run_rules(state, now, settings)
    return now if outputs else min(filter(None, (wake_at, _forget_at(state, settings))))


@dataclass(frozen=True, slots=True)
class PendingTimer:
    """A deadline the shipment waits on: a time rule of an order, or (`order_id` None, rule
    `forget`) the moment the stream drops the shipment's state. `due` when it has already passed
    (the next `Tick` acts on it)."""

    order_id: str | None
    rule: str
    label: str | None
    wake_at: datetime
    due: bool = False


def pending_timers(state: ShipmentState, now: datetime, settings: RuleSettings) -> list[PendingTimer]:
    """Per open order, each rule that waits on a deadline (or is due at `now`), and when the
    state is forgotten (`retention_days` after its last input or protection end); soonest first.
    The rules run as `decide` runs them (`verdicts`)."""
    timers: list[PendingTimer] = []
    for order_id, rule, verdict in verdicts(state, now, settings):
        if verdict.outputs:
            timers.append(PendingTimer(order_id, rule.name, rule.label, now, due=True))
        elif verdict.wake_at is not None:
            timers.append(PendingTimer(order_id, rule.name, rule.label, verdict.wake_at))
    forget_at = _forget_at(state, settings)
    timers.append(PendingTimer(None, "forget", None, forget_at, due=forget_at <= now))
    return sorted(timers, key=lambda timer: (timer.wake_at, timer.order_id or "", timer.rule))
