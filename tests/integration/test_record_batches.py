"""`workers.kafka.RecordBatches` on the real broker: records sent together land on the partition the
producer's own partitioner gives their key (murmur2, as Java's), so the receiver's batches keep a
number's records co-partitioned with what any other client produces for it."""

import asyncio

from aiokafka import AIOKafkaConsumer

from workers.kafka import RecordBatches, ensure_topics, make_producer, topic_partitions

TOPIC = "record-batches-probe"


async def test_records_sent_together_land_where_send_and_wait_puts_their_key(settings):
    await ensure_topics(settings.kafka, (TOPIC,))
    keys = [f"LP{index:09d}CN".encode() for index in range(40)]
    producer = make_producer(settings.kafka, linger_ms=0)
    await producer.start()
    try:
        alone = {key: (await producer.send_and_wait(TOPIC, b"alone", key=key)).partition for key in keys}
        batches = RecordBatches(producer)
        await asyncio.gather(*(batches.send(TOPIC, [(key, b"together")]) for key in keys[:20]))
        await batches.send(TOPIC, [(key, b"together") for key in keys[20:]])
    finally:
        await producer.stop()
    assert len(set(alone.values())) == settings.kafka.partitions
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = (await topic_partitions(consumer))[TOPIC]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        together: dict[bytes, int] = {}
        async with asyncio.timeout(30):
            while len(together) < len(keys):
                for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                    together |= {r.key: tp.partition for r in records if r.value == b"together"}
    finally:
        await consumer.stop()
    assert together == alone
