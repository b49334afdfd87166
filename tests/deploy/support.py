"""What the deploy tests share: the files under deploy/, the metric contract, PromQL name checks.

The contract is the table between `<!-- metrics:begin -->` and `<!-- metrics:end -->` in
deploy/README.md; every expression under deploy/ may use only its names.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
import yaml

from tests.debian import debian_tool

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
ALERT_TESTS = DEPLOY / "prometheus" / "alerts.test.yml"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
DASHBOARD = DEPLOY / "grafana" / "parcelwatch.json"
COMPOSE = DEPLOY / "docker-compose.yml"
CHART = DEPLOY / "helm" / "parcelwatch"
RUNBOOK = DEPLOY / "RUNBOOK.md"
README = DEPLOY / "README.md"


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def alert_rules() -> list[dict]:
    return [rule for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


@dataclass(frozen=True)
class Metric:
    name: str
    type: str
    labels: tuple[str, ...]

    def series_names(self) -> set[str]:
        """The names this metric's series have in Prometheus."""
        if self.type == "histogram":
            return {f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count"}
        return {self.name}


def contract() -> dict[str, Metric]:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- metrics:begin -->\n", 1)[1].split("<!-- metrics:end -->", 1)[0]
    metrics = {}
    for line in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        labels = tuple(label.strip().strip("`") for label in cells[2].split(",") if label.strip())
        assert name not in metrics, f"{name} twice in the contract"
        metrics[name] = Metric(name, cells[1], labels)
    return metrics


def allowed_series() -> set[str]:
    return {series for metric in contract().values() for series in metric.series_names()}


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_PARCELWATCH_NAME = re.compile(r"\bparcelwatch_[a-zA-Z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The parcelwatch_* series an expression reads (names inside string literals do not count)."""
    return set(_PARCELWATCH_NAME.findall(_STRING.sub('""', expr)))


def promql_problems(expr: str) -> list[str]:
    """What a small PromQL sanity check finds wrong: brackets, strings, unknown series."""
    problems = []
    bare = _STRING.sub('""', expr)
    if bare.count('"') % 2 or "'" in bare:
        problems.append("an unclosed string")
    stack = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for char in bare:
        if char in "([{":
            stack.append(char)
        elif char in pairs:
            if not stack or stack.pop() != pairs[char]:
                problems.append(f"unbalanced {char!r}")
                break
    if stack:
        problems.append(f"unclosed {stack[-1]!r}")
    names = metric_names(expr)
    if not names:
        problems.append("reads no parcelwatch_* series")
    unknown = names - allowed_series()
    if unknown:
        problems.append(f"series not in the contract (deploy/README.md): {sorted(unknown)}")
    return problems


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    anchor = heading.strip().lower()
    anchor = re.sub(r"[^\w\- ]", "", anchor)
    return anchor.replace(" ", "-")


def runbook_anchors() -> set[str]:
    headings = re.findall(r"^#{1,6} (.+)$", RUNBOOK.read_text(encoding="utf-8"), flags=re.M)
    return {github_anchor(heading) for heading in headings}


def promtool() -> str:
    """promtool from PATH, or from Debian's prometheus package (`tests.debian`)."""
    (path,), _ = debian_tool("promtool", ("prometheus",))
    return path


def unavailable(reason: str) -> NoReturn:
    """A check whose tool is missing: skipped on a developer's machine, failed where `CI` is set."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)
