"""The lag model, as tables: the time-lag estimate and Burrow's evaluation rules."""

import math

import pytest

from workers.lag.model import (
    EstimateKind,
    LagState,
    LookupTable,
    Point,
    Sample,
    Snapshot,
    Status,
    evaluate,
    observe,
)

# -- the lookup table ----------------------------------------------------------------------------


def table(*points: tuple[int, float], size: int = 10) -> LookupTable:
    built = LookupTable(size)
    for offset, at in points:
        built = built.add(Point(offset, at))
    return built


@pytest.mark.parametrize(
    ("points", "committed", "now", "lag_seconds", "kind"),
    [
        pytest.param([], 5, 100.0, None, None, id="empty table: unknown"),
        pytest.param([(100, 50.0)], 100, 60.0, 0.0, EstimateKind.CAUGHT_UP, id="single point, caught up"),
        pytest.param([(100, 50.0)], 40, 60.0, 10.0, EstimateKind.AT_LEAST, id="single point, behind: a lower bound"),
        pytest.param([(100, 0.0), (200, 10.0)], 200, 30.0, 0.0, EstimateKind.CAUGHT_UP, id="at the newest point"),
        pytest.param([(100, 0.0), (200, 10.0)], 250, 30.0, 0.0, EstimateKind.CAUGHT_UP, id="past the newest point"),
        pytest.param([(100, 0.0), (200, 10.0)], 150, 30.0, 25.0, EstimateKind.INTERPOLATED, id="inside: interpolated"),
        pytest.param(
            [(100, 0.0), (200, 10.0), (300, 20.0)], 100, 30.0, 30.0, EstimateKind.INTERPOLATED, id="on a point"
        ),
        pytest.param(
            [(100, 0.0), (200, 10.0), (400, 20.0)],
            300,
            30.0,
            15.0,
            EstimateKind.INTERPOLATED,
            id="inside, uses the segment around it",
        ),
        pytest.param(
            [(100, 0.0), (100, 10.0), (200, 20.0)],
            100,
            30.0,
            20.0,
            EstimateKind.INTERPOLATED,
            id="offsets equal: the last time the end was there",
        ),
        pytest.param(
            [(100, 10.0), (200, 20.0)],
            50,
            30.0,
            25.0,
            EstimateKind.EXTRAPOLATED,
            id="older than the table: extrapolated",
        ),
        pytest.param(
            [(100, 10.0), (150, 20.0), (300, 30.0)],
            0,
            30.0,
            30.0,
            EstimateKind.EXTRAPOLATED,
            id="extrapolated along the table's average rate",
        ),
        pytest.param(
            [(100, 0.0), (100, 10.0)], 50, 30.0, 30.0, EstimateKind.AT_LEAST, id="flat table, behind: a lower bound"
        ),
        pytest.param([(100, 0.0), (200, 10.0)], 150, 2.0, 0.0, EstimateKind.INTERPOLATED, id="clamped at 0"),
    ],
)
def test_time_lag(points, committed, now, lag_seconds, kind):
    estimate = table(*points).when(committed)
    if lag_seconds is None:
        assert estimate is None
        return
    assert estimate.kind is kind
    assert estimate.lag_seconds(now) == pytest.approx(lag_seconds)


@pytest.mark.parametrize(
    ("points", "size", "kept"),
    [
        pytest.param([(1, 1.0), (2, 2.0), (3, 3.0)], 10, [(1, 1.0), (2, 2.0), (3, 3.0)], id="in order"),
        pytest.param([(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)], 3, [(2, 2.0), (3, 3.0), (4, 4.0)], id="bounded"),
        pytest.param([(1, 1.0), (2, 2.0), (3, 1.5)], 10, [(1, 1.0), (2, 2.0)], id="out of order: ignored"),
        pytest.param([(1, 1.0), (2, 2.0), (3, 2.0)], 10, [(1, 1.0), (2, 2.0)], id="same time: ignored"),
        pytest.param(
            [(1, 1.0), (5, 2.0), (5, 3.0), (5, 4.0), (5, 5.0)],
            10,
            [(1, 1.0), (5, 2.0), (5, 5.0)],
            id="a flat line keeps its two ends",
        ),
        pytest.param([(10, 1.0), (20, 2.0), (3, 3.0)], 10, [(3, 3.0)], id="end offset went back: a new table"),
    ],
)
def test_lookup_table_points(points, size, kept):
    assert table(*points, size=size).points == tuple(Point(o, t) for o, t in kept)


def test_an_idle_partition_does_not_push_out_the_points_that_date_old_offsets():
    idle = table((0, 0.0), (100, 10.0), *[(100, 10.0 + i) for i in range(1, 50)], size=4)
    assert len(idle.points) == 3
    assert idle.when(50).at == pytest.approx(5.0)


# -- Burrow's evaluation -------------------------------------------------------------------------


def samples(*offsets: tuple[int, int], owned: bool = False) -> list[Sample]:
    """(committed, end) per sample, one second apart."""
    return [Sample(float(i), committed, end, owned) for i, (committed, end) in enumerate(offsets)]


@pytest.mark.parametrize(
    ("window", "allowed_lag", "status"),
    [
        pytest.param([], 0, Status.OK, id="nothing sampled"),
        pytest.param(samples((0, 10), (5, 10), (10, 10)), 0, Status.OK, id="caught up now"),
        pytest.param(samples((0, 10), (0, 12)), 0, Status.OK, id="partial window: not judged"),
        pytest.param(samples((10, 10), (10, 12), (10, 14)), 0, Status.OK, id="caught up within the window"),
        pytest.param(samples((5, 10), (5, 12), (5, 14)), 0, Status.STOP, id="STOP: offset still, lag growing"),
        pytest.param(samples((5, 10), (5, 10), (5, 10)), 0, Status.STOP, id="STOP: offset still, lag constant"),
        pytest.param(
            samples((5, 10), (5, 12), (5, 14), owned=True), 0, Status.STALL, id="STALL: still, a live member holds it"
        ),
        pytest.param(samples((5, 10), (6, 12), (7, 14)), 0, Status.WARN, id="WARN: moving, lag growing"),
        pytest.param(samples((5, 10), (6, 11), (7, 12)), 0, Status.WARN, id="WARN: moving, lag flat"),
        pytest.param(samples((5, 10), (7, 11), (8, 14)), 0, Status.OK, id="OK: lag went down once"),
        pytest.param(samples((10, 20), (5, 20), (6, 20)), 0, Status.REWIND, id="REWIND"),
        pytest.param(samples((10, 20), (5, 20)), 0, Status.REWIND, id="REWIND on a partial window"),
        pytest.param(samples((20, 20), (5, 20), (6, 21)), 0, Status.REWIND, id="REWIND after zero lag"),
        pytest.param(samples((10, 20), (5, 20), (12, 20)), 0, Status.OK, id="rewind recovered"),
        pytest.param(samples((10, 10), (5, 10), (5, 10)), 0, Status.REWIND, id="rewind, then still"),
        pytest.param(samples((5, 7), (6, 8), (7, 9)), 2, Status.OK, id="within the allowed lag"),
        pytest.param(samples((5, 7), (6, 8), (7, 9)), 0, Status.WARN, id="the same lag, none allowed"),
        pytest.param(samples((0, 1), (5, 10), (5, 12), (5, 14)), 0, Status.STOP, id="only the last `size` count"),
    ],
)
def test_evaluate(window, allowed_lag, status):
    assert evaluate(window, size=3, allowed_lag=allowed_lag) is status


def statuses(offsets: list[tuple[int, int]], size: int = 3, owned: bool = False) -> list[Status]:
    history = samples(*offsets, owned=owned)
    return [evaluate(history[: i + 1], size) for i in range(len(history))]


def test_a_consumer_that_stops_then_resumes_goes_stop_then_ok():
    offsets = [(10, 10), (20, 20), (20, 30), (20, 40), (20, 50), (20, 60), (40, 65), (65, 70), (70, 70)]
    assert statuses(offsets) == [
        Status.OK,
        Status.OK,
        Status.OK,  # caught up within the window
        Status.OK,  # still: caught up at its oldest sample
        Status.STOP,
        Status.STOP,
        Status.OK,  # moving again, and the lag went down
        Status.OK,
        Status.OK,
    ]


def test_a_stall_clears_when_the_offset_moves_again():
    offsets = [(5, 10), (5, 11), (5, 12), (5, 13), (9, 13), (13, 13)]
    assert statuses(offsets, owned=True) == [Status.OK, Status.OK, Status.STALL, Status.STALL, Status.OK, Status.OK]


def test_a_slow_consumer_warns_until_it_gains():
    offsets = [(0, 10), (1, 12), (2, 14), (3, 16), (10, 17), (18, 18)]
    assert statuses(offsets) == [Status.OK, Status.OK, Status.WARN, Status.WARN, Status.OK, Status.OK]


def test_a_rewind_holds_until_the_offset_is_back_where_it_was():
    offsets = [(50, 60), (10, 60), (30, 60), (52, 60), (60, 60)]
    assert statuses(offsets, size=4) == [Status.OK, Status.REWIND, Status.REWIND, Status.OK, Status.OK]


# -- one sampling round after another ------------------------------------------------------------


def rounds(*rows: tuple[float, int, int | None], window: int = 3, owned: bool = False):
    """(at, end, committed) rounds of group g on t/0; the report of each."""
    state, reports = LagState(), []
    for at, end, committed in rows:
        snapshot = Snapshot(
            at=at,
            ends={("t", 0): end},
            committed={"g": {} if committed is None else {("t", 0): committed}},
            owners={"g": {("t", 0): "worker-1@10.0.0.7"}} if owned else {},
        )
        state, report = observe(state, snapshot, window=window, table_size=10)
        reports.append(report)
    return state, reports


def test_a_stopped_consumer_shows_stop_and_a_growing_time_lag():
    _, reports = rounds(
        (0.0, 100, 100), (10.0, 200, 200), (20.0, 300, 200), (30.0, 400, 200), (40.0, 500, 200), (50.0, 600, 200)
    )
    rows = [report.partitions[0] for report in reports]
    assert [row.status for row in rows] == [Status.OK, Status.OK, Status.OK, Status.OK, Status.STOP, Status.STOP]
    assert [row.lag_offsets for row in rows] == [0, 0, 100, 200, 300, 400]
    assert [row.lag_seconds for row in rows] == [0.0, 0.0, 10.0, 20.0, 30.0, 40.0]
    assert rows[-1].estimate is EstimateKind.INTERPOLATED
    assert rows[-1].samples == 3


def test_a_held_partition_that_does_not_move_stalls_and_names_its_owner():
    _, reports = rounds((0.0, 100, 50), (10.0, 110, 50), (20.0, 120, 50), owned=True)
    row = reports[-1].partitions[0]
    assert (row.status, row.owner) == (Status.STALL, "worker-1@10.0.0.7")


def test_a_partition_without_a_committed_offset_is_forgotten():
    state, reports = rounds((0.0, 100, 100), (10.0, 200, None))
    assert reports[-1].partitions == ()
    assert state.windows == {}
    summary = reports[-1].by_group()[0]
    assert (summary.group, summary.status, summary.partitions) == ("g", None, 0)


def test_the_group_is_as_bad_as_its_worst_partition():
    state = LagState()
    for at, committed in ((0.0, 10), (1.0, 10), (2.0, 10)):
        snapshot = Snapshot(
            at=at,
            ends={("t", 0): 20 + int(at), ("t", 1): 5},
            committed={"g": {("t", 0): committed, ("t", 1): 5}},
        )
        state, report = observe(state, snapshot, window=3, table_size=10)
    summary = report.by_group()[0]
    assert (summary.status, summary.partitions, summary.lag_offsets) == (Status.STOP, 2, 12)
    assert math.isclose(summary.max_lag_seconds, 12.0)  # offset 10, 1 record/s before the table's 20 at 0 s
