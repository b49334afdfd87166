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

from dataclasses import dataclass, field
from datetime import UTC, datetime

from carriers.detect import detect
from schemas.commands import (
    AdoptOrder,
    DisputeChanged,
    LinkShipment,
    OrderCommand,
    ReleaseOrder,
    ShipmentCommand,
    Tick,
    UnlinkShipment,
)
from schemas.event import TrackingEvent, kept_events, merge_events
from schemas.inputs import (
    DisputeEvent,
    ProtectionExtended,
    ReceiptConfirmed,
    ShipmentRegistered,
    TrackingNumberReplaced,
)
from schemas.outputs import Output, StatusChanged
from schemas.state import DisputeState, OrderLink, OrderWatch, ShipmentState, evolve
from schemas.status import Status
from streams.rules import RULES
from streams.rules.base import Facts, RuleContext, days
from streams.rules.settings import RuleSettings


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
Command = ShipmentCommand | OrderCommand

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
        case OrderInput(event=ShipmentRegistered() as registered):
            current = _register(current, registered)
            commands.append(LinkShipment(order_id=registered.order_id, tracking_number=current.tracking_number))
        case OrderInput(event=ProtectionExtended() as extended):
            current = _update_order(
                current, extended.order_id, protection_ends_at=extended.protection_ends_at, ends_before_shortening=None
            )
        case OrderInput(event=ReceiptConfirmed() as confirmed):
            current = _update_order(current, confirmed.order_id, closed=True)
        case OrderInput(event=TrackingNumberReplaced() as replaced):
            if replaced.order_id not in current.orders:
                commands.append(
                    ReleaseOrder(
                        tracking_number=replaced.previous_tracking_number,
                        order_id=replaced.order_id,
                        new_tracking_number=current.tracking_number,
                        carrier=replaced.carrier,
                    )
                )
        case ReleaseOrder():
            current, handed = _release(current, update, now)
            commands.extend(handed)
        case AdoptOrder():
            if update.order.order_id not in current.orders:
                orders = {**current.orders, update.order.order_id: update.order}
                current = evolve(current, orders=orders, carrier=update.carrier or current.carrier)
            commands.append(LinkShipment(order_id=update.order.order_id, tracking_number=current.tracking_number))
        case DisputeChanged():
            current = _update_order(current, update.order_id, dispute=update.dispute, linked=True)
        case Tick():
            pass
    if not isinstance(update, Tick):
        current = evolve(current, updated_at=now)
    current, fired, wake_at = _run_rules(current, now, settings, facts)
    outputs.extend(fired)
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


def _register(state: ShipmentState, registered: ShipmentRegistered) -> ShipmentState:
    if registered.order_id in state.orders:
        return state
    watch = OrderWatch(
        order_id=registered.order_id,
        buyer_id=registered.buyer_id,
        seller_id=registered.seller_id,
        order_value_usd=registered.order_value_usd,
        shipped_at=registered.shipped_at,
        protection_ends_at=registered.protection_ends_at,
        guaranteed_delivery_days=registered.guaranteed_delivery_days,
        origin_country=registered.origin_country,
        destination_country=registered.destination_country,
        tracking_since=registered.shipped_at,
    )
    carrier = state.carrier or registered.carrier or _likely_carrier(state.tracking_number)
    return evolve(state, orders={**state.orders, watch.order_id: watch}, carrier=carrier)


def _likely_carrier(tracking_number: str) -> str | None:
    """An order without a carrier hint: the most likely carrier by the number's format."""
    candidates = [c for c in detect(tracking_number) if c.valid_check_digit is not False]
    return candidates[0].carrier if candidates else None


def _release(state: ShipmentState, release: ReleaseOrder, now: datetime) -> tuple[ShipmentState, list[Command]]:
    order = state.orders.get(release.order_id)
    if order is None:
        return state, []
    remaining = {order_id: watch for order_id, watch in state.orders.items() if order_id != release.order_id}
    handed = AdoptOrder(
        tracking_number=release.new_tracking_number,
        previous_tracking_number=state.tracking_number,
        carrier=release.carrier,
        order=evolve(order, tracking_since=now),
    )
    unlink = UnlinkShipment(order_id=release.order_id, tracking_number=state.tracking_number)
    return evolve(state, orders=remaining), [handed, unlink]


def _update_order(state: ShipmentState, order_id: str, **changes) -> ShipmentState:
    order = state.orders.get(order_id)
    if order is None:
        return state
    return evolve(state, orders={**state.orders, order_id: evolve(order, **changes)})


def _run_rules(
    state: ShipmentState, now: datetime, settings: RuleSettings, facts: Facts | None = None
) -> tuple[ShipmentState, list[Output], datetime | None]:
    """Every rule for every open order, over `facts` (computed from `state` when not given)."""
    outputs: list[Output] = []
    wake_at: datetime | None = None
    changed: dict[str, OrderWatch] = {}
    ctx: RuleContext | None = None
    for order_id, before in state.orders.items():
        if before.closed:
            continue
        if ctx is None:
            ctx = RuleContext(facts=facts or Facts(state.tracking_number, state.events), now=now, settings=settings)
        order = before
        for check in RULES:
            verdict = check(order, ctx)
            order = verdict.order
            if verdict.outputs:
                outputs.extend(verdict.outputs)
            if verdict.wake_at is not None and (wake_at is None or verdict.wake_at < wake_at):
                wake_at = verdict.wake_at
        if order is not before:
            changed[order_id] = order
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

    The rules run as `decide` runs them, so what one rule records is seen by the next. `label` is
    the rule's number from its docstring (`R2`), when it has one.
    """
    timers: list[PendingTimer] = []
    ctx = RuleContext(facts=Facts(state.tracking_number, state.events), now=now, settings=settings)
    for order_id, order in state.orders.items():
        if order.closed:
            continue
        for check in RULES:
            verdict = check(order, ctx)
            order = verdict.order
            if verdict.outputs:
                timers.append(PendingTimer(order_id, check.__name__, _rule_label(check), now, due=True))
            elif verdict.wake_at is not None:
                timers.append(PendingTimer(order_id, check.__name__, _rule_label(check), verdict.wake_at))
    forget_at = _forget_at(state, settings)
    timers.append(PendingTimer(None, "forget", None, forget_at, due=forget_at <= now))
    return sorted(timers, key=lambda timer: (timer.wake_at, timer.order_id or "", timer.rule))


def _rule_label(check) -> str | None:
    head = (check.__doc__ or "").strip().split(":", 1)[0].split(" ", 1)[0]
    return head if head[:1] == "R" and head[1:].isdigit() else None
