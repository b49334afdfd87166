"""Lag monitoring on a real broker (its own, so the other tests' groups and topics stay apart).

A consumer group consumes and commits while a producer keeps producing; the consumer stops
committing (it goes away), and its partition shows STOP with a growing time lag; it comes back,
and the partition is OK again.
"""

import asyncio
import contextlib
import os
import sys
import time
from itertools import pairwise

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry

from tests.integration.conftest import REPO, embedded_broker
from workers.lag.collector import LagCollector
from workers.lag.metrics import LagMetrics
from workers.lag.model import LagReport, PartitionLag, Status
from workers.settings import KafkaSettings, LagSettings

TOPIC = "lag.test.v1"
GROUP = "lag-test"
PARTITION = TopicPartition(TOPIC, 0)
pytestmark = pytest.mark.brokers("tansu", "kafka")

SETTINGS = LagSettings(interval_s=0.4, window=4, table_size=60, allowed_lag_offsets=3)


@pytest.fixture(scope="module")
def lag_broker(broker_kind):
    with embedded_broker(broker_kind) as server:
        yield server


async def keep_producing(bootstrap: str, every_s: float = 0.05) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        while True:
            await producer.send_and_wait(TOPIC, b"{}", partition=0)
            await asyncio.sleep(every_s)
    finally:
        await producer.stop()


async def consume_and_commit(bootstrap: str) -> None:
    """Read the partition from the group's committed offset and commit after every batch."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign([PARTITION])
        while True:
            if await consumer.getmany(timeout_ms=50):
                await consumer.commit()
    finally:
        await consumer.stop()


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def until(collector: LagCollector, reports: list[LagReport], done, timeout_s: float = 12.0) -> PartitionLag:
    """Sample every interval until `done(row)` holds for the partition's row; that row."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            reports.append(await collector.sample())
        except KafkaError as error:  # as `collector.run` does: e.g. Kafka's group coordinator, not loaded yet
            if not error.retriable:
                raise
            await asyncio.sleep(SETTINGS.interval_s)
            continue
        rows = [row for row in reports[-1].partitions if (row.group, row.topic) == (GROUP, TOPIC)]
        if rows and done(rows[0]):
            return rows[0]
        await asyncio.sleep(SETTINGS.interval_s)
    raise AssertionError(f"not reached in {timeout_s} s; last rows: {[r.partitions for r in reports[-3:]]}")


def row_of(report: LagReport) -> PartitionLag:
    return next(row for row in report.partitions if (row.group, row.topic) == (GROUP, TOPIC))


async def lag_cli_json(bootstrap: str) -> dict:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "workers", "lag", "--json", "--group", GROUP, "--interval", "0.3", "--window", "3"),
        env=os.environ | {"PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS": bootstrap},
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    return orjson.loads(out)


async def test_a_consumer_that_stops_committing_shows_stop_and_a_growing_time_lag_then_ok_again(lag_broker):
    bootstrap = lag_broker.bootstrap_servers
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()

    registry = CollectorRegistry()
    metrics = LagMetrics(registry)
    producing = asyncio.create_task(keep_producing(bootstrap))
    consuming = asyncio.create_task(consume_and_commit(bootstrap))
    reports: list[LagReport] = []
    try:
        async with LagCollector(KafkaSettings(bootstrap_servers=bootstrap), SETTINGS, [GROUP]) as collector:
            # 1. Consuming and committing: OK over a full window, lag of well under a second.
            healthy = await until(collector, reports, lambda row: row.samples == SETTINGS.window and row.committed > 0)
            assert healthy.status is Status.OK, reports[-SETTINGS.window :]
            assert healthy.lag_seconds < 1.0

            # 2. The consumer goes away; records keep coming: STOP, and the time lag grows with the clock.
            await stop(consuming)
            stopped_at = time.time()
            stopped = await until(collector, reports, lambda row: row.status is Status.STOP)
            rows = [stopped]
            for _ in range(3):
                await asyncio.sleep(SETTINGS.interval_s)
                reports.append(await collector.sample())
                rows.append(row_of(reports[-1]))
            assert [row.status for row in rows] == [Status.STOP] * 4
            assert len({row.committed for row in rows}) == 1
            assert all(later.lag_offsets > earlier.lag_offsets for earlier, later in pairwise(rows))
            assert all(later.lag_seconds > earlier.lag_seconds for earlier, later in pairwise(rows))
            # The time lag is the time since the consumer was last caught up: about since it went away.
            assert rows[-1].lag_seconds == pytest.approx(reports[-1].at - stopped_at, abs=1.0)

            metrics.update(reports[-1])
            labels = {"group": GROUP, "topic": TOPIC, "partition": "0"}
            assert registry.get_sample_value("parcelwatch_consumer_partition_status", labels | {"status": "STOP"}) == 1
            assert registry.get_sample_value("parcelwatch_consumer_partition_status", labels | {"status": "OK"}) == 0
            assert registry.get_sample_value("parcelwatch_consumer_lag_seconds", labels) == rows[-1].lag_seconds

            # `parcelwatch lag --json` sees the same, from its own window.
            document = await lag_cli_json(bootstrap)
            (partition,) = [p for p in document["partitions"] if p["topic"] == TOPIC]
            assert (partition["group"], partition["status"]) == (GROUP, "STOP")
            assert partition["lag_seconds"] > rows[-1].lag_seconds
            assert document["groups"] == [
                {
                    "group": GROUP,
                    "status": "STOP",
                    "partitions": 1,
                    "lag_offsets": partition["lag_offsets"],
                    "max_lag_seconds": partition["lag_seconds"],
                }
            ]

            # 3. It comes back and commits again: OK, and the lag is gone.
            consuming = asyncio.create_task(consume_and_commit(bootstrap))
            back = await until(collector, reports, lambda row: row.status is Status.OK and row.lag_seconds < 1.0)
            assert back.committed > stopped.committed
    finally:
        await stop(consuming)
        await stop(producing)
