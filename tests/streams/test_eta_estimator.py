"""The delivery estimator's pure parts: the bins, Kaplan–Meier, the window, a lane's decisions, the codec."""

from datetime import timedelta

import pytest

from schemas.codec import dump_lane, dump_state, load_lane, load_state
from schemas.eta import EtaEstimate, EtaMemory, LaneObserved, LaneState, LegStart, Outcome
from schemas.state import ShipmentState
from streams.eta.histogram import (
    bin_of,
    bucket_of,
    deliveries_from,
    delivery_quantiles,
    edges,
    moves,
    observe,
    samples_after,
    tail,
)
from streams.eta.lanes import decide_lane, estimate
from streams.eta.settings import EtaSettings
from streams.eta.shipment import moved
from tests.core.helpers import T0, day

SETTINGS = EtaSettings()
DAY = 24.0


def test_bins_are_bounded_and_cover_every_duration():
    bounds = edges(SETTINGS)
    assert len(bounds) - 1 == 202
    assert bounds[1] == 2.0
    assert bounds[-1] >= SETTINGS.max_days * DAY
    widths = [high - low for low, high in zip(bounds, bounds[1:], strict=False)]
    assert all(later >= earlier for earlier, later in zip(widths, widths[1:], strict=False))
    assert bin_of(0, SETTINGS) == 0
    assert bin_of(10_000 * DAY, SETTINGS) == len(bounds) - 2
    assert bin_of(-5, SETTINGS) == 0


def _lane(*outcomes: tuple[str, float], lane: str = "global") -> LaneState:
    state = LaneState(lane=lane)
    for kind, days in outcomes:
        state = observe(state, _added(days, kind), T0, SETTINGS)
    return state


def _quantiles(state: LaneState, elapsed_days: float = 0, levels=(0.5,)):
    counts = tail(state, "shipped", T0, bin_of(elapsed_days * DAY, SETTINGS), SETTINGS)
    found = delivery_quantiles(counts, elapsed_days * DAY, levels, SETTINGS)
    return None if found is None else tuple(hours / DAY for hours in found)


@pytest.mark.parametrize(
    ("middle", "low", "high"),
    [
        pytest.param("in_flight", 9.5, 10.3, id="in flight at day 5: may still come, as late as the others"),
        pytest.param("ended", 2.9, 3.1, id="lost at day 5: will not come, the deliveries say when the others do"),
    ],
)
def test_parcels_in_flight_are_censored_and_lost_ones_compete(middle, low, high):
    (p50,) = _quantiles(_lane(("delivered", 3), (middle, 5), (middle, 5), ("delivered", 10)))
    assert low <= p50 <= high


def test_quantiles_are_conditional_on_the_time_already_spent():
    days = (10, 11, 12, 13, 14, 20, 21, 22, 23, 24)
    state = _lane(*(("delivered", d) for d in days))
    (p50,) = _quantiles(state)
    (later,) = _quantiles(state, 16)
    assert 14 <= p50 <= 20
    assert 21 <= later <= 23
    assert samples_after(tail(state, "shipped", T0, bin_of(16 * DAY, SETTINGS), SETTINGS)) == 5
    assert _quantiles(state, 30) is None
    assert _quantiles(_lane(("ended", 3), ("in_flight", 4))) is None


def _added(days: float, kind: str = "delivered") -> dict:
    return moves(bucket_of(T0, SETTINGS), "shipped", None, Outcome(kind=kind, hours=days * DAY), SETTINGS)


def test_an_outcome_moves_between_bins_and_an_absent_one_is_not_taken_out():
    bucket = bucket_of(T0, SETTINGS)
    state = observe(LaneState(lane="global"), _added(3, "in_flight"), T0, SETTINGS)
    move = moves(
        bucket, "shipped", Outcome(kind="in_flight", hours=3 * DAY), Outcome(kind="delivered", hours=9 * DAY), SETTINGS
    )
    state = observe(state, move, T0, SETTINGS)
    counts = state.buckets[bucket]["shipped"]
    assert (counts.in_flight, counts.ended) == ({}, {})
    assert counts.delivered == {bin_of(9 * DAY, SETTINGS): 1}
    never = moves(bucket, "shipped", Outcome(kind="delivered", hours=50 * DAY), None, SETTINGS)
    assert observe(state, never, T0, SETTINGS).buckets == state.buckets


def test_a_move_within_one_bin_moves_nothing():
    bucket = bucket_of(T0, SETTINGS)
    later = moves(
        bucket,
        "import",
        Outcome(kind="in_flight", hours=20 * DAY),
        Outcome(kind="in_flight", hours=20.1 * DAY),
        SETTINGS,
    )
    assert later == {}
    arrived = moves(
        bucket, "import", Outcome(kind="in_flight", hours=20 * DAY), Outcome(kind="delivered", hours=20 * DAY), SETTINGS
    )
    index = bin_of(20 * DAY, SETTINGS)
    assert arrived == {bucket: {"import": {"in_flight": {index: -1}, "delivered": {index: 1}}}}


def test_merged_moves_are_the_sum_of_the_moves_and_cancel_out():
    bucket = bucket_of(T0, SETTINGS)
    first = LaneObserved(lane="global", counts=_added(3, "in_flight"))
    move = moves(
        bucket, "shipped", Outcome(kind="in_flight", hours=3 * DAY), Outcome(kind="delivered", hours=9 * DAY), SETTINGS
    )
    second = LaneObserved(lane="global", counts=move)
    third = LaneObserved(lane="global", counts=_added(10))
    merged = LaneObserved.merged([first, second, third])
    one_by_one = LaneState(lane="global")
    for command in (first, second, third):
        one_by_one = decide_lane(one_by_one, command, T0, SETTINGS)
    assert decide_lane(None, merged, T0, SETTINGS) == one_by_one
    assert merged.counts == {
        bucket: {"shipped": {"delivered": {bin_of(9 * DAY, SETTINGS): 1, bin_of(10 * DAY, SETTINGS): 1}}}
    }
    undone = moves(bucket, "shipped", Outcome(kind="in_flight", hours=3 * DAY), None, SETTINGS)
    assert LaneObserved.merged([first, LaneObserved(lane="global", counts=undone)]) is None


def test_buckets_older_than_the_window_are_dropped_and_not_read():
    old = observe(LaneState(lane="global"), _added(10), T0, SETTINGS)
    later = T0 + timedelta(days=SETTINGS.window_days + SETTINGS.bucket_days)
    assert samples_after(tail(old, "shipped", T0, 0, SETTINGS)) == 1
    assert samples_after(tail(old, "shipped", later, 0, SETTINGS)) == 0
    newer_bucket = bucket_of(later, SETTINGS)
    arrived = moves(newer_bucket, "shipped", None, Outcome(kind="delivered", hours=10 * DAY), SETTINGS)
    newer = observe(old, arrived, later, SETTINGS)
    assert list(newer.buckets) == [newer_bucket]


def _learned(lane: str, count: int) -> LaneState:
    state = LaneState(lane=lane)
    for i in range(count):
        state = observe(state, _added(10 + i * 0.2), T0, SETTINGS)
    return state


KEYS = ("lane:cainiao:CN:ES", "country_pair:CN:ES", "destination:ES", "global")
SHIPPED = (LegStart(leg="shipped", started_at=day(0)),)


def test_a_lane_with_too_few_samples_gives_way_to_the_next_level():
    lanes = {KEYS[0]: _learned(KEYS[0], 19), KEYS[1]: _learned(KEYS[1], 20), "global": _learned("global", 40)}
    found = estimate(lanes, KEYS, SHIPPED, day(1), SETTINGS)
    assert (found.basis, found.leg, found.samples, found.estimated_at) == ("country_pair", "shipped", 20, day(1))
    assert found.p50_at < found.p80_at < found.p95_at


def test_the_last_level_answers_with_any_sample_and_never_with_none():
    assert estimate({"global": _learned("global", 1)}, KEYS, SHIPPED, day(1), SETTINGS).basis == "global"
    assert estimate({}, KEYS, SHIPPED, day(1), SETTINGS) is None
    assert estimate({KEYS[0]: _learned(KEYS[0], 19)}, KEYS, SHIPPED, day(1), SETTINGS) is None


@pytest.mark.parametrize(("moved_hours", "emitted"), [(0, False), (23, False), (-23, False), (24, True), (-30, True)])
def test_revised_only_when_p80_moves_a_day(moved_hours, emitted):
    first = estimate({"global": _learned("global", 30)}, KEYS, SHIPPED, day(1), SETTINGS)
    assert moved(None, first.p80_at, SETTINGS)
    assert moved(first.p80_at + timedelta(hours=moved_hours), first.p80_at, SETTINGS) is emitted


def test_an_observation_makes_the_lane():
    observed = LaneObserved(lane="global", counts=_added(10))
    state = decide_lane(None, observed, T0, SETTINGS)
    assert state.lane == "global"
    assert samples_after(tail(state, "shipped", T0, 0, SETTINGS)) == 1


def test_a_shipments_part_and_a_lane_round_trip_through_the_codec():
    estimate = EtaEstimate(
        estimated_at=day(1),
        p50_at=day(12),
        p80_at=day(15),
        p95_at=day(20),
        basis="destination",
        leg="import",
        samples=33,
    )
    memory = EtaMemory(
        lanes=("lane:cainiao:CN:ES", "country_pair:CN:ES", "destination:ES", "global"),
        bucket=bucket_of(T0, SETTINGS),
        legs=(LegStart(leg="shipped", started_at=T0), LegStart(leg="import", started_at=day(8))),
        told={"shipped": Outcome(kind="in_flight", hours=200.5), "import": Outcome(kind="ended", hours=3.25)},
        estimate=estimate,
    )
    state = ShipmentState(tracking_number="LP000000014CN", carrier="cainiao", eta=memory)
    assert load_state(dump_state(state)) == state
    lane = _learned("global", 5)
    assert load_lane(dump_lane(lane)) == lane


def test_the_sums_a_lane_keeps_from_state_to_state_are_those_of_its_buckets():
    """`observe` derives a state's sums over the window from the previous state's; a copy of the
    state, never observed, sums its buckets afresh, and the previous state keeps its own."""
    state = LaneState(lane="global")
    told: dict[int, Outcome] = {}
    for step in range(60):
        bucket = bucket_of(T0, SETTINGS) - step % 3
        number = step % 7
        before = told.get(number)
        after = Outcome(kind=("in_flight", "delivered", "ended")[step % 3], hours=(step * 37) % 400 * 1.5)
        told[number] = after
        previous = state
        state = observe(state, moves(bucket, "shipped", before, after, SETTINGS), T0, SETTINGS)
        fresh = LaneState.model_validate(state.model_dump())
        for first in (0, 40, 90):
            assert tail(state, "shipped", T0, first, SETTINGS) == tail(fresh, "shipped", T0, first, SETTINGS)
        again = tail(previous, "shipped", T0, 0, SETTINGS)
        assert deliveries_from(previous, "shipped", T0, 0, SETTINGS) == samples_after(again)
    assert tail(state, "shipped", T0, 0, SETTINGS)
