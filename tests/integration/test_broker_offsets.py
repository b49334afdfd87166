"""End offsets are read from a fetch's high watermark: Tansu's ListOffsets is too low after a batch."""

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.kafka import log_end_offsets


async def test_end_offset_counts_every_record_of_a_multi_record_batch(broker):
    bootstrap = broker.bootstrap_servers
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for _ in range(5):
            await producer.send_and_wait("offsets-probe", b"single", partition=0)
        batch = [await producer.send("offsets-probe", b"batched", partition=0) for _ in range(10)]
        await asyncio.gather(*batch)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partition = TopicPartition("offsets-probe", 0)
        assert await log_end_offsets(consumer, [partition]) == {partition: 15}
    finally:
        await consumer.stop()
