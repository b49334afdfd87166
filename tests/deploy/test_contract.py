"""The metric contract of deploy/README.md: well formed, and what the code defines of it."""

import re

from tests.deploy.support import ROOT, contract

PACKAGES = ("carriers", "streams", "workers", "schemas")


def test_contract_is_well_formed():
    metrics = contract()
    assert len(metrics) >= 15
    for metric in metrics.values():
        assert re.fullmatch(r"parcelwatch_[a-z0-9_]+", metric.name), metric.name
        assert metric.type in {"counter", "gauge", "histogram"}, metric.name
        if metric.type == "counter":
            assert metric.name.endswith("_total"), f"{metric.name}: a counter's series end in _total"
        else:
            assert not metric.name.endswith("_total"), metric.name
        if metric.type == "histogram" or metric.name.endswith("_seconds"):
            assert metric.name.endswith("_seconds"), f"{metric.name}: durations in seconds"
        for label in metric.labels:
            assert re.fullmatch(r"[a-z_]+", label), f"{metric.name}: label {label!r}"


def test_contract_carries_the_names_the_issue_asks_for():
    metrics = contract()
    assert metrics["parcelwatch_consumer_partition_status"].labels == ("group", "topic", "partition", "status")
    assert metrics["parcelwatch_consumer_lag_seconds"].labels == ("group", "topic", "partition")
    assert metrics["parcelwatch_rule_firings_total"].labels == ("rule",)
    assert metrics["parcelwatch_outputs_total"].labels == ("topic",)
    assert metrics["parcelwatch_webhook_requests_total"].labels == ("carrier", "code")
    assert metrics["parcelwatch_poller_circuit_state"].labels == ("carrier",)


def defined_in_code(name: str) -> bool:
    """Whether a module of the package names this metric (prometheus_client adds `_total` itself)."""
    base = name.removesuffix("_total")
    pattern = re.compile(rf"[\"']{re.escape(base)}(_total)?[\"']")
    return any(
        pattern.search(path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    )


def test_the_code_defines_every_contract_metric():
    """The deploy artefacts read these names: the code must define every one of them."""
    missing = sorted(name for name in contract() if not defined_in_code(name))
    assert not missing, f"not defined by the code: {', '.join(missing)}"
