import asyncio
import subprocess
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.kafka import log_end_offsets
from workers.kafka import topic_partitions


async def wait_for_log_line(path: Path, needle: str, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited ({process.returncode}); log:\n{path.read_text()[-3000:]}")
        if needle in path.read_text(errors="replace"):
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{needle!r} not in {path} after {timeout_s} s; log:\n{path.read_text()[-3000:]}")


async def end_offsets(bootstrap: str, topic: str) -> int:
    """The number of records in `topic`, all partitions together."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        ends = await log_end_offsets(consumer, (await topic_partitions(consumer)).get(topic, []))
        return sum(ends.values())
    finally:
        await consumer.stop()


async def read_records(bootstrap: str, topic: str, key: str, count: int = 1, timeout_s: float = 30) -> list[dict]:
    """Read `topic` from the start until `count` records with `key` were seen; return their values."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    found: list[dict] = []
    try:
        async with asyncio.timeout(timeout_s):
            while len(found) < count:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    found.extend(orjson.loads(r.value) for r in records if r.key == key.encode())
    except TimeoutError:
        raise AssertionError(
            f"{len(found)} of {count} records with key {key!r} on {topic} after {timeout_s} s"
        ) from None
    finally:
        await consumer.stop()
    return found


async def produce(bootstrap: str, topic: str, key: str, value: dict | bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        payload = value if isinstance(value, bytes) else orjson.dumps(value)
        await producer.send_and_wait(topic, payload, key=key.encode())
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str, key: str) -> list[dict]:
    """Every record with `key` now in `topic`, read up to the end of each partition."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = (await topic_partitions(consumer)).get(topic, [])
        ends = await log_end_offsets(consumer, partitions)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        found: list[dict] = []
        async with asyncio.timeout(20):
            while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    found.extend(orjson.loads(r.value) for r in records if r.key == key.encode())
        return found
    finally:
        await consumer.stop()
