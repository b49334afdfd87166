"""`pending_timers`: which time rules wait on which deadline, per order (what `inspect` shows)."""

from datetime import timedelta
from decimal import Decimal

from schemas.event import TrackingEvent
from schemas.inputs import ReceiptConfirmed, ShipmentRegistered
from schemas.status import Status
from schemas.types import Money
from streams.core import CarrierUpdate, OrderInput, decide, next_wake, pending_timers
from streams.rules.settings import RuleSettings
from tests.core.helpers import TN, day

RULES = RuleSettings()


def registration(order_id: str = "o-1", **overrides) -> OrderInput:
    fields = {
        "order_id": order_id,
        "tracking_number": TN,
        "carrier": "generic",
        "buyer_id": "b-1",
        "seller_id": "s-1",
        "order_value": Money(amount=Decimal("25.00"), currency="USD"),
        "order_value_usd": Decimal("25.00"),
        "shipped_at": day(0),
        "protection_ends_at": day(60),
        "origin_country": "CN",
        "destination_country": "ES",
    }
    return OrderInput(ShipmentRegistered(**(fields | overrides)))


def state_after(*updates, at=day(0)):
    state = None
    for update in updates:
        state = decide(state, update, at, RULES).state
    return state


def test_an_unscanned_order_waits_on_r2_r3_r13_r8_then_its_state_is_forgotten():
    state = state_after(registration(guaranteed_delivery_days=40))
    timers = pending_timers(state, day(1), RULES)
    assert [(t.order_id, t.label, t.wake_at, t.due) for t in timers] == [
        ("o-1", "R2", day(10), False),
        ("o-1", "R3", day(15), False),
        ("o-1", "R13", day(40), False),
        ("o-1", "R8", day(55), False),
        (None, None, day(90), False),  # forgotten retention_days (30) after protection ends
    ]
    assert timers[-1].rule == "forget"
    assert [t.rule for t in timers][:2] == ["ask_seller_to_check_number", "declare_number_unreadable"]
    assert next_wake(state, day(1), RULES) == timers[0].wake_at


def test_a_deadline_already_passed_is_due_now_and_a_scan_ends_r2_r3():
    state = state_after(registration())
    (due, *rest) = pending_timers(state, day(11), RULES)
    assert (due.label, due.due, due.wake_at) == ("R2", True, day(11))
    assert [t.label for t in rest] == ["R3", "R8", None]

    scanned = CarrierUpdate(
        TN, "generic", (TrackingEvent(status=Status.IN_TRANSIT, occurred_at=day(2), carrier="generic"),)
    )
    state = state_after(registration(), scanned, at=day(2))
    assert [t.label for t in pending_timers(state, day(3), RULES)] == ["R8", None]


def test_each_order_has_its_own_timers_and_a_closed_one_only_waits_to_be_forgotten():
    state = state_after(registration("o-1"), registration("o-2", protection_ends_at=day(30)))
    timers = pending_timers(state, day(1), RULES)
    assert {(t.order_id, t.label) for t in timers if t.label == "R8"} == {("o-1", "R8"), ("o-2", "R8")}
    assert min(t.wake_at for t in timers if t.order_id == "o-2" and t.label == "R8") == day(30) - timedelta(days=5)

    closed = state_after(
        registration("o-1"), OrderInput(ReceiptConfirmed(order_id="o-1", tracking_number=TN, at=day(1)))
    )
    # no rule waits any more: the next wake-up is when the shipment is forgotten
    (forget,) = pending_timers(closed, day(2), RULES)
    assert (forget.order_id, forget.rule, forget.wake_at) == (None, "forget", day(30)), "30 days after its last input"
    assert next_wake(closed, day(2), RULES) == forget.wake_at
    assert pending_timers(closed, day(31), RULES)[0].due
