"""The alert rules: their shape, their PromQL, their runbook sections, and the chart's copy."""

import re
import subprocess
import sys

import pytest

from tests.deploy.support import (
    ALERT_TESTS,
    ALERTS,
    CHART,
    DEPLOY,
    RUNBOOK,
    alert_rules,
    load_yaml,
    promql_problems,
    promtool,
    run,
    runbook_anchors,
)

RULES = alert_rules()
NAMES = [rule["alert"] for rule in RULES]

# What ISSUE 6 asks an alert for, and the series each one reads.
REQUIRED = {
    "ParcelwatchConsumerTimeLagHigh": "parcelwatch_consumer_lag_seconds",
    "ParcelwatchPartitionStopped": "parcelwatch_consumer_partition_status",
    "ParcelwatchPartitionStalled": "parcelwatch_consumer_partition_status",
    "ParcelwatchDeadLettersGrowing": "parcelwatch_deadletter_records_total",
    "ParcelwatchUnknownCarrierCodes": "parcelwatch_unknown_carrier_codes_total",
    "ParcelwatchWebhook5xxRate": "parcelwatch_webhook_requests_total",
    "ParcelwatchPollOverdue": "parcelwatch_poller_overdue_seconds",
    "ParcelwatchCarrierCircuitOpen": "parcelwatch_poller_circuit_state",
}


def test_every_group_has_a_name_and_rules():
    groups = load_yaml(ALERTS)["groups"]
    assert groups
    for group in groups:
        assert isinstance(group.get("name"), str) and group["name"]
        assert isinstance(group.get("rules"), list) and group["rules"]


def test_alert_names_are_unique_and_cover_the_issue():
    assert len(NAMES) == len(set(NAMES))
    for name, series in REQUIRED.items():
        rule = next((rule for rule in RULES if rule["alert"] == name), None)
        assert rule is not None, f"no alert {name}"
        assert series in rule["expr"], f"{name} does not read {series}"


@pytest.mark.parametrize("rule", RULES, ids=NAMES)
def test_rule_schema(rule):
    assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
    assert re.fullmatch(r"Parcelwatch[A-Za-z0-9]+", rule["alert"])
    assert isinstance(rule["expr"], str) and rule["expr"].strip()
    assert re.fullmatch(r"\d+[smh]", str(rule["for"])), "for: a duration like 5m"
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"].strip()
    assert rule["annotations"]["description"].strip()
    assert rule["annotations"]["runbook_url"].startswith("deploy/RUNBOOK.md#")


@pytest.mark.parametrize("rule", RULES, ids=NAMES)
def test_rule_expression_passes_the_promql_sanity_check(rule):
    assert promql_problems(rule["expr"]) == []


@pytest.mark.parametrize("rule", RULES, ids=NAMES)
def test_partition_status_values_are_the_lag_exporters(rule):
    for value in re.findall(r'status\s*=~?\s*"([^"]*)"', rule["expr"]):
        assert set(value.split("|")) <= {"OK", "WARN", "STALL", "STOP", "REWIND"}, value


@pytest.mark.parametrize("rule", RULES, ids=NAMES)
def test_every_alert_has_its_runbook_section(rule):
    anchor = rule["annotations"]["runbook_url"].split("#", 1)[1]
    assert anchor in runbook_anchors(), f"RUNBOOK.md has no heading for #{anchor}"
    assert anchor == rule["alert"].lower(), "the section is named after the alert"
    section = RUNBOOK.read_text(encoding="utf-8").split(f"## {rule['alert']}\n", 1)[1].split("\n## ", 1)[0]
    for part in ("**What it means.**", "**Diagnose.**", "**Fix.**"):
        assert part in section, f"the {rule['alert']} section has no {part}"


def test_runbook_links_resolve():
    text = RUNBOOK.read_text(encoding="utf-8")
    for anchor in re.findall(r"\]\(#([^)]+)\)", text):
        assert anchor in runbook_anchors(), f"RUNBOOK.md links to a missing #{anchor}"


def test_chart_values_carry_the_same_rules():
    values = load_yaml(CHART / "values.yaml")
    assert values["prometheusRule"]["rules"] == RULES, "run: python deploy/sync_alerts.py"


def test_sync_alerts_finds_nothing_to_change():
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "sync_alerts.py"), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_promtool_checks_the_rules():
    result = run([promtool(), "check", "rules", str(ALERTS)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_checks_the_charts_copy_of_the_rules(tmp_path):
    path = tmp_path / "chart-rules.yml"
    values = load_yaml(CHART / "values.yaml")["prometheusRule"]
    import yaml

    path.write_text(yaml.safe_dump({"groups": [{"name": values["groupName"], "rules": values["rules"]}]}))
    result = run([promtool(), "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_of_the_alerts():
    """Each alert fires on its series only after its `for`, and not on healthy or flapping ones."""
    result = run([promtool(), "test", "rules", ALERT_TESTS.name], cwd=ALERT_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_unit_tests_exercise_every_alert_firing():
    fired = {
        case["alertname"]
        for test in load_yaml(ALERT_TESTS)["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert fired == set(NAMES)
