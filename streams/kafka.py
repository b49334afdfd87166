"""The Kafka client calls the stream shares with the workers: client options from the settings, and
end offsets as a fetch states them."""

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.helpers import create_ssl_context

from streams.settings import KafkaSettings


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "client_id": settings.client_id,
        "security_protocol": settings.security_protocol,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context()
    if settings.sasl_mechanism:
        options |= {
            "sasl_mechanism": settings.sasl_mechanism,
            "sasl_plain_username": settings.sasl_username,
            "sasl_plain_password": settings.sasl_password.get_secret_value() if settings.sasl_password else None,
        }
    return options


async def log_end_offsets(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    """The end offset of each partition, as a fetch response's high watermark states it.

    ListOffsets is not enough: Tansu 0.6 answers it with the start of the last batch + 1, too low
    whenever that batch holds several records. The high watermark of a fetch is right on Kafka
    and Tansu alike. `consumer` (without a group) is assigned `partitions` for the probe.
    """
    listed = await consumer.end_offsets(partitions)
    pending = [tp for tp in partitions if listed[tp] > 0]
    if not pending:
        return dict(listed)
    consumer.assign(pending)
    for tp in pending:
        consumer.seek(tp, listed[tp] - 1)
    ends = dict(listed)
    deadline = asyncio.get_running_loop().time() + 10
    while pending and asyncio.get_running_loop().time() < deadline:
        await consumer.getmany(*pending, timeout_ms=200, max_records=1)
        for tp in list(pending):
            if (high := consumer.highwater(tp)) is not None:
                ends[tp] = max(high, listed[tp])
                pending.remove(tp)
    if pending:
        raise TimeoutError(f"no high watermark for {pending}")
    return ends


def _read_alone(consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, timeout_s: float) -> float:
    """`consumer` assigned `tp` alone (kept from the last probe when it is the same) and sought to
    `start`; answers the loop time by which the probe gives up."""
    if consumer.assignment() != {tp}:
        consumer.assign([tp])
    consumer.seek(tp, start)
    return asyncio.get_running_loop().time() + timeout_s


async def first_offset_at_or_after(
    consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, timeout_s: float
) -> int | None:
    """The offset of the first record of `tp` at or after `start` that `consumer` (without a group,
    reading as the stream does) is given: offsets without one (transaction markers, aborted
    transactions) are passed over. None when it is given none within `timeout_s`."""
    deadline = _read_alone(consumer, tp, start, timeout_s)
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        fetched = await consumer.getmany(tp, timeout_ms=int(left * 1000) + 1, max_records=1)
        offsets = [record.offset for record in fetched.get(tp, ()) if record.offset >= start]
        if offsets:
            return min(offsets)
    return None


MARKER_POLL_S = 0.1


async def only_markers_between(
    consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, until: int, timeout_s: float
) -> bool:
    """Whether `consumer` (without a group, reading as the stream does) reads past every offset of
    `tp` from `start` up to `until` without a record: they hold only transaction markers and aborted
    records. False when it finds a record there, or cannot tell within `timeout_s`."""
    deadline = _read_alone(consumer, tp, start, timeout_s)
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        # markers give no records to wait for: a short wait, then the position says how far it read
        fetched = await consumer.getmany(tp, timeout_ms=int(min(left, MARKER_POLL_S) * 1000) + 1, max_records=1)
        if any(start <= record.offset < until for record in fetched.get(tp, ())):
            return False
        if await consumer.position(tp) >= until:
            return True
    return False


#: A probe wants one record's offset: a small fetch (the broker still answers a larger first batch whole).
PROBE_FETCH_BYTES = 65_536


class OffsetProbe:
    """A consumer of its own, without a group, that tells the stream shell which record of an input
    partition comes first from an offset (`first_offset_at_or_after`), and whether offsets hold only
    transaction markers (`only_markers_between`); started at its first probe."""

    def __init__(self, settings: KafkaSettings, isolation_level: str, timeout_s: float = 10.0) -> None:
        self.settings = settings
        self.isolation_level = isolation_level
        self.timeout_s = timeout_s
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def first_offset(self, tp: TopicPartition, start: int) -> int | None:
        async with self._lock:
            consumer = await self._started()
            return await first_offset_at_or_after(consumer, TopicPartition(*tp), start, self.timeout_s)

    async def only_markers(self, tp: TopicPartition, start: int, until: int) -> bool:
        async with self._lock:
            consumer = await self._started()
            return await only_markers_between(consumer, TopicPartition(*tp), start, until, self.timeout_s)

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                **client_options(self.settings),
                enable_auto_commit=False,
                isolation_level=self.isolation_level,
                auto_offset_reset="earliest",  # a start before the log's (retention) reads its first record
                max_partition_fetch_bytes=PROBE_FETCH_BYTES,
            )
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.stop()
