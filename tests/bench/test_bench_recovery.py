"""The pure parts of `parcelwatch bench recovery`: the states it writes, its figures and report. No timing asserted."""

import os
from collections import Counter

import orjson
import pytest

from schemas.codec import load_link, load_state
from workers.bench.recovery import (
    Changelog,
    RecoveryFigures,
    Start,
    changelog_records,
    copied_state,
    copy_key,
    recovery_s,
    report,
    sample_tables,
)
from workers.bench.report import resident_bytes, status_kib
from workers.bench.rules import NOW

SHIPMENTS = "pw-changelog-shipments-changelog"
ORDERS = "pw-changelog-orders-changelog"
STATUS = "Name:\tpython3\nVmPeak:\t  812344 kB\nVmHWM:\t  170112 kB\nVmRSS:\t  165820 kB\nThreads:\t4\n"


@pytest.fixture(scope="module")
def sample():
    return sample_tables(40, 7, NOW)


def test_the_sample_is_what_the_engine_leaves_of_orders_in_flight(sample):
    shipments, orders = sample
    assert 30 <= len(shipments) <= 40
    assert len(orders) == 40
    assert any(state.events for state in shipments.values())
    assert all(order_id in orders for state in shipments.values() for order_id in state.orders)


def test_copy_zero_is_the_sample_itself_and_other_copies_are_suffixed():
    assert copy_key("LX123456789CN", 0) == "LX123456789CN"
    assert copy_key("LX123456789CN", 3) == "LX123456789CN-3"


def test_a_copied_state_differs_from_its_original_only_in_its_keys(sample):
    shipments, _ = sample
    state = next(state for state in shipments.values() if state.orders)
    copy = copied_state(state, 2)
    assert copy.tracking_number == f"{state.tracking_number}-2"
    assert list(copy.orders) == [f"{order_id}-2" for order_id in state.orders]
    assert all(watch.order_id == order_id for order_id, watch in copy.orders.items())
    assert copy.events == state.events and copy.status == state.status
    for (order_id, watch), copied in zip(state.orders.items(), copy.orders.values(), strict=True):
        assert copied == watch.model_copy(update={"order_id": f"{order_id}-2"})


@pytest.mark.parametrize("count", [1, 25, 100])
def test_changelog_records_are_count_states_each_under_its_own_key_with_their_orders_links(sample, count):
    shipments, orders = sample
    records = list(changelog_records(shipments, orders, count, "pw-changelog"))
    by_topic = Counter(topic for topic, _, _ in records)
    assert by_topic[SHIPMENTS] == count
    assert set(by_topic) <= {SHIPMENTS, ORDERS}
    states = {key: load_state(value) for topic, key, value in records if topic == SHIPMENTS}
    links = {key: load_link(value) for topic, key, value in records if topic == ORDERS}
    assert len(states) == count and len(links) == by_topic[ORDERS], "no key written twice"
    assert all(state.tracking_number == key.decode() for key, state in states.items())
    assert all(link.order_id == key.decode() for key, link in links.items())
    watched = {order_id for state in states.values() for order_id in state.orders}
    assert {key.decode() for key in links} == watched
    numbers = {state.tracking_number for state in states.values()}
    assert all(numbers & set(link.tracking_numbers) for link in links.values())


def test_changelog_records_refuse_an_empty_sample():
    with pytest.raises(ValueError):
        list(changelog_records({}, {}, 10, "pw"))


def test_a_recovery_is_the_time_beyond_the_empty_start_and_never_negative():
    empty = Start(ready_s=3.0, rss_bytes=80_000_000)
    assert recovery_s(Start(ready_s=10.5, rss_bytes=1), empty) == 7.5
    assert recovery_s(Start(ready_s=2.9, rss_bytes=1), empty) == 0.0


def test_status_kib_reads_a_kb_field_of_proc_status():
    assert status_kib(STATUS, "VmRSS") == 165_820
    assert status_kib(STATUS, "VmHWM") == 170_112
    with pytest.raises(ValueError):
        status_kib(STATUS, "VmSwap")


def test_resident_bytes_of_this_process_and_of_none():
    assert resident_bytes(os.getpid()) > 10_000_000
    assert resident_bytes(2**22 + 12_345) is None


def test_the_report_ends_with_one_json_line_of_the_figures():
    figures = RecoveryFigures(
        partitions=6,
        sample_orders=2_000,
        sample_states=1_900,
        changelog=Changelog(
            shipments=10_000, order_links=9_900, shipment_bytes=27_000_000, order_bytes=900_000, seconds=1.5
        ),
        empty_memory=Start(2.5, 77_000_000),
        empty_rocksdb=Start(3.0, 88_000_000),
        memory=Start(7.5, 230_000_000),
        rocksdb_cold=Start(9.0, 150_000_000),
        rocksdb_warm=Start(2.8, 100_000_000),
    )
    *lines, last = report(figures).splitlines()
    assert lines[0].startswith("10,000 shipment states (copies of the 1,900 the engine left from 2,000 orders)")
    assert "27.9 MB of keys and values" in lines[0] and "2,700 B per state" in lines[0]
    warm = next(line for line in lines if "warm" in line)
    assert warm.split()[-3:] == ["2.8", "0", "100.0"]
    assert orjson.loads(last) == {
        "bench": "recovery",
        "shipments": 10_000,
        "order_links": 9_900,
        "partitions": 6,
        "changelog_bytes": 27_900_000,
        "empty_start_s": 2.5,
        "rocksdb_empty_start_s": 3.0,
        "memory_recover_s": 5.0,
        "memory_rss_mb": 230.0,
        "rocksdb_cold_recover_s": 6.0,
        "rocksdb_warm_recover_s": 0.0,
        "rocksdb_rss_mb": 100.0,
        "rocksdb_cold_rss_mb": 150.0,
        "empty_rss_mb": 77.0,
    }
