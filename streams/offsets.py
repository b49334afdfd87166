"""Which input records the shell decides, and which offsets it may commit: a cursor per partition.

Offsets are the truth: the record at an offset never changes, so what matters is only that a
partition's records are decided in order, each once since the partition was last sought, and that
no offset is committed before every record under it is decided and acknowledged. Faust's consumer
cannot be trusted with either: its fetch loop drops any record at or under the last offset it read
and counts a jump in offsets as records it need not wait for, and both go wrong when a seek and a
fetch overlap (a seek back after a rebalance, or one Faust makes whenever its fetcher runs while
flow control is off). Records it dropped were never decided, and the offsets it counted were
committed past them.

So every record the shell takes from a channel is judged by its partition's cursor:

- under the cursor's next offset: decided since the last seek, dropped;
- at it: taken;
- above it: offsets are missing between. They may hold no records (transaction markers, aborted
  transactions) or records this fetch did not deliver; the broker is asked which record comes first
  from the cursor (`probed`), and the record is taken if it is that one, otherwise held (released
  unacknowledged) and the partition read again from the cursor.

Records are not judged while a seek is under way (`streams.faust_shell.SEEKS`): a record fetched
just after it must be judged by the cursor it starts. Records acknowledged in the order they were
taken move `done`, the offset the group may commit.
"""

from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    TAKE = "take"
    DROP = "drop"
    HOLD = "hold"
    PROBE = "probe"


@dataclass(slots=True)
class Cursor:
    """`next`: the record to decide next is the first at or after it; `first`: that record's offset,
    when a probe has told; `done`: every record under it is decided and acknowledged; `taken`:
    offsets taken and not acknowledged yet, in order; `dropped` and `held`: records not taken since
    the last one taken (what the worker's /partitions shows)."""

    next: int
    done: int
    first: int | None = None
    taken: deque[int] = field(default_factory=deque)
    dropped: int = 0
    held: int = 0


@dataclass(frozen=True, slots=True)
class Probed:
    """What a probe's answer means for the record that asked: its verdict, and the offset to read
    the partition from again when the record is held (None: no seek needed)."""

    verdict: Verdict
    seek_to: int | None = None


class Cursors:
    def __init__(self) -> None:
        self._cursors: dict[Hashable, Cursor] = {}

    def __contains__(self, tp: Hashable) -> bool:
        return tp in self._cursors

    def partitions(self) -> list[Hashable]:
        return list(self._cursors)

    def sought(self, positions: Mapping[Hashable, int]) -> None:
        """The consumer reads each partition from its position (the group's committed offset, or 0
        for a partition never committed): the cursors of exactly these partitions start there."""
        self._cursors = {tp: Cursor(next=offset, done=offset) for tp, offset in positions.items()}

    def judge(self, tp: Hashable, offset: int) -> Verdict:
        cursor = self._cursors.get(tp)
        if cursor is None:
            return Verdict.HOLD
        verdict = self._verdict(cursor, offset)
        if verdict is Verdict.DROP:
            cursor.dropped += 1
        elif verdict is Verdict.HOLD:
            cursor.held += 1
        return verdict

    @staticmethod
    def _verdict(cursor: Cursor, offset: int) -> Verdict:
        if offset < cursor.next:
            return Verdict.DROP
        if cursor.first is not None:
            if offset == cursor.first:
                return Verdict.TAKE
            return Verdict.HOLD if offset > cursor.first else Verdict.PROBE
        return Verdict.TAKE if offset == cursor.next else Verdict.PROBE

    def view(self, tp: Hashable) -> dict | None:
        """The cursor as /partitions shows it (None: the partition has none)."""
        cursor = self._cursors.get(tp)
        if cursor is None:
            return None
        return {
            "next": cursor.next,
            "first": cursor.first,
            "done": cursor.done,
            "taken": len(cursor.taken),
            "dropped": cursor.dropped,
            "held": cursor.held,
        }

    def probe_from(self, tp: Hashable) -> int:
        """Where a probe for `tp` reads from: the cursor's next offset."""
        return self._cursors[tp].next

    def probed(self, tp: Hashable, start: int, first: int | None, offset: int) -> Probed:
        """The broker answered that the first record at or after `start` is at `first` (None: it
        gave none in time). The record at `offset` that asked is taken if it is that record;
        otherwise it is held and the partition read again from `start`."""
        cursor = self._cursors.get(tp)
        if cursor is None or cursor.next != start:
            return Probed(Verdict.HOLD)
        cursor.first = first
        if first is not None and offset == first:
            return Probed(Verdict.TAKE)
        if first is not None and offset < first:
            cursor.first = None
        cursor.held += 1
        return Probed(Verdict.HOLD, seek_to=start)

    def passed(self, tp: Hashable, start: int, until: int) -> bool:
        """The offsets of `tp` from `start` up to `until` hold no records (transaction markers at the
        end of a partition: no record follows them to be taken). If the cursor is still at `start`
        with nothing taken and not acknowledged, it moves to `until`, and so may the commit."""
        cursor = self._cursors.get(tp)
        if cursor is None or cursor.next != start or cursor.taken or until <= start:
            return False
        cursor.next = cursor.done = until
        cursor.first = None
        return True

    def take(self, tp: Hashable, offset: int) -> None:
        cursor = self._cursors[tp]
        cursor.next, cursor.first = offset + 1, None
        cursor.dropped = cursor.held = 0
        cursor.taken.append(offset)

    def acknowledged(self, tp: Hashable, offset: int) -> None:
        """The record at `offset` is decided and its outputs and state are durable. Only the oldest
        record taken and not acknowledged moves `done`: one taken before the partition was last
        sought does not."""
        cursor = self._cursors.get(tp)
        if cursor is not None and cursor.taken and cursor.taken[0] == offset:
            cursor.taken.popleft()
            cursor.done = offset + 1

    def rewind(self, tp: Hashable) -> int | None:
        """The records taken and not acknowledged will not be: the partition is read again from
        `done` (returned; None: not a partition with a cursor)."""
        cursor = self._cursors.get(tp)
        if cursor is None:
            return None
        self._cursors[tp] = Cursor(next=cursor.done, done=cursor.done)
        return cursor.done

    def committable(self, tp: Hashable) -> int | None:
        """The offset the group may commit for `tp` (None: not a partition with a cursor)."""
        cursor = self._cursors.get(tp)
        return None if cursor is None else cursor.done
