"""The stream shell's probe on a real broker: the first record of a partition at or after an offset,
passing over offsets without records (transaction markers, on Apache Kafka)."""

import uuid

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.kafka import OffsetProbe
from streams.settings import KafkaSettings

pytestmark = pytest.mark.brokers("tansu", "kafka")


async def new_topic(bootstrap: str) -> str:
    name = f"probe-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        await admin.close()
    return name


async def test_the_probe_names_the_first_record_at_or_after_an_offset(broker):
    topic = await new_topic(broker.bootstrap_servers)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers)
    await producer.start()
    try:
        batch = producer.create_batch()
        for n in range(3):
            batch.append(key=None, value=b"%d" % n, timestamp=None)
        await (await producer.send_batch(batch, topic, partition=0))
        for n in range(3, 5):
            await producer.send_and_wait(topic, b"%d" % n, partition=0)
    finally:
        await producer.stop()
    probe = OffsetProbe(KafkaSettings(bootstrap_servers=broker.bootstrap_servers), "read_uncommitted", timeout_s=5)
    tp = TopicPartition(topic, 0)
    try:
        assert [await probe.first_offset(tp, start) for start in (0, 1, 2, 3, 4)] == [0, 1, 2, 3, 4], (
            "a record inside a batch is named, not its batch's first"
        )
        probe.timeout_s = 1.0  # nothing is produced any more: a second without a record shows it as five do
        assert await probe.first_offset(tp, 5) is None, "nothing after the last record"
        assert not await probe.only_markers(tp, 3, 5), "records 3 and 4 are there"
    finally:
        await probe.stop()


@pytest.mark.brokers("kafka")  # Tansu has no transactions
async def test_the_probe_passes_over_transaction_markers_and_aborted_records(broker):
    topic = await new_topic(broker.bootstrap_servers)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, transactional_id=f"probe-{topic}")
    await producer.start()
    try:
        async with producer.transaction():  # records 0 and 1, marker 2
            await producer.send_and_wait(topic, b"a", partition=0)
            await producer.send_and_wait(topic, b"b", partition=0)
        await producer.begin_transaction()  # aborted 3, marker 4
        await producer.send_and_wait(topic, b"aborted", partition=0)
        await producer.abort_transaction()
        async with producer.transaction():  # record 5, marker 6
            await producer.send_and_wait(topic, b"c", partition=0)
    finally:
        await producer.stop()
    probe = OffsetProbe(KafkaSettings(bootstrap_servers=broker.bootstrap_servers), "read_committed", timeout_s=5)
    tp = TopicPartition(topic, 0)
    try:
        assert await probe.first_offset(tp, 0) == 0
        assert await probe.first_offset(tp, 2) == 5, "the marker, the aborted record and its marker are passed over"
        assert await probe.only_markers(tp, 2, 5), "a marker, an aborted record and its marker"
        assert await probe.only_markers(tp, 6, 7), "the marker that ends the partition"
        assert not await probe.only_markers(tp, 1, 3), "record 1 is there"
        assert not await probe.only_markers(tp, 4, 6), "record 5 is there"
    finally:
        await probe.stop()


@pytest.mark.brokers("kafka")  # Tansu does not delete records
async def test_a_start_before_the_log_start_names_the_first_record_left(broker):
    """A partition the group never committed starts its cursor at 0; after retention deleted its
    first records the probe names the first one left (not the partition's end)."""
    from aiokafka.admin.records_to_delete import RecordsToDelete

    topic = await new_topic(broker.bootstrap_servers)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers)
    await producer.start()
    try:
        for n in range(5):
            await producer.send_and_wait(topic, b"%d" % n, partition=0)
    finally:
        await producer.stop()
    tp = TopicPartition(topic, 0)
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    await admin.start()
    try:
        await admin.delete_records({tp: RecordsToDelete(before_offset=3)})
    finally:
        await admin.close()
    probe = OffsetProbe(KafkaSettings(bootstrap_servers=broker.bootstrap_servers), "read_uncommitted", timeout_s=5)
    try:
        assert await probe.first_offset(tp, 0) == 3
    finally:
        await probe.stop()
