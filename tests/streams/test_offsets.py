"""The cursors of the stream's input partitions: records decided in order, each once since the last
seek, and no offset committed before every record under it is done, whatever order a fetch loop
that overlaps seeks hands records in."""

from streams.offsets import Cursors, Probed, Verdict

TP = ("tracking.raw.v1", 0)


def sought(offset: int = 0) -> Cursors:
    cursors = Cursors()
    cursors.sought({TP: offset})
    return cursors


def run(cursors: Cursors, offsets: list[int], first_of=None) -> list[int]:
    """Judge `offsets` as the shell does (probing with `first_of(start)`), acknowledge each record
    taken, and answer the offsets taken in order."""
    taken = []
    for offset in offsets:
        verdict = cursors.judge(TP, offset)
        if verdict is Verdict.PROBE:
            start = cursors.probe_from(TP)
            verdict = cursors.probed(TP, start, first_of(start), offset).verdict
        if verdict is Verdict.TAKE:
            cursors.take(TP, offset)
            cursors.acknowledged(TP, offset)
            taken.append(offset)
    return taken


def test_records_in_order_are_taken_and_move_the_committable_offset():
    cursors = sought(5)
    assert run(cursors, [5, 6, 7]) == [5, 6, 7]
    assert cursors.committable(TP) == 8


def test_a_record_read_again_is_dropped():
    cursors = sought(5)
    run(cursors, [5, 6])
    assert cursors.judge(TP, 5) is Verdict.DROP
    assert cursors.judge(TP, 6) is Verdict.DROP


def test_stale_records_of_an_overlapping_fetch_never_pass_a_record_not_decided():
    """After a seek back to 3 the fetch loop still hands records 9 and 10 of its earlier fetch, then
    the records from 3: 9 and 10 are held (the broker says 3 comes first), the rest taken in order."""
    cursors = sought(0)
    run(cursors, [0, 1, 2])
    cursors.sought({TP: 3})
    assert run(cursors, [9, 10, 3, 4, 5, 6, 7, 8, 9, 10], first_of=lambda start: start) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert cursors.committable(TP) == 11


def test_a_record_after_offsets_without_records_is_taken_once_the_broker_says_it_comes_first():
    """Transaction markers at 3 and 7: the records are 0-2, 4-6 and 8."""
    records = [0, 1, 2, 4, 5, 6, 8]
    cursors = sought(0)
    first_of = lambda start: min(o for o in records if o >= start)  # noqa: E731
    assert run(cursors, records, first_of) == records
    assert cursors.committable(TP) == 9


def test_a_missing_record_holds_the_later_ones_and_asks_for_the_partition_again():
    cursors = sought(0)
    run(cursors, [0, 1])
    assert cursors.judge(TP, 5) is Verdict.PROBE
    assert cursors.probed(TP, cursors.probe_from(TP), 2, 5) == Probed(Verdict.HOLD, seek_to=2)
    assert cursors.judge(TP, 6) is Verdict.HOLD, "known missing: no probe for every later record"
    assert run(cursors, [2, 3, 4, 5, 6]) == [2, 3, 4, 5, 6]


def test_no_answer_from_the_broker_holds_the_record_and_reads_the_partition_again():
    cursors = sought(4)
    assert cursors.judge(TP, 9) is Verdict.PROBE
    assert cursors.probed(TP, 4, None, 9) == Probed(Verdict.HOLD, seek_to=4)
    assert cursors.judge(TP, 9) is Verdict.PROBE


def test_an_answer_for_a_cursor_that_moved_meanwhile_is_not_used():
    cursors = sought(0)
    cursors.sought({TP: 7})
    assert cursors.probed(TP, 0, 5, 5) == Probed(Verdict.HOLD)
    assert cursors.judge(TP, 7) is Verdict.TAKE


def test_only_acknowledged_records_in_the_order_taken_move_the_committable_offset():
    cursors = sought(0)
    for offset in (0, 1, 2):
        cursors.take(TP, offset)
    cursors.acknowledged(TP, 1)
    assert cursors.committable(TP) == 0, "record 0 is not done: nothing may be committed"
    cursors.acknowledged(TP, 0)
    cursors.acknowledged(TP, 1)
    assert cursors.committable(TP) == 2


def test_a_record_taken_before_a_seek_does_not_move_the_offset_after_it():
    cursors = sought(10)
    cursors.take(TP, 10)
    cursors.sought({TP: 4})
    cursors.acknowledged(TP, 10)
    assert cursors.committable(TP) == 4


def test_a_rewind_reads_again_from_the_last_record_done():
    cursors = sought(0)
    run(cursors, [0, 1])
    cursors.take(TP, 2)
    cursors.take(TP, 3)
    assert cursors.rewind(TP) == 2
    assert cursors.committable(TP) == 2
    assert run(cursors, [2, 3]) == [2, 3]


def test_partitions_without_a_cursor_are_held_and_left_to_faust():
    cursors = sought(0)
    other = ("tracking.raw.v1", 1)
    assert cursors.judge(other, 0) is Verdict.HOLD
    assert cursors.committable(other) is None
    assert cursors.rewind(other) is None
    cursors.sought({other: 3})
    assert TP not in cursors, "a seek names every input partition the worker has"


def test_offsets_that_hold_only_markers_are_passed_when_nothing_is_taken():
    cursors = sought(0)
    run(cursors, [0, 1])
    assert cursors.passed(TP, 2, 4)
    assert cursors.committable(TP) == 4
    assert cursors.judge(TP, 4) is Verdict.TAKE
    cursors.take(TP, 4)
    assert not cursors.passed(TP, 5, 7), "record 4 is not acknowledged yet"
    cursors.acknowledged(TP, 4)
    assert not cursors.passed(TP, 3, 7), "the cursor moved since the broker was asked"
    assert cursors.passed(TP, 5, 7)
