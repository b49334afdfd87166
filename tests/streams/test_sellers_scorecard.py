"""The seller's side alone: `decide_seller` at the first input of a day, the bounded state, the bins."""

import random
from datetime import timedelta

import pytest

from schemas.sellers import Contribution, SellerObserved, SellerTick, dump_seller, load_seller
from streams.sellers.hours import BINS, bin_of, lower_edge, median_hours
from streams.sellers.scorecard import day_of, decide_seller, start_of
from streams.sellers.settings import SellerSettings
from streams.sellers.timer import DailyTimer
from tests.core.helpers import T0, day

SETTINGS = SellerSettings()
D0 = day_of(T0)


def shipped(order_id: str, shipped_day: int, **part) -> SellerObserved:
    added = Contribution(shipped_day=shipped_day, scanned_in_time=False, **part)
    return SellerObserved(seller_id="s-1", order_id=order_id, added=added)


def test_the_first_input_of_a_day_emits_the_scorecard_of_the_state_before_it():
    first = decide_seller(None, shipped("o-1", D0), day(0.5), SETTINGS)
    assert first.outputs == []
    second = decide_seller(first.state, shipped("o-2", D0 + 1), day(1.5), SETTINGS)
    assert [(c.as_of, c.orders) for c in second.outputs] == [(day(1), 1)]
    assert decide_seller(second.state, SellerTick(seller_id="s-1"), day(1.9), SETTINGS).outputs == []
    third = decide_seller(second.state, SellerTick(seller_id="s-1"), day(2), SETTINGS)
    assert [(c.as_of, c.orders) for c in third.outputs] == [(day(2), 2)]


def test_a_removal_takes_out_what_was_added():
    part = Contribution(shipped_day=D0, scanned_in_time=True, first_scan_bin=5, delivered_day=D0 + 3, guaranteed=True)
    added = decide_seller(None, SellerObserved(seller_id="s-1", order_id="o-1", added=part), day(4), SETTINGS)
    assert added.state.days[D0].shipped == 1 and added.state.days[D0 + 3].guaranteed == 1
    removed = SellerObserved(seller_id="s-1", order_id="o-1", removed=part)
    assert decide_seller(added.state, removed, day(4), SETTINGS).state is None


def test_a_day_after_tomorrow_is_not_counted():
    assert decide_seller(None, shipped("o-1", D0 + 2), day(0.5), SETTINGS).state is None
    assert decide_seller(None, shipped("o-1", D0 + 1), day(0.5), SETTINGS).state.days[D0 + 1].shipped == 1


def test_a_seller_with_nothing_left_in_the_window_is_forgotten():
    state = decide_seller(None, shipped("o-1", D0), day(0.5), SETTINGS).state
    assert decide_seller(state, SellerTick(seller_id="s-1"), day(29), SETTINGS).state is not None
    assert decide_seller(state, SellerTick(seller_id="s-1"), day(31), SETTINGS).state is None


def test_the_state_is_bounded_by_the_window_whatever_the_orders():
    """90 days of 40 orders a day, each shipped, scanned after random hours, then delivered or
    returned: the seller holds at most window_days + 1 days of at most 121 bins, a few kilobytes."""
    pick = random.Random(13)
    state, sizes = None, []
    for n in range(90):
        for k in range(40):
            first = Contribution(shipped_day=D0 + n - pick.randrange(20), scanned_in_time=False)
            scanned = first.model_copy(
                update={"first_scan_bin": pick.randrange(BINS), "scanned_in_time": pick.random() < 0.8}
            )
            ended = pick.choice([{"delivered_day": D0 + n, "guaranteed": True}, {"returned_day": D0 + n}])
            for removed, added in ((None, first), (first, scanned), (scanned, scanned.model_copy(update=ended))):
                command = SellerObserved(seller_id="s-1", order_id=f"o-{n}-{k}", removed=removed, added=added)
                state = decide_seller(state, command, day(n + k / 40), SETTINGS).state
            largest = max(len(d.first_scan_bins) for d in state.days.values())
            sizes.append((len(state.days), largest, len(dump_seller(state))))
    assert max(days for days, _, _ in sizes) <= SETTINGS.window_days + 1
    assert max(bins for _, bins, _ in sizes) <= BINS
    assert max(size for _, _, size in sizes) < 40_000


def test_a_state_round_trips_through_its_table_encoding():
    state = decide_seller(None, shipped("o-1", D0, first_scan_bin=7), day(0.5), SETTINGS).state
    assert load_seller(dump_seller(state)) == state


@pytest.mark.parametrize(
    ("hours", "bin_", "edge"),
    [
        (0, 0, 0),
        (-5, 0, 0),
        (71.9, 71, 71),
        (72, 72, 72),
        (239.9, 99, 234),
        (240, 100, 240),
        (719, 119, 696),
        (720, 120, 720),
        (5000, 120, 720),
    ],
)
def test_bins(hours, bin_, edge):
    assert bin_of(hours) == bin_
    assert lower_edge(bin_) == edge


def test_every_bin_starts_at_its_lower_edge():
    assert [bin_of(lower_edge(b)) for b in range(BINS)] == list(range(BINS))


def test_median_is_the_lower_middle_order():
    assert median_hours({}) is None
    assert median_hours({3: 1, 10: 1}) == 3
    assert median_hours({3: 1, 10: 2}) == 10
    assert median_hours({100: 4, 2: 1}) == 240


def test_days_count_from_1970_in_utc():
    assert start_of(day_of(T0)) == T0
    assert day_of(T0 - timedelta(microseconds=1)) == D0 - 1


def test_the_daily_timer_is_due_once_a_day_and_again_after_a_restart():
    timer = DailyTimer()
    assert [timer.due(day(n)) for n in (0.1, 0.5, 0.99, 1.0, 1.5)] == [True, False, False, True, False]
    timer.restart()
    assert [timer.due(day(1.6)), timer.due(day(1.7))] == [True, False]
