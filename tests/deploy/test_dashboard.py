"""The Grafana dashboard: it loads, its panels are well formed and every query reads the contract."""

import json

import pytest
import yaml

from tests.deploy.support import DASHBOARD, alert_rules, contract, metric_names, promql_problems, promtool, run

DOC = json.loads(DASHBOARD.read_text(encoding="utf-8"))
# Grafana's variables, replaced by what they stand for when a query is checked.
VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "6h", "$group": ".*"}


def panels() -> list[dict]:
    found = []
    for panel in DOC["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def targets() -> list[tuple[str, dict]]:
    return [(f"{panel['id']}:{panel['title']}:{t['refId']}", t) for panel in panels() for t in panel.get("targets", [])]


def concrete(expr: str) -> str:
    for variable, value in VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def test_dashboard_identity():
    assert DOC["uid"] == "parcelwatch"
    assert DOC["title"] == "parcelwatch"
    variables = {v["name"]: v for v in DOC["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"


def test_panel_ids_are_unique_and_placed():
    ids = [panel["id"] for panel in panels()]
    assert len(ids) == len(set(ids))
    for panel in panels():
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


def test_every_query_panel_uses_the_datasource_variable():
    for panel in panels():
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"


@pytest.mark.parametrize("target", [t for _, t in targets()], ids=[i for i, _ in targets()])
def test_query_reads_only_contract_metrics(target):
    assert promql_problems(concrete(target["expr"])) == []


def test_the_dashboard_shows_what_the_issue_asks_for():
    shown = set().union(*(metric_names(t["expr"]) for _, t in targets()))
    for series in (
        "parcelwatch_webhook_requests_total",
        "parcelwatch_webhook_request_seconds_bucket",
        "parcelwatch_stream_events_total",
        "parcelwatch_stream_record_age_seconds_bucket",
        "parcelwatch_consumer_lag_seconds",
        "parcelwatch_consumer_partition_status",
        "parcelwatch_deadletter_records_total",
        "parcelwatch_unknown_carrier_codes_total",
        "parcelwatch_rule_firings_total",
        "parcelwatch_outputs_total",
        "parcelwatch_poller_polls_total",
        "parcelwatch_poller_errors_total",
        "parcelwatch_poller_overdue_seconds",
        "parcelwatch_poller_circuit_state",
    ):
        assert series in shown, f"no panel shows {series}"


def test_every_contract_metric_is_read_by_a_panel_or_an_alert():
    read = set().union(*(metric_names(t["expr"]) for _, t in targets()))
    read |= set().union(*(metric_names(rule["expr"]) for rule in alert_rules()))
    for metric in contract().values():
        assert metric.series_names() & read, f"{metric.name} is in the contract but nothing reads it"


def test_promtool_parses_every_query(tmp_path):
    """Each query becomes a recording rule, so Prometheus's own parser checks it."""
    rules = [{"record": f"dashboard:panel_{i}", "expr": concrete(t["expr"])} for i, (_, t) in enumerate(targets())]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = run([promtool(), "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr
