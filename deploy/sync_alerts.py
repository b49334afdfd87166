"""Copy the alert rules of deploy/prometheus/alerts.yml into the Helm chart's values.

    python deploy/sync_alerts.py          # rewrite prometheusRule.rules in values.yaml
    python deploy/sync_alerts.py --check  # exit 1 when values.yaml is stale

alerts.yml is the one source: Prometheus in docker compose loads it as it is, and the chart's
PrometheusRule renders `prometheusRule.rules` from values.yaml, a generated copy between the
`BEGIN GENERATED` / `END GENERATED` markers. The rest of values.yaml (its comments too) is left
as it is. Only PyYAML is needed.
"""

import sys
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
VALUES = DEPLOY / "helm" / "parcelwatch" / "values.yaml"
BEGIN = "# BEGIN GENERATED: prometheusRule.rules"
END = "# END GENERATED: prometheusRule.rules"


class _Dumper(yaml.SafeDumper):
    """Block style, indented lists, multi-line strings as literal blocks, no line wrapping."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def alert_rules(alerts_text: str) -> list[dict]:
    """Every rule of every group of a Prometheus rules file, in order."""
    return [rule for group in yaml.safe_load(alerts_text)["groups"] for rule in group["rules"]]


def render(values_text: str, rules: list[dict]) -> str:
    """values.yaml with the generated block replaced by `rules`."""
    lines = values_text.splitlines(keepends=True)
    begin = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
    end = next(i for i, line in enumerate(lines) if line.strip() == END)
    indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
    body = yaml.dump({"rules": rules}, Dumper=_Dumper, sort_keys=False, width=10_000, allow_unicode=True)
    block = "".join(f"{indent}{line}\n" if line else "\n" for line in body.splitlines())
    return "".join(lines[: begin + 1]) + block + "".join(lines[end:])


def main(argv: list[str]) -> int:
    current = VALUES.read_text(encoding="utf-8")
    wanted = render(current, alert_rules(ALERTS.read_text(encoding="utf-8")))
    if "--check" in argv:
        if wanted != current:
            print(f"{VALUES} is stale: run python deploy/sync_alerts.py", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        VALUES.write_text(wanted, encoding="utf-8")
        print(f"updated {VALUES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
