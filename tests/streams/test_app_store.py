"""Where the stream's tables live under each processing guarantee (`streams.app.table_store`)."""

import inspect

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from streams.app import table_store
from streams.settings import StreamSettings


def test_at_least_once_keeps_the_configured_store():
    assert table_store(StreamSettings(store="rocksdb://")) == "rocksdb://"


def test_exactly_once_keeps_tables_in_memory_restored_from_the_changelog():
    """A local store written before its transaction commits would keep aborted states after a kill -9."""
    settings = StreamSettings(store="rocksdb://", processing_guarantee="exactly_once")
    assert table_store(settings) == "memory://"


def test_faust_reads_the_changelog_read_committed_under_exactly_once():
    """The restore then brings back committed states only: Faust's consumer (recovery included)
    reads `read_committed` when the app is in a transaction."""
    source = inspect.getsource(AIOKafkaConsumerThread._create_worker_consumer)
    assert 'isolation_level = "read_committed"' in source
    assert "in_transaction" in source
