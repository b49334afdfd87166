"""The committed contract files are current, valid, and describe what the models really write."""

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import AwareDatetime, BaseModel

from schemas import contract
from schemas.commands import ORDER_COMMANDS_TOPIC, SHIPMENT_COMMANDS_TOPIC
from schemas.contract import PACKAGE_DIR, TOPICS, TOPICS_BY_NAME, Topic
from schemas.eta import LANE_COMMANDS_TOPIC
from schemas.inputs import (
    DISPUTES_TOPIC,
    RAW_TOPIC,
    SHIPMENTS_TOPIC,
    DisputeEvent,
    ProtectionExtended,
    RawTracking,
    ShipmentRegistered,
)
from schemas.outputs import (
    OUTPUT_MODELS,
    SCHEMA_VERSION,
    BuyerNotification,
    DeadLetter,
    FlagRaised,
    ProtectionAdjusted,
    StatusChanged,
)
from schemas.redrive import REDRIVEN_TOPIC
from schemas.sellers import SELLER_COMMANDS_TOPIC
from schemas.status import Status
from schemas.types import Money

REGENERATE = "regenerate with `python -m schemas.contract` and commit the result"
T = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)


def committed_schema(topic: Topic) -> dict[str, Any]:
    return json.loads((PACKAGE_DIR / contract.JSONSCHEMA_DIR / topic.filename).read_text(encoding="utf-8"))


def committed_asyncapi() -> dict[str, Any]:
    return yaml.safe_load((PACKAGE_DIR / contract.ASYNCAPI_FILE).read_text(encoding="utf-8"))


def validator(topic: Topic) -> Draft202012Validator:
    return Draft202012Validator(committed_schema(topic), format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(topic: Topic, instance: Any) -> list[str]:
    return [error.message for error in validator(topic).iter_errors(instance)]


# --- the table -------------------------------------------------------------------------------------


def test_table_lists_every_topic_once():
    names = [topic.name for topic in TOPICS]
    assert len(names) == len(set(names))
    assert set(names) == {
        SHIPMENTS_TOPIC,
        DISPUTES_TOPIC,
        RAW_TOPIC,
        SHIPMENT_COMMANDS_TOPIC,
        ORDER_COMMANDS_TOPIC,
        LANE_COMMANDS_TOPIC,
        SELLER_COMMANDS_TOPIC,
        *(model.topic for model in OUTPUT_MODELS),
        REDRIVEN_TOPIC,
    }


def test_table_matches_the_topics_parcelwatch_creates():
    from workers.kafka import ALL_TOPICS

    assert {topic.name for topic in TOPICS} == set(ALL_TOPICS)


def test_directions():
    directions = {topic.name: topic.direction for topic in TOPICS}
    assert directions[SHIPMENTS_TOPIC] == "consumed"
    assert directions[DISPUTES_TOPIC] == "consumed"
    assert directions[RAW_TOPIC] == "internal"
    assert directions[SHIPMENT_COMMANDS_TOPIC] == directions[ORDER_COMMANDS_TOPIC] == "internal"
    assert (
        directions[REDRIVEN_TOPIC] == directions[LANE_COMMANDS_TOPIC] == directions[SELLER_COMMANDS_TOPIC] == "internal"
    )
    assert all(directions[model.topic] == "produced" for model in OUTPUT_MODELS)


def test_protection_topic_is_protection_adjusted_with_both_types():
    topic = TOPICS_BY_NAME[ProtectionAdjusted.topic]
    assert topic.value is ProtectionAdjusted
    assert committed_schema(topic)["properties"]["type"]["enum"] == ["protection_shortened", "protection_restored"]


# --- committed files are current ---------------------------------------------------------------------


def test_committed_files_are_current():
    outdated = contract.stale()
    assert outdated == [], f"stale contract files {outdated}: {REGENERATE}"


@pytest.mark.parametrize("relative", sorted(contract.rendered()))
def test_each_committed_file_equals_a_fresh_generation(relative: str):
    path = PACKAGE_DIR / relative
    assert path.is_file(), f"{relative} is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == contract.rendered()[relative], f"{relative} is stale: {REGENERATE}"


@pytest.fixture
def copy_of_files(tmp_path: Path) -> Path:
    shutil.copytree(PACKAGE_DIR / contract.JSONSCHEMA_DIR, tmp_path / contract.JSONSCHEMA_DIR)
    shutil.copy(PACKAGE_DIR / contract.ASYNCAPI_FILE, tmp_path / contract.ASYNCAPI_FILE)
    return tmp_path


def test_check_names_edited_missing_and_extra_files(copy_of_files: Path, capsys: pytest.CaptureFixture[str]):
    edited = copy_of_files / contract.JSONSCHEMA_DIR / "tracking.flags.v1.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace("flag_raised", "flag_lowered"), encoding="utf-8")
    (copy_of_files / contract.ASYNCAPI_FILE).unlink()
    (copy_of_files / contract.JSONSCHEMA_DIR / "gone.v1.json").write_text("{}\n", encoding="utf-8")

    assert contract.main(["--check", "--directory", str(copy_of_files)]) == 1

    err = capsys.readouterr().err
    assert "tracking.flags.v1.json" in err
    assert contract.ASYNCAPI_FILE in err
    assert "gone.v1.json" in err
    assert "python -m schemas.contract" in err
    assert "orders.shipments.v1.json" not in err


def test_write_repairs_what_check_found(copy_of_files: Path):
    edited = copy_of_files / contract.JSONSCHEMA_DIR / "tracking.flags.v1.json"
    edited.write_text("{}\n", encoding="utf-8")
    extra = copy_of_files / contract.JSONSCHEMA_DIR / "gone.v1.json"
    extra.write_text("{}\n", encoding="utf-8")

    changed = contract.write(copy_of_files)

    assert sorted(changed) == ["jsonschema/gone.v1.json", "jsonschema/tracking.flags.v1.json"]
    assert not extra.exists()
    assert contract.stale(copy_of_files) == []
    assert contract.main(["--check", "--directory", str(copy_of_files)]) == 0


def test_json_files_are_pretty_sorted_and_end_with_a_newline():
    for topic in TOPICS:
        text = (PACKAGE_DIR / contract.JSONSCHEMA_DIR / topic.filename).read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- each JSON Schema --------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
def test_schema_is_valid_draft_2020_12_with_id_title_description(topic: Topic):
    schema = committed_schema(topic)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:parcelwatch:schema:{topic.name}"
    assert schema["title"] == topic.title
    assert topic.description in schema["description"]
    assert topic.key in schema["description"]


@pytest.mark.parametrize("model", OUTPUT_MODELS, ids=lambda m: m.__name__)
def test_output_schema_requires_every_field_and_forbids_others(model: type[BaseModel]):
    schema = committed_schema(TOPICS_BY_NAME[model.topic])
    assert set(schema["required"]) == set(model.model_fields)
    assert {"event_id", "schema_version", "type"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("model", OUTPUT_MODELS, ids=lambda m: m.__name__)
def test_output_times_are_utc_date_time_strings(model: type[BaseModel]):
    properties = committed_schema(TOPICS_BY_NAME[model.topic])["properties"]
    times = [name for name, field in model.model_fields.items() if field.annotation is AwareDatetime]
    assert times, f"{model.__name__} has a time field"
    for name in times:
        assert properties[name]["type"] == "string"
        assert properties[name]["format"] == "date-time"
        assert properties[name]["pattern"] == "Z$"


def test_input_times_keep_their_offset_and_money_is_a_decimal_string():
    defs = committed_schema(TOPICS_BY_NAME[SHIPMENTS_TOPIC])["$defs"]
    shipped_at = defs["ShipmentRegistered"]["properties"]["shipped_at"]
    assert shipped_at == {"format": "date-time", "title": "Shipped At", "type": "string"}
    usd = defs["ShipmentRegistered"]["properties"]["order_value_usd"]
    assert usd["type"] == "string"
    assert defs["Money"]["properties"]["amount"]["type"] == "string"
    money = Draft202012Validator({"type": "string", "pattern": usd["pattern"]})
    assert all(money.is_valid(text) for text in ["0", "12.50", "-3.1", "1E+2", "0.001"])
    assert not any(money.is_valid(text) for text in ["", "12,50", "$12", "1.", ".5", "NaN"])


# --- real instances against the schemas ----------------------------------------------------------------


def shipment(**overrides: Any) -> ShipmentRegistered:
    fields: dict[str, Any] = {
        "order_id": "o-1",
        "tracking_number": "LP000000001CN",
        "buyer_id": "b-1",
        "seller_id": "s-1",
        "order_value": Money(amount=Decimal("8.40"), currency="USD"),
        "order_value_usd": Decimal("8.40"),
        "shipped_at": datetime(2026, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))),
        "protection_ends_at": T + timedelta(days=60),
        "origin_country": "CN",
        "destination_country": "US",
    }
    return ShipmentRegistered(**{**fields, **overrides})


def adjustment(kind: str = "protection_shortened", **overrides: Any) -> ProtectionAdjusted:
    fields: dict[str, Any] = {
        "type": kind,
        "order_id": "o-1",
        "tracking_number": "LP000000001CN",
        "delivered_at": datetime(2026, 4, 2, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        "previous_ends_at": T + timedelta(days=60),
        "protection_ends_at": T + timedelta(days=5),
        "reason": "R1",
    }
    return ProtectionAdjusted.build(**{**fields, **overrides})


INSTANCES: list[tuple[str, BaseModel]] = [
    (SHIPMENTS_TOPIC, shipment()),
    (SHIPMENTS_TOPIC, shipment(carrier="usps", guaranteed_delivery_days=20)),
    (SHIPMENTS_TOPIC, ProtectionExtended(order_id="o-1", tracking_number="LP1", protection_ends_at=T)),
    (
        DISPUTES_TOPIC,
        DisputeEvent(type="escalated", dispute_id="d", order_id="o", buyer_id="b", reason="damaged", at=T),
    ),
    (RAW_TOPIC, RawTracking(carrier="generic", received_at=T, payload=[1, "two", None], source="poll")),
    (ProtectionAdjusted.topic, adjustment("protection_shortened")),
    (ProtectionAdjusted.topic, adjustment("protection_restored")),
    (
        StatusChanged.topic,
        StatusChanged.build(
            tracking_number="LP1",
            order_ids=("o-1", "o-2"),
            status=Status.EXPORT,
            previous_status=None,
            occurred_at=T,
            carrier="generic",
        ),
    ),
    (
        FlagRaised.topic,
        FlagRaised.build(
            flag="stuck_in_export", order_id="o-1", tracking_number="LP1", raised_at=T, details={"days": 30}
        ),
    ),
    (
        BuyerNotification.topic,
        BuyerNotification.build(
            template="awaiting_pickup", order_id="o-1", buyer_id="b-1", tracking_number="LP1", deadline=T
        ),
    ),
    (
        DeadLetter.topic,
        DeadLetter.build(source_topic="webhook:generic", value="not json", stage="webhook", reason="bad JSON", at=T),
    ),
]
EXAMPLES = [(topic.name, example) for topic in TOPICS for example in topic.examples]


@pytest.mark.parametrize(
    ("topic_name", "instance"),
    INSTANCES + EXAMPLES,
    ids=[f"{name}:{type(instance).__name__}" for name, instance in INSTANCES + EXAMPLES],
)
def test_model_instances_validate_against_their_topic_schema(topic_name: str, instance: BaseModel):
    assert errors(TOPICS_BY_NAME[topic_name], instance.model_dump(mode="json")) == []


def test_every_topic_has_an_example():
    assert {name for name, _ in EXAMPLES} == {topic.name for topic in TOPICS}
    order_types = {example.type for example in TOPICS_BY_NAME[SHIPMENTS_TOPIC].examples}
    assert order_types == {"registered", "protection_extended", "tracking_number_replaced", "receipt_confirmed"}


def without(value: dict[str, Any], field: str) -> dict[str, Any]:
    return {key: item for key, item in value.items() if key != field}


@pytest.mark.parametrize(
    ("topic_name", "instance", "field"),
    [
        (SHIPMENTS_TOPIC, shipment(), "buyer_id"),
        (SHIPMENTS_TOPIC, shipment(), "type"),
        (DISPUTES_TOPIC, INSTANCES[3][1], "dispute_id"),
        (RAW_TOPIC, INSTANCES[4][1], "carrier"),
        (ProtectionAdjusted.topic, adjustment(), "protection_ends_at"),
        (ProtectionAdjusted.topic, adjustment(), "event_id"),
        (FlagRaised.topic, INSTANCES[8][1], "flag"),
        (BuyerNotification.topic, INSTANCES[9][1], "deadline"),
        (DeadLetter.topic, INSTANCES[10][1], "stage"),
    ],
    ids=lambda x: x if isinstance(x, str) else type(x).__name__,
)
def test_missing_required_field_fails_validation(topic_name: str, instance: BaseModel, field: str):
    value = without(instance.model_dump(mode="json"), field)
    found = errors(TOPICS_BY_NAME[topic_name], value)
    assert found, f"{topic_name} accepted a value without {field}"
    if topic_name != SHIPMENTS_TOPIC:  # a oneOf names no single missing property
        assert any(f"'{field}' is a required property" in message for message in found)


@pytest.mark.parametrize(
    ("topic_name", "value"),
    [
        (SHIPMENTS_TOPIC, {**shipment().model_dump(mode="json"), "type": "cancelled"}),
        (SHIPMENTS_TOPIC, {**shipment().model_dump(mode="json"), "order_value_usd": 8.4}),
        (SHIPMENTS_TOPIC, {**shipment().model_dump(mode="json"), "destination_country": "usa"}),
        (DISPUTES_TOPIC, {**INSTANCES[3][1].model_dump(mode="json"), "type": "reopened"}),
        (ProtectionAdjusted.topic, {**adjustment().model_dump(mode="json"), "type": "protection_extended"}),
        (
            ProtectionAdjusted.topic,
            {**adjustment().model_dump(mode="json"), "delivered_at": "2026-04-02T12:00:00+02:00"},
        ),
        (ProtectionAdjusted.topic, {**adjustment().model_dump(mode="json"), "surprise": 1}),
        (StatusChanged.topic, {**INSTANCES[7][1].model_dump(mode="json"), "status": "teleported"}),
        (FlagRaised.topic, {**INSTANCES[8][1].model_dump(mode="json"), "flag": "vibes_off"}),
    ],
    ids=[
        "unknown-order-type",
        "money-as-number",
        "country-not-alpha-2",
        "unknown-dispute-type",
        "protection-type",
        "output-time-not-utc",
        "output-extra-field",
        "unknown-status",
        "unknown-flag",
    ],
)
def test_values_outside_the_contract_fail_validation(topic_name: str, value: dict[str, Any]):
    assert errors(TOPICS_BY_NAME[topic_name], value)


# --- AsyncAPI ------------------------------------------------------------------------------------------


def test_committed_asyncapi_is_the_generated_document():
    assert committed_asyncapi() == contract.asyncapi()


def test_asyncapi_header_and_servers():
    document = committed_asyncapi()
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "parcelwatch"
    assert document["info"]["version"] == str(SCHEMA_VERSION)
    production = document["servers"]["production"]
    assert production["protocol"] == "kafka"
    variables = {name.strip("{}") for name in production["host"].split(":") if name.startswith("{")}
    assert variables and variables <= set(production["variables"])


def test_asyncapi_has_one_channel_per_topic():
    channels = committed_asyncapi()["channels"]
    assert sorted(channel["address"] for channel in channels.values()) == sorted(topic.name for topic in TOPICS)
    assert all(channel_id.replace("_", "").isalnum() for channel_id in channels)


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
def test_channel_message_payload_is_the_json_schema_file(topic: Topic):
    channel = committed_asyncapi()["channels"][topic.channel_id]
    assert channel["address"] == topic.name
    [message] = channel["messages"].values()
    assert message["payload"]["schemaFormat"] == "application/schema+json;version=draft-2020-12"
    assert message["payload"]["schema"] == committed_schema(topic)
    key = message["bindings"]["kafka"]["key"]
    assert key["type"] == "string"
    assert topic.key in key["description"]
    assert message["examples"], f"{topic.name} has examples"
    for example in message["examples"]:
        assert errors(topic, example["payload"]) == []


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/")
    node: Any = document
    for step in ref[2:].split("/"):
        node = node[step]
    return node


def test_operations_send_produced_and_receive_consumed_topics():
    document = committed_asyncapi()
    actions: dict[str, set[str]] = {}
    for operation in document["operations"].values():
        channel = resolve(document, operation["channel"]["$ref"])
        for message in operation["messages"]:
            assert resolve(document, message["$ref"]) in channel["messages"].values()
        actions.setdefault(channel["address"], set()).add(operation["action"])
    expected = {"consumed": {"receive"}, "produced": {"send"}, "internal": {"send", "receive"}}
    assert actions == {topic.name: expected[topic.direction] for topic in TOPICS}
