"""Read topics from the beginning to their end as it is now, without a consumer group.

The operator tools (`parcelwatch dlq`, `parcelwatch inspect`) read this way: they commit nothing,
join no group and stop at the end offsets taken when they start (from fetches' high watermarks,
`workers.kafka.log_end_offsets`), so records produced meanwhile are left for the next run.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.partitioner import murmur2

from streams.kafka import client_options, log_end_offsets
from workers.kafka import topic_partitions
from workers.settings import KafkaSettings

#: How long a scan waits for a partition that is behind its end offset to give any record.
IDLE_TIMEOUT_S = 15.0
FETCH_MAX_WAIT_MS = 20


class TopicReader:
    """A started consumer without a group (nothing committed), and every topic's partitions as
    they were when it started (once it is assigned partitions, a consumer's metadata covers only
    their topics)."""

    def __init__(self, consumer: AIOKafkaConsumer, partitions: dict[str, list[TopicPartition]]) -> None:
        self.consumer = consumer
        self._partitions = partitions

    @property
    def topics(self) -> set[str]:
        return set(self._partitions)

    def partitions(self, topic: str) -> list[TopicPartition]:
        """The topic's partitions, none when it does not exist."""
        return list(self._partitions.get(topic, ()))

    def scan(self, partitions: Iterable[TopicPartition]) -> AsyncIterator[ConsumerRecord]:
        return scan(self.consumer, partitions)


@asynccontextmanager
async def reader(settings: KafkaSettings) -> AsyncIterator[TopicReader]:
    # Short fetch waits: a long-polling fetch would hold up the next partition probe behind it.
    consumer = AIOKafkaConsumer(
        **client_options(settings), enable_auto_commit=False, group_id=None, fetch_max_wait_ms=FETCH_MAX_WAIT_MS
    )
    await consumer.start()
    try:
        yield TopicReader(consumer, await topic_partitions(consumer))
    finally:
        await consumer.stop()


def partition_for_key(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, Java's and aiokafka's) gives a key."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


async def scan(
    consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition], idle_timeout_s: float = IDLE_TIMEOUT_S
) -> AsyncIterator[ConsumerRecord]:
    """Every record of `partitions` from the start of their log to their end offset now, in offset
    order within a partition. Raises TimeoutError when a partition behind its end gives nothing
    for `idle_timeout_s`."""
    wanted = list(partitions)
    if not wanted:
        return
    ends = await log_end_offsets(consumer, wanted)
    remaining = {tp for tp in wanted if ends[tp] > 0}
    if not remaining:
        return
    consumer.assign(sorted(remaining))
    await consumer.seek_to_beginning(*remaining)
    loop = asyncio.get_running_loop()
    last_progress = loop.time()
    while True:
        for tp in list(remaining):
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)
        if not remaining:
            return
        batches = await consumer.getmany(*remaining, timeout_ms=500)
        if batches:
            last_progress = loop.time()
        elif loop.time() - last_progress > idle_timeout_s:
            raise TimeoutError(f"no records from {sorted(remaining)} for {idle_timeout_s} s before their end")
        for tp, records in batches.items():
            for record in records:
                if record.offset < ends[tp]:
                    yield record
