"""The Faust shell around the decision core.

Two agents, each with a changelog-backed table:

- `decide` consumes `tracking.raw.v1`, `orders.shipments.v1` and the internal shipment commands,
  all keyed by tracking number (co-partitioned), and keeps a `ShipmentState` per number;
- `orders` consumes `disputes.events.v1` and the internal order commands, keyed by order id, and
  keeps an `OrderLink` per order (its tracking numbers and dispute).

Both call `streams.engine.step` and produce its outputs and commands. Deadlines go into a
wake-up index rebuilt from the table after recovery; a timer sends a `Tick` command for each
due shipment, so timed rules run inside the agent like any input. Records that cannot be used
go to the dead-letter topic; the partition moves on. Produced records are flushed by Faust
before offsets are committed: at least once, with deterministic event ids.
"""

import logging
import time
from datetime import UTC, datetime

import faust
from faust.serializers import codecs

from schemas.codec import dump_link, dump_state, load_link, load_state
from schemas.inputs import DISPUTES_TOPIC, RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import OUTPUT_MODELS, DeadLetter
from streams.commands import ORDER_COMMANDS_TOPIC, SHIPMENT_COMMANDS_TOPIC, Tick
from streams.core import next_wake
from streams.engine import Step, step
from streams.http import serve
from streams.ingest import Rejected, load_json, to_inputs
from streams.metrics import EVENTS, RECORD_AGE, count_output
from streams.rules.settings import RuleSettings
from streams.tansu import correct_recovery_end_offsets
from streams.wakeups import WakeupIndex
from workers.settings import Settings, StreamSettings

log = logging.getLogger(__name__)


class TableCodec(codecs.Codec):
    """Table values are models in memory and `schemas.codec`'s encoding on the changelog and in the store."""

    def __init__(self, dump, load, **kwargs) -> None:
        super().__init__(**kwargs)
        self._dump, self._load = dump, load

    def _dumps(self, value) -> bytes:
        return self._dump(value)

    def _loads(self, data: bytes):
        return self._load(data)


class Utf8Codec(codecs.Codec):
    """Table keys: str in memory, UTF-8 on the changelog."""

    def _dumps(self, key: str) -> bytes:
        return key.encode()

    def _loads(self, data: bytes) -> str:
        return data.decode()


codecs.register("shipment_state", TableCodec(dump_state, load_state))
codecs.register("order_link", TableCodec(dump_link, load_link))
codecs.register("utf8", Utf8Codec())


class StreamClock:
    """The stream's `now`: wall time, or for a simulation, time running `factor` times faster from `origin`."""

    def __init__(self, settings: StreamSettings) -> None:
        self.factor = settings.clock_factor
        self.origin = settings.clock_origin

    def at(self, timestamp: float) -> datetime:
        moment = datetime.fromtimestamp(timestamp, UTC)
        if self.origin is None or self.factor == 1:
            return moment
        return self.origin + (moment - self.origin) * self.factor

    def now(self) -> datetime:
        return self.at(datetime.now(UTC).timestamp())


def model_table(app: faust.App, name: str, codec: str, partitions: int) -> faust.Table:
    """A table of models keyed by str. Faust derives a table's serializers from its key and value
    types and builds the changelog topic with them at once; both are set again here so that
    writes and recovery use these codecs."""
    table = app.Table(name, partitions=partitions)
    table.key_serializer, table.value_serializer = "utf8", codec
    table.changelog_topic = table._new_changelog_topic()
    return table


def handle_record(
    shipments,
    orders,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes,
    now: datetime,
    rules: RuleSettings,
    text_threshold: float,
) -> list[Step]:
    """Decide on one input record against the tables; a record that cannot be used becomes a dead letter."""
    try:
        inputs = to_inputs(topic, load_json(value), text_threshold)
    except Rejected as rejected:
        letter = DeadLetter.build(
            source_topic=topic,
            partition=partition,
            offset=offset,
            record_key=key.decode("utf-8", errors="replace") if key else None,
            value=value.decode("utf-8", errors="replace"),
            stage=rejected.stage,
            reason=rejected.reason,
            at=now,
        )
        return [Step(outputs=[letter])]
    return [step(shipments, orders, update, now, rules) for update in inputs]


def create_app(settings: Settings) -> faust.App:
    config = settings.stream
    clock = StreamClock(config)
    if config.tansu_compat:
        correct_recovery_end_offsets(settings.kafka)
    app = faust.App(
        config.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        store=config.store,
        producer_linger=config.producer_linger_s,
        datadir=str(config.datadir),
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication_factor,
        processing_guarantee=config.processing_guarantee,
        broker_rebalance_timeout=config.rebalance_timeout_s,
        broker_session_timeout=config.session_timeout_s,
        broker_heartbeat_interval=config.heartbeat_interval_s,
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=config.standby_replicas,
        web_enabled=False,
        key_serializer="raw",
        value_serializer="raw",
    )
    raw = {"key_type": bytes, "value_type": bytes}
    shipment_inputs = app.topic(RAW_TOPIC, SHIPMENTS_TOPIC, SHIPMENT_COMMANDS_TOPIC, **raw)
    order_inputs = app.topic(DISPUTES_TOPIC, ORDER_COMMANDS_TOPIC, **raw)
    topics = {
        name: app.topic(name, **raw)
        for name in (*(model.topic for model in OUTPUT_MODELS), SHIPMENT_COMMANDS_TOPIC, ORDER_COMMANDS_TOPIC)
    }
    shipments = model_table(app, "shipments", "shipment_state", settings.kafka.partitions)
    orders = model_table(app, "orders", "order_link", settings.kafka.partitions)
    wakeups = WakeupIndex()

    def send(topic: str, key: str | None, value: bytes) -> None:
        topics[topic].send_soon(key=key.encode() if key is not None else None, value=value)

    def produce(results: list[Step]) -> None:
        for result in results:
            for output in result.outputs:
                send(output.topic, output.key, output.model_dump_json().encode())
                count_output(output)
            for command in result.commands:
                send(command.topic, command.key, command.model_dump_json().encode())
            if result.wake is not None:
                wakeups.schedule(*result.wake)

    async def consume(records, now_of) -> None:
        async for batch in records.take_events(config.batch_size, within=config.batch_within_s):
            for event in batch:
                records._set_current_event(event)  # table writes go to this record's partition
                message = event.message
                EVENTS.labels(message.topic).inc()
                produce(
                    handle_record(
                        shipments,
                        orders,
                        message.topic,
                        message.partition,
                        message.offset,
                        message.key,
                        message.value,
                        now_of(message),
                        settings.rules,
                        settings.carriers.text_threshold,
                    )
                )
                RECORD_AGE.labels(message.topic).observe(max(0.0, time.time() - message.timestamp))

    @app.agent(shipment_inputs, name="parcelwatch.decide")
    async def decide_agent(records):
        await consume(records, lambda message: clock.at(message.timestamp))

    @app.agent(order_inputs, name="parcelwatch.orders")
    async def orders_agent(records):
        await consume(records, lambda message: clock.at(message.timestamp))

    @shipments.on_recover
    async def rebuild_wakeups() -> None:
        now = clock.now()
        for key, state in shipments.items():
            wakeups.schedule(key, next_wake(state, now, settings.rules))
        log.info("wake-up index rebuilt: %d shipments, %d scheduled", len(shipments), len(wakeups))

    if config.http_port is not None:
        serve(app, config.http_host, config.http_port)

    @app.timer(interval=config.tick_interval_s)
    async def tick() -> None:
        for _, key in wakeups.pop_due(clock.now()):
            send(SHIPMENT_COMMANDS_TOPIC, key, Tick(tracking_number=key).model_dump_json().encode())

    return app
