"""Kafka plumbing shared by the processes: client options, the acks=all producer, topic creation."""

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from schemas.inputs import DISPUTES_TOPIC, RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import OUTPUT_MODELS
from schemas.redrive import REDRIVEN_TOPIC
from streams.commands import ORDER_COMMANDS_TOPIC, SHIPMENT_COMMANDS_TOPIC
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
    *(m.topic for m in OUTPUT_MODELS),
    REDRIVEN_TOPIC,
)

#: Topic configs other than the broker's defaults, applied when parcelwatch creates the topic.
TOPIC_CONFIGS: dict[str, dict[str, str]] = {REDRIVEN_TOPIC: {"cleanup.policy": "compact"}}


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
