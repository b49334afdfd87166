"""The watchdog's verdict on an input partition (pure), and what it makes of its samples."""

import asyncio

import pytest

from streams import watchdog
from streams.faust_shell import InputPartition
from streams.metrics import STALLED_PARTITIONS
from streams.watchdog import Watchdog, judge


def partition(end: int | None, committed: int | None, delivered_at: float | None, number: int = 0) -> InputPartition:
    return InputPartition(
        topic="tracking.raw.v1",
        partition=number,
        end=end,
        committed=committed,
        position=committed,
        fetching=True,
        paused=False,
        delivered_at=delivered_at,
    )


@pytest.mark.parametrize(
    ("end", "committed", "delivered_at", "now", "stalled"),
    [
        (37, 20, 100.0, 161.0, True),  # lag, nothing delivered for 61 s
        (37, 20, 100.0, 159.0, False),  # lag, but it delivered 59 s ago
        (37, 37, 100.0, 500.0, False),  # idle without lag: caught up
        (37, None, None, 161.0, True),  # never committed, never delivered since the rebalance at 100
        (None, 20, 100.0, 500.0, False),  # end unknown: no verdict
    ],
)
def test_a_partition_is_stalled_when_it_has_lag_and_delivered_nothing_for_stall_after_s(
    end, committed, delivered_at, now, stalled
):
    verdict = judge(partition(end, committed, delivered_at), now=now, ready_at=100.0, stall_after_s=60.0)
    assert verdict.stalled is stalled


def test_idle_time_counts_from_the_last_rebalance_at_the_earliest():
    """A partition taken over from another worker delivered last long ago, in this worker's earlier
    generation: it is not stalled for the time it sat elsewhere."""
    verdict = judge(partition(37, 20, delivered_at=10.0), now=130.0, ready_at=100.0, stall_after_s=60.0)
    assert verdict.idle_s == 30.0
    assert not verdict.stalled
    assert verdict.as_json()["lag"] == 17


class RebalancingApp:
    rebalancing = False


async def test_the_watchdog_reports_stalled_partitions_and_clears_them(monkeypatch):
    app = RebalancingApp()
    dog = Watchdog(app, stall_after_s=60.0)
    loop = asyncio.get_running_loop()
    sampled = [partition(37, 20, delivered_at=None, number=4), partition(12, 12, delivered_at=None, number=5)]

    async def input_partitions(_app):
        return sampled

    monkeypatch.setattr(watchdog.faust_shell, "input_partitions", input_partitions)
    await dog.sample()
    assert dog.verdicts == [], "no verdict before the first rebalance has ended"

    dog.rebalanced()
    dog.ready_at = loop.time() - 61
    await dog.sample()
    assert [(v.partition.partition, v.stalled) for v in dog.verdicts] == [(4, True), (5, False)]
    assert [v.partition.partition for v in dog.stalled()] == [4]
    assert STALLED_PARTITIONS._value.get() == 1

    app.rebalancing = True
    await dog.sample()
    assert dog.stalled() == []
    assert STALLED_PARTITIONS._value.get() == 0


class MarkerProbe:
    def __init__(self, markers: bool) -> None:
        self.markers = markers
        self.asked: list[tuple[int, int]] = []

    async def only_markers(self, tp, start: int, until: int) -> bool:
        self.asked.append((start, until))
        return self.markers


@pytest.mark.parametrize("markers", [True, False])
async def test_offsets_past_an_idle_cursor_that_hold_only_markers_are_passed(monkeypatch, markers):
    from dataclasses import replace

    from faust.types import TP

    tp = TP("parcelwatch.order-commands.v1", 0)
    watchdog.faust_shell.CURSORS.sought({tp: 123})
    probe = MarkerProbe(markers)
    dog = Watchdog(RebalancingApp(), stall_after_s=60.0, probe=probe)
    dog.rebalanced()
    now = asyncio.get_running_loop().time()
    dog.ready_at = now - 61
    idle = replace(partition(126, 123, delivered_at=now - 61), topic=tp.topic, position=126)
    busy = replace(idle, partition=1, delivered_at=now - 1)

    async def input_partitions(_app):
        return [replace(p, cursor=watchdog.faust_shell.CURSORS.view(TP(p.topic, p.partition))) for p in (idle, busy)]

    monkeypatch.setattr(watchdog.faust_shell, "input_partitions", input_partitions)
    try:
        await dog.sample()
        assert probe.asked == [(123, 126)], "only the idle partition with a cursor behind its position is asked"
        assert watchdog.faust_shell.CURSORS.committable(tp) == (126 if markers else 123)
    finally:
        watchdog.faust_shell.CURSORS.sought({})
