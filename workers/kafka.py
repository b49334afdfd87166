"""Kafka plumbing shared by the processes: the acks=all producer, records sent together as one batch
per partition (`RecordBatches`), topic creation (client options and end offsets are `streams.kafka`'s,
which the stream uses too)."""

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder

from schemas.commands import ORDER_COMMANDS_TOPIC, SHIPMENT_COMMANDS_TOPIC
from schemas.eta import LANE_COMMANDS_TOPIC
from schemas.inputs import DISPUTES_TOPIC, RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import OUTPUT_MODELS
from schemas.redrive import REDRIVEN_TOPIC
from schemas.sellers import SELLER_COMMANDS_TOPIC
from streams.kafka import client_options
from workers.settings import KafkaSettings

log = logging.getLogger(__name__)

#: The producer's largest request (aiokafka's and the broker's default), set explicitly because the
#: receiver derives from it the largest body it can still turn into a record.
MAX_REQUEST_SIZE = 1_048_576

ALL_TOPICS: tuple[str, ...] = (
    SHIPMENTS_TOPIC,
    DISPUTES_TOPIC,
    RAW_TOPIC,
    SHIPMENT_COMMANDS_TOPIC,
    ORDER_COMMANDS_TOPIC,
    LANE_COMMANDS_TOPIC,
    SELLER_COMMANDS_TOPIC,
    *(m.topic for m in OUTPUT_MODELS),
    REDRIVEN_TOPIC,
)

#: Topic configs other than the broker's defaults, applied when parcelwatch creates the topic.
TOPIC_CONFIGS: dict[str, dict[str, str]] = {REDRIVEN_TOPIC: {"cleanup.policy": "compact"}}


def make_producer(settings: KafkaSettings, linger_ms: int = 2) -> AIOKafkaProducer:
    """A producer whose acknowledgement means every in-sync replica has the record. It waits
    `linger_ms` for more records to batch with one; a caller that hands in its records as batches
    already (`RecordBatches`) has nothing to wait for."""
    return AIOKafkaProducer(
        **client_options(settings),
        acks="all",
        linger_ms=linger_ms,
        max_request_size=MAX_REQUEST_SIZE,
        request_timeout_ms=int(settings.produce_timeout_s * 1000),
    )


class RecordBatches:
    """Keyed records sent as one batch per partition for all the callers waiting together.

    `send_and_wait` costs one partitioning, one accumulator append, one future and one wake-up per
    record. Here the records handed in while the previous batches were being submitted go together:
    partitioned as the producer's default partitioner does (murmur2 of the key, as Java's, so a key
    lands where any other client puts it), appended to one `create_batch()` per partition and
    submitted with `send_batch`. A caller's future is settled once every batch holding one of its
    records is acknowledged (with the producer's acks), or fails with the error of the first batch
    of it that failed; its other records may still land, as a retried `send_and_wait` would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        self._partitioner = DefaultPartitioner()
        self._waiting: list[tuple[str, Sequence[tuple[bytes, bytes]], asyncio.Future]] = []
        self._sending: asyncio.Task | None = None

    def send(self, topic: str, records: Sequence[tuple[bytes, bytes]]) -> asyncio.Future:
        """Send `records` (key, value) to `topic`; the future is settled when all are acknowledged."""
        future = asyncio.get_running_loop().create_future()
        if not records:
            future.set_result(None)
            return future
        self._waiting.append((topic, records, future))
        if self._sending is None:
            self._sending = asyncio.create_task(self._send_while_waiting())
        return future

    async def _send_while_waiting(self) -> None:
        try:
            await asyncio.sleep(0)
            while self._waiting:
                waiting, self._waiting = self._waiting, []
                await self._submit(waiting)
        finally:
            self._sending = None

    async def _submit(self, waiting: list[tuple[str, Sequence[tuple[bytes, bytes]], asyncio.Future]]) -> None:
        open_batches: dict[TopicPartition, tuple[BatchBuilder, set[asyncio.Future]]] = {}
        full: list[tuple[TopicPartition, BatchBuilder, set[asyncio.Future]]] = []
        partitions: dict[str, list[int]] = {}
        for topic, records, future in waiting:
            try:
                if topic not in partitions:
                    partitions[topic] = sorted(await self._producer.partitions_for(topic))
            except Exception as error:  # handed to the caller, which decides
                future.set_exception(error)
                continue
            for key, value in records:
                tp = TopicPartition(topic, self._partitioner(key, partitions[topic], None))
                batch, callers = open_batches.get(tp) or (self._producer.create_batch(), set())
                if batch.append(timestamp=None, key=key, value=value) is None:
                    full.append((tp, batch, callers))
                    batch, callers = self._producer.create_batch(), set()
                    batch.append(timestamp=None, key=key, value=value)
                callers.add(future)
                open_batches[tp] = (batch, callers)
        submitted = full + [(tp, batch, callers) for tp, (batch, callers) in open_batches.items()]
        remaining: dict[asyncio.Future, int] = {}
        for _, _, callers in submitted:
            for future in callers:
                remaining[future] = remaining.get(future, 0) + 1
        for tp, batch, callers in submitted:
            try:
                acknowledged = await self._producer.send_batch(batch, tp.topic, partition=tp.partition)
            except Exception as error:  # handed to every caller of the batch, which decides
                _fail(callers, error)
                continue
            acknowledged.add_done_callback(lambda done, callers=callers: _settle(done, callers, remaining))


def _fail(callers: set[asyncio.Future], error: BaseException) -> None:
    for future in callers:
        if not future.done():
            future.set_exception(error)


def _settle(acknowledged: asyncio.Future, callers: set[asyncio.Future], remaining: dict[asyncio.Future, int]) -> None:
    if (error := acknowledged.exception()) is not None:
        _fail(callers, error)
        return
    for future in callers:
        remaining[future] -= 1
        if remaining[future] == 0 and not future.done():
            future.set_result(None)


async def ensure_topics(settings: KafkaSettings, topics: tuple[str, ...] = ALL_TOPICS) -> None:
    """Create the topics that do not exist yet, with the configured partitions."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs=TOPIC_CONFIGS.get(name, {}),
            )
            for name in topics
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
            log.info("created topics", extra={"topics": [t.name for t in missing]})
    finally:
        await admin.close()


async def wait_for_broker(settings: KafkaSettings, timeout_s: float = 30.0) -> None:
    """Return once the broker answers metadata requests, or raise TimeoutError."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(**client_options(settings), request_timeout_ms=2000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no Kafka broker answered at {settings.bootstrap_servers}") from None
            await asyncio.sleep(0.2)
        finally:
            await admin.close()


async def topic_partitions(consumer: AIOKafkaConsumer) -> dict[str, list[TopicPartition]]:
    """Every topic's partitions, from a metadata request for all topics.

    The consumer's cache (`partitions_for_topic`) cannot tell after `start()`: its bootstrap
    metadata lists every topic on Tansu but none on Apache Kafka, and `topics()` does not fill it.
    """
    cluster = await consumer._client.fetch_all_metadata()
    return {
        topic: [TopicPartition(topic, p) for p in sorted(cluster.partitions_for_topic(topic) or ())]
        for topic in cluster.topics()
    }
