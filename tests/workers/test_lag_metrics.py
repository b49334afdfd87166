"""Lag as metrics, as a table and as JSON; group assignments read from DescribeGroups."""

from aiohttp.test_utils import TestClient, TestServer
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console

from workers.lag.collector import owners_from_description
from workers.lag.metrics import LagMetrics, create_app
from workers.lag.model import EstimateKind, LagReport, PartitionLag, Status
from workers.lag.view import document, render


def report(at: float = 1_767_225_600.0) -> LagReport:
    row = dict(group="parcelwatch", topic="tracking.raw.v1", end=120, samples=10, owner=None)
    return LagReport(
        at=at,
        window=10,
        groups=("parcelwatch", "parcelwatch-poller"),
        partitions=(
            PartitionLag(
                **row,
                partition=0,
                committed=120,
                lag_offsets=0,
                lag_seconds=0.0,
                estimate=EstimateKind.CAUGHT_UP,
                status=Status.OK,
            ),
            PartitionLag(
                **row,
                partition=1,
                committed=20,
                lag_offsets=100,
                lag_seconds=42.5,
                estimate=EstimateKind.INTERPOLATED,
                status=Status.STOP,
            ),
        ),
    )


def scrape(registry: CollectorRegistry) -> dict[tuple[str, frozenset], float]:
    """Every sample of the registry: (name, labels) -> value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_metrics_follow_the_latest_report():
    registry = CollectorRegistry()
    metrics = LagMetrics(registry)
    assert sample(scrape(registry), "parcelwatch_lag_sample_errors_total") == 0
    metrics.update(report())
    metrics.failed()
    samples = scrape(registry)
    labels = {"group": "parcelwatch", "topic": "tracking.raw.v1", "partition": "1"}
    assert sample(samples, "parcelwatch_consumer_lag_offsets", **labels) == 100
    assert sample(samples, "parcelwatch_consumer_lag_seconds", **labels) == 42.5
    assert sample(samples, "parcelwatch_consumer_committed_offset", **labels) == 20
    assert sample(samples, "parcelwatch_partition_end_offset", topic="tracking.raw.v1", partition="1") == 120
    assert {
        status: sample(samples, "parcelwatch_consumer_partition_status", **labels, status=status) for status in Status
    } == {
        "OK": 0,
        "WARN": 0,
        "STOP": 1,
        "STALL": 0,
        "REWIND": 0,
    }
    assert sample(samples, "parcelwatch_consumer_group_status", group="parcelwatch", status="STOP") == 1
    assert not [key for key in samples if ("group", "parcelwatch-poller") in key[1]]  # no offsets: no series
    assert sample(samples, "parcelwatch_lag_last_sample_timestamp_seconds") == 1_767_225_600
    assert sample(samples, "parcelwatch_lag_sample_errors_total") == 1


def test_a_partition_that_leaves_leaves_no_series():
    registry = CollectorRegistry()
    metrics = LagMetrics(registry)
    metrics.update(report())
    metrics.update(LagReport(at=2.0, window=10, groups=("parcelwatch",), partitions=()))
    assert not [key for key in scrape(registry) if ("topic", "tracking.raw.v1") in key[1]]


async def test_the_endpoint_serves_metrics_and_says_when_sampling_stalled():
    registry = CollectorRegistry()
    metrics = LagMetrics(registry)
    now = [1_767_225_600.0]
    app = create_app(metrics, registry, stale_after_s=15, clock=lambda: now[0])
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 503
        metrics.update(report(at=now[0] - 5))
        assert (await client.get("/healthz")).status == 200
        response = await client.get("/metrics")
        assert response.status == 200
        assert 'status="STOP"} 1.0' in await response.text()
        now[0] += 20
        assert (await client.get("/healthz")).status == 503


def test_the_json_document():
    doc = document(report(), interval_s=5.0)
    assert doc["sampled_at"] == "2026-01-01T00:00:00.000Z"
    assert (doc["interval_s"], doc["window"]) == (5.0, 10)
    assert doc["groups"] == [
        {"group": "parcelwatch", "status": "STOP", "partitions": 2, "lag_offsets": 100, "max_lag_seconds": 42.5},
        {"group": "parcelwatch-poller", "status": None, "partitions": 0, "lag_offsets": 0, "max_lag_seconds": None},
    ]
    assert doc["partitions"][1] == {
        "group": "parcelwatch",
        "topic": "tracking.raw.v1",
        "partition": 1,
        "committed": 20,
        "end": 120,
        "lag_offsets": 100,
        "lag_seconds": 42.5,
        "lag_seconds_estimate": "interpolated",
        "status": "STOP",
        "window_samples": 10,
        "owner": None,
    }


def test_the_table():
    console = Console(record=True, width=160)
    console.print(render(report(), interval_s=5.0))
    text = console.export_text()
    assert "tracking.raw.v1" in text and "STOP" in text and "42.5" in text
    assert "parcelwatch-poller: no committed offsets" in text


def assignment(*partitions: tuple[str, int]) -> bytes:
    topics: dict[str, list[int]] = {}
    for topic, partition in partitions:
        topics.setdefault(topic, []).append(partition)
    return ConsumerProtocolMemberAssignment(0, list(topics.items()), b"").encode()


def test_owners_come_from_the_members_assignments():
    described = [
        (
            0,
            "parcelwatch",
            "Stable",
            "consumer",
            "faust",
            [
                ("m-1", "parcelwatch-1", "/10.0.0.7", b"", assignment(("tracking.raw.v1", 0), ("tracking.raw.v1", 2))),
                ("m-2", "", "", b"", assignment(("tracking.raw.v1", 1))),
            ],
        ),
        (0, "tansu", "Stable", "consumer", "", [("m-3", "", "", b"", b"")]),  # Tansu sends no assignment
        (0, "idle", "Empty", "", "", []),
        (0, "broken", "Stable", "consumer", "range", [("m-4", "c", "h", b"", b"\x00")]),
    ]
    assert owners_from_description(described) == {
        "parcelwatch": {
            ("tracking.raw.v1", 0): "parcelwatch-1@10.0.0.7",
            ("tracking.raw.v1", 2): "parcelwatch-1@10.0.0.7",
            ("tracking.raw.v1", 1): "m-2",
        },
        "tansu": {},
        "idle": {},
        "broken": {},
    }


def test_a_member_with_a_group_instance_id_is_read_too():
    member = ("m-1", "static-1", "client", "/10.0.0.8", b"", assignment(("t", 0)))  # DescribeGroups v4+
    assert owners_from_description([(0, "g", "Stable", "consumer", "range", [member], 0)]) == {
        "g": {("t", 0): "client@10.0.0.8"}
    }
