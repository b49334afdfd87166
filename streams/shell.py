"""How records go through the stream: in batches, outputs before state, one bad record costs one record.

For each batch an agent takes from its channel (`streams.faust_shell.take_batch`):

1. every record is decided in arrival order against a `TableView` of the tables (reads fall
   through to the table, writes stay in the view), so a key seen twice in a batch sees its own
   earlier change; a record that cannot be read, or whose decision raises, becomes its dead
   letter and the batch goes on (`streams.engine.decide_record`);
2. every output and command of the batch is produced and its acknowledgement awaited;
3. then each changed state is written once to its table (the local store and the changelog
   partition of the record that changed it) and those changelog writes are acknowledged;
4. then the records are acknowledged to Faust, which commits their offsets (at least once:
   after flushing the producer; exactly once: in the partition's transaction).

A crash anywhere re-reads the records whose offsets were not committed and decides them again
from the state before them: the same outputs with the same `event_id`s come out again
(duplicates with equal ids, never a lost output). A broker that does not acknowledge makes the
batch wait and retry with backoff (outputs are idempotent by `event_id`); an output the broker
refuses for good (too large) is replaced by the record's dead letter.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import faust
from aiokafka.errors import KafkaError, KafkaTimeoutError
from faust.types import EventT, StreamT

from schemas.inputs import DISPUTES_TOPIC
from schemas.outputs import DeadLetter
from streams import faust_shell
from streams.commands import ORDER_COMMANDS_TOPIC
from streams.engine import Source, Step, TableView, decide_record, describe
from streams.metrics import (
    EVENTS,
    FOREIGN_SHIPMENTS,
    IMPLAUSIBLE_EVENTS,
    RECORD_AGE,
    count_output,
)
from streams.wakeups import WakeupIndex
from workers.settings import Settings

log = logging.getLogger(__name__)

#: Order-side topics are keyed by order id; every other input by tracking number.
ORDER_KEYED = frozenset({DISPUTES_TOPIC, ORDER_COMMANDS_TOPIC})
#: The most of a record's value a dead letter repeats when the record's outputs were refused for size.
DEAD_LETTER_VALUE_LIMIT = 100_000
RETRY_FIRST_S = 0.1
RETRY_MAX_S = 5.0


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    key: str | None
    value: bytes
    record: int  # index in the batch of the record it comes from


def retriable(error: Exception) -> bool:
    """A failure that waiting can cure: the broker or a leader away, a request that timed out."""
    return isinstance(error, KafkaTimeoutError) or (isinstance(error, KafkaError) and error.retriable)


class BatchShell:
    def __init__(self, app: faust.App, settings: Settings, tables: dict[str, Any], clock, wakeups: WakeupIndex):
        self.app = app
        self.settings = settings
        self.tables = tables
        self.clock = clock
        self.wakeups = wakeups

    async def run(self, stream: StreamT) -> None:
        """An agent's loop: batches from its channel until the worker stops."""
        config = self.settings.stream
        while True:
            try:
                batch = await faust_shell.take_batch(stream, config.batch_size, config.batch_within_s)
            except StopAsyncIteration:  # Faust ends its streams so when the worker stops
                return
            admitted = [event for event in batch if faust_shell.admit(self.app, event)]
            if admitted:
                await self.process(admitted)

    async def process(self, events: list[EventT]) -> None:
        views = {name: TableView(table.data) for name, table in self.tables.items()}
        owners: dict[tuple[str, str], EventT] = {}
        sources: list[Source] = []
        outgoing: list[Outgoing] = []
        wakes: list[tuple[str, datetime | None]] = []
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
            if source.key is not None:
                owners[("orders" if source.topic in ORDER_KEYED else "shipments", source.key)] = event
        await self._deliver_outputs(outgoing, sources, events)
        await self._write_states(views, owners)
        faust_shell.set_current_event(None)
        for event in events:
            event.ack()
        for wake in wakes:
            self.wakeups.schedule(*wake)
        self._observe(events)

    def _source(self, message) -> Source:
        return Source(
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=message.key.decode("utf-8", errors="replace") if message.key is not None else None,
            value=message.value.decode("utf-8", errors="replace") if message.value is not None else "",
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
        )

    @staticmethod
    def _count(read) -> None:
        if read.refused:
            IMPLAUSIBLE_EVENTS.labels(read.carrier).inc(len(read.refused))
        if read.foreign:
            FOREIGN_SHIPMENTS.inc(len(read.foreign))

    @staticmethod
    def _outgoing(result: Step, index: int) -> list[Outgoing]:
        items = [Outgoing(o.topic, o.key, o.model_dump_json().encode(), index) for o in result.outputs]
        items.extend(Outgoing(c.topic, c.key, c.model_dump_json().encode(), index) for c in result.commands)
        for output in result.outputs:
            count_output(output)
        return items

    async def _deliver_outputs(self, outgoing: list[Outgoing], sources: list[Source], events: list[EventT]) -> None:
        refused = await deliver(outgoing, self._send)
        letters: dict[int, Outgoing] = {}
        for item, error in refused:
            log.error("the broker refused an output; its record is dead-lettered", extra={"topic": item.topic})
            source = sources[item.record]
            letter = _dead_letter_for_refused(source, item, error, self.clock.at(events[item.record].message.timestamp))
            count_output(letter)
            letters[item.record] = Outgoing(letter.topic, letter.key, letter.model_dump_json().encode(), item.record)
        for item, error in await deliver(list(letters.values()), self._send):
            log.error("a dead letter was refused too: %s", describe(error), extra={"topic": item.topic})

    async def _send(self, item: Outgoing) -> Awaitable:
        return await faust_shell.send(self.app, item.topic, _key(item.key), item.value)

    async def _write_states(self, views: dict[str, TableView], owners: dict[tuple[str, str], EventT]) -> None:
        writes: list[tuple[Any, str, Any, EventT]] = []
        for name, view in views.items():
            table = self.tables[name]
            for key, value in view.changes.items():
                writes.append((table, key, value, owners[(name, key)]))

        async def write(item) -> Awaitable:
            table, key, value, event = item
            faust_shell.set_current_event(event)
            return faust_shell.write_table(table, event.message.partition, key, value)

        for (table, key, _, _), error in await deliver(writes, write):
            raise RuntimeError(f"the changelog of {table.name} refused the state of {key!r}: {describe(error)}")

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


async def deliver(items: list, send: Callable[[Any], Awaitable[Awaitable]]) -> list[tuple[Any, Exception]]:
    """Send every item and wait for every acknowledgement. What fails for a reason waiting can
    cure is sent again, with backoff, until it is acknowledged; return what the broker refused
    for good, with the error."""
    refused: list[tuple[Any, Exception]] = []
    pending = items
    delay = RETRY_FIRST_S
    while pending:
        again: list = []
        sent: list[tuple[Any, Awaitable]] = []
        for item in pending:
            try:
                sent.append((item, await send(item)))
            except Exception as error:
                _sort_failure(item, error, again, refused)
        for item, acknowledged in sent:
            try:
                await acknowledged
            except Exception as error:
                _sort_failure(item, error, again, refused)
        pending = again
        if pending:
            log.warning("%d records not acknowledged; sending them again in %.1f s", len(pending), delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
    return refused


def _sort_failure(item: Any, error: Exception, again: list, refused: list) -> None:
    if retriable(error):
        again.append(item)
    else:
        refused.append((item, error))


def _key(key: str | None) -> bytes | None:
    return key.encode() if key is not None else None


def _dead_letter_for_refused(source: Source, item: Outgoing, error: Exception, at: datetime) -> DeadLetter:
    value = source.value
    if len(value) > DEAD_LETTER_VALUE_LIMIT:
        value = value[:DEAD_LETTER_VALUE_LIMIT] + f"… ({len(source.value):,} characters in all)"
    trimmed = Source(source.topic, source.partition, source.offset, source.key, value)
    return trimmed.dead_letter("decide", f"its output to {item.topic} was refused by the broker: {describe(error)}", at)
