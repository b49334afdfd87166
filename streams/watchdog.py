"""Input partitions that have records to read and deliver none: stalls that would otherwise show
only as lag.

While the worker is ready, the watchdog samples its assigned input partitions every quarter of
`stall_after_s`: the broker's end offsets, the group's committed offsets, and when each partition
last delivered a record to the shell. A partition is stalled when it has lag and has delivered
nothing for `stall_after_s`, counted at the earliest from the end of the last rebalance (a
partition just taken over is not stalled for the time it sat with another worker). A stalled
partition is logged once with the consumer's view of it, counted in
`parcelwatch_stream_stalled_partitions`, listed by GET /partitions, and makes /healthz answer
503: the liveness probe restarts the worker and the group gives the partition to another.
"""

import asyncio
import logging
from dataclasses import asdict, dataclass

import faust

from streams import faust_shell
from streams.faust_shell import InputPartition
from streams.metrics import STALLED_PARTITIONS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    partition: InputPartition
    idle_s: float
    stalled: bool

    @property
    def lag(self) -> int | None:
        if self.partition.end is None:
            return None
        return max(0, self.partition.end - (self.partition.committed or 0))

    def as_json(self) -> dict:
        return {**asdict(self.partition), "lag": self.lag, "idle_s": round(self.idle_s, 1), "stalled": self.stalled}


def judge(partition: InputPartition, now: float, ready_at: float, stall_after_s: float) -> Verdict:
    """Pure: `now`, `ready_at` (the end of the last rebalance) and `delivered_at` are monotonic."""
    since = max(ready_at, partition.delivered_at or ready_at)
    idle_s = max(0.0, now - since)
    lagging = partition.end is not None and partition.end > (partition.committed or 0)
    return Verdict(partition, idle_s, lagging and idle_s >= stall_after_s)


class Watchdog:
    def __init__(self, app: faust.App, stall_after_s: float) -> None:
        self.app = app
        self.stall_after_s = stall_after_s
        self.ready_at: float | None = None
        self.verdicts: list[Verdict] = []
        self._reported: set[tuple[str, int]] = set()

    def rebalanced(self) -> None:
        self.ready_at = asyncio.get_running_loop().time()
        self.verdicts = []

    def stalled(self) -> list[Verdict]:
        return [verdict for verdict in self.verdicts if verdict.stalled]

    async def sample(self) -> None:
        if self.ready_at is None or self.app.rebalancing:
            self.verdicts = []
        else:
            partitions = await faust_shell.input_partitions(self.app)
            now = asyncio.get_running_loop().time()
            self.verdicts = [judge(p, now, self.ready_at, self.stall_after_s) for p in partitions]
        stalled = self.stalled()
        STALLED_PARTITIONS.set(len(stalled))
        keys = {(v.partition.topic, v.partition.partition) for v in stalled}
        for verdict in stalled:
            if (verdict.partition.topic, verdict.partition.partition) not in self._reported:
                log.error("an input partition with lag delivers nothing: %s", verdict.as_json())
        self._reported = keys

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.stall_after_s / 4)
            try:
                await self.sample()
            except Exception as error:  # the broker may be away; the next sample tries again
                log.warning("could not sample the input partitions: %s", error)
                self.verdicts = []
