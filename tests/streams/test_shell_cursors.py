"""How the batch shell lets records through its partitions' cursors (`BatchShell._in_turn`): in
offset order, asking the broker about missing offsets, seeking back when records were missing, and
reading a failed batch again."""

import faust
import pytest
from faust.events import Event
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from streams import faust_shell
from tests.streams.test_unknown_codes import Shell

RAW = TP("tracking.raw.v1", 0)


class Probe:
    """The broker's records of the partition, as the shell's probe reads them."""

    def __init__(self, records: list[int]) -> None:
        self.records = records
        self.asked: list[int] = []

    async def first_offset(self, tp, start: int) -> int | None:
        self.asked.append(start)
        return min((offset for offset in self.records if offset >= start), default=None)


@pytest.fixture
def app():
    app = faust.App("parcelwatch-cursor-test", broker="kafka://127.0.0.1:1", store="memory://")
    app.consumer_generation_id = 1
    app.flow_control.resume()
    seeks: list[tuple[TP, int]] = []

    async def seek_wait(partitions):
        seeks.extend(partitions.items())

    app.consumer.seek_wait = seek_wait
    app.seeks = seeks
    faust_shell.CURSORS.sought({RAW: 0})
    yield app
    faust_shell.CURSORS.sought({})


def event(app, offset: int) -> Event:
    message = ConsumerMessage(RAW.topic, RAW.partition, offset, 0.0, 0, None, b"k", b"{}", None, generation_id=1)
    return Event(app, b"k", b"{}", {}, message)


def shell_of(app, records: list[int]) -> Shell:
    shell = Shell()
    shell.app = app
    shell.probe = Probe(records)
    return shell


async def taken(shell: Shell, app, offsets: list[int]) -> list[int]:
    return [offset for offset in offsets if await shell._in_turn(event(app, offset))]


async def test_records_after_offsets_without_records_are_taken_once_the_broker_says_so(app):
    shell = shell_of(app, [0, 1, 3, 4, 7])
    assert await taken(shell, app, [0, 1, 3, 4, 7]) == [0, 1, 3, 4, 7]
    assert shell.probe.asked == [2, 5], "asked only where offsets were missing"
    assert app.seeks == []


async def test_records_after_missing_ones_are_held_and_the_partition_read_again(app):
    shell = shell_of(app, [0, 1, 2, 3, 4, 5])
    assert await taken(shell, app, [0, 1, 4, 5]) == [0, 1]
    assert app.seeks == [(RAW, 2)], "read again from the first record not decided"
    assert shell.probe.asked == [2], "a later record is held without asking again"
    assert await taken(shell, app, [2, 3, 4, 5]) == [2, 3, 4, 5]
    released = event(app, 1)
    assert not await shell._in_turn(released), "decided since the seek: dropped"
    assert released.message not in app.consumer._unacked_messages


async def test_a_failed_batch_is_read_again_from_its_last_record_done(app, monkeypatch):
    shell = shell_of(app, list(range(10)))
    assert await taken(shell, app, [0, 1]) == [0, 1]
    for offset in (0, 1):
        faust_shell.CURSORS.acknowledged(RAW, offset)

    async def fails(events):
        raise RuntimeError("the changelog refused a state")

    monkeypatch.setattr(shell, "process", fails)
    batches = [[event(app, 2), event(app, 3)]]

    async def take_batch(stream, max_records, within_s):
        if not batches:
            raise StopAsyncIteration
        return batches.pop()

    monkeypatch.setattr(faust_shell, "take_batch", take_batch)
    monkeypatch.setattr("streams.shell.RETRY_FIRST_S", 0)
    await shell.run(stream=None)
    assert app.seeks == [(RAW, 2)]
    assert faust_shell.CURSORS.committable(RAW) == 2
    assert faust_shell.CURSORS.judge(RAW, 2).value == "take", "record 2 is decided again"
    assert not app.consumer._unacked_messages, "a rebalance does not wait for the failed batch"


async def test_a_state_the_changelog_refuses_puts_the_batchs_states_back(app, monkeypatch):
    """The batch is read again from the states before it: a count merged into a state the first
    time must not be merged again."""
    from types import SimpleNamespace

    from streams import shell as shell_module
    from streams.engine import TableView

    topic = SimpleNamespace(get_topic_name=lambda: "app-sellers-changelog")
    sellers = SimpleNamespace(name="sellers", data={"s1": 3, "s2": 7}, changelog_topic=topic, value_serializer="json")
    shell = shell_of(app, [])
    shell.tables = {"sellers": sellers}
    view = TableView(sellers.data)
    view["s1"], view["s2"] = 4, 8

    async def deliver(writes, publish):
        return [(writes[-1], RuntimeError("the record is too large"))], []

    monkeypatch.setattr(shell_module, "deliver", deliver)
    owners = {("sellers", key): event(app, 0) for key in view.changes}
    with pytest.raises(RuntimeError, match="refused 's2'"):
        await shell_module.BatchShell._write_states(shell, {"sellers": view}, owners)
    assert sellers.data == {"s1": 3, "s2": 7}
