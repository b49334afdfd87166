"""Lag as Prometheus metrics, from the latest report, and the `/metrics` endpoint that serves them.

The metrics are built at each scrape from the last report (a custom collector), so a partition
that disappears leaves no stale series behind.

- `parcelwatch_consumer_lag_offsets{group,topic,partition}`: end offset − committed offset;
- `parcelwatch_consumer_lag_seconds{group,topic,partition}`: the time-lag estimate (NaN before
  anything was recorded for the partition);
- `parcelwatch_consumer_committed_offset{group,topic,partition}` and
  `parcelwatch_partition_end_offset{topic,partition}`: the offsets themselves, for rates;
- `parcelwatch_consumer_partition_status{group,topic,partition,status}`: one series per Burrow
  status (OK, WARN, STOP, STALL, REWIND), 1 for the partition's current status and 0 for the
  others, so an alert reads `parcelwatch_consumer_partition_status{status=~"STALL|STOP"} == 1`;
- `parcelwatch_consumer_group_status{group,status}`: the same for the group (its worst partition);
- `parcelwatch_lag_last_sample_timestamp_seconds` and `parcelwatch_lag_sample_errors_total`:
  whether the collector itself works.
"""

import math
import time
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, CollectorRegistry

from workers.lag.model import LagReport, Status

PARTITION_LABELS = ["group", "topic", "partition"]


class LagMetrics:
    """A Prometheus collector over the latest `LagReport`."""

    def __init__(self, registry: CollectorRegistry | None = REGISTRY) -> None:
        self.report: LagReport | None = None
        self.errors = 0
        if registry is not None:
            registry.register(self)

    def update(self, report: LagReport) -> None:
        self.report = report

    def failed(self, _error: Exception | None = None) -> None:
        self.errors += 1

    def describe(self) -> Iterator[Metric]:
        return iter(())  # built at scrape time; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "parcelwatch_consumer_lag_offsets", "records between the committed and end offsets", labels=PARTITION_LABELS
        )
        seconds = GaugeMetricFamily(
            "parcelwatch_consumer_lag_seconds",
            "how long ago the end offset was the committed offset (interpolated from sampled end offsets)",
            labels=PARTITION_LABELS,
        )
        committed = GaugeMetricFamily(
            "parcelwatch_consumer_committed_offset", "the group's committed offset", labels=PARTITION_LABELS
        )
        end = GaugeMetricFamily(
            "parcelwatch_partition_end_offset", "the partition's end offset", labels=["topic", "partition"]
        )
        status = GaugeMetricFamily(
            "parcelwatch_consumer_partition_status",
            "1 for the partition's current Burrow status (OK, WARN, STOP, STALL, REWIND), 0 for the others",
            labels=[*PARTITION_LABELS, "status"],
        )
        group_status = GaugeMetricFamily(
            "parcelwatch_consumer_group_status",
            "1 for the group's current status (its worst partition's), 0 for the others",
            labels=["group", "status"],
        )
        sampled = GaugeMetricFamily(
            "parcelwatch_lag_last_sample_timestamp_seconds", "when the lag collector last read the offsets"
        )
        errors = CounterMetricFamily("parcelwatch_lag_sample_errors", "lag sampling rounds that failed")
        errors.add_metric([], self.errors)
        report = self.report
        if report is not None:
            sampled.add_metric([], report.at)
            ends: dict[tuple[str, str], int] = {}
            for row in report.partitions:
                labels = [row.group, row.topic, str(row.partition)]
                lag.add_metric(labels, row.lag_offsets)
                seconds.add_metric(labels, math.nan if row.lag_seconds is None else row.lag_seconds)
                committed.add_metric(labels, row.committed)
                ends[(row.topic, str(row.partition))] = row.end
                for each in Status:
                    status.add_metric([*labels, each.value], 1.0 if row.status is each else 0.0)
            for (topic, partition), offset in sorted(ends.items()):
                end.add_metric([topic, partition], offset)
            for summary in report.by_group():
                if summary.status is not None:
                    for each in Status:
                        group_status.add_metric([summary.group, each.value], 1.0 if summary.status is each else 0.0)
        yield from (lag, seconds, committed, end, status, group_status, sampled, errors)


def create_app(
    metrics: LagMetrics, registry: CollectorRegistry = REGISTRY, stale_after_s: float = 30.0, clock=time.time
) -> web.Application:
    """GET /metrics (the registry) and GET /healthz (503 once no round succeeded for `stale_after_s`)."""

    async def healthz(_request: web.Request) -> web.Response:
        report = metrics.report
        if report is None or clock() - report.at > stale_after_s:
            return web.json_response({"status": "stale", "last_sample_at": report.at if report else None}, status=503)
        return web.json_response({"status": "ok", "last_sample_at": report.at})

    async def exposition(_request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", exposition)
    app.router.add_get("/healthz", healthz)
    return app
