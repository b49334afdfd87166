"""How records go through the stream: in batches, outputs before state, one bad record costs one record.

For each batch an agent takes from its channel (`streams.faust_shell.take_batch`), whose records
its partitions' cursors let through in offset order (`streams.offsets`):

1. every record is decided in arrival order against a `TableView` of the tables (reads fall
   through to the table, writes stay in the view), so a key seen twice in a batch sees its own
   earlier change; a record that cannot be read, or whose decision raises, becomes its dead
   letter and the batch goes on (`streams.engine.decide_record`);
2. every output and command of the batch is produced and its acknowledgement awaited;
3. then each changed state is written once to its table (the local store and the changelog
   partition of the record that changed it) and those changelog writes are acknowledged;
4. then the records are acknowledged to Faust and to their cursors, and Faust commits the
   cursors' offsets (at least once: after flushing the producer; exactly once: in the partition's
   transaction), and the unknown codes the batch's histories newly took are counted.

A crash anywhere re-reads the records whose offsets were not committed and decides them again
from the state before them: the same outputs with the same `event_id`s come out again
(duplicates with equal ids, never a lost output). A broker that does not acknowledge makes the
batch wait and retry with backoff (outputs are idempotent by `event_id`); an output the broker
refuses for good (too large) is replaced by the record's dead letter.
"""

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import faust
from aiokafka.errors import KafkaError, KafkaTimeoutError
from faust.serializers import codecs
from faust.types import TP, EventT, StreamT

from schemas.commands import ORDER_COMMANDS_TOPIC
from schemas.eta import LANE_COMMANDS_TOPIC
from schemas.event import TrackingEvent
from schemas.inputs import DISPUTES_TOPIC
from schemas.outputs import DeadLetter
from schemas.sellers import SELLER_COMMANDS_TOPIC
from streams import faust_shell
from streams.engine import Source, Step, TableView, decide_record, describe
from streams.kafka import OffsetProbe
from streams.metrics import (
    EVENTS,
    FOREIGN_SHIPMENTS,
    OFFSET_PROBES,
    RECORD_AGE,
    REFUSED_EVENTS,
    count_output,
    count_unknown,
)
from streams.offsets import Verdict
from streams.settings import StreamConfig
from streams.wakeups import WakeupIndex

log = logging.getLogger(__name__)

#: Order-side topics are keyed by order id, the seller commands by seller id, the lane commands by lane;
#: every other input by tracking number.
ORDER_KEYED = frozenset({DISPUTES_TOPIC, ORDER_COMMANDS_TOPIC})


def _table_of(topic: str) -> str:
    """The table whose state a record of `topic` changes."""
    if topic in ORDER_KEYED:
        return "orders"
    if topic == LANE_COMMANDS_TOPIC:
        return "lanes"
    return "sellers" if topic == SELLER_COMMANDS_TOPIC else "shipments"


#: The most of a record's value a dead letter repeats when the record's outputs were refused for size.
DEAD_LETTER_VALUE_LIMIT = 100_000
RETRY_FIRST_S = 0.1
RETRY_MAX_S = 5.0


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An output or command to produce, and the index in its batch of the record it comes from."""

    topic: str
    key: str | None
    value: bytes
    record: int

    def as_record(self) -> faust_shell.Record:
        return faust_shell.Record(self.topic, None if self.key is None else self.key.encode(), self.value)


@dataclass(frozen=True, slots=True)
class StateWrite:
    """A changed state: its table, key, value (None: deleted), encoding and the event it belongs to."""

    table: Any
    key: str
    value: Any
    encoded: bytes | None
    event: EventT

    def as_record(self) -> faust_shell.Record:
        topic = self.table.changelog_topic.get_topic_name()
        return faust_shell.Record(topic, self.key.encode(), self.encoded, self.event.message.partition)


def retriable(error: Exception) -> bool:
    """A failure that waiting can cure: the broker or a leader away, a request that timed out."""
    return isinstance(error, KafkaTimeoutError) or (isinstance(error, KafkaError) and error.retriable)


class BatchShell:
    def __init__(self, app: faust.App, settings: StreamConfig, tables: dict[str, Any], clock, wakeups: WakeupIndex):
        self.app = app
        self.settings = settings
        self.tables = tables
        self.clock = clock
        self.wakeups = wakeups
        isolation = "read_committed" if settings.stream.processing_guarantee == "exactly_once" else "read_uncommitted"
        self.probe = OffsetProbe(settings.kafka, isolation)

    async def run(self, stream: StreamT) -> None:
        """An agent's loop: batches from its channel until the worker stops. A batch that fails
        (a changelog refusing a state) is not lost: its partitions are read again from the last
        record done, after a pause that grows while failures repeat; one cancelled (the worker
        stopping, the agent restarted) leaves them to be read again too."""
        config = self.settings.stream
        delay = RETRY_FIRST_S
        while True:
            try:
                batch = await faust_shell.take_batch(stream, config.batch_size, config.batch_within_s)
            except StopAsyncIteration:  # Faust ends its streams so when the worker stops
                return
            admitted: list[EventT] = []
            try:
                for event in batch:
                    if await self._in_turn(event):
                        admitted.append(event)
                if admitted:
                    await self.process(admitted)
            except Exception:
                log.exception("a batch of %d records failed; its partitions are read again", len(admitted))
                self._release_undone(batch)
                await self._rewind(admitted)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
            except BaseException:  # no seek now: the next record after the cursor probes and reads again
                self._release_undone(batch)
                for tp in {event.message.tp for event in admitted}:
                    faust_shell.CURSORS.rewind(tp)
                raise
            else:
                delay = RETRY_FIRST_S

    def _release_undone(self, batch: list[EventT]) -> None:
        """A failed batch's records that were not acknowledged are no longer pending: a rebalance
        does not wait for them, and they are read again."""
        for event in batch:
            if not event.message.acked:
                faust_shell.release(self.app, event)

    async def _rewind(self, events: list[EventT]) -> None:
        """The partitions of `events` read again from their last record done. A seek that fails
        (the broker away) is left: the next record after the cursor asks the broker again."""
        for tp in {event.message.tp for event in events}:
            if (offset := faust_shell.CURSORS.rewind(tp)) is not None:
                try:
                    await faust_shell.seek(self.app, tp, offset)
                except Exception as error:
                    log.warning("could not seek %s[%d] to %d: %s", tp.topic, tp.partition, offset, describe(error))

    async def _in_turn(self, event: EventT) -> bool:
        """Whether `event` is decided now: Faust's checks, then its partition's cursor (a record
        after missing offsets asks the broker which record comes first). One that is not is
        released; one held is read again after a seek."""
        cursors, message = faust_shell.CURSORS, event.message
        await faust_shell.SEEKS.settled()
        verdict = cursors.judge(message.tp, message.offset) if faust_shell.admit(self.app, event) else Verdict.DROP
        if verdict is Verdict.PROBE:
            start = cursors.probe_from(message.tp)
            try:
                first = await self.probe.first_offset(message.tp, start)
            except Exception as error:  # the broker may be away: the record is held and read again
                log.warning("could not ask the broker for the first record from %d: %s", start, describe(error))
                first = None
            probed = cursors.probed(message.tp, start, first, message.offset)
            OFFSET_PROBES.labels("taken" if probed.verdict is Verdict.TAKE else "read_again").inc()
            if probed.seek_to is not None:
                log.warning(
                    "records missing before %s[%d] offset %d (the first from %d is %s); read again from %d",
                    message.topic,
                    message.partition,
                    message.offset,
                    start,
                    first,
                    probed.seek_to,
                )
                await faust_shell.seek(self.app, message.tp, probed.seek_to)
            verdict = probed.verdict
        if verdict is Verdict.TAKE:
            cursors.take(message.tp, message.offset)
            faust_shell.delivered(self.app, event)
            return True
        faust_shell.release(self.app, event)
        return False

    async def process(self, events: list[EventT]) -> None:
        views = {name: TableView(table.data) for name, table in self.tables.items()}
        owners: dict[tuple[str, str], EventT] = {}
        sources: list[Source] = []
        outgoing: list[Outgoing] = []
        wakes: list[tuple[str, datetime | None]] = []
        unknown: list[TrackingEvent] = []
        for index, event in enumerate(events):
            message = event.message
            faust_shell.set_current_event(event)
            source = self._source(message)
            sources.append(source)
            now = self.clock.at(message.timestamp)
            steps, read = self._decide(views, source, message, now)
            if read is not None:
                self._count(read)
            for result in steps:
                outgoing.extend(self._outgoing(result, index))
                if result.wake is not None:
                    wakes.append(result.wake)
                unknown.extend(result.unknown)
            if source.key is not None:
                owners[(_table_of(source.topic), source.key)] = event
        gate = faust_shell.COMMIT_GATE.batch() if self.app.in_transaction else contextlib.nullcontext()
        async with gate:  # exactly once: no transaction commits between the first send and the acks
            await self._deliver_outputs(outgoing, sources, events)
            await self._write_states(views, owners)
            faust_shell.set_current_event(None)
            for event in events:
                event.ack()
                faust_shell.CURSORS.acknowledged(event.message.tp, event.message.offset)
        for wake in wakes:
            self.wakeups.schedule(*wake)
        count_unknown(unknown)
        self._observe(events)

    def _source(self, message) -> Source:
        return Source(
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=message.key.decode("utf-8", errors="replace") if message.key is not None else None,
            value=message.value or b"",
        )

    def _decide(self, views: dict[str, TableView], source: Source, message, now: datetime):
        if source.key is None:
            letter = source.dead_letter("validate", f"a record on {source.topic} needs a key", now)
            return [Step(outputs=[letter])], None
        return decide_record(
            views["shipments"],
            views["orders"],
            source,
            message.value or b"",
            now,
            self.settings.rules,
            self.settings.carriers.text_threshold,
            lanes=views.get("lanes"),
            sellers=views.get("sellers"),
        )

    @staticmethod
    def _count(read) -> None:
        for refused in read.refused:
            REFUSED_EVENTS.labels(read.carrier, refused.kind).inc()
        if read.foreign:
            FOREIGN_SHIPMENTS.inc(len(read.foreign))

    @staticmethod
    def _outgoing(result: Step, index: int) -> list[Outgoing]:
        items = [Outgoing(o.topic, o.key, o.model_dump_json().encode(), index) for o in result.outputs]
        items.extend(Outgoing(c.topic, c.key, c.model_dump_json().encode(), index) for c in result.commands)
        for output in result.outputs:
            count_output(output)
        return items

    async def _publish(self, items: list, one_per_batch: bool, event_of=None):
        """Under exactly-once `event_of(item)` names the input event an item comes from: the item goes
        in that event's partition transaction, the one its offset is committed in."""
        transaction_of = None
        if event_of is not None:
            transaction_of = lambda item: faust_shell.transactional_id(self.app, event_of(item).message)  # noqa: E731
        return await faust_shell.publish(self.app, items, lambda item: item.as_record(), one_per_batch, transaction_of)

    async def _deliver_outputs(self, outgoing: list[Outgoing], sources: list[Source], events: list[EventT]) -> None:
        async def publish(items: list, one_per_batch: bool):
            return await self._publish(items, one_per_batch, lambda item: events[item.record])

        refused, _ = await deliver(outgoing, publish)
        letters: dict[int, Outgoing] = {}
        for item, error in refused:
            log.error("the broker refused an output; its record is dead-lettered", extra={"topic": item.topic})
            at = self.clock.at(events[item.record].message.timestamp)
            letter = _dead_letter_for_refused(sources[item.record], item, error, at)
            count_output(letter)
            letters[item.record] = Outgoing(letter.topic, letter.key, letter.model_dump_json().encode(), item.record)
        still_refused, _ = await deliver(list(letters.values()), publish)
        for item, error in still_refused:
            log.error("a dead letter was refused too: %s", describe(error), extra={"topic": item.topic})

    async def _write_states(self, views: dict[str, TableView], owners: dict[tuple[str, str], EventT]) -> None:
        """Each changed state to its local store and to its changelog, acknowledged (exactly once: in
        the transaction of the record that changed it). The changelog offsets are then remembered
        (RocksDB; exactly once, when the transaction commits), so a restart reads only what follows."""
        writes: list[StateWrite] = []
        for name, view in views.items():
            table = self.tables[name]
            for key, value in view.changes.items():
                encoded = None if value is None else codecs.dumps(table.value_serializer, value)
                writes.append(StateWrite(table, key, value, encoded, owners[(name, key)]))
        if not writes:
            return
        before = []
        for write in writes:
            faust_shell.set_current_event(write.event)
            before.append(faust_shell.store_get(write.table, write.key))
            faust_shell.store_put(write.table, write.key, write.value, write.encoded)
        in_transaction = self.app.in_transaction

        async def publish(items: list, one_per_batch: bool):
            return await self._publish(items, one_per_batch, (lambda write: write.event) if in_transaction else None)

        refused, acknowledged = await deliver(writes, publish)
        last: dict[tuple[str, TP], tuple[Any, int]] = {}
        for group, metadata in acknowledged:
            slot = (group[0].table.name, TP(metadata.topic, metadata.partition))
            offset = metadata.offset + len(group) - 1
            last[slot] = (group[0].table, max(offset, last.get(slot, (None, -1))[1]))
        for (_, tp), (table, offset) in last.items():
            faust_shell.persist_offset(table, tp, offset, on_commit=in_transaction)
        if refused:
            # the batch is read again from the states before it (`run`): counts merged into a state
            # (a seller's day, a lane's histogram) must not be merged twice
            for earlier, (value, encoded) in zip(writes, before, strict=True):
                faust_shell.set_current_event(earlier.event)
                faust_shell.store_put(earlier.table, earlier.key, value, encoded)
            write, error = refused[0]
            raise RuntimeError(f"the changelog of {write.table.name} refused {write.key!r}: {describe(error)}")

    @staticmethod
    def _observe(events: list[EventT]) -> None:
        done = time.time()
        by_topic: dict[str, int] = {}
        for event in events:
            message = event.message
            by_topic[message.topic] = by_topic.get(message.topic, 0) + 1
            RECORD_AGE.labels(message.topic).observe(max(0.0, done - message.timestamp))
        for topic, count in by_topic.items():
            EVENTS.labels(topic).inc(count)


async def deliver(items: list, publish) -> tuple[list[tuple[Any, Exception]], list[tuple[list, Any]]]:
    """Produce every item and wait for every acknowledgement.

    `publish(items, one_per_batch)` hands items to the producer and answers the groups it sent,
    each with the future of its acknowledgement, and the items it refused at once. A group that
    fails for a reason waiting can cure is sent again, with backoff, until it is acknowledged; a
    group the broker refuses for good is sent again one item a batch, so that only the items it
    refuses are refused. Returns the items refused for good, with the error, and each
    acknowledged group with its record metadata.
    """
    refused: list[tuple[Any, Exception]] = []
    acknowledged: list[tuple[list, Any]] = []
    pending, one_per_batch = items, False
    delay = RETRY_FIRST_S
    while pending:
        groups, refused_at_once = await publish(pending, one_per_batch)
        refused.extend(refused_at_once)
        again: list = []
        alone: list = []
        for group, future in groups:
            try:
                acknowledged.append((group, await future))
            except Exception as error:
                if retriable(error):
                    again.extend(group)
                elif len(group) > 1:
                    alone.extend(group)
                else:
                    refused.append((group[0], error))
        if alone:
            pending, one_per_batch = alone + again, True
            continue
        pending, one_per_batch = again, False
        if pending:
            log.warning("%d records not acknowledged; sending them again in %.1f s", len(pending), delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
    return refused, acknowledged


def _dead_letter_for_refused(source: Source, item: Outgoing, error: Exception, at: datetime) -> DeadLetter:
    value = source.text()
    if len(value) > DEAD_LETTER_VALUE_LIMIT:
        value = value[:DEAD_LETTER_VALUE_LIMIT] + f"… ({len(value):,} characters in all)"
    trimmed = Source(source.topic, source.partition, source.offset, source.key, value)
    return trimmed.dead_letter("decide", f"its output to {item.topic} was refused by the broker: {describe(error)}", at)
