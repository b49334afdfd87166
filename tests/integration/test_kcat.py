"""A client nobody here wrote: Debian's kcat (librdkafka) against Apache Kafka lists the topics,
produces an order and a carrier record with Kafka's murmur2 partitioner, and reads the decision.

kcat is used from PATH, or else fetched as Debian packages (`tests.debian`: `apt-get download`,
unpacked into ~/.cache/parcelwatch/kcat, no install). Where neither works it skips, except where
`CI` is set.
Only on Kafka: librdkafka 2.0.2 fails against Tansu (`ApiVersionRequest failed`).
"""

import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.types import format_utc
from streams.faust_shell import default_partition
from tests.debian import debian_tool
from tests.integration.kafka_helpers import read_records
from tests.integration.test_pipeline import registration
from workers.kafka import topic_partitions

pytestmark = pytest.mark.brokers("kafka")

PACKAGES = ("kcat", "librdkafka1", "libyajl2")


@pytest.fixture(scope="session")
def kcat() -> tuple[list[str], dict[str, str]]:
    return debian_tool("kcat", PACKAGES)


def run_kcat(kcat, *args: str, stdin: bytes | None = None, timeout_s: float = 30) -> bytes:
    command, env = kcat
    done = subprocess.run([*command, *args], input=stdin, env=env, capture_output=True, timeout=timeout_s)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


async def partition_of(bootstrap: str, topic: str, key: str) -> int:
    """The partition of the last record keyed `key` on `topic`."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = (await topic_partitions(consumer))[topic]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        for _ in range(10):
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                for record in batch:
                    if record.key == key.encode():
                        return record.partition
        raise AssertionError(f"no record keyed {key} on {topic}")
    finally:
        await consumer.stop()


async def test_kcat_lists_produces_with_murmur2_and_reads_the_decision(kcat, settings, stream_worker):
    bootstrap = settings.kafka.bootstrap_servers
    listed = orjson.loads(run_kcat(kcat, "-b", bootstrap, "-L", "-J"))
    topics = {topic["topic"]: len(topic["partitions"]) for topic in listed["topics"]}
    assert {"orders.shipments.v1", "tracking.raw.v1", "shipments.status.v1"} <= topics.keys()

    number, order_id = "PW" + uuid.uuid4().hex[:10].upper(), f"order-kcat-{uuid.uuid4().hex[:6]}"
    shipped = datetime.now(UTC) - timedelta(days=2)
    order = orjson.dumps(registration(number, order_id, shipped))
    produce = ["-P", "-b", bootstrap, "-K", "|", "-X", "partitioner=murmur2_random"]
    run_kcat(kcat, *produce, "-t", "orders.shipments.v1", stdin=number.encode() + b"|" + order + b"\n")
    scan = {
        "carrier": "generic",
        "received_at": format_utc(datetime.now(UTC)),
        "source": "webhook",
        "payload": {
            "tracking_number": number,
            "events": [{"status": "in_transit", "occurred_at": format_utc(shipped)}],
        },
    }
    run_kcat(kcat, *produce, "-t", "tracking.raw.v1", stdin=number.encode() + b"|" + orjson.dumps(scan) + b"\n")

    partitions = tuple(range(topics["orders.shipments.v1"]))
    assert await partition_of(bootstrap, "orders.shipments.v1", number) == default_partition(
        number.encode(), partitions
    )
    (status,) = await read_records(bootstrap, "shipments.status.v1", number, timeout_s=30)
    assert (status["status"], status["order_ids"]) == ("in_transit", [order_id])

    consumed = run_kcat(kcat, "-C", "-b", bootstrap, "-t", "shipments.status.v1", "-o", "beginning", "-e", "-J")
    mine = [orjson.loads(line) for line in consumed.splitlines() if line and orjson.loads(line)["key"] == number]
    assert [orjson.loads(record["payload"])["event_id"] for record in mine] == [status["event_id"]]
