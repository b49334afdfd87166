"""When each shipment next needs a `Tick`: a heap of (due, tracking number), O(log n) per item.

Only the latest due time of a key counts; older heap entries are skipped when they surface
(lazy deletion). The index is derived state: the stream rebuilds it from its table after a
restart or a rebalance, so it needs no storage of its own.
"""

import heapq
from datetime import datetime


class WakeupIndex:
    def __init__(self) -> None:
        self._heap: list[tuple[datetime, str]] = []
        self._due: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, key: str, due: datetime | None) -> None:
        """Wake `key` at `due`, replacing what was scheduled for it (None: never)."""
        if due is None:
            self._due.pop(key, None)
            return
        if self._due.get(key) == due:
            return
        self._due[key] = due
        heapq.heappush(self._heap, (due, key))

    def forget(self, keys) -> None:
        for key in keys:
            self._due.pop(key, None)

    def next_due(self) -> datetime | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: datetime) -> list[tuple[datetime, str]]:
        """Every (due, key) with due ≤ now, earliest first, each removed from the index."""
        found = []
        while True:
            self._drop_stale()
            if not self._heap or self._heap[0][0] > now:
                return found
            due, key = heapq.heappop(self._heap)
            del self._due[key]
            found.append((due, key))

    def _drop_stale(self) -> None:
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
