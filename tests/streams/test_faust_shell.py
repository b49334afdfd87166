"""Each Faust internal `streams.faust_shell` relies on, checked against the installed faust-streaming.

A failure here means a Faust upgrade changed something the stream shell depends on: read the
failing internal in Faust's source before changing the pin in pyproject.toml.
"""

import asyncio
import inspect
import re
from pathlib import Path

import faust
import faust.streams
import pytest
from faust.events import Event
from faust.tables.table import Table
from faust.transport.consumer import Consumer
from faust.types import TP, Message
from faust.types.tuples import ConsumerMessage

from streams import faust_shell
from streams.offsets import Verdict


@pytest.fixture
def app():
    return faust.App("parcelwatch-shell-test", broker="memory://", store="memory://")


def test_faust_is_the_pinned_minor():
    assert faust.__version__.startswith("0.15."), "faust_shell is tested against faust-streaming 0.15"


async def test_take_batch_takes_what_the_channel_holds_up_to_the_batch_size(app):
    stream = app.channel().stream()
    queue = stream.channel.queue
    for n in range(5):
        queue.put_nowait(n)
    assert await faust_shell.take_batch(stream, max_records=3, within_s=0.01) == [0, 1, 2]
    assert await faust_shell.take_batch(stream, max_records=10, within_s=0.01) == [3, 4]


async def test_take_batch_waits_within_the_limit_for_the_batch_to_fill(app):
    stream = app.channel().stream()
    queue = stream.channel.queue
    queue.put_nowait("first")
    asyncio.get_running_loop().call_later(0.02, queue.put_nowait, "late")
    assert await faust_shell.take_batch(stream, max_records=2, within_s=1.0) == ["first", "late"]


async def test_a_stopping_channel_ends_take_batch_with_stop_async_iteration(app):
    """Faust stops an agent's stream by throwing StopAsyncIteration into its channel's queue."""
    stream = app.channel().stream()
    stream.channel.queue._throw(StopAsyncIteration())
    with pytest.raises(StopAsyncIteration):
        await faust_shell.take_batch(stream, max_records=10, within_s=0.01)
    from faust.agents.actor import Actor

    assert "self.stream.channel)._throw(StopAsyncIteration())" in inspect.getsource(Actor.cancel)


def test_the_stream_iterator_makes_the_checks_admit_makes():
    """`admit` repeats what Faust's own per-event loop checks before it yields an event."""
    source = inspect.getsource(faust.Stream._py_aiter)
    assert "self.app.flow_control.is_active()" in source
    assert "message.generation_id != self.app.consumer_generation_id" in source
    assert "message.tracked = True" in source
    assert "last_stream_to_ack = event.ack()" in source


def test_messages_carry_what_admit_reads():
    assert {"tracked", "generation_id", "tp", "acked", "refcount"} <= set(Message.__slots__)
    assert "self._unacked_messages.add(message)" in inspect.getsource(Consumer.track_message)


@pytest.fixture(autouse=True)
def no_input_partitions_after():
    """`own_input_offsets` patches Faust's consumer for the process; with no input topics and no
    cursors left, the patched consumer does what Faust's own does for the next test."""
    yield
    faust_shell.CURSORS.sought({})
    faust_shell._INPUT_TOPICS.clear()


@pytest.fixture
async def consuming_app():
    """An app subscribed to `raw` (acknowledgements enabled for it), its consumer's committed
    offset of raw[0] at 5, in consumer generation 2 with flow control on."""
    app = faust.App("parcelwatch-shell-test", broker="kafka://127.0.0.1:1", store="memory://")
    app.topics.add(app.topic("raw", key_type=bytes, value_type=bytes))
    await app.topics._update_indices()
    app.consumer._committed_offset[TP("raw", 0)] = 5
    app.consumer_generation_id = 2
    app.flow_control.resume()
    return app


def raw_event(app, offset: int, generation: int) -> Event:
    message = ConsumerMessage("raw", 0, offset, 0.0, 0, None, b"k", b"v", None, generation_id=generation)
    return Event(app, b"k", b"v", {}, message)


async def test_faust_commits_past_an_acknowledged_event_of_an_earlier_generation(consuming_app):
    """Why `admit` must not acknowledge what it skips: the consumer takes any acknowledgement."""
    event = raw_event(consuming_app, 5, generation=1)
    consuming_app.consumer.track_message(event.message)
    event.ack()
    assert consuming_app.consumer._new_offset(TP("raw", 0)) == 6


async def test_admit_refuses_an_event_of_an_earlier_generation_and_release_leaves_it_undone(consuming_app):
    consumer = consuming_app.consumer
    stale = raw_event(consuming_app, 5, generation=1)
    assert not faust_shell.admit(consuming_app, stale)
    assert stale.message in consumer._unacked_messages
    faust_shell.release(consuming_app, stale)
    assert stale.message not in consumer._unacked_messages, "a rebalance would wait for it"
    assert consumer._new_offset(TP("raw", 0)) is None, "the next commit would pass a record nobody decided"

    current = raw_event(consuming_app, 5, generation=2)
    assert faust_shell.admit(consuming_app, current)
    assert current.message in consumer._unacked_messages
    current.ack()
    assert consumer._new_offset(TP("raw", 0)) == 6


async def test_admit_refuses_what_arrives_while_flow_control_is_off(consuming_app):
    consuming_app.flow_control.suspend()
    event = raw_event(consuming_app, 5, generation=2)
    assert not faust_shell.admit(consuming_app, event)


async def test_delivered_is_the_inbound_time_faust_and_the_watchdog_read(consuming_app):
    event = raw_event(consuming_app, 5, generation=2)
    faust_shell.delivered(consuming_app, event)
    assert TP("raw", 0) in consuming_app.monitor.stream_inbound_time


def test_faust_fetch_loop_drops_and_counts_as_done_by_its_last_read_offsets():
    """Why `own_input_offsets` turns them off: the fetch loop drops a record at or under the last
    offset it read, and counts the offsets between the last read and a later record as done; both
    go wrong when a seek overlaps a fetch, and Faust seeks whenever its fetcher runs with flow off."""
    drain = inspect.getsource(Consumer._drain_messages)
    assert "get_read_offset = self._read_offset.__getitem__" in drain
    assert "if r_offset is None or offset >= r_offset:" in drain
    assert "if gap > 1 and r_offset:" in drain
    assert "await self.perform_seek()" in inspect.getsource(Consumer.getmany)
    assert "self._new_offset(tp)" in inspect.getsource(Consumer._filter_committable_offsets)
    assert "for tp in self._acked" in inspect.getsource(faust_shell._FAUST_TPS_TO_COMMIT)
    assert "self._filter_tps_with_pending_acks(topics)" in inspect.getsource(Consumer.force_commit)
    assert "read_offset.update(" in inspect.getsource(faust_shell._FAUST_PERFORM_SEEK)
    assert "self._read_offset = defaultdict(lambda: None)" in inspect.getsource(Consumer.__init__)


async def test_own_input_offsets_hands_every_record_to_the_cursors_and_commits_their_offsets(consuming_app):
    from aiokafka import TopicPartition

    faust_shell.own_input_offsets(["raw"])
    consumer = consuming_app.consumer
    consumer._read_offset[TP("raw", 0)] = 40
    consumer._read_offset.update({TP("raw", 0): 41})
    assert consumer._read_offset[TP("raw", 0)] is None, "the fetch loop would drop records under it"

    seen: list[str] = []
    seek_done = asyncio.Event()

    async def seek_to_committed():
        await seek_done.wait()
        return {TopicPartition("raw", 0): 7, TopicPartition("raw", 1): None}

    async def judged_after_the_seek():
        await faust_shell.SEEKS.settled()
        seen.append(faust_shell.CURSORS.judge(TP("raw", 0), 7).value)

    consumer.seek_to_committed = seek_to_committed
    consumer.assignment = lambda: {TP("raw", 0), TP("raw", 1), TP("other", 0)}
    faust_shell.CURSORS.sought({TP("raw", 0): 2})
    seeking = asyncio.ensure_future(consumer.perform_seek())
    await asyncio.sleep(0)
    judging = asyncio.ensure_future(judged_after_the_seek())
    await asyncio.sleep(0.01)
    assert seen == [], "a record fetched while the seek is under way waits for it"
    seek_done.set()
    await seeking
    await judging
    assert seen == ["take"], "and is judged by the cursor the seek started"
    assert faust_shell.CURSORS.judge(TP("raw", 0), 7) is Verdict.TAKE
    assert faust_shell.CURSORS.judge(TP("raw", 1), 0) is Verdict.TAKE
    assert TP("other", 0) not in faust_shell.CURSORS
    assert consumer._committed_offset[TP("raw", 0)] == 7

    faust_shell.CURSORS.take(TP("raw", 0), 7)
    acked = raw_event(consuming_app, 9, generation=2)
    acked.ack()
    assert consumer._new_offset(TP("raw", 0)) == 7, "Faust's acknowledgements do not count, the cursor's do"
    faust_shell.CURSORS.acknowledged(TP("raw", 0), 7)
    assert consumer._filter_committable_offsets([TP("raw", 0)]) == {TP("raw", 0): 8}
    assert not consumer._acked[TP("raw", 0)], "Faust's list of acknowledged offsets does not grow"
    faust_shell.CURSORS.passed(TP("raw", 1), 0, 3)
    to_commit = [tp for tp in consumer._filter_tps_with_pending_acks() if tp == TP("raw", 1)]
    assert to_commit, "moved past markers, nothing acknowledged"
    assert all(isinstance(tp, TopicPartition) for tp in to_commit), "aiokafka commits only its own"
    assert consumer._filter_committable_offsets([TP("raw", 1)]) == {TP("raw", 1): 3}

    async def seek_failed():
        raise TimeoutError("the broker did not answer")

    consumer.seek_to_committed = seek_failed
    with pytest.raises(TimeoutError):
        await consumer.perform_seek()
    assert faust_shell.CURSORS.judge(TP("raw", 0), 8) is Verdict.TAKE, "a failed seek holds nothing for good"


def test_seek_wait_seeks_in_the_consumers_thread_and_waits():
    """`faust_shell.seek` must not touch the aiokafka consumer from the main thread: its fetcher
    runs in the consumer's thread and would race the seek."""
    from faust.transport.consumer import ThreadDelegateConsumer
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    assert "return await self._thread.seek_wait(partitions)" in inspect.getsource(ThreadDelegateConsumer.seek_wait)
    assert "await self.call_thread(self._seek_wait, consumer, partitions)" in inspect.getsource(
        AIOKafkaConsumerThread.seek_wait
    )
    assert "consumer.seek(tp, offset)" in inspect.getsource(AIOKafkaConsumerThread._seek_wait)


async def test_read_offsets_are_off_for_input_partitions_only(consuming_app):
    faust_shell.own_input_offsets(["raw"])
    offsets = consuming_app.consumer._read_offset
    offsets[TP("raw", 0)] = 4
    offsets.update({TP("app-shipments-changelog", 0): 9})
    assert offsets[TP("raw", 0)] is None
    assert offsets[TP("app-shipments-changelog", 0)] == 9, "recovery keeps Faust's own"


def test_set_current_event_is_what_tables_read(app):
    class Event:
        pass

    event = Event()
    faust_shell.set_current_event(event)
    assert faust.streams.current_event() is event
    faust_shell.set_current_event(None)
    assert faust.streams.current_event() is None


def test_send_uses_the_producer_signature_faust_uses():
    from faust.transport.consumer import TransactionManager
    from faust.transport.drivers.aiokafka import Producer

    for producer in (Producer, TransactionManager):
        params = list(inspect.signature(producer.send).parameters)
        assert params[:7] == ["self", "topic", "key", "value", "partition", "timestamp", "headers"]
    assert "return self.consumer.transactions" in inspect.getsource(faust.App.maybe_start_producer)


def test_quiet_monitor_has_everything_faust_asks_of_its_monitor(app):
    """Outside its web views and the metric sensors, Faust reads these of `app.monitor`."""
    root = Path(faust.__file__).parent
    used: set[str] = set()
    for path in (root / "transport").rglob("*.py"):
        used |= set(re.findall(r"\bmonitor\.(\w+)", path.read_text()))
    assert used == {"track_tp_end_offset", "on_tp_commit", "stream_inbound_time"}
    monitor = faust_shell.QuietMonitor()
    monitor.track_tp_end_offset(None, 1)
    monitor.on_tp_commit({})
    assert monitor.stream_inbound_time == {}
    assert "self.monitor" in inspect.getsource(faust.App.on_init_dependencies)


def test_faust_seeks_to_committed_after_recovery_and_aiokafka_skips_uncommitted_partitions():
    """Why `_seek_to_committed_or_beginning` exists: Faust's recovery seeks through
    `AIOKafkaConsumerThread.seek_to_committed`, and aiokafka only seeks partitions with a
    committed offset above 0."""
    from aiokafka import AIOKafkaConsumer
    from faust.tables.recovery import Recovery
    from faust.transport.consumer import ThreadDelegateConsumer

    assert "consumer.perform_seek()" in inspect.getsource(Recovery.on_recovery_completed)
    assert "await self.seek_to_committed()" in inspect.getsource(Consumer.perform_seek)
    assert "self._thread.seek_to_committed()" in inspect.getsource(ThreadDelegateConsumer.seek_to_committed)
    assert "if offset and offset > 0:" in inspect.getsource(AIOKafkaConsumer.seek_to_committed)


async def test_uncommitted_input_partitions_are_rewound_and_changelogs_left_alone():
    from aiokafka import TopicPartition

    seen: list[tuple[str, tuple]] = []
    committed = {
        TopicPartition("in", 0): 5,
        TopicPartition("in", 1): None,
        TopicPartition("in", 2): 0,
        TopicPartition("app-t-changelog", 0): None,
    }

    class KafkaConsumer:
        async def seek_to_committed(self):
            seen.append(("committed", ()))
            return committed

        async def seek_to_beginning(self, *partitions):
            seen.append(("beginning", partitions))

    class Thread:
        app = type("App", (), {"tables": type("Tables", (), {"changelog_topics": {"app-t-changelog"}})()})()

        def _ensure_consumer(self):
            return KafkaConsumer()

        async def call_thread(self, method, *args):
            return await method(*args)

    assert await faust_shell._seek_to_committed_or_beginning(Thread()) == committed
    assert seen == [("committed", ()), ("beginning", (TopicPartition("in", 1), TopicPartition("in", 2)))]
    faust_shell.own_input_offsets(["in"])
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    assert AIOKafkaConsumerThread.seek_to_committed is faust_shell._seek_to_committed_or_beginning


def test_the_remembered_partition_is_the_producers_default_partition():
    from aiokafka.partitioner import DefaultPartitioner

    partitions = list(range(6))
    for key in (b"LP000000028CN", b"order-1", b"", "ü".encode()):
        assert faust_shell.default_partition(key, tuple(partitions)) == DefaultPartitioner()(
            key, partitions, partitions
        )


def test_transactional_id_is_the_one_faust_commits_offsets_in_and_not_the_one_send_picks():
    """`TransactionManager.commit` puts an input partition's offsets in `{id}-{group}-{partition}`;
    its `send` names the transaction by the *output's* partition, so the shell names it itself."""
    from faust.tables.manager import TableManager
    from faust.transport.consumer import TransactionManager

    assert 'transactional_id = f"{group_id}-{group}-{tp.partition}"' in inspect.getsource(TransactionManager.commit)
    assert "p = self.consumer.key_partition(topic, key, partition)" in inspect.getsource(TransactionManager.send)
    assert "persist_offset_on_commit" in inspect.getsource(Table._on_changelog_sent)
    assert hasattr(TableManager, "persist_offset_on_commit")


async def test_a_transaction_commit_waits_for_the_batches_in_flight_and_holds_new_ones():
    gate, order = faust_shell.CommitGate(), []

    async def batch(name: str, hold_s: float) -> None:
        async with gate.batch():
            order.append(f"{name} in")
            await asyncio.sleep(hold_s)
            order.append(f"{name} out")

    async def commit() -> None:
        async with gate.commit():
            order.append("commit")
            await asyncio.sleep(0.02)

    first = asyncio.create_task(batch("a", 0.05))
    await asyncio.sleep(0.01)
    committing = asyncio.create_task(commit())
    await asyncio.sleep(0.01)
    await asyncio.gather(first, committing, batch("b", 0))
    assert order == ["a in", "a out", "commit", "b in", "b out"]


async def test_a_gated_transaction_commit_takes_the_offsets_of_the_batch_it_waited_for(monkeypatch):
    """Faust computes the offsets before the gate: a batch that ends while the commit waits has its
    outputs in the transaction, so its records' offsets must be in it too."""
    committed: list[dict] = []

    async def faust_commit(self, offsets, start_new_transaction=True):
        committed.append(dict(offsets))
        return True

    monkeypatch.setattr(faust_shell, "_FAUST_TRANSACTION_COMMIT", faust_commit)
    monkeypatch.setattr(faust_shell, "COMMIT_GATE", faust_shell.CommitGate())
    tp = TP("raw", 0)
    faust_shell.CURSORS.sought({tp: 5})
    faust_shell.CURSORS.take(tp, 5)

    async def batch() -> None:
        async with faust_shell.COMMIT_GATE.batch():
            await asyncio.sleep(0.02)
            faust_shell.CURSORS.acknowledged(tp, 5)

    in_flight = asyncio.create_task(batch())
    await asyncio.sleep(0)
    await faust_shell._gated_transaction_commit(None, {tp: 5, TP("other", 0): 3})
    await in_flight
    assert committed == [{tp: 6, TP("other", 0): 3}]


def test_a_serialized_store_reads_and_writes_raw_bytes_by_encoded_key():
    """`store_get` and `store_put` go to a RocksDB store's own bytes: `_get`, `_set` and `_del` of an
    encoded key, for the current event's partition."""
    from faust.stores.base import SerializedStore
    from faust.stores.rocksdb import Store

    assert issubclass(Store, SerializedStore)
    for name in ("_get", "_set", "_del"):
        assert list(inspect.signature(getattr(Store, name)).parameters)[:2] == ["self", "key"]
    assert "event.message.partition" in inspect.getsource(Store._get)
    assert hasattr(SerializedStore, "_encode_key")
