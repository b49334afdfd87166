"""What every buyer-protection rule is written with: the facts of a shipment, the context of a
decision, the verdict a rule returns, and the helpers the rules share (`streams/rules/__init__.py`
holds the list of rules, in their order)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from schemas.eta import EtaEstimate
from schemas.event import TrackingEvent, current_event
from schemas.outputs import BuyerNotification, FlagRaised, Output
from schemas.state import OrderWatch, ShipmentState, evolve
from schemas.status import SCANNED, Status
from schemas.types import format_utc
from streams.rules.settings import RuleSettings


@lru_cache(maxsize=256)
def days(n: float) -> timedelta:
    return timedelta(days=n)


class Facts:
    """What the rules ask of a shipment's history, computed once per decision."""

    __slots__ = (
        "tracking_number",
        "current",
        "status",
        "delivered",
        "first_scan",
        "ever_imported",
        "_stage",
        "_stage_since",
    )

    def __init__(self, tracking_number: str, events: Sequence[TrackingEvent]) -> None:
        self.tracking_number = tracking_number
        self.current: TrackingEvent | None = current_event(events)
        self.status: Status | None = self.current.status if self.current else None
        #: The delivery scan, while the shipment counts as delivered.
        self.delivered: TrackingEvent | None = self.current if self.status is Status.DELIVERED else None
        self.first_scan: TrackingEvent | None = None
        self.ever_imported = False
        stage: Status | None = None  # the latest scan's status, and the first scan of the run of them it ends
        since: datetime | None = None
        for event in events:
            status = event.status
            if status not in SCANNED:
                continue
            if self.first_scan is None:
                self.first_scan = event
            if status is Status.IMPORT:
                self.ever_imported = True
            if status is not stage:
                stage, since = status, event.occurred_at
        self._stage, self._stage_since = stage, since

    def delivered_by(self, moment: datetime) -> bool:
        """Delivered now, by a delivery scan at or before `moment`."""
        return self.delivered is not None and self.delivered.occurred_at <= moment

    def stage_since(self, status: Status) -> datetime | None:
        """Start of the current run of `status` scans, when the shipment is in that stage now."""
        return self._stage_since if self.status is status and self._stage is status else None


@dataclass(frozen=True, slots=True)
class RuleContext:
    facts: Facts
    now: datetime
    settings: RuleSettings
    eta: EtaEstimate | None = None  # the delivery estimate last emitted for the shipment (streams.eta)

    @property
    def tracking_number(self) -> str:
        return self.facts.tracking_number


class Verdict(NamedTuple):
    order: OrderWatch
    outputs: Sequence[Output] = ()
    wake_at: datetime | None = None


def update_order(state: ShipmentState, order_id: str, **changes) -> ShipmentState:
    """`state` with its order `order_id` changed (unchanged when it carries no such order)."""
    order = state.orders.get(order_id)
    if order is None:
        return state
    return evolve(state, orders={**state.orders, order_id: evolve(order, **changes)})


def low_value(order: OrderWatch, ctx: RuleContext) -> bool:
    """An order under the low-value threshold (R4's, which R2 and R3 leave alone)."""
    return order.order_value_usd < ctx.settings.low_value_usd


def fired(order: OrderWatch, key: str) -> bool:
    return key in order.fired


def remember(order: OrderWatch, *keys: str, **changes) -> OrderWatch:
    return evolve(order, fired=order.fired.union(keys), **changes)


def moment_key(name: str, moment: datetime) -> str:
    return f"{name}@{format_utc(moment)}"


def may_raise(order: OrderWatch, moment: datetime) -> bool:
    """Nothing is raised for a closed order, nor for a condition that came true after protection ended."""
    return not order.closed and moment < order.protection_ends_at


def flag(order: OrderWatch, ctx: RuleContext, name: str, raised_at: datetime, **details) -> FlagRaised:
    return FlagRaised.build(
        flag=name, order_id=order.order_id, tracking_number=ctx.tracking_number, raised_at=raised_at, details=details
    )


def flag_once(order: OrderWatch, ctx: RuleContext, key: str, name: str, raised_at: datetime, **details) -> Verdict:
    """An instant rule's flag `name`: raised once for `key`, never on a closed order nor after protection ended."""
    if fired(order, key) or not may_raise(order, ctx.now):
        return Verdict(order)
    return Verdict(remember(order, key), [flag(order, ctx, name, raised_at, **details)])


def notify(order: OrderWatch, ctx: RuleContext, template: str, deadline: datetime, **facts) -> BuyerNotification:
    return BuyerNotification.build(
        template=template,
        order_id=order.order_id,
        buyer_id=order.buyer_id,
        tracking_number=ctx.tracking_number,
        deadline=deadline,
        facts=facts,
    )


def wait_or_fire(order: OrderWatch, ctx: RuleContext, key: str, deadline: datetime, fire) -> Verdict:
    """The shape of every time rule: before `deadline` ask to be woken then; at or after it, fire
    once (`fire()` gives the outputs), unless protection had already ended by the deadline."""
    if fired(order, key):
        return Verdict(order)
    if ctx.now < deadline:
        return Verdict(order, wake_at=deadline)
    if not may_raise(order, deadline):
        return Verdict(order)
    return Verdict(remember(order, key), fire())


Rule = Callable[[OrderWatch, RuleContext], Verdict]


def delivery_notice(order: OrderWatch, ctx: RuleContext, open_dispute: bool) -> Verdict:
    """R9 (`open_dispute`: the buyer has an open "not received" dispute) and R11 (the buyer has none):
    on delivery, the buyer is told they have N days to act, and never past protection's end (R1 never
    lengthens it). Which one applies depends on the dispute, so both wait until the order side has said
    whether there is one. They share one notice per deadline: carriers often send "delivered" twice (a
    scan, then the signature), and the second changes nothing the buyer must do."""
    delivered = ctx.facts.delivered
    if delivered is None or not order.linked:
        return Verdict(order)
    disputed = order.dispute is not None and order.dispute.open_not_received
    if disputed is not open_dispute:
        return Verdict(order)
    deadline = min(delivered.occurred_at + days(ctx.settings.act_after_delivery_days), order.protection_ends_at)
    key = moment_key("delivery_notice", deadline)
    if fired(order, key) or not may_raise(order, ctx.now):
        return Verdict(order)
    facts = {"delivered_at": format_utc(delivered.occurred_at), "location": delivered.location}
    if delivered.time_inferred:
        facts["time_inferred"] = True  # delivered_at was given without an offset (carriers/times.py)
    if disputed:
        facts["dispute_id"] = order.dispute.dispute_id
    template = "delivered_open_dispute" if disputed else "delivered_check_receipt"
    return Verdict(remember(order, key), [notify(order, ctx, template, deadline, **facts)])
