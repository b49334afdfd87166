"""The Faust shell around the decision core.

Four agents, each with a changelog-backed table:

- `decide` consumes `tracking.raw.v1`, `orders.shipments.v1` and the internal shipment commands,
  all keyed by tracking number (co-partitioned), and keeps a `ShipmentState` per number;
- `orders` consumes `disputes.events.v1` and the internal order commands, keyed by order id, and
  keeps an `OrderLink` per order (its tracking numbers and dispute);
- `sellers` consumes the internal seller commands, keyed by seller id, and keeps a `SellerState`
  per seller (its day buckets, `streams.sellers`);
- `lanes` consumes the internal lane commands, keyed by lane (`lane:…`, `country_pair:…`,
  `destination:…`, `global`), and keeps a `LaneState` per lane (its transit-time histograms,
  `streams.eta`); it answers a shipment's estimate request with an `EtaAnswered` command, and
  `decide` emits it on `shipments.eta.v1` when it is news.

All take their records in batches through `streams.shell.BatchShell`: decided against a view
of the tables, outputs acknowledged, then states written, then offsets committed (the order and
what it guarantees are in that module). Deadlines go into a wake-up index rebuilt from the table
after recovery; a timer sends a `Tick` command for each due shipment, so timed rules run inside
the agent like any input. The same timer, at its first run of each UTC day (and its first after the
sellers' table recovered), sends a `SellerTick` to every seller the worker holds, whose scorecard
is then due.
"""

import logging
from datetime import UTC, datetime

import faust
from faust.serializers import codecs

from schemas.codec import dump_lane, dump_link, dump_state, load_lane, load_link, load_state
from schemas.commands import ORDER_COMMANDS_TOPIC, SHIPMENT_COMMANDS_TOPIC, Tick
from schemas.eta import LANE_COMMANDS_TOPIC
from schemas.inputs import DISPUTES_TOPIC, RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.sellers import SELLER_COMMANDS_TOPIC, SellerTick, dump_seller, load_seller
from streams.core import next_wake
from streams.faust_shell import QuietMonitor, gate_transaction_commits, own_input_offsets
from streams.http import serve
from streams.sellers.timer import DailyTimer
from streams.settings import StreamConfig, StreamSettings
from streams.shell import BatchShell
from streams.tansu import correct_recovery_end_offsets
from streams.wakeups import WakeupIndex
from streams.watchdog import Watchdog

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
codecs.register("seller_state", TableCodec(dump_seller, load_seller))
codecs.register("lane_state", TableCodec(dump_lane, load_lane))
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


def table_store(config: StreamSettings) -> str:
    """Where tables live. Under exactly-once, in memory, restored from the changelog at every start:
    the shell writes a local store before its transaction commits, so after a kill -9 a RocksDB store
    would keep the states of aborted transactions, and the records decided again from them would
    give no outputs (Kafka Streams wipes its stores after an unclean exactly-once stop for the same
    reason). Faust's consumer reads the changelog `read_committed` then, so only committed states
    come back."""
    if config.processing_guarantee == "exactly_once":
        return "memory://"
    return config.store


def create_app(settings: StreamConfig) -> faust.App:
    """The stream worker's Faust app: its topics, tables, agents, timer and HTTP endpoints."""
    config = settings.stream
    clock = StreamClock(config)
    gate_transaction_commits()
    if config.tansu_compat:
        correct_recovery_end_offsets(settings.kafka)
    app = faust.App(
        config.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        store=table_store(config),
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
        Monitor=QuietMonitor,
        key_serializer="raw",
        value_serializer="raw",
    )
    raw = {"key_type": bytes, "value_type": bytes}
    shipment_inputs = app.topic(RAW_TOPIC, SHIPMENTS_TOPIC, SHIPMENT_COMMANDS_TOPIC, **raw)
    order_inputs = app.topic(DISPUTES_TOPIC, ORDER_COMMANDS_TOPIC, **raw)
    ticks = app.topic(SHIPMENT_COMMANDS_TOPIC, **raw)
    seller_inputs = app.topic(SELLER_COMMANDS_TOPIC, **raw)
    lane_inputs = app.topic(LANE_COMMANDS_TOPIC, **raw)
    own_input_offsets(
        name for inputs in (shipment_inputs, order_inputs, seller_inputs, lane_inputs) for name in inputs.topics
    )
    shipments = model_table(app, "shipments", "shipment_state", settings.kafka.partitions)
    orders = model_table(app, "orders", "order_link", settings.kafka.partitions)
    sellers = model_table(app, "sellers", "seller_state", settings.kafka.partitions)
    lanes = model_table(app, "lanes", "lane_state", settings.kafka.partitions)
    wakeups = WakeupIndex()
    daily = DailyTimer()
    tables = {"shipments": shipments, "orders": orders, "sellers": sellers, "lanes": lanes}
    shell = BatchShell(app, settings, tables, clock, wakeups)

    @app.agent(shipment_inputs, name="parcelwatch.decide")
    async def decide_agent(records):
        await shell.run(records)

    @app.agent(order_inputs, name="parcelwatch.orders")
    async def orders_agent(records):
        await shell.run(records)

    @app.agent(seller_inputs, name="parcelwatch.sellers")
    async def sellers_agent(records):
        await shell.run(records)

    @app.agent(lane_inputs, name="parcelwatch.lanes")
    async def lanes_agent(records):
        await shell.run(records)

    @app.on_before_shutdown.connect
    async def stop_probe(sender, **_) -> None:
        await shell.probe.stop()

    @sellers.on_recover
    async def tick_sellers_after_recovery() -> None:
        daily.restart()

    @shipments.on_recover
    async def rebuild_wakeups() -> None:
        now = clock.now()
        for key, state in shipments.items():
            wakeups.schedule(key, next_wake(state, now, settings.rules))
        log.info("wake-up index rebuilt: %d shipments, %d scheduled", len(shipments), len(wakeups))

    watchdog = Watchdog(app, config.stall_after_s, shell.probe)

    @app.on_rebalance_complete.connect
    async def rebalanced(sender, **_) -> None:
        watchdog.rebalanced()

    @app.task
    async def watch_partitions() -> None:
        await watchdog.run()

    if config.http_port is not None:
        serve(app, config.http_host, config.http_port, watchdog)

    @app.timer(interval=config.tick_interval_s)
    async def tick() -> None:
        for _, key in wakeups.pop_due(clock.now()):
            ticks.send_soon(key=key.encode(), value=Tick(tracking_number=key).model_dump_json().encode())
        if daily.due(clock.now()):
            for key in list(sellers.keys()):
                value = SellerTick(seller_id=key).model_dump_json().encode()
                seller_inputs.send_soon(key=key.encode(), value=value)

    return app
