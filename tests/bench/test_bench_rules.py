"""The pure parts of `parcelwatch bench rules`: its history and its size statistics. No timing asserted."""

from collections import Counter

import orjson
import pytest

from schemas.codec import dump_link, dump_state, load_link, load_state
from schemas.inputs import DISPUTES_TOPIC, RAW_TOPIC, SHIPMENTS_TOPIC
from streams.ingest import to_inputs
from workers.bench.rules import NOW, SHIP_WINDOW, decide_history, history, report, run, size_stats


def kinds(records) -> Counter:
    found = Counter()
    for record in records:
        value = orjson.loads(record.value)
        found[(record.topic, value.get("type") or value.get("source"))] += 1
    return found


def test_history_is_the_same_for_the_same_seed_and_in_arrival_order():
    first = history(80, seed=3)
    assert first == history(80, seed=3)
    assert first != history(80, seed=4)
    assert [r.at for r in first] == sorted(r.at for r in first)
    assert all(NOW - SHIP_WINDOW <= r.at <= NOW for r in first)


def test_history_has_every_kind_of_input_and_each_is_one_the_stream_accepts():
    records = history(300, seed=7)
    found = kinds(records)
    assert found[(SHIPMENTS_TOPIC, "registered")] == 300
    for kind in ("protection_extended", "tracking_number_replaced", "receipt_confirmed"):
        assert found[(SHIPMENTS_TOPIC, kind)] > 0, kind
    for kind in ("opened", "cancelled"):
        assert found[(DISPUTES_TOPIC, kind)] > 0, kind
    assert found[(RAW_TOPIC, "webhook")] > found[(RAW_TOPIC, "poll")] > 0
    raw = [r.value for r in records if r.topic == RAW_TOPIC]
    assert len(set(raw)) < len(raw), "some pushes are delivered twice"
    for record in records:
        assert to_inputs(record.topic, orjson.loads(record.value)), record


def test_a_replaced_number_hands_its_order_to_the_number_that_scans():
    records = history(300, seed=7)
    replaced = [orjson.loads(r.value) for r in records if b'"tracking_number_replaced"' in r.value]
    registered = {orjson.loads(r.value)["tracking_number"] for r in records if b'"registered"' in r.value}
    scanned = {r.key.decode() for r in records if r.topic == RAW_TOPIC}
    for value in replaced:
        assert value["previous_tracking_number"] in registered
        assert value["previous_tracking_number"] not in scanned
        assert value["tracking_number"] in scanned


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([100], (1, 100.0, 100.0, 100.0, 100, 100)),
        ([10, 20, 30, 40], (4, 25.0, 25.0, 39.7, 40, 100)),
        (list(range(1, 101)), (100, 50.5, 50.5, 99.01, 100, 5050)),
        ([], (0, 0.0, 0.0, 0.0, 0, 0)),
    ],
)
def test_size_stats(sizes, expected):
    stats = size_stats(sizes)
    assert (stats.count, stats.mean, stats.p50, stats.p99, stats.max, stats.total) == pytest.approx(expected)


def test_the_tables_are_kept_as_their_changelogs_hold_them():
    decided = decide_history(40, seed=7)
    # numbers whose every order is closed or over are forgotten after the retention: most remain
    assert len(decided.orders) == 40 and 30 <= len(decided.shipments) <= 45
    for key, blob in decided.shipments.items():
        state = load_state(blob)
        assert state.tracking_number == key
        assert dump_state(state) == blob
    for key, blob in decided.orders.items():
        link = load_link(blob)
        assert link.order_id == key
        assert dump_link(link) == blob


def test_a_small_run_decides_fires_timers_and_reports_one_json_line():
    figures = run(60, seed=7)
    assert figures.records == len(history(60, seed=7))
    assert figures.decisions > figures.records, "commands and ticks are decisions too"
    assert figures.ticks > 0, "the clock moves with the records, so timers fire"
    assert figures.outputs["shipments.status.v1"] > 0
    assert 45 <= figures.shipment_bytes.count <= 70 and figures.order_bytes.count == 60
    assert figures.shipment_bytes.mean > figures.order_bytes.mean > 0
    assert figures.heap_bytes_per_shipment > 0
    *_, last = report(figures).splitlines()
    line = orjson.loads(last)
    assert line["bench"] == "rules"
    assert line["decisions"] == figures.decisions
    assert set(line["shipment_state_bytes"]) == {"count", "mean", "p50", "p99", "max"}


def test_history_refuses_nothing_to_do():
    with pytest.raises(ValueError):
        history(0)
