"""The Faust shell around the decision core.

One agent consumes `tracking.raw.v1` and `orders.shipments.v1` (both keyed by tracking number,
so co-partitioned), keeps one `ShipmentState` per tracking number in a changelog-backed table,
calls `decide` and produces its outputs. Records it cannot use go to the dead-letter topic; the
partition moves on. Outputs are buffered and flushed by Faust before offsets are committed, so
every output is durable before its input counts as processed (at least once, deterministic ids).
"""

import logging
from datetime import UTC, datetime

import faust
import orjson
from faust.serializers import codecs

from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import OUTPUT_MODELS, DeadLetter, Output
from schemas.state import ShipmentState
from streams.core import decide
from streams.ingest import Rejected, load_json, to_inputs
from streams.rules.settings import RuleSettings
from workers.settings import Settings

log = logging.getLogger(__name__)


class ShipmentStateCodec(codecs.Codec):
    """Table values are kept as models in memory and written as JSON to the changelog."""

    def _dumps(self, state: ShipmentState) -> bytes:
        return state.model_dump_json().encode()

    def _loads(self, data: bytes) -> ShipmentState:
        return ShipmentState.model_validate_json(data)


class Utf8Codec(codecs.Codec):
    """Table keys are tracking numbers: str in memory, UTF-8 on the changelog."""

    def _dumps(self, key: str) -> bytes:
        return key.encode()

    def _loads(self, data: bytes) -> str:
        return data.decode()


codecs.register("shipment_state", ShipmentStateCodec())
codecs.register("utf8", Utf8Codec())


def handle_record(
    states,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes,
    timestamp: float,
    rules: RuleSettings,
) -> list[Output]:
    """Decide on one input record against the `states` mapping; dead-letter what cannot be used.

    `now` is the record's timestamp, so processing the same record again decides the same way.
    """
    now = datetime.fromtimestamp(timestamp, UTC)
    try:
        inputs = to_inputs(topic, load_json(value))
    except Rejected as rejected:
        return [
            DeadLetter.build(
                source_topic=topic,
                partition=partition,
                offset=offset,
                record_key=key.decode("utf-8", errors="replace") if key else None,
                value=value.decode("utf-8", errors="replace"),
                stage=rejected.stage,
                reason=rejected.reason,
                at=now,
            )
        ]
    outputs: list[Output] = []
    for update in inputs:
        decision = decide(states.get(update.tracking_number), update, now, rules)
        states[update.tracking_number] = decision.state
        outputs.extend(decision.outputs)
    return outputs


def create_app(settings: Settings) -> faust.App:
    stream = settings.stream
    app = faust.App(
        stream.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        store="memory://",
        datadir=str(stream.datadir),
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication_factor,
        processing_guarantee=stream.processing_guarantee,
        broker_rebalance_timeout=stream.rebalance_timeout_s,
        broker_session_timeout=stream.session_timeout_s,
        broker_heartbeat_interval=stream.heartbeat_interval_s,
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
        key_serializer="raw",
        value_serializer="raw",
    )
    inputs = app.topic(RAW_TOPIC, SHIPMENTS_TOPIC, key_type=bytes, value_type=bytes)
    outputs = {model.topic: app.topic(model.topic, key_type=bytes, value_type=bytes) for model in OUTPUT_MODELS}
    shipments = app.Table("shipments", partitions=settings.kafka.partitions)
    shipments.key_serializer, shipments.value_serializer = "utf8", "shipment_state"  # Faust reads these, not a schema

    @app.agent(inputs, name="parcelwatch.decide")
    async def decide_agent(records):
        async for batch in records.take_events(stream.batch_size, within=stream.batch_within_s):
            for event in batch:
                records._set_current_event(event)  # table writes go to this record's partition
                message = event.message
                produced = handle_record(
                    shipments,
                    message.topic,
                    message.partition,
                    message.offset,
                    message.key,
                    message.value,
                    message.timestamp,
                    settings.rules,
                )
                for output in produced:
                    key = output.key
                    outputs[output.topic].send_soon(
                        key=key.encode() if key is not None else None,
                        value=orjson.dumps(output.model_dump(mode="json")),
                    )

    return app
