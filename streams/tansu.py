"""Tansu (the embedded broker of `parcelwatch dev` and the tests) reports a partition's end offset
too low when its last batch holds several records. Faust reads table changelogs up to that
offset on recovery, so it would stop early and lose the last updates of a table.

`correct_recovery_end_offsets` makes Faust take the end offsets from a fetch's high watermark
instead (`workers.kafka.log_end_offsets`). It is applied only with
`PARCELWATCH_STREAM__TANSU_COMPAT=true`; Apache Kafka needs nothing.
"""

import faust.transport.drivers.aiokafka as faust_aiokafka
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.kafka import client_options, log_end_offsets
from streams.settings import KafkaSettings


def correct_recovery_end_offsets(settings: KafkaSettings) -> None:
    listed_highwaters = faust_aiokafka.AIOKafkaConsumerThread._highwaters

    async def highwaters(thread, partitions):
        listed = await listed_highwaters(thread, partitions)
        if not partitions:
            return listed
        consumer = AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False, fetch_max_wait_ms=50)
        await consumer.start()
        try:
            ends = await log_end_offsets(consumer, [TopicPartition(tp.topic, tp.partition) for tp in partitions])
        finally:
            await consumer.stop()
        return {tp: max(listed.get(tp) or 0, ends[TopicPartition(tp.topic, tp.partition)]) for tp in partitions}

    faust_aiokafka.AIOKafkaConsumerThread._highwaters = highwaters
