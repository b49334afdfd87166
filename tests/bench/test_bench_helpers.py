"""The pure parts of `parcelwatch bench`: percentiles, the report, the inputs it generates. No timing asserted."""

from datetime import UTC, datetime

import orjson
import pytest

from carriers.generic.adapter import GenericPayload
from carriers.sandbox.adapter import SandboxShipment
from carriers.standard_webhooks import verify
from schemas.inputs import ORDER_EVENT, RAW_TOPIC, SHIPMENTS_TOPIC, RawTracking
from workers.bench.records import BenchRecord, stream_records
from workers.bench.report import json_line, percentile, ratio, table
from workers.bench.stream import StreamFigures, Timed
from workers.bench.stream import report as stream_report
from workers.bench.webhook import LoadResult, WebhookFigures, signed_deliveries
from workers.bench.webhook import report as webhook_report

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([7.0], 50, 7.0),
        ([7.0], 99, 7.0),
        ([1.0, 2.0, 3.0, 4.0], 0, 1.0),
        ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),
        ([float(v) for v in range(1, 101)], 99, 99.01),
    ],
)
def test_percentile_interpolates_between_the_closest_ranks(values, q, expected):
    assert percentile(values, q) == pytest.approx(expected)


@pytest.mark.parametrize(("values", "q"), [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_refuses_what_has_none(values, q):
    with pytest.raises(ValueError):
        percentile(values, q)


def test_ratio_of_nothing_is_none():
    assert ratio(1.0, 4.0) == 0.25
    assert ratio(1.0, 0.0) is None


def test_table_aligns_text_left_and_numbers_right():
    text = table(("side", "events/s"), [("passthrough", 27_025.14), ("stream", 689.0)])
    header, rule, first, second = text.splitlines()
    assert header.split() == ["side", "events/s"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert first.startswith("passthrough") and first.endswith("27,025.1")
    assert second.startswith("stream ") and second.endswith("689.0")
    assert len(first) == len(second)


def test_stream_records_are_the_same_for_the_same_seed_and_exactly_as_many_as_asked():
    first = stream_records_of(500, seed=3)
    assert first == stream_records_of(500, seed=3)
    assert first != stream_records_of(500, seed=4)
    assert len(first) == 500
    assert [r.at for r in first] == sorted(r.at for r in first)


def test_stream_records_register_orders_and_report_events_in_both_carrier_formats():
    records = stream_records_of(2_000)
    carriers, sources, statuses = set(), set(), set()
    for record in records:
        value = orjson.loads(record.value)
        if record.topic == SHIPMENTS_TOPIC:
            assert ORDER_EVENT.validate_python(value).tracking_number == record.key.decode()
            continue
        assert record.topic == RAW_TOPIC
        raw = RawTracking.model_validate(value)
        model = GenericPayload if raw.carrier == "generic" else SandboxShipment
        payload = model.model_validate(raw.payload)
        assert payload.tracking_number == record.key.decode()
        times = [getattr(event, "occurred_at", None) or event.time for event in payload.events]
        assert all(when <= NOW for when in times), "only events that happened by now"
        carriers.add(raw.carrier)
        sources.add(raw.source)
        statuses |= {e["status"] for e in raw.payload["events"] if "status" in e}
        statuses |= {e["code"] for e in raw.payload["events"] if raw.carrier == "sandbox"}
    assert carriers == {"generic", "sandbox"}
    assert sources == {"webhook", "poll"}
    assert {"delivered", "DELIVERED"} <= statuses, "deliveries, so the delivery rule fires"
    assert len({r.key for r in records}) > 100


def test_signed_deliveries_are_distinct_and_verify():
    deliveries = signed_deliveries("whsec_c2VjcmV0LWZvci10ZXN0cw==", "t", 20, NOW)
    assert len({body for body, _ in deliveries}) == 20
    assert len({headers["webhook-id"] for _, headers in deliveries}) == 20
    for body, headers in deliveries:
        assert verify(headers, body, ["whsec_c2VjcmV0LWZvci10ZXN0cw=="], NOW) == headers["webhook-id"]
        assert orjson.loads(body)["events"][0]["occurred_at"] < NOW.isoformat()


def test_stream_report_ends_with_one_json_line_of_the_figures():
    figures = StreamFigures(
        records=1_000,
        partitions=3,
        workers=2,
        preload_s=0.2,
        passthrough=Timed(1_000, 0.1, 0.015),
        stream=Timed(1_000, 2.0, 0.45),
        stream_startup_s=3.1,
        rebalances=0,
        outputs={"shipments.status.v1": 600},
    )
    *lines, last = stream_report(figures).splitlines()
    stream_row = next(line for line in lines if line.startswith("parcelwatch stream"))
    assert stream_row.split()[2:] == ["2", "1,000", "2", "500.0", "0.05", "450.0"]
    assert not any("rebalanced" in line for line in lines)
    figures_line = orjson.loads(last)
    assert figures_line["bench"] == "stream"
    assert figures_line["workers"] == 2
    assert figures_line["stream_events_per_s"] == 500.0
    assert figures_line["passthrough_events_per_s"] == 10_000.0
    assert figures_line["ratio"] == 0.05
    assert figures_line["stream_cpu_us_per_event"] == 450.0
    assert figures_line["passthrough_cpu_us_per_event"] == 15.0
    assert figures_line["rebalances"] == 0


def test_webhook_report_ends_with_one_json_line_of_the_figures():
    bare = LoadResult(4, 0.001, [0.001, 0.002, 0.003, 0.004], {202: 4})
    receiver = LoadResult(4, 0.004, [0.010, 0.020, 0.030, 0.040], {202: 3, 503: 1})
    *lines, last = webhook_report(WebhookFigures(4, 2, 2, bare, receiver, produced=5)).splitlines()
    assert any("202×3, 503×1" in line for line in lines)
    figures = orjson.loads(last)
    assert figures["bench"] == "webhook"
    assert figures["ratio"] == 0.25
    assert figures["receiver_p50_ms"] == pytest.approx(25.0)
    assert figures["bare_p99_ms"] == pytest.approx(3.97)
    assert figures["receiver_statuses"] == {"202": 3, "503": 1}
    assert figures["broker"] == "tansu"


def test_webhook_report_names_the_broker():
    result = LoadResult(1, 0.001, [0.001], {202: 1})
    text = webhook_report(WebhookFigures(1, 1, 1, result, result, produced=2, broker="kafka"))
    assert "tracking.raw.v1 of kafka: 2" in text
    assert orjson.loads(text.splitlines()[-1])["broker"] == "kafka"


def test_json_line_keeps_the_order_given():
    assert json_line({"b": 1, "a": None}) == '{"b":1,"a":null}'


def stream_records_of(count: int, seed: int = 7) -> list[BenchRecord]:
    return stream_records(count, NOW, seed)
