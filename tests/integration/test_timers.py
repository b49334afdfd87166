"""A deadline that passes while the stream worker is down still fires exactly once after it restarts,
from the wake-ups the restarted worker rebuilds from its tables: the registration is committed before
the stop, so it is not read again."""

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.inputs import SHIPMENTS_TOPIC
from streams.kafka import client_options, log_end_offsets
from tests.integration.conftest import REPO, embedded_broker
from tests.integration.kafka_helpers import produce, read_all, read_records, wait_for_log_line
from tests.integration.test_pipeline import registration
from workers.embedded import free_port
from workers.kafka import ensure_topics
from workers.settings import Settings, as_environment

pytestmark = pytest.mark.brokers("tansu", "kafka")

DAY_EVERY_S = 2.0  # the worker's clock runs one simulated day every two seconds
#: R2 falls due this long (real time) after the registration: time for the worker to decide it, commit
#: it (every 2.8 s) and be stopped before.
DUE_AFTER_S = 9.0


def simulated(origin: datetime, moment: datetime) -> datetime:
    """The worker's clock at the real `moment`: a day every `DAY_EVERY_S` from `origin`."""
    return origin + (moment - origin) * (86_400 / DAY_EVERY_S)


async def start_worker(settings: Settings, log_path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "workers", "stream"],
            env=os.environ | as_environment(settings),
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    await wait_for_log_line(log_path, "[^Worker]: Ready", process, timeout_s=60)
    return process


async def wait_committed(settings: Settings, topic: str, timeout_s: float = 20) -> None:
    """Until the stream's group has committed every record on `topic`: a restarted worker reads none
    of them again, so what it schedules comes from its tables alone."""
    partitions = [TopicPartition(topic, p) for p in range(settings.kafka.partitions)]
    consumer = AIOKafkaConsumer(**client_options(settings.kafka), enable_auto_commit=False)
    admin = AIOKafkaAdminClient(**client_options(settings.kafka))
    await consumer.start()
    await admin.start()
    try:
        ends = await log_end_offsets(consumer, partitions)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            offsets = await admin.list_consumer_group_offsets(settings.stream.app_id, partitions=partitions)
            committed = {tp: meta.offset for tp, meta in offsets.items()}
            if all(committed.get(tp, -1) >= end for tp, end in ends.items() if end):
                return
            assert asyncio.get_running_loop().time() < deadline, f"not committed: {committed} of {ends}"
            await asyncio.sleep(0.2)
    finally:
        await consumer.stop()
        await admin.close()


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    assert process.wait(30) == 0


async def test_deadline_passed_while_down_fires_once_after_restart(broker_kind, tmp_path):
    with embedded_broker(broker_kind) as broker:
        origin = datetime.now(UTC)  # once the broker is up: Kafka takes seconds to start
        settings = Settings(
            kafka={"bootstrap_servers": broker.bootstrap_servers, "partitions": 2},
            stream={
                "datadir": tmp_path / "data",
                "clock_factor": 86_400 / DAY_EVERY_S,
                "clock_origin": origin,
                "session_timeout_s": 2,
                "heartbeat_interval_s": 0.5,
                "rebalance_timeout_s": 2,
                "tick_interval_s": 0.2,
                "tansu_compat": broker_kind == "tansu",
                "http_port": free_port(),
            },
        )
        await ensure_topics(settings.kafka)
        bootstrap = settings.kafka.bootstrap_servers
        number, order_id = "LP000000014CN", "order-timer-1"

        worker = await start_worker(settings, tmp_path / "worker-1.log")
        due_at = datetime.now(UTC) + timedelta(seconds=DUE_AFTER_S)
        seller_check_due = simulated(origin, due_at)
        shipped_at = seller_check_due - timedelta(days=10)  # R2: never scanned 10 days after shipment
        await produce(bootstrap, "orders.shipments.v1", number, registration(number, order_id, shipped_at))
        (linked,) = await read_records(bootstrap, "parcelwatch.order-commands.v1", order_id, timeout_s=20)
        assert linked == {"kind": "link", "order_id": order_id, "tracking_number": number}
        await wait_committed(settings, SHIPMENTS_TOPIC)
        assert datetime.now(UTC) + timedelta(seconds=2) < due_at
        stop_worker(worker)

        past_deadline = due_at + timedelta(seconds=1)
        await asyncio.sleep(max(0.0, (past_deadline - datetime.now(UTC)).total_seconds()))
        worker = await start_worker(settings, tmp_path / "worker-2.log")
        try:
            (flag,) = await read_records(bootstrap, "tracking.flags.v1", order_id, timeout_s=30)
            await asyncio.sleep(3)  # a second emission would have had time to land
            flags = await read_all(bootstrap, "tracking.flags.v1", order_id)
        finally:
            stop_worker(worker)
    assert flag["flag"] == "tracking_unreadable_seller_check"
    assert flag["raised_at"] == seller_check_due.isoformat().replace("+00:00", "Z")
    seller_checks = [f for f in flags if f["flag"] == "tracking_unreadable_seller_check"]
    assert [f["event_id"] for f in seller_checks] == [flag["event_id"]]
