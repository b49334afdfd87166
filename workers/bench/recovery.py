"""`parcelwatch bench recovery`: how long a restarted stream worker takes to recover its tables, and its memory.

One Tansu broker and the topics. The rules benchmark's history of `SAMPLE_ORDERS` orders in flight
(`workers.bench.rules.history`, up to the time of the run) is decided by `streams.engine.Engine`,
as `parcelwatch replay` does; the shipment states and order links it leaves are copied under new
keys (tracking numbers and order ids suffixed `-<copy>`) up to SHIPMENTS states, and written,
encoded by `schemas.codec`, straight onto the stream's changelogs (`<app_id>-shipments-changelog`
and `<app_id>-orders-changelog`), each to the partition Kafka's default partitioner gives its key:
where the worker itself would have written it. No input is left for the worker to process.

Then one real worker (`python -m workers stream`, with the dev stack's fast join) is started five
times, one after the other, each timed from spawn to the first 200 on its /readyz (its tables
recovered and the wake-up index rebuilt, polled every 50 ms), its resident memory read then
(VmRSS, from /proc), and stopped with SIGTERM:

1. memory://, empty changelogs, and 2. rocksdb://, empty changelogs and data directory: before
   the states are written, the cost of a start (Python, Faust, group join, recovering nothing)
   that the figures below subtract;
3. memory://: recovery reads the whole changelog into the process;
4. rocksdb:// cold, on an empty data directory: reads the whole changelog into RocksDB;
5. rocksdb:// warm, on the data directory 4 left after its clean stop: should read only the
   changelog's tail past the offsets RocksDB kept.

A recovery time is a start's spawn-to-ready time less the empty start of the same store.
"""

import asyncio
import contextlib
import math
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import aiohttp
import orjson

from schemas.codec import dump_link, dump_state
from schemas.state import OrderLink, ShipmentState
from streams.engine import Engine, Source
from streams.rules.settings import RuleSettings
from workers.bench.report import json_line, resident_bytes, table
from workers.bench.rules import history
from workers.bench.stream import bench_settings, log_tail, start_worker
from workers.embedded import TansuBroker, free_port, stop_child
from workers.inspection import changelog_topic
from workers.kafka import ensure_topics, make_producer
from workers.settings import Settings

SAMPLE_ORDERS = 2_000
READY_POLL_S = 0.05
WRITE_BATCH = 5_000
MB = 1_000_000

Store = Literal["memory://", "rocksdb://"]


@dataclass(frozen=True, slots=True)
class Start:
    """One start of the worker: seconds from spawn to ready, and its resident memory then."""

    ready_s: float
    rss_bytes: int


@dataclass(frozen=True, slots=True)
class Changelog:
    """What was written onto the changelogs."""

    shipments: int
    order_links: int
    shipment_bytes: int
    order_bytes: int
    seconds: float

    @property
    def bytes(self) -> int:
        return self.shipment_bytes + self.order_bytes


@dataclass(frozen=True)
class RecoveryFigures:
    partitions: int
    sample_orders: int
    sample_states: int
    changelog: Changelog
    empty_memory: Start
    empty_rocksdb: Start
    memory: Start
    rocksdb_cold: Start
    rocksdb_warm: Start

    @property
    def memory_recover_s(self) -> float:
        return recovery_s(self.memory, self.empty_memory)

    @property
    def rocksdb_cold_recover_s(self) -> float:
        return recovery_s(self.rocksdb_cold, self.empty_rocksdb)

    @property
    def rocksdb_warm_recover_s(self) -> float:
        return recovery_s(self.rocksdb_warm, self.empty_rocksdb)


def recovery_s(start: Start, empty: Start) -> float:
    """A start's time to ready beyond an empty start's (never below 0: the difference is within the noise)."""
    return max(0.0, start.ready_s - empty.ready_s)


def copy_key(key: str, copy: int) -> str:
    """`key` in the `copy`-th copy of the sample (copy 0 is the sample itself)."""
    return key if copy == 0 else f"{key}-{copy}"


def copied_state(state: ShipmentState, copy: int) -> ShipmentState:
    orders = {
        copy_key(order_id, copy): watch.model_copy(update={"order_id": copy_key(order_id, copy)})
        for order_id, watch in state.orders.items()
    }
    return state.model_copy(update={"tracking_number": copy_key(state.tracking_number, copy), "orders": orders})


def copied_link(link: OrderLink, copy: int) -> OrderLink:
    numbers = tuple(copy_key(number, copy) for number in link.tracking_numbers)
    return link.model_copy(update={"order_id": copy_key(link.order_id, copy), "tracking_numbers": numbers})


def changelog_records(
    shipments: dict[str, ShipmentState], orders: dict[str, OrderLink], count: int, app_id: str
) -> Iterator[tuple[str, bytes, bytes]]:
    """(topic, key, value) of `count` shipment states copied from the sample, each copy followed by the
    links of the orders its states watch."""
    if not shipments:
        raise ValueError("the sample holds no shipment state")
    shipments_topic, orders_topic = changelog_topic(app_id), changelog_topic(app_id, "orders")
    keys = sorted(shipments)
    for copy in range(math.ceil(count / len(keys))):
        watched: set[str] = set()
        for key in keys[: count - copy * len(keys)]:
            state = shipments[key]
            watched.update(state.orders)
            yield shipments_topic, copy_key(key, copy).encode(), dump_state(copied_state(state, copy))
        for order_id in sorted(watched & orders.keys()):
            yield orders_topic, copy_key(order_id, copy).encode(), dump_link(copied_link(orders[order_id], copy))


def sample_tables(orders: int, seed: int, now: datetime) -> tuple[dict[str, ShipmentState], dict[str, OrderLink]]:
    """The tables the engine leaves after deciding the history of `orders` orders up to `now`."""
    engine = Engine(RuleSettings())
    for record in history(orders, seed, now):
        deque(engine.advance(record.at), maxlen=0)
        source = Source(record.topic, None, None, record.key.decode(), record.value.decode())
        engine.apply_record(source, orjson.loads(record.value), record.at)
    deque(engine.advance(now), maxlen=0)
    return engine.shipments, engine.orders


async def write_changelogs(settings: Settings, records: Iterator[tuple[str, bytes, bytes]]) -> Changelog:
    """Produce `records` (Kafka's default partitioner: murmur2 of the key), waiting for every acknowledgement."""
    counts: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    producer = make_producer(settings.kafka)
    started = time.monotonic()
    await producer.start()
    try:
        pending = []
        for topic, key, value in records:
            counts[topic] += 1
            sizes[topic] += len(key) + len(value)
            pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= WRITE_BATCH:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    shipments, orders = (changelog_topic(settings.stream.app_id, table) for table in ("shipments", "orders"))
    return Changelog(counts[shipments], counts[orders], sizes[shipments], sizes[orders], time.monotonic() - started)


async def start_until_ready(settings: Settings, store: Store, datadir: Path, log: Path, timeout_s: float) -> Start:
    """Start the worker, time it to its first 200 on /readyz, read its memory, stop it with SIGTERM."""
    port = free_port()
    stream = settings.stream.model_copy(update={"store": store, "datadir": datadir, "http_port": port})
    url = f"http://127.0.0.1:{port}/readyz"
    spawned = time.monotonic()
    process = start_worker(settings.model_copy(update={"stream": stream}), log, log.parent)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1.0)) as session:
            while not await _ready(session, url):
                if process.poll() is not None:
                    raise RuntimeError(f"the stream worker exited ({process.returncode}); {log}:\n{log_tail(log)}")
                if time.monotonic() - spawned > timeout_s:
                    raise TimeoutError(f"the stream worker was not ready in {timeout_s:.0f} s; {log}:\n{log_tail(log)}")
                await asyncio.sleep(READY_POLL_S)
        ready_s = time.monotonic() - spawned
        rss = resident_bytes(process.pid)
    finally:
        stop_child(process)
    if rss is None:
        raise RuntimeError(f"no /proc/{process.pid}/status: resident memory is read on Linux only")
    if process.returncode != 0:
        raise RuntimeError(f"the stream worker did not stop cleanly ({process.returncode}); {log}:\n{log_tail(log)}")
    return Start(ready_s, rss)


async def _ready(session: aiohttp.ClientSession, url: str) -> bool:
    with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
        async with session.get(url) as response:
            return response.status == 200
    return False


async def run(shipments: int, partitions: int = 6, seed: int = 7, workdir: Path | None = None) -> RecoveryFigures:
    if shipments < 1:
        raise ValueError("shipments must be at least 1")
    timeout_s = max(120.0, shipments / 500)
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="parcelwatch-bench-")))
        workdir.mkdir(parents=True, exist_ok=True)
        broker = stack.enter_context(TansuBroker(workdir=workdir))
        settings = bench_settings(broker.bootstrap_servers, partitions, workdir)
        app_id = settings.stream.app_id
        await ensure_topics(settings.kafka)
        await ensure_topics(settings.kafka, (changelog_topic(app_id), changelog_topic(app_id, "orders")))

        async def start(name: str, store: Store, datadir: str) -> Start:
            # `-data`: a directory named like a module (`rocksdb`) in the worker's cwd would shadow that module
            data = workdir / f"{datadir}-data"
            return await start_until_ready(settings, store, data, workdir / f"{name}.log", timeout_s)

        empty_memory = await start("empty-memory", "memory://", "empty-memory")
        empty_rocksdb = await start("empty-rocksdb", "rocksdb://", "empty-rocksdb")
        sample_orders = min(SAMPLE_ORDERS, shipments)
        states, links = sample_tables(sample_orders, seed, datetime.now(UTC))
        changelog = await write_changelogs(settings, changelog_records(states, links, shipments, app_id))
        return RecoveryFigures(
            partitions=partitions,
            sample_orders=sample_orders,
            sample_states=len(states),
            changelog=changelog,
            empty_memory=empty_memory,
            empty_rocksdb=empty_rocksdb,
            memory=await start("memory", "memory://", "memory"),
            rocksdb_cold=await start("rocksdb-cold", "rocksdb://", "rocksdb"),
            rocksdb_warm=await start("rocksdb-warm", "rocksdb://", "rocksdb"),
        )


def _mb(size: int) -> float:
    return round(size / MB, 1)


def report(figures: RecoveryFigures) -> str:
    f, log = figures, figures.changelog
    states = f"{log.shipments:,} shipment states"
    rows = [
        ("empty changelogs", "memory://", f.empty_memory, None),
        ("empty changelogs", "rocksdb://", f.empty_rocksdb, None),
        (states, "memory://", f.memory, f.memory_recover_s),
        (f"{states}, cold (empty data dir)", "rocksdb://", f.rocksdb_cold, f.rocksdb_cold_recover_s),
        (f"{states}, warm (after a clean stop)", "rocksdb://", f.rocksdb_warm, f.rocksdb_warm_recover_s),
    ]
    lines = [
        f"{states} (copies of the {f.sample_states:,} the engine left from {f.sample_orders:,} orders) and "
        f"{log.order_links:,} order links on {f.partitions} partitions: {log.bytes / MB:,.1f} MB of keys and values "
        f"on the changelogs ({log.shipment_bytes / log.shipments:,.0f} B per state), written in {log.seconds:.1f} s",
        "",
        table(
            ("worker start", "store", "spawn to ready s", "recovery s", "RSS MB"),
            [(name, store, start.ready_s, recover_s, _mb(start.rss_bytes)) for name, store, start, recover_s in rows],
        ),
        "",
        "recovery s: spawn to ready less the empty start of the same store; ready: the first 200 on /readyz",
        json_line(
            {
                "bench": "recovery",
                "shipments": log.shipments,
                "order_links": log.order_links,
                "partitions": f.partitions,
                "changelog_bytes": log.bytes,
                "empty_start_s": round(f.empty_memory.ready_s, 2),
                "rocksdb_empty_start_s": round(f.empty_rocksdb.ready_s, 2),
                "memory_recover_s": round(f.memory_recover_s, 2),
                "memory_rss_mb": _mb(f.memory.rss_bytes),
                "rocksdb_cold_recover_s": round(f.rocksdb_cold_recover_s, 2),
                "rocksdb_warm_recover_s": round(f.rocksdb_warm_recover_s, 2),
                "rocksdb_rss_mb": _mb(f.rocksdb_warm.rss_bytes),
                "rocksdb_cold_rss_mb": _mb(f.rocksdb_cold.rss_bytes),
                "empty_rss_mb": _mb(f.empty_memory.rss_bytes),
            }
        ),
    ]
    return "\n".join(lines)
