"""The delivery estimator's pure parts: the bins, Kaplan–Meier, the window, a lane's decisions, the codec."""

from datetime import timedelta

import pytest

from schemas.codec import dump_lane, dump_state, load_lane, load_state
from schemas.commands import EtaAnswered
from schemas.eta import EtaEstimate, EtaMemory, EtaRequest, LaneObserved, LaneState, LegChange, LegStart, Outcome
from schemas.state import ShipmentState
from schemas.status import Status
from streams.eta.histogram import bin_of, bucket_of, delivery_quantiles, edges, observe, samples_after, tail
from streams.eta.lanes import decide_lane
from streams.eta.settings import EtaSettings
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
        change = LegChange(leg="shipped", added=Outcome(kind=kind, hours=days * DAY))
        state = observe(state, bucket_of(T0, SETTINGS), [change], T0, SETTINGS)
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


def _outcome(change_days: float, kind: str = "delivered") -> LegChange:
    return LegChange(leg="shipped", added=Outcome(kind=kind, hours=change_days * DAY))


def test_an_outcome_moves_between_bins_and_an_absent_one_is_not_taken_out():
    bucket = bucket_of(T0, SETTINGS)
    state = observe(LaneState(lane="global"), bucket, [_outcome(3, "in_flight")], T0, SETTINGS)
    moved = LegChange(
        leg="shipped", removed=Outcome(kind="in_flight", hours=3 * DAY), added=Outcome(kind="delivered", hours=9 * DAY)
    )
    state = observe(state, bucket, [moved], T0, SETTINGS)
    counts = state.buckets[bucket]["shipped"]
    assert (counts.in_flight, counts.ended) == ({}, {})
    assert counts.delivered == {bin_of(9 * DAY, SETTINGS): 1}
    never = LegChange(leg="shipped", removed=Outcome(kind="delivered", hours=50 * DAY))
    assert observe(state, bucket, [never], T0, SETTINGS).buckets == state.buckets


def test_buckets_older_than_the_window_are_dropped_and_not_read():
    old = observe(LaneState(lane="global"), bucket_of(T0, SETTINGS), [_outcome(10)], T0, SETTINGS)
    later = T0 + timedelta(days=SETTINGS.window_days + SETTINGS.bucket_days)
    assert samples_after(tail(old, "shipped", T0, 0, SETTINGS)) == 1
    assert samples_after(tail(old, "shipped", later, 0, SETTINGS)) == 0
    newer = observe(old, bucket_of(later, SETTINGS), [_outcome(10)], later, SETTINGS)
    assert list(newer.buckets) == [bucket_of(later, SETTINGS)]


def _learned(lane: str, count: int) -> LaneState:
    state = LaneState(lane=lane)
    for i in range(count):
        state = observe(state, bucket_of(T0, SETTINGS), [_outcome(10 + i * 0.2)], T0, SETTINGS)
    return state


def _request(lane: str, fallback: tuple[str, ...], previous=None) -> EtaRequest:
    return EtaRequest(
        lane=lane,
        fallback=fallback,
        tracking_number="LP000000014CN",
        order_ids=("o-1",),
        carrier="cainiao",
        origin_country="CN",
        destination_country="ES",
        status=Status.EXPORT,
        estimated_at=day(1),
        legs=(LegStart(leg="shipped", started_at=day(0)),),
        previous_p80_at=previous,
    )


def test_a_lane_with_too_few_samples_forwards_to_the_next_level():
    request = _request("lane:cainiao:CN:ES", ("country_pair:CN:ES", "destination:ES", "global"))
    thin = decide_lane(_learned(request.lane, 19), request, day(1), SETTINGS)
    assert thin.state is None
    (onward,) = thin.commands
    assert (onward.lane, onward.fallback) == ("country_pair:CN:ES", ("destination:ES", "global"))
    (answer,) = decide_lane(_learned(onward.lane, 20), onward, day(1), SETTINGS).commands
    assert isinstance(answer, EtaAnswered) and answer.key == request.tracking_number
    assert (answer.order_ids, answer.carrier, answer.origin_country, answer.destination_country, answer.status) == (
        ("o-1",),
        "cainiao",
        "CN",
        "ES",
        Status.EXPORT,
    )
    found = answer.estimate
    assert (found.estimated_at, found.basis, found.leg, found.samples) == (day(1), "country_pair", "shipped", 20)


def test_the_last_level_answers_with_any_sample_and_never_with_none():
    request = _request("global", ())
    assert decide_lane(_learned("global", 1), request, day(1), SETTINGS).commands
    assert decide_lane(None, request, day(1), SETTINGS).commands == []


@pytest.mark.parametrize(("moved_hours", "answered"), [(0, False), (23, False), (-23, False), (24, True), (-30, True)])
def test_answered_only_when_p80_moved_a_day_from_the_one_the_request_says_was_emitted(moved_hours, answered):
    state = _learned("global", 30)
    (first,) = decide_lane(state, _request("global", ()), day(1), SETTINGS).commands
    previous = first.estimate.p80_at + timedelta(hours=moved_hours)
    again = decide_lane(state, _request("global", (), previous), day(1), SETTINGS)
    assert bool(again.commands) is answered


def test_an_observation_changes_the_lane_and_answers_nothing():
    observed = LaneObserved(lane="global", bucket=bucket_of(T0, SETTINGS), changes=(_outcome(10),))
    decision = decide_lane(None, observed, T0, SETTINGS)
    assert decision.state.lane == "global"
    assert decision.commands == []


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
