"""Every Faust internal the stream shell relies on, in one place (faust-streaming 0.15.x).

Faust keeps its jobs: the app, topics, tables and their changelogs, recovery, rebalancing and
offset commits. The shell only changes how records reach the decision core: instead of Faust's
stream iterator, which yields to the event loop, runs sensors and acknowledges once per event,
it takes whole batches from an agent's channel and acknowledges them itself once their outputs
and states are durable. Each internal used here has a test in `tests/streams/test_faust_shell.py`
that fails if a Faust upgrade changes it.
"""

import asyncio
import weakref
from collections.abc import Awaitable
from typing import Any

import faust
from faust.sensors import Sensor
from faust.streams import _current_event
from faust.types import TP, EventT, Message, StreamT


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
    acknowledged (a rebalance waits for pending events), and it is only processed when flow
    control is on and it was fetched in the current consumer generation (after a rebalance, events
    of the previous one are skipped: their partitions may belong to another worker now). A skipped
    event is acknowledged at once, as Faust does."""
    message: Message = event.message
    if not message.tracked:
        message.tracked = True
        app.consumer.track_message(message)
    if app.flow_control.is_active() and message.generation_id == app.consumer_generation_id:
        app.monitor.stream_inbound_time[message.tp] = asyncio.get_running_loop().time()
        return True
    event.ack()
    return False


def set_current_event(event: EventT | None) -> None:
    """Tables read and write the partition of the current event (its changelog partition, and with
    RocksDB the partition's database): set it before touching a table for an event's key."""
    _current_event.set(None if event is None else weakref.ref(event))


async def send(
    app: faust.App, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None
) -> Awaitable:
    """Hand one record to the producer Faust uses (a transaction manager under exactly-once);
    the result resolves when the broker acknowledges it."""
    producer = await app.maybe_start_producer()
    return await producer.send(topic, key, value, partition, None, None)


def write_table(table: faust.Table, partition: int, key: str, value: Any) -> Awaitable:
    """Write one key of a table (None deletes it) outside Faust's stream iterator: the local store,
    for the current event's partition, and the changelog record in `partition`, as
    `Table.__setitem__` does; the result resolves when the broker acknowledges the changelog
    record (with RocksDB, Faust then records its offset in the store)."""
    if value is None:
        table.data.pop(key, None)
        return table.send_changelog(partition, key, None, value_serializer="raw")
    table.data[key] = value
    return table.send_changelog(partition, key, value)
