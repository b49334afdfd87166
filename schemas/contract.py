"""The Kafka contract (BRIEF §3) as one table, and the documents generated from it.

`TOPICS` lists every topic parcelwatch consumes or produces, with its key and value model.
From it come one JSON Schema (draft 2020-12) per topic in `schemas/jsonschema/` and an
AsyncAPI 3.0.0 document in `schemas/asyncapi.yaml`, both committed so the dispute platform
can read them without running Python.

    python -m schemas.contract           # regenerate the files
    python -m schemas.contract --check   # exit 1 naming the files that are stale (CI)
"""

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from schemas.commands import (
    ORDER_COMMAND,
    ORDER_COMMANDS_TOPIC,
    SHIPMENT_COMMAND,
    SHIPMENT_COMMANDS_TOPIC,
    EtaAnswered,
    LinkShipment,
    ReleaseOrder,
    Tick,
)
from schemas.eta import (
    LANE_COMMAND,
    LANE_COMMANDS_TOPIC,
    EtaEstimate,
    EtaRequest,
    LaneObserved,
    LegChange,
    LegStart,
    Outcome,
)
from schemas.inputs import (
    DISPUTES_TOPIC,
    ORDER_EVENT,
    RAW_TOPIC,
    SHIPMENTS_TOPIC,
    DisputeEvent,
    ProtectionExtended,
    RawTracking,
    ReceiptConfirmed,
    ShipmentRegistered,
    TrackingNumberReplaced,
)
from schemas.outputs import (
    OUTPUT_MODELS,
    SCHEMA_VERSION,
    BuyerNotification,
    DeadLetter,
    EtaEstimated,
    FlagRaised,
    Output,
    ProtectionAdjusted,
    SellerMetrics,
    StatusChanged,
)
from schemas.redrive import REDRIVEN_TOPIC, Redriven, RedrivenRecord
from schemas.sellers import SELLER_COMMAND, SELLER_COMMANDS_TOPIC, Contribution, SellerObserved, SellerTick
from schemas.status import Status
from schemas.types import Money, format_utc

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: `$id` prefix of the topic schemas: a name, not a location to fetch.
SCHEMA_ID_PREFIX = "urn:parcelwatch:schema:"
#: How the AsyncAPI document labels the payload schemas (a Multi Format Schema Object).
SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
KAFKA_BINDING_VERSION = "0.5.0"

#: Where the committed files live: this package's directory.
PACKAGE_DIR = Path(__file__).resolve().parent
JSONSCHEMA_DIR = "jsonschema"
ASYNCAPI_FILE = "asyncapi.yaml"

Direction = Literal["consumed", "produced", "internal"]


@dataclass(frozen=True)
class Topic:
    name: str
    direction: Direction
    key: str
    value: type[BaseModel] | TypeAdapter
    title: str
    description: str
    examples: tuple[BaseModel, ...] = ()
    #: For internal topics: which processes write and read it (AsyncAPI operation summaries).
    writers: str = "webhook receiver, poller"
    readers: str = "stream"

    @property
    def filename(self) -> str:
        return f"{self.name}.json"

    @property
    def channel_id(self) -> str:
        """`orders.shipments.v1` → `ordersShipmentsV1` (AsyncAPI ids allow no dots)."""
        first, *rest = self.name.replace("-", ".").replace("_", ".").split(".")
        return first + "".join(part[:1].upper() + part[1:] for part in rest)

    @property
    def is_output(self) -> bool:
        return isinstance(self.value, type) and issubclass(self.value, Output)


# --- examples: real model instances, so a model change that breaks them fails here ----------------

_ORDER, _TRACKING, _BUYER = "8123456789012345", "LX123456785CN", "buyer-20931"
_SHIPPED = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=8)))
_DELIVERED = datetime(2026, 3, 21, 14, 5, tzinfo=UTC)
_PROTECTION_ENDS = datetime(2026, 5, 1, 16, 0, tzinfo=UTC)
_SHORTENED_ENDS = _DELIVERED + timedelta(days=5)

_ORDER_EXAMPLES = (
    ShipmentRegistered(
        order_id=_ORDER,
        tracking_number=_TRACKING,
        carrier="china-post",
        buyer_id=_BUYER,
        seller_id="seller-551",
        order_value=Money(amount=Decimal("84.90"), currency="EUR"),
        order_value_usd=Decimal("92.31"),
        shipped_at=_SHIPPED,
        protection_ends_at=_PROTECTION_ENDS,
        guaranteed_delivery_days=45,
        origin_country="CN",
        destination_country="FR",
    ),
    ProtectionExtended(
        order_id=_ORDER, tracking_number=_TRACKING, protection_ends_at=_PROTECTION_ENDS + timedelta(days=15)
    ),
    TrackingNumberReplaced(
        order_id=_ORDER, tracking_number="RR987654321CN", previous_tracking_number=_TRACKING, carrier="china-post"
    ),
    ReceiptConfirmed(order_id=_ORDER, tracking_number=_TRACKING, at=_DELIVERED + timedelta(days=1)),
)
_DISPUTE_EXAMPLES = (
    DisputeEvent(
        type="opened", dispute_id="dsp-7781", order_id=_ORDER, buyer_id=_BUYER, reason="not_received", at=_DELIVERED
    ),
)
_RAW_EXAMPLES = (
    RawTracking(
        carrier="generic",
        received_at=_DELIVERED + timedelta(minutes=2),
        source="webhook",
        delivery_id="msg_2mZ9qL0",
        payload={
            "tracking_number": _TRACKING,
            "events": [
                {
                    "status": "delivered",
                    "occurred_at": "2026-03-21T15:05:00+01:00",
                    "country": "FR",
                    "location": "Lyon",
                    "description": "Distribué",
                    "code": "DI1",
                }
            ],
        },
    ),
)
_STATUS_EXAMPLES = (
    StatusChanged.build(
        tracking_number=_TRACKING,
        order_ids=(_ORDER,),
        status=Status.DELIVERED,
        previous_status=Status.OUT_FOR_DELIVERY,
        occurred_at=_DELIVERED,
        carrier="colissimo",
        country="FR",
        location="Lyon",
        description="Distribué",
    ),
)
_PROTECTION_EXAMPLES = (
    ProtectionAdjusted.build(
        type="protection_shortened",
        order_id=_ORDER,
        tracking_number=_TRACKING,
        delivered_at=_DELIVERED,
        previous_ends_at=_PROTECTION_ENDS,
        protection_ends_at=_SHORTENED_ENDS,
        reason="R1: delivered scan (colissimo DI1, Lyon) cuts protection to 5 days after delivery",
    ),
)
_FLAG_EXAMPLES = (
    FlagRaised.build(
        flag="tracking_unreadable",
        order_id=_ORDER,
        tracking_number=_TRACKING,
        raised_at=_SHIPPED + timedelta(days=15),
        details={"days_without_scan": 15, "shipped_at": format_utc(_SHIPPED)},
    ),
)
_NOTIFICATION_EXAMPLES = (
    BuyerNotification.build(
        template="delivered_check_receipt",
        order_id=_ORDER,
        buyer_id=_BUYER,
        tracking_number=_TRACKING,
        deadline=_SHORTENED_ENDS,
        facts={"delivered_at": format_utc(_DELIVERED), "location": "Lyon"},
    ),
)
_DEADLETTER_EXAMPLES = (
    DeadLetter.build(
        source_topic=SHIPMENTS_TOPIC,
        partition=3,
        offset=1042,
        record_key=_TRACKING,
        value='{"type": "registered", "tracking_number": "LX123456785CN"}',
        stage="validate",
        reason="registered.order_id: Field required",
        at=_DELIVERED,
    ),
)

#: The shipment the delivery-estimate examples are about: its request to the lane, the lane's answer and
#: the estimate the shipment emits.
_ETA_SHIPMENT: dict[str, Any] = {
    "tracking_number": _TRACKING,
    "order_ids": (_ORDER,),
    "carrier": "china-post",
    "origin_country": "CN",
    "destination_country": "FR",
    "status": Status.IMPORT,
}
_ETA_ESTIMATE = EtaEstimate(
    estimated_at=_SHIPPED + timedelta(days=12),
    p50_at=_SHIPPED + timedelta(days=16, hours=4),
    p80_at=_SHIPPED + timedelta(days=18, hours=20),
    p95_at=_SHIPPED + timedelta(days=24, hours=2),
    basis="lane",
    leg="import",
    samples=214,
)

_ETA_EXAMPLES = (EtaEstimated.build(**_ETA_SHIPMENT, **_ETA_ESTIMATE.model_dump()),)

_SELLER_EXAMPLES = (
    SellerMetrics.build(
        seller_id="seller-551",
        as_of=datetime(2026, 3, 22, tzinfo=UTC),
        window_days=30,
        orders=412,
        valid_tracking_rate=0.962,
        median_hours_to_first_scan=31,
        delivered=287,
        on_time_rate=0.913,
        returned=4,
    ),
)

# --- the table ---------------------------------------------------------------------------------------

_OUTPUT_TEXT: dict[type[Output], tuple[str, str, tuple[BaseModel, ...]]] = {
    StatusChanged: (
        "the shipment's `tracking_number`",
        "A shipment's canonical status changed (from the carrier event ordered by carrier time).",
        _STATUS_EXAMPLES,
    ),
    ProtectionAdjusted: (
        "the `order_id`",
        "An order's protection window was cut to 5 days after delivery (R1) or restored when a later scan"
        " contradicts the delivery.",
        _PROTECTION_EXAMPLES,
    ),
    FlagRaised: (
        "the `order_id`",
        "A tracking condition became true for an order (R2–R5, R7, R10, R12–R14); `raised_at` is when it became true.",
        _FLAG_EXAMPLES,
    ),
    BuyerNotification: (
        "the `order_id`",
        "Tell the buyer to act (R3, R8–R11, R15) by `deadline`.",
        _NOTIFICATION_EXAMPLES,
    ),
    DeadLetter: (
        "the failed record's key (`record_key`); no key for rejected webhooks",
        "An input parcelwatch could not use, kept whole with the stage that refused it and why.",
        _DEADLETTER_EXAMPLES,
    ),
    EtaEstimated: (
        "the shipment's `tracking_number`",
        "When the shipment will probably be delivered (p50/p80/p95), learned from its lane's own deliveries;"
        " at its first scan and again when p80 moves by a day or more.",
        _ETA_EXAMPLES,
    ),
    SellerMetrics: (
        "the `seller_id`",
        "A seller's daily scorecard over the 30 days before `as_of` (valid tracking rate, hours to a first scan,"
        " on-time rate), at the first input or tick after 00:00 UTC, for sellers with orders shipped or"
        " delivered in the window.",
        _SELLER_EXAMPLES,
    ),
}

TOPICS: tuple[Topic, ...] = (
    Topic(
        name=SHIPMENTS_TOPIC,
        direction="consumed",
        key="the value's `tracking_number`",
        value=ORDER_EVENT,
        title="OrderEvent",
        description="Order events from the marketplace: a shipment registered, protection extended,"
        " tracking number replaced, receipt confirmed (R16).",
        examples=_ORDER_EXAMPLES,
    ),
    Topic(
        name=DISPUTES_TOPIC,
        direction="consumed",
        key="the `order_id`",
        value=DisputeEvent,
        title="DisputeEvent",
        description="Buyer-protection dispute lifecycle events from the dispute platform (R9, R12).",
        examples=_DISPUTE_EXAMPLES,
    ),
    Topic(
        name=RAW_TOPIC,
        direction="internal",
        key="a tracking number the payload is about (one record per number)",
        value=RawTracking,
        title="RawTracking",
        description="What a carrier pushed or answered, exactly as it came; written by the webhook receiver"
        " and the poller, read by the stream.",
        examples=_RAW_EXAMPLES,
    ),
    Topic(
        name=SHIPMENT_COMMANDS_TOPIC,
        direction="internal",
        key="the tracking number whose state the command is for",
        value=SHIPMENT_COMMAND,
        title="ShipmentCommand",
        description="What parcelwatch sends its own shipment-keyed agent: deadline ticks, disputes forwarded"
        " from the order, an order handed over to a replacement tracking number, a lane's answer to the"
        " shipment's delivery-estimate request (emitted as `eta_estimated` when it is news).",
        examples=(
            Tick(tracking_number=_TRACKING),
            ReleaseOrder(tracking_number="LP000000017CN", order_id=_ORDER, new_tracking_number=_TRACKING),
            EtaAnswered(**_ETA_SHIPMENT, estimate=_ETA_ESTIMATE),
        ),
        writers="stream (shipment, order and lane agents; the ticks' timer)",
    ),
    Topic(
        name=ORDER_COMMANDS_TOPIC,
        direction="internal",
        key="the `order_id`",
        value=ORDER_COMMAND,
        title="OrderCommand",
        description="What parcelwatch sends its own order-keyed agent: which tracking numbers carry an order.",
        examples=(LinkShipment(order_id=_ORDER, tracking_number=_TRACKING),),
        writers="stream (shipment agent)",
    ),
    Topic(
        name=LANE_COMMANDS_TOPIC,
        direction="internal",
        key="the lane key: `lane:{carrier}:{origin}:{destination}`, `country_pair:…`, `destination:…` or `global`",
        value=LANE_COMMAND,
        title="LaneCommand",
        description="What the shipment-keyed agent sends the lane-keyed one (the repartition of the delivery"
        " estimate): a shipment's changed transit outcomes per leg, and a request to estimate its delivery.",
        examples=(
            LaneObserved(
                lane="lane:china-post:CN:FR",
                bucket=684,
                changes=(
                    LegChange(
                        leg="shipped",
                        removed=Outcome(kind="in_flight", hours=260.5),
                        added=Outcome(kind="in_flight", hours=301.0),
                    ),
                    LegChange(leg="import", added=Outcome(kind="in_flight", hours=0.0)),
                ),
            ),
            EtaRequest(
                lane="lane:china-post:CN:FR",
                **_ETA_SHIPMENT,
                estimated_at=_ETA_ESTIMATE.estimated_at,
                legs=(
                    LegStart(leg="import", started_at=_SHIPPED + timedelta(days=12)),
                    LegStart(leg="shipped", started_at=_SHIPPED),
                ),
                fallback=("country_pair:CN:FR", "destination:FR", "global"),
            ),
        ),
        writers="stream (shipment agent; lane agent forwarding)",
        readers="stream (lane agent)",
    ),
    Topic(
        name=SELLER_COMMANDS_TOPIC,
        direction="internal",
        key="the `seller_id`",
        value=SELLER_COMMAND,
        title="SellerCommand",
        description="What the shipment-keyed agent sends the seller-keyed one (the repartition of the seller"
        " scorecard): how an order's part in its seller's day buckets changed, and the daily tick.",
        examples=(
            SellerObserved(
                seller_id="seller-551",
                order_id=_ORDER,
                removed=Contribution(shipped_day=20514, scanned_in_time=False),
                added=Contribution(shipped_day=20514, scanned_in_time=True, first_scan_bin=31),
            ),
            SellerTick(seller_id="seller-551"),
        ),
        writers="stream (shipment agent; the sellers' daily timer)",
        readers="stream (seller agent)",
    ),
    Topic(
        name=REDRIVEN_TOPIC,
        direction="internal",
        key="the redriven dead letter's `event_id`",
        value=Redriven,
        title="Redriven",
        description="Compacted: the dead letters `parcelwatch dlq redrive` re-produced, and what it produced for"
        " each; a letter named here is not redriven again.",
        examples=(
            Redriven(
                event_id=_DEADLETTER_EXAMPLES[0].event_id,
                redriven_at=_DELIVERED + timedelta(hours=3),
                source_topic=SHIPMENTS_TOPIC,
                stage="validate",
                records=(RedrivenRecord(topic=SHIPMENTS_TOPIC, partition=3, offset=1187, key=_TRACKING),),
            ),
        ),
        writers="parcelwatch dlq redrive",
        readers="parcelwatch dlq",
    ),
    *(
        Topic(
            name=model.topic,
            direction="produced",
            key=_OUTPUT_TEXT[model][0],
            value=model,
            title=model.__name__,
            description=_OUTPUT_TEXT[model][1],
            examples=_OUTPUT_TEXT[model][2],
        )
        for model in OUTPUT_MODELS
    ),
)

TOPICS_BY_NAME: dict[str, Topic] = {topic.name: topic for topic in TOPICS}


# --- JSON Schema -------------------------------------------------------------------------------------


class ContractJsonSchema(GenerateJsonSchema):
    """Serialization-mode JSON Schema that keeps what the `PlainSerializer(..., return_type=str)` hide.

    Pydantic documents a plain-serialized field by its return type only (`{"type": "string"}`);
    here times stay `format: date-time` (UTC ones also `pattern: Z$`) and money keeps its decimal
    pattern.
    """

    def generate_inner(self, schema: Any) -> JsonSchemaValue:
        serialization = schema.get("serialization") if isinstance(schema, dict) else None
        if self.mode == "serialization" and _to_str(serialization) and _base_type(schema) in ("datetime", "decimal"):
            plain = {k: v for k, v in schema.items() if k != "serialization"}
            json_schema = super().generate_inner(plain)  # type: ignore[arg-type]
            if serialization.get("function") is format_utc:
                json_schema["pattern"] = "Z$"
            return json_schema
        return super().generate_inner(schema)

    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str | None:
        """Exactly the strings `str(Decimal)` writes."""
        return self.build_decimal_pattern(schema)


class OutputJsonSchema(ContractJsonSchema):
    """Outputs are written whole: every field is present, defaults included, so every field is required."""

    def field_is_required(self, field: Any, total: bool) -> bool:
        if self.mode == "serialization" and field.get("serialization_exclude_if") is None:
            return True
        return super().field_is_required(field, total)


def _to_str(serialization: Any) -> bool:
    if not isinstance(serialization, dict) or serialization.get("type") != "function-plain":
        return False
    return serialization.get("return_schema") == core_schema.str_schema()


def _base_type(schema: dict[str, Any]) -> str | None:
    """The type under validator wrappers: `AfterValidator(...)` on a datetime is still a datetime."""
    while schema.get("type") in ("function-after", "function-before", "function-wrap"):
        schema = schema["schema"]
    return schema.get("type")


def _require_type(schema: dict[str, Any]) -> None:
    """A `type` tag with a default is still required: the order union picks its model by it."""
    for node in (schema, *schema.get("$defs", {}).values()):
        tag = node.get("properties", {}).get("type", {})
        if ("const" in tag or "enum" in tag) and "type" not in node.setdefault("required", []):
            node["required"].insert(0, "type")


def topic_schema(topic: Topic) -> dict[str, Any]:
    generator = OutputJsonSchema if topic.is_output else ContractJsonSchema
    if isinstance(topic.value, TypeAdapter):
        body = topic.value.json_schema(mode="serialization", schema_generator=generator)
    else:
        body = topic.value.model_json_schema(mode="serialization", schema_generator=generator)
    _require_type(body)
    body.pop("title", None)
    body.pop("description", None)  # the model's docstring; the topic's description says it for the topic
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID_PREFIX + topic.name,
        "title": topic.title,
        "description": f"{topic.description} Kafka key: {topic.key}.",
        **body,
    }


def json_schemas() -> dict[str, dict[str, Any]]:
    """One JSON Schema per topic, by file name (`<topic>.json`)."""
    return {topic.filename: topic_schema(topic) for topic in TOPICS}


# --- AsyncAPI ----------------------------------------------------------------------------------------

_INFO_DESCRIPTION = """\
Shipment-tracking ingestion and delivery detection for a marketplace with buyer protection.
parcelwatch consumes order and dispute events, turns what carriers report into one canonical
status history, and tells the dispute platform the moments that matter to buyer protection.

Conventions: values are JSON objects; times are ISO-8601 with an offset (outputs in UTC with `Z`);
money is a decimal string. Every output value carries `event_id` (deterministic: the same facts
always give the same id, so consumers deduplicate on it), `schema_version` and `type`. Delivery is
at-least-once: expect duplicates, deduplicate on `event_id`.
"""


def _example(instance: BaseModel) -> dict[str, Any]:
    tag = getattr(instance, "type", None) or getattr(instance, "source", None) or type(instance).__name__
    return {"name": str(tag), "payload": instance.model_dump(mode="json")}


def _message(topic: Topic, schema: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "name": topic.title,
        "title": topic.title,
        "summary": topic.description,
        "contentType": "application/json",
        "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": schema},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"Kafka key: {topic.key}."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
    if topic.examples:
        message["examples"] = [_example(instance) for instance in topic.examples]
    return message


def _operations(topic: Topic) -> dict[str, dict[str, Any]]:
    actions = {"consumed": ("receive",), "produced": ("send",), "internal": ("send", "receive")}[topic.direction]
    summaries = {
        "send": f"parcelwatch writes {topic.name}",
        "receive": f"parcelwatch reads {topic.name}",
    }
    if topic.direction == "internal":
        summaries["send"] += f" ({topic.writers})"
        summaries["receive"] += f" ({topic.readers})"
    channel = f"#/channels/{topic.channel_id}"
    return {
        action + topic.channel_id[:1].upper() + topic.channel_id[1:]: {
            "action": action,
            "channel": {"$ref": channel},
            "summary": summaries[action],
            "messages": [{"$ref": f"{channel}/messages/{topic.title}"}],
        }
        for action in actions
    }


def asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of every topic, payloads being the topics' JSON Schemas."""
    schemas = json_schemas()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in TOPICS:
        channels[topic.channel_id] = {
            "address": topic.name,
            "title": topic.name,
            "description": f"{topic.description} Direction: {topic.direction}. Kafka key: {topic.key}.",
            "messages": {topic.title: _message(topic, schemas[topic.filename])},
        }
        operations.update(_operations(topic))
    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "parcelwatch",
            "version": str(SCHEMA_VERSION),
            "description": _INFO_DESCRIPTION,
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "production": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The marketplace's Apache Kafka (PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS).",
                "variables": {
                    "bootstrap": {
                        "default": "kafka.example.internal:9092",
                        "description": "A bootstrap broker, host:port (placeholder: set per deployment).",
                    }
                },
            },
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The local stack's Kafka-protocol broker (Tansu), parcelwatch's default.",
            },
        },
        "channels": channels,
        "operations": operations,
    }
    # Plain JSON types and no shared objects, so YAML has no aliases and equals what is loaded back.
    return json.loads(json.dumps(document))


# --- files -------------------------------------------------------------------------------------------


def _json_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _yaml_text(document: dict[str, Any]) -> str:
    import yaml  # only the file writer needs PyYAML

    class Dumper(yaml.SafeDumper):
        """`yaml.safe_dump`, with multi-line text as literal blocks."""

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, text)
    return yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)


def rendered() -> dict[str, str]:
    """Every generated file's text, by path relative to the schemas directory."""
    files = {f"{JSONSCHEMA_DIR}/{name}": _json_text(schema) for name, schema in json_schemas().items()}
    files[ASYNCAPI_FILE] = _yaml_text(asyncapi())
    return files


def _extra_files(directory: Path, expected: dict[str, str]) -> list[str]:
    existing = sorted((directory / JSONSCHEMA_DIR).glob("*.json"))
    return [f"{JSONSCHEMA_DIR}/{path.name}" for path in existing if f"{JSONSCHEMA_DIR}/{path.name}" not in expected]


def stale(directory: Path = PACKAGE_DIR) -> list[str]:
    """Relative paths of the files that are missing, differ from a fresh generation, or should not exist."""
    expected = rendered()
    differing = [
        relative
        for relative, text in expected.items()
        if not (directory / relative).is_file() or (directory / relative).read_text(encoding="utf-8") != text
    ]
    return differing + _extra_files(directory, expected)


def write(directory: Path = PACKAGE_DIR) -> list[str]:
    """Write the generated files under `directory`, remove schemas of topics that are gone; return what changed."""
    expected = rendered()
    changed = stale(directory)
    (directory / JSONSCHEMA_DIR).mkdir(parents=True, exist_ok=True)
    for relative in changed:
        path = directory / relative
        if relative in expected:
            path.write_text(expected[relative], encoding="utf-8")
        else:
            path.unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m schemas.contract", description="Generate the JSON Schemas and AsyncAPI document of the topics."
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a committed file is stale")
    parser.add_argument(
        "--directory", type=Path, default=PACKAGE_DIR, help="the schemas directory (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale(args.directory)
        for relative in outdated:
            print(f"stale: {args.directory / relative}", file=sys.stderr)
        if outdated:
            print("run `python -m schemas.contract` and commit the result", file=sys.stderr)
            return 1
        print(f"{len(rendered())} contract files up to date")
        return 0
    changed = write(args.directory)
    for relative in changed:
        print(f"wrote {args.directory / relative}")
    if not changed:
        print("contract files already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
