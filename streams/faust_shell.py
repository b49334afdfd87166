"""Every Faust internal the stream shell relies on, in one place (faust-streaming 0.15.x).

Faust keeps its jobs: the app, topics, tables and their changelogs, recovery, rebalancing and
sending offset commits. The shell changes how records reach the decision core: instead of Faust's
stream iterator, which yields to the event loop, runs sensors and acknowledges once per event,
it takes whole batches from an agent's channel and acknowledges them itself once their outputs
and states are durable; and which records are decided and which offsets are committed is its
cursors' (`streams.offsets`, `own_input_offsets`), not Faust's fetch loop's. Each internal used
here has a test in `tests/streams/test_faust_shell.py` that fails if a Faust upgrade changes it.
"""

import asyncio
import contextlib
import weakref
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import faust
from aiokafka import TopicPartition
from aiokafka.errors import MessageSizeTooLargeError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from faust.sensors import Sensor
from faust.stores.base import SerializedStore
from faust.streams import _current_event
from faust.transport.consumer import Consumer, TransactionManager
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.types import TP, EventT, Message, StreamT

from streams.offsets import Cursors


class QuietMonitor(Sensor):
    """Faust's `Monitor` keeps per-event statistics nothing here reads; this is the part of it
    Faust itself calls: the end offsets it tracks, commits, and the time each partition last
    delivered to a stream (Faust's "stream is not processing events" check reads it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream_inbound_time: dict[TP, float] = {}

    def track_tp_end_offset(self, tp: TP, offset: int) -> None:
        pass

    def on_tp_commit(self, tp_offsets: Any) -> None:
        pass


async def take_batch(stream: StreamT, max_records: int, within_s: float) -> list[EventT]:
    """Up to `max_records` events from the agent's channel: waits for the first, then takes what
    is queued, waiting at most `within_s` in all for the batch to fill. Raises
    `StopAsyncIteration` when Faust ends the channel (the worker is stopping)."""
    queue = stream.channel.queue
    batch = [await queue.get()]
    deadline = asyncio.get_running_loop().time() + within_s
    while len(batch) < max_records:
        if queue.empty():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(queue.get(), left))
            except TimeoutError:
                break
        else:
            batch.append(queue.get_nowait())
    return batch


def admit(app: faust.App, event: EventT) -> bool:
    """Faust's own checks on an event taken from a channel: it is tracked as pending until it is
    acknowledged or released (a rebalance waits for pending events), and it may be processed only
    when flow control is on and it was fetched in the current consumer generation (after a
    rebalance, events of the previous one are skipped: their partitions may belong to another
    worker now). The shell's cursor then judges its offset (`streams.offsets`)."""
    message: Message = event.message
    if not message.tracked:
        message.tracked = True
        app.consumer.track_message(message)
    return app.flow_control.is_active() and message.generation_id == app.consumer_generation_id


def release(app: faust.App, event: EventT) -> None:
    """An event the shell does not decide now is released, not acknowledged as Faust's own stream
    does: Faust's consumer records an acknowledged offset whatever generation it was fetched in, and
    a record nobody decided must not count as done. Released, it is no longer pending; it is read
    again after the seek that follows."""
    app.consumer._unacked_messages.discard(event.message)


def delivered(app: faust.App, event: EventT) -> None:
    """The time a partition last delivered a record to the shell, which Faust's "stream is not
    processing events" check and the watchdog read."""
    app.monitor.stream_inbound_time[event.message.tp] = asyncio.get_running_loop().time()


@dataclass(frozen=True, slots=True)
class InputPartition:
    """How the worker sees one of its input partitions: the broker's end offset (read committed
    under exactly-once), the group's committed offset, and the consumer's fetch position; whether
    Faust fetches it (its active set) or paused it, in Faust or in aiokafka; and the monotonic time
    it last delivered a record to the shell (None: not since the worker started); and its cursor
    (`streams.offsets.Cursors.view`: None before the worker's first seek of it)."""

    topic: str
    partition: int
    end: int | None
    committed: int | None
    position: int | None
    fetching: bool
    paused: bool
    delivered_at: float | None
    cursor: dict | None = None


async def input_partitions(app: faust.App) -> list[InputPartition]:
    """The worker's assigned input partitions (not table changelogs), end offsets from the broker."""
    consumer = app.consumer
    changelogs = app.tables.changelog_topics
    assigned = sorted(tp for tp in consumer.assignment() if tp.topic not in changelogs)
    if not assigned:
        return []
    thread = consumer._thread
    client = thread._ensure_consumer()
    ends = await thread.call_thread(client.end_offsets, assigned)
    subscription = client._subscription.subscription
    states = subscription.assignment if subscription is not None else None
    active, paused = consumer._active_partitions or set(), consumer._paused_partitions
    views = []
    for tp in assigned:
        state = states.state_value(tp) if states is not None else None
        views.append(
            InputPartition(
                topic=tp.topic,
                partition=tp.partition,
                end=ends.get(tp),
                committed=consumer._committed_offset.get(tp),
                position=state.position if state is not None and state.has_valid_position else None,
                fetching=tp in active or tp in consumer._buffered_partitions,
                paused=tp in paused or (state is not None and state.paused),
                delivered_at=app.monitor.stream_inbound_time.get(tp),
                cursor=CURSORS.view(tp),
            )
        )
    return views


def set_current_event(event: EventT | None) -> None:
    """Tables read and write the partition of the current event (its changelog partition, and with
    RocksDB the partition's database): set it before touching a table for an event's key."""
    _current_event.set(None if event is None else weakref.ref(event))


#: More than a record batch's header and one record's overhead: a record this much under the
#: request limit fits without estimating its size exactly.
SIZE_MARGIN = 256
_PARTITIONER = DefaultPartitioner()


@lru_cache(maxsize=65_536)
def default_partition(key: bytes, partitions: tuple[int, ...]) -> int:
    """The producer's default partition for `key` (murmur2 in pure Python, so remembered: outputs
    of one shipment share its key)."""
    return _PARTITIONER(key, list(partitions), list(partitions))


@dataclass(frozen=True, slots=True)
class Record:
    """One record to produce; `partition` None: the default partitioner's (murmur2 of the key)."""

    topic: str
    key: bytes | None
    value: bytes | None
    partition: int | None = None


def transactional_id(app: faust.App, message: Message) -> str:
    """The transaction Faust commits `message`'s offset in (`TransactionManager.commit`): one per
    input partition and topic group, `{app id}-{group}-{partition}`."""
    return f"{app.conf.id}-{app.assignor.group_for_topic(message.topic)}-{message.partition}"


class CommitGate:
    """Under exactly-once, Faust commits a partition's transaction (its offsets and whatever was
    produced in it) on its own timer. A batch whose outputs are in the transaction but whose
    records are not acknowledged yet would be committed without its offsets: after a crash the
    records are decided again and their outputs appear twice. Batches hold the gate from their
    first send to their acknowledgement; a commit waits for the batches in flight, and new batches
    wait for the commit."""

    def __init__(self) -> None:
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._open = asyncio.Event()
        self._open.set()
        self._committing = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def batch(self):
        await self._open.wait()
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    @contextlib.asynccontextmanager
    async def commit(self):
        async with self._committing:
            self._open.clear()
            try:
                await self._idle.wait()
                yield
            finally:
                self._open.set()


COMMIT_GATE = CommitGate()
_FAUST_TRANSACTION_COMMIT = TransactionManager.commit


async def _gated_transaction_commit(self, offsets, start_new_transaction: bool = True) -> bool:
    """Faust computed `offsets` before the gate; a batch that finished while the commit waited for
    it has its outputs in the transactions committed now, so each input partition's offset is read
    again from its cursor once no batch is in flight."""
    async with COMMIT_GATE.commit():
        offsets = {tp: max(offset, CURSORS.committable(tp) or offset) for tp, offset in offsets.items()}
        return await _FAUST_TRANSACTION_COMMIT(self, offsets, start_new_transaction=start_new_transaction)


def gate_transaction_commits() -> None:
    """Make Faust's transaction commits wait for the batches in flight (`CommitGate`)."""
    TransactionManager.commit = _gated_transaction_commit


async def publish(
    app: faust.App, items: Sequence[Any], record_of, one_per_batch: bool = False, transaction_of=None
) -> tuple[list[tuple[list[Any], Awaitable]], list[tuple[Any, Exception]]]:
    """Hand `items` (each made a `Record` by `record_of`) to the producer.

    Returns the groups sent, each with the future of its acknowledgement (its RecordMetadata
    names the group's first offset), and the items refused at once (too large for a request).
    At least once, records go to aiokafka as one batch per partition (`create_batch`/
    `send_batch`: no per-record produce call, no linger); under exactly-once each goes through
    the transactional producer `transaction_of(item)` names: the transaction of the input record
    it comes from, where Faust commits that record's offset. (Faust's `TransactionManager.send`
    picks the transaction of the *output's* partition number instead, or none when the worker's
    consumer has no metadata for the output topic: outputs outside the transaction of their input.)
    """
    groups: list[tuple[list[Any], Awaitable]] = []
    refused: list[tuple[Any, Exception]] = []
    limit = app.conf.producer_max_request_size
    sendable = []
    for item in items:
        record = record_of(item)
        if len(record.key or b"") + len(record.value or b"") + SIZE_MARGIN > limit and (
            DefaultRecordBatchBuilder.estimate_size_in_bytes(record.key, record.value, []) > limit
        ):
            refused.append((item, MessageSizeTooLargeError(f"the record is over {limit} bytes")))
        else:
            sendable.append((item, record))
    if app.in_transaction:
        for item, r in sendable:
            sent = await app.producer.send(
                r.topic, r.key, r.value, r.partition, None, None, transactional_id=transaction_of(item)
            )
            groups.append(([item], sent))
        return groups, refused
    producer = app.producer._ensure_producer()
    by_partition: dict[tuple[str, int], list[tuple[Any, Record]]] = {}
    partitions_of: dict[str, tuple[int, ...]] = {}
    for item, record in sendable:
        partition = record.partition
        if partition is None:
            if (partitions := partitions_of.get(record.topic)) is None:
                partitions = partitions_of[record.topic] = tuple(sorted(await producer.partitions_for(record.topic)))
            if record.key is None:
                partition = _PARTITIONER(None, list(partitions), list(partitions))
            else:
                partition = default_partition(record.key, partitions)
        by_partition.setdefault((record.topic, partition), []).append((item, record))
    for (topic, partition), entries in by_partition.items():
        batch, members = producer.create_batch(), []
        for item, record in entries:
            # A record joins the open batch if it fits (`append` answers None when it does not);
            # otherwise the batch is sent and the record opens the next one (a first one always fits).
            if members and (one_per_batch or batch.append(timestamp=None, key=record.key, value=record.value) is None):
                groups.append((members, await producer.send_batch(batch, topic, partition=partition)))
                batch, members = producer.create_batch(), []
            if not members:
                batch.append(timestamp=None, key=record.key, value=record.value)
            members.append(item)
        groups.append((members, await producer.send_batch(batch, topic, partition=partition)))
    return groups, refused


def store_put(table: faust.Table, key: str, value: Any, encoded: bytes | None) -> None:
    """Write one key (None deletes it) to the table's local store only, for the current event's
    partition; a serialized store (RocksDB) takes `encoded`, the changelog's bytes, as they are."""
    store = table.data
    if isinstance(store, SerializedStore):
        if encoded is None:
            store._del(store._encode_key(key))
        else:
            store._set(store._encode_key(key), encoded)
    elif value is None:
        store.pop(key, None)
    else:
        store[key] = value


def store_get(table: faust.Table, key: str) -> tuple[Any, bytes | None]:
    """What the local store holds for `key` in the current event's partition, as `store_put` takes
    it back: (value, None) in memory, (None, the stored bytes) in a serialized store (None: absent)."""
    store = table.data
    if isinstance(store, SerializedStore):
        return None, store._get(store._encode_key(key))
    return store.get(key), None


def persist_offset(table: faust.Table, tp: TP, offset: int, on_commit: bool = False) -> None:
    """What Faust does when a changelog record it sent is acknowledged (`Table._on_changelog_sent`):
    RocksDB remembers the offset, so a restarted worker reads only the changelog after it (a no-op
    in memory); under exactly-once, only once the partition's transaction commits."""
    if on_commit:
        table.app.tables.persist_offset_on_commit(table.data, tp, offset)
    else:
        table.data.set_persisted_offset(tp, offset)


async def _seek_to_committed_or_beginning(thread: AIOKafkaConsumerThread) -> dict[TP, int | None]:
    """Seek every assigned partition to its committed offset, and every input partition that has
    none to its beginning. aiokafka's `seek_to_committed` leaves a partition without a committed
    offset where its fetcher is; Faust calls it after every rebalance to drop what it fetched
    before (its queues are cleared), so records fetched in an earlier generation of a group that
    had not committed yet were skipped for good. Table changelogs are left where recovery put them."""
    consumer = thread._ensure_consumer()
    committed = await thread.call_thread(consumer.seek_to_committed)
    changelogs = thread.app.tables.changelog_topics
    unread = [tp for tp, offset in committed.items() if not offset or offset < 0]
    unread = [tp for tp in unread if tp.topic not in changelogs]
    if unread:
        await thread.call_thread(consumer.seek_to_beginning, *unread)
    return committed


#: The cursors of the worker's input partitions (`streams.offsets`): what the shell decides, and
#: the offsets Faust commits.
CURSORS = Cursors()
_INPUT_TOPICS: set[str] = set()
_FAUST_NEW_OFFSET = Consumer._new_offset
_FAUST_PERFORM_SEEK = Consumer.perform_seek
_FAUST_TPS_TO_COMMIT = Consumer._filter_tps_with_pending_acks


class _NoReadOffsets(dict):
    """What Faust's fetch loop finds for an input partition's last read offset: none. It then hands
    every record of it to the channels, drops none and counts no jump in offsets as done: the
    cursors judge them. Other partitions (changelogs) keep Faust's last read offsets."""

    def __getitem__(self, tp):
        return None if tp.topic in _INPUT_TOPICS else dict.get(self, tp)

    def __setitem__(self, tp, offset) -> None:
        if tp.topic not in _INPUT_TOPICS:
            dict.__setitem__(self, tp, offset)

    def update(self, *args, **kwargs) -> None:
        for tp, offset in dict(*args, **kwargs).items():
            self[tp] = offset


class SeekGate:
    """Whether Faust is seeking the input partitions: records wait for the seek to be done before
    their cursors judge them. Held instead, the records the fetcher brings from the new position
    before the seek's caller resumes would be passed over, and nothing would read them again."""

    def __init__(self) -> None:
        self._under_way = 0
        self._waiters: list[asyncio.Future] = []

    @contextlib.contextmanager
    def seeking(self):
        self._under_way += 1
        try:
            yield
        finally:
            self._under_way -= 1
            if not self._under_way:
                for waiter in self._waiters:
                    if not waiter.done():
                        waiter.set_result(None)
                self._waiters.clear()

    async def settled(self) -> None:
        while self._under_way:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter


SEEKS = SeekGate()


async def _perform_seek(self: Consumer) -> None:
    """Faust's `Consumer.perform_seek` (seek every partition to its committed offset), with the
    records held back while it seeks and the input partitions' cursors started where it put them
    (a seek that fails leaves them as they were)."""
    inputs = [tp for tp in self.assignment() if tp.topic in _INPUT_TOPICS]
    with SEEKS.seeking():
        committed = await self.seek_to_committed()
        # keyed as aiokafka's own TopicPartition, which its commits take (`_tps_to_commit`)
        CURSORS.sought({TopicPartition(tp.topic, tp.partition): max(committed.get(tp) or 0, 0) for tp in inputs})
    self._committed_offset.update({TP(tp.topic, tp.partition): offset for tp, offset in committed.items() if offset})


def _new_offset(self: Consumer, tp: TP) -> int | None:
    """The offset Faust commits for `tp`: an input partition's cursor's `done` (every record under
    it decided and durable), instead of Faust's count of acknowledged offsets and jumps."""
    if (done := CURSORS.committable(tp)) is None:
        return _FAUST_NEW_OFFSET(self, tp)
    self._acked.pop(tp, None)
    self._acked_index.pop(tp, None)
    return done


def _tps_to_commit(self: Consumer, topics=None):
    """The partitions Faust considers for a commit: those with acknowledgements (Faust's own), and
    every input partition with a cursor, whose `done` may have moved past transaction markers
    without a record acknowledged (`Cursors.passed`); `_should_commit` leaves out those not moved."""
    wanted = set(_FAUST_TPS_TO_COMMIT(self, topics))
    wanted.update(tp for tp in CURSORS.partitions() if topics is None or tp in topics or tp.topic in topics)
    return iter(wanted)


def own_input_offsets(topics: Iterable[str]) -> None:
    """The shell, not Faust's fetch loop, decides which records of `topics` are decided and which
    offsets are committed (`streams.offsets`): Faust's last-read offsets are turned off, its seek
    after a rebalance and its commits go through the cursors (every input partition is considered
    for a commit, not only those with acknowledgements), and input partitions the group never
    committed are read from their beginning (`_seek_to_committed_or_beginning`)."""
    _INPUT_TOPICS.clear()
    _INPUT_TOPICS.update(topics)
    Consumer._read_offset = property(_read_offsets, lambda self, value: None)
    Consumer.perform_seek = _perform_seek
    Consumer._new_offset = _new_offset
    Consumer._filter_tps_with_pending_acks = _tps_to_commit
    AIOKafkaConsumerThread.seek_to_committed = _seek_to_committed_or_beginning


def _read_offsets(consumer: Consumer) -> _NoReadOffsets:
    if (offsets := consumer.__dict__.get("_pw_read_offsets")) is None:
        offsets = consumer.__dict__["_pw_read_offsets"] = _NoReadOffsets()
    return offsets


async def seek(app: faust.App, tp: TP, offset: int) -> None:
    """Read an input partition again from `offset` (the next fetch starts there): in the consumer's
    thread, where its fetcher runs, and waited for (`Consumer.seek_wait`)."""
    await app.consumer.seek_wait({tp: offset})
