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

Before judging, a partition fetched past its cursor with nothing taken and nothing delivered for a
sample's interval asks the broker whether those offsets hold only transaction markers (under
exactly-once the stream's own transactions end its command partitions so): if they do, its cursor
and so its commit move past them, and it is not stalled.
"""

import asyncio
import logging
from dataclasses import asdict, dataclass

import faust
from faust.types import TP

from streams import faust_shell
from streams.faust_shell import InputPartition
from streams.kafka import OffsetProbe
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
    def __init__(self, app: faust.App, stall_after_s: float, probe: OffsetProbe | None = None) -> None:
        self.app = app
        self.stall_after_s = stall_after_s
        self.probe = probe
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
            await self._pass_markers(partitions, now)
            self.verdicts = [judge(p, now, self.ready_at, self.stall_after_s) for p in partitions]
        stalled = self.stalled()
        STALLED_PARTITIONS.set(len(stalled))
        keys = {(v.partition.topic, v.partition.partition) for v in stalled}
        for verdict in stalled:
            if (verdict.partition.topic, verdict.partition.partition) not in self._reported:
                log.error("an input partition with lag delivers nothing: %s", verdict.as_json())
        self._reported = keys

    async def _pass_markers(self, partitions: list[InputPartition], now: float) -> None:
        """Under exactly-once, a partition the stream's own transactions write ends in markers no
        record follows: its cursor (and so its committed offset) stays under the end for good, and
        the partition would look stalled. A partition fetched past its cursor, with nothing taken
        and nothing delivered for a sample's interval, asks the broker whether those offsets hold
        only markers; if so its cursor moves past them."""
        if self.probe is None:
            return
        quiet_s = self.stall_after_s / 4
        for p in partitions:
            cursor = p.cursor
            if cursor is None or p.position is None or p.position <= cursor["next"] or cursor["taken"]:
                continue
            if now - (p.delivered_at or self.ready_at or now) < quiet_s:
                continue
            tp = TP(p.topic, p.partition)
            if not await self.probe.only_markers(tp, cursor["next"], p.position):
                outcome = "records or no answer, left"
            elif faust_shell.CURSORS.passed(tp, cursor["next"], p.position):
                outcome = "only transaction markers, passed"
            else:
                outcome = "markers, cursor moved meanwhile"
            log.info("%s[%d] offsets %d to %d: %s", p.topic, p.partition, cursor["next"], p.position, outcome)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.stall_after_s / 4)
            try:
                await self.sample()
            except Exception as error:  # the broker may be away; the next sample tries again
                log.warning("could not sample the input partitions: %s", error)
                self.verdicts = []
