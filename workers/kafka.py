"""Kafka plumbing shared by the processes: the acks=all producer, topic creation (client options and
end offsets are `streams.kafka`'s, which the stream uses too)."""

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

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


def make_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    """A producer whose acknowledgement means every in-sync replica has the record."""
    return AIOKafkaProducer(
        **client_options(settings),
        acks="all",
        linger_ms=2,
        max_request_size=MAX_REQUEST_SIZE,
        request_timeout_ms=int(settings.produce_timeout_s * 1000),
    )


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
