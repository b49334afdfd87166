"""What the models promise the dispute platform: deterministic event ids, UTC `Z` times, decimal money,
tolerant inputs, and an order union that picks its model by `type`."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.inputs import (
    ORDER_EVENT,
    DisputeEvent,
    ProtectionExtended,
    RawTracking,
    ReceiptConfirmed,
    ShipmentRegistered,
    TrackingNumberReplaced,
)
from schemas.outputs import (
    EVENT_ID_NAMESPACE,
    OUTPUT_MODELS,
    BuyerNotification,
    DeadLetter,
    EtaEstimated,
    FlagRaised,
    Output,
    ProtectionAdjusted,
    SellerMetrics,
    StatusChanged,
)
from schemas.state import OrderWatch, evolve
from schemas.status import Status
from schemas.types import Money

T = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))

# One valid set of fields per output model, and another value for every field but `event_id`,
# `schema_version` and a single-valued `type`: changing an identity field (or `type`) must change
# the id, changing any other field must not.
BASE: dict[type[Output], dict[str, Any]] = {
    StatusChanged: {
        "tracking_number": "LP000000001CN",
        "order_ids": ("o-1",),
        "status": Status.DELIVERED,
        "previous_status": Status.OUT_FOR_DELIVERY,
        "substatus": None,
        "occurred_at": T,
        "carrier": "generic",
        "country": "FR",
        "location": "Lyon",
        "description": "delivered",
    },
    ProtectionAdjusted: {
        "type": "protection_shortened",
        "order_id": "o-1",
        "tracking_number": "LP000000001CN",
        "delivered_at": T,
        "previous_ends_at": T + timedelta(days=60),
        "protection_ends_at": T + timedelta(days=5),
        "reason": "R1: delivered scan",
    },
    FlagRaised: {
        "flag": "tracking_unreadable",
        "order_id": "o-1",
        "tracking_number": "LP000000001CN",
        "raised_at": T,
        "details": {"days_without_scan": 15},
    },
    BuyerNotification: {
        "template": "delivered_check_receipt",
        "order_id": "o-1",
        "buyer_id": "b-1",
        "tracking_number": "LP000000001CN",
        "deadline": T + timedelta(days=5),
        "facts": {"delivered_at": "2026-04-02T10:00:00Z"},
    },
    DeadLetter: {
        "source_topic": "orders.shipments.v1",
        "partition": 2,
        "offset": 17,
        "record_key": "LP000000001CN",
        "value": "{}",
        "stage": "validate",
        "reason": "type: Field required",
        "at": T,
    },
    EtaEstimated: {
        "tracking_number": "LP000000001CN",
        "order_ids": ("o-1",),
        "carrier": "generic",
        "origin_country": "CN",
        "destination_country": "ES",
        "status": Status.EXPORT,
        "estimated_at": T,
        "p50_at": T + timedelta(days=12),
        "p80_at": T + timedelta(days=15),
        "p95_at": T + timedelta(days=21),
        "basis": "lane",
        "leg": "shipped",
        "samples": 40,
    },
    SellerMetrics: {
        "seller_id": "s-1",
        "as_of": T,
        "window_days": 30,
        "orders": 12,
        "valid_tracking_rate": 0.917,
        "median_hours_to_first_scan": 31,
        "delivered": 9,
        "on_time_rate": None,
        "returned": 0,
    },
}
OTHER: dict[type[Output], dict[str, Any]] = {
    StatusChanged: {
        "tracking_number": "LP000000002CN",
        "order_ids": ("o-1", "o-2"),
        "status": Status.RETURNING_TO_SENDER,
        "previous_status": None,
        "substatus": "address_issue",
        "occurred_at": T + timedelta(minutes=1),
        "carrier": "colissimo",
        "country": "BE",
        "location": "Paris",
        "description": "livré",
        "time_inferred": True,
    },
    ProtectionAdjusted: {
        "type": "protection_restored",
        "order_id": "o-2",
        "tracking_number": "LP000000002CN",
        "delivered_at": T + timedelta(hours=1),
        "previous_ends_at": T + timedelta(days=61),
        "protection_ends_at": T + timedelta(days=6),
        "reason": "another wording",
        "time_inferred": True,
    },
    FlagRaised: {
        "flag": "stuck_in_export",
        "order_id": "o-2",
        "tracking_number": "LP000000002CN",
        "raised_at": T + timedelta(days=1),
        "details": {"days_without_scan": 16, "note": "more"},
    },
    BuyerNotification: {
        "template": "protection_ending_soon",
        "order_id": "o-2",
        "buyer_id": "b-2",
        "tracking_number": "LP000000002CN",
        "deadline": T + timedelta(days=6),
        "facts": {},
    },
    DeadLetter: {
        "source_topic": "disputes.events.v1",
        "partition": 3,
        "offset": 18,
        "record_key": "o-9",
        "value": '{"x": 1}',
        "stage": "decode",
        "reason": "not JSON",
        "at": T + timedelta(seconds=1),
    },
    EtaEstimated: {
        "tracking_number": "LP000000002CN",
        "order_ids": ("o-1", "o-2"),
        "carrier": "cainiao",
        "origin_country": "HK",
        "destination_country": "FR",
        "status": Status.IMPORT,
        "estimated_at": T + timedelta(hours=1),
        "p50_at": T + timedelta(days=11),
        "p80_at": T + timedelta(days=16),
        "p95_at": T + timedelta(days=22),
        "basis": "global",
        "leg": "import",
        "samples": 41,
    },
    SellerMetrics: {
        "seller_id": "s-2",
        "as_of": T + timedelta(days=1),
        "window_days": 7,
        "orders": 13,
        "valid_tracking_rate": None,
        "median_hours_to_first_scan": 32,
        "delivered": 10,
        "on_time_rate": 0.5,
        "returned": 1,
    },
}
CHANGES = [
    pytest.param(model, field, id=f"{model.__name__}.{field}") for model in OUTPUT_MODELS for field in OTHER[model]
]


def build(model: type[Output], **overrides: Any) -> Output:
    return model.build(**{**BASE[model], **overrides})


def test_every_output_model_and_field_is_covered():
    assert set(BASE) == set(OUTPUT_MODELS) == set(OTHER)
    for model in OUTPUT_MODELS:
        fixed = {"event_id", "schema_version"} | ({"type"} if not model.model_fields["type"].is_required() else set())
        assert set(OTHER[model]) == set(model.model_fields) - fixed
        assert set(model.identity) <= set(model.model_fields)


# --- event ids -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", OUTPUT_MODELS, ids=lambda m: m.__name__)
def test_same_facts_give_the_same_event_id(model: type[Output]):
    first, second = build(model), build(model)
    assert first.event_id == second.event_id
    assert uuid.UUID(first.event_id).version == 5
    assert first == second


@pytest.mark.parametrize(("model", "field"), CHANGES)
def test_identity_facts_and_only_they_change_the_event_id(model: type[Output], field: str):
    changed = build(model, **{field: OTHER[model][field]})
    assert getattr(changed, field) != getattr(build(model), field)
    if field in model.identity or field == "type":
        assert changed.event_id != build(model).event_id, f"{field} is an identity fact of {model.__name__}"
    else:
        assert changed.event_id == build(model).event_id, f"{field} is not an identity fact of {model.__name__}"


def test_identity_fields_are_the_documented_ones():
    assert ProtectionAdjusted.identity == ("order_id", "tracking_number", "delivered_at", "protection_ends_at")
    assert FlagRaised.identity == ("order_id", "tracking_number", "flag", "raised_at")
    assert BuyerNotification.identity == ("order_id", "tracking_number", "template", "deadline")
    assert StatusChanged.identity == ("tracking_number", "status", "previous_status", "occurred_at")
    assert SellerMetrics.identity == ("seller_id", "as_of", "window_days")
    assert "reason" not in ProtectionAdjusted.identity
    assert "details" not in FlagRaised.identity
    assert "facts" not in BuyerNotification.identity


def test_the_same_instant_in_another_offset_is_the_same_fact():
    utc = build(FlagRaised, raised_at=T)
    local = build(FlagRaised, raised_at=T.astimezone(PLUS_TWO))
    assert local.event_id == utc.event_id


def test_shortened_and_restored_for_the_same_facts_have_different_ids():
    shortened = build(ProtectionAdjusted, type="protection_shortened")
    restored = build(ProtectionAdjusted, type="protection_restored")
    assert shortened.event_id != restored.event_id


def test_event_id_recipe_is_stable_across_releases():
    """Consumers deduplicate across deploys: the namespace and the canonical JSON must not drift."""
    adjusted = ProtectionAdjusted.build(
        type="protection_shortened",
        order_id="o-1",
        tracking_number="LP000000001CN",
        delivered_at=T,
        previous_ends_at=datetime(2026, 6, 1, tzinfo=UTC),
        protection_ends_at=T + timedelta(days=5),
        reason="R1",
    )
    facts = {
        "type": "protection_shortened",
        "order_id": "o-1",
        "tracking_number": "LP000000001CN",
        "delivered_at": "2026-04-02T10:00:00Z",
        "protection_ends_at": "2026-04-07T10:00:00Z",
    }
    canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert adjusted.event_id == str(uuid.uuid5(EVENT_ID_NAMESPACE, canonical))
    assert adjusted.event_id == "35179f00-da2c-51c9-b554-3400f2f6d251"


def test_build_refuses_a_caller_supplied_event_id():
    with pytest.raises(TypeError):
        ProtectionAdjusted.build(event_id="mine", **BASE[ProtectionAdjusted])


def test_two_different_rejected_webhooks_get_different_ids():
    first = DeadLetter.build(source_topic="webhook:generic", value="{", stage="webhook", reason="bad JSON", at=T)
    second = DeadLetter.build(
        source_topic="webhook:generic", value="[1,", stage="webhook", reason="bad JSON", at=T + timedelta(hours=3)
    )
    assert first.event_id != second.event_id


# --- output values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", OUTPUT_MODELS, ids=lambda m: m.__name__)
def test_output_values_carry_event_id_schema_version_and_type(model: type[Output]):
    value = build(model).model_dump(mode="json")
    assert value["event_id"] == build(model).event_id
    assert value["schema_version"] == 1
    assert isinstance(value["type"], str) and value["type"]


def test_output_times_serialize_to_utc_z_strings():
    adjusted = build(
        ProtectionAdjusted,
        delivered_at=datetime(2026, 4, 2, 12, 30, tzinfo=PLUS_TWO),
        previous_ends_at=datetime(2026, 6, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
        protection_ends_at=datetime(2026, 4, 7, 10, 30, 15, 250000, tzinfo=UTC),
    )
    value = adjusted.model_dump(mode="json")
    assert value["delivered_at"] == "2026-04-02T10:30:00Z"
    assert value["previous_ends_at"] == "2026-06-01T05:00:00Z"
    assert value["protection_ends_at"] == "2026-04-07T10:30:15.250000Z"
    assert json.loads(adjusted.model_dump_json())["delivered_at"] == "2026-04-02T10:30:00Z"
    assert adjusted.delivered_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (ProtectionAdjusted, "delivered_at"),
        (FlagRaised, "raised_at"),
        (BuyerNotification, "deadline"),
        (StatusChanged, "occurred_at"),
        (DeadLetter, "at"),
    ],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_output_rejects_naive_datetimes(model: type[Output], field: str):
    with pytest.raises(ValidationError, match="timezone"):
        build(model, **{field: datetime(2026, 4, 2, 10, 0)})


def test_output_rejects_unknown_fields():
    with pytest.raises(ValidationError, match="extra"):
        build(FlagRaised, severity="high")


def test_outputs_are_frozen():
    flag = build(FlagRaised)
    with pytest.raises(ValidationError):
        flag.order_id = "o-2"  # type: ignore[misc]


# --- inputs -------------------------------------------------------------------------------------------------


def registered(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "registered",
        "order_id": "o-1",
        "tracking_number": "LP000000001CN",
        "carrier": None,
        "buyer_id": "b-1",
        "seller_id": "s-1",
        "order_value": {"amount": "12.50", "currency": "USD"},
        "order_value_usd": "12.50",
        "shipped_at": "2026-03-01T08:00:00+08:00",
        "protection_ends_at": "2026-05-01T00:00:00Z",
        "guaranteed_delivery_days": 45,
        "origin_country": "CN",
        "destination_country": "US",
        **overrides,
    }


def test_money_amount_serializes_as_a_decimal_string():
    money = Money(amount=Decimal("12.50"), currency="EUR")
    assert money.model_dump(mode="json") == {"amount": "12.50", "currency": "EUR"}
    assert json.loads(money.model_dump_json()) == {"amount": "12.50", "currency": "EUR"}
    assert Money.model_validate({"amount": "0.10", "currency": "USD"}).model_dump(mode="json")["amount"] == "0.10"
    event = ShipmentRegistered.model_validate(registered())
    assert event.order_value_usd == Decimal("12.50")
    dumped = event.model_dump(mode="json")
    assert dumped["order_value_usd"] == "12.50"
    assert dumped["order_value"] == {"amount": "12.50", "currency": "USD"}


def test_money_rejects_what_is_not_money():
    with pytest.raises(ValidationError):
        Money(amount="twelve", currency="USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money(amount=Decimal("1"), currency="usd")


def test_input_times_keep_their_offset():
    event = ShipmentRegistered.model_validate(registered())
    assert event.shipped_at.utcoffset() == timedelta(hours=8)
    assert event.model_dump(mode="json")["shipped_at"] == "2026-03-01T08:00:00+08:00"


@pytest.mark.parametrize(
    ("model", "value"),
    [
        (ShipmentRegistered, registered(shipped_at="2026-03-01T08:00:00")),
        (ProtectionExtended, {"order_id": "o", "tracking_number": "t", "protection_ends_at": "2026-05-01T00:00:00"}),
        (ReceiptConfirmed, {"order_id": "o", "tracking_number": "t", "at": datetime(2026, 5, 1)}),
        (
            DisputeEvent,
            {
                "type": "opened",
                "dispute_id": "d",
                "order_id": "o",
                "buyer_id": "b",
                "reason": "not_received",
                "at": "2026-05-01T00:00:00",
            },
        ),
        (RawTracking, {"carrier": "generic", "received_at": "2026-05-01T00:00:00", "payload": {}}),
    ],
    ids=lambda x: x.__name__ if isinstance(x, type) else "",
)
def test_inputs_reject_naive_datetimes(model: type, value: dict[str, Any]):
    with pytest.raises(ValidationError, match="timezone"):
        model.model_validate(value)


@pytest.mark.parametrize(
    ("model", "value"),
    [
        (ShipmentRegistered, registered()),
        (TrackingNumberReplaced, {"order_id": "o", "tracking_number": "t2", "previous_tracking_number": "t1"}),
        (
            DisputeEvent,
            {
                "type": "opened",
                "dispute_id": "d",
                "order_id": "o",
                "buyer_id": "b",
                "reason": "not_received",
                "at": "2026-05-01T00:00:00Z",
            },
        ),
        (RawTracking, {"carrier": "generic", "received_at": "2026-05-01T00:00:00Z", "payload": {"a": 1}}),
    ],
    ids=lambda x: x.__name__ if isinstance(x, type) else "",
)
def test_input_models_ignore_unknown_fields(model: type, value: dict[str, Any]):
    parsed = model.model_validate({**value, "added_by_a_newer_producer": {"x": 1}})
    assert parsed == model.model_validate(value)
    assert "added_by_a_newer_producer" not in parsed.model_dump()


def test_nested_money_ignores_unknown_fields():
    event = ShipmentRegistered.model_validate(registered(order_value={"amount": "1.00", "currency": "USD", "fx": 1}))
    assert event.order_value == Money(amount=Decimal("1.00"), currency="USD")


@pytest.mark.parametrize(
    ("value", "model"),
    [
        (registered(), ShipmentRegistered),
        (
            {
                "type": "protection_extended",
                "order_id": "o",
                "tracking_number": "t",
                "protection_ends_at": "2026-05-16T00:00:00Z",
            },
            ProtectionExtended,
        ),
        (
            {
                "type": "tracking_number_replaced",
                "order_id": "o",
                "tracking_number": "t2",
                "previous_tracking_number": "t1",
                "carrier": "usps",
            },
            TrackingNumberReplaced,
        ),
        (
            {"type": "receipt_confirmed", "order_id": "o", "tracking_number": "t", "at": "2026-04-03T00:00:00Z"},
            ReceiptConfirmed,
        ),
    ],
    ids=lambda x: x.__name__ if isinstance(x, type) else "",
)
def test_order_union_picks_the_model_by_type(value: dict[str, Any], model: type):
    event = ORDER_EVENT.validate_python(value)
    assert type(event) is model
    assert event.type == value["type"]
    assert ORDER_EVENT.validate_json(json.dumps(value)) == event
    assert ORDER_EVENT.dump_python(event, mode="json")["type"] == value["type"]


def test_order_union_does_not_fall_back_to_another_model():
    """A `receipt_confirmed` missing `at` is an invalid receipt, not some other event that happens to fit."""
    with pytest.raises(ValidationError) as raised:
        ORDER_EVENT.validate_python({"type": "receipt_confirmed", "order_id": "o", "tracking_number": "t"})
    assert [error["loc"] for error in raised.value.errors()] == [("receipt_confirmed", "at")]


@pytest.mark.parametrize(
    "value",
    [
        {"type": "order_cancelled", "order_id": "o", "tracking_number": "t"},
        {"order_id": "o", "tracking_number": "t", "protection_ends_at": "2026-05-16T00:00:00Z"},
    ],
    ids=["unknown-type", "no-type"],
)
def test_order_union_rejects_an_unknown_or_missing_type(value: dict[str, Any]):
    with pytest.raises(ValidationError) as raised:
        ORDER_EVENT.validate_python(value)
    [error] = raised.value.errors()
    assert error["type"] in {"union_tag_invalid", "union_tag_not_found"}


def test_dispute_rejects_an_unknown_type():
    value = {
        "type": "reopened",
        "dispute_id": "d",
        "order_id": "o",
        "buyer_id": "b",
        "reason": "damaged",
        "at": "2026-05-01T00:00:00Z",
    }
    with pytest.raises(ValidationError, match="type"):
        DisputeEvent.model_validate(value)


def test_registered_rejects_country_codes_that_are_not_alpha_2():
    with pytest.raises(ValidationError, match="destination_country"):
        ShipmentRegistered.model_validate(registered(destination_country="USA"))


def test_evolve_is_model_copy_with_an_update():
    order = OrderWatch(
        order_id="o-1",
        buyer_id="b-1",
        seller_id="s-1",
        order_value_usd=Decimal("25"),
        shipped_at=datetime(2026, 3, 1, tzinfo=UTC),
        protection_ends_at=datetime(2026, 4, 30, tzinfo=UTC),
        origin_country="CN",
        destination_country="ES",
        tracking_since=datetime(2026, 3, 1, tzinfo=UTC),
    )
    changes = {"closed": True, "fired": frozenset({"R4"})}
    evolved, copied = evolve(order, **changes), order.model_copy(update=changes)
    assert evolved == copied and evolved.model_fields_set == copied.model_fields_set
    assert evolved.model_dump_json() == copied.model_dump_json() and not order.closed
    with pytest.raises(ValidationError):
        evolved.closed = False  # still frozen
