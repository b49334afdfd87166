"""`parcelwatch eta evaluate`: the delivery estimates a history gets, scored against the deliveries that followed.

A history is replayed (`workers.replay`); every `eta_estimated` made before its shipment's first
delivery scan (from `shipments.status.v1`) is scored against that delivery: whether it came by
p80_at and by p95_at (coverage; a calibrated estimator covers about 80 % and 95 %), whether it came
within a day of p50_at, and the pinball loss of the three quantiles in days (the mean over the
estimates of max(q·(y − ŷ), (q − 1)·(y − ŷ)) for q = 0.5, 0.8, 0.95: lower is better, and it rewards
both calibration and sharpness). By basis, and all together. Estimates of shipments never delivered
in the history are counted apart (`unscored`).
"""

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import click

from schemas.eta import BASES
from schemas.outputs import EtaEstimated, Output, StatusChanged
from schemas.status import Status
from workers.figures import json_line, table

QUANTILES = (("p50_at", 0.5), ("p80_at", 0.8), ("p95_at", 0.95))
DAY = timedelta(days=1)


@dataclass
class Score:
    """The figures of a set of estimates scored against their deliveries."""

    estimates: int = 0
    by_p80: int = 0
    by_p95: int = 0
    within_a_day: int = 0
    pinball_days: float = 0.0

    def add(self, estimate: EtaEstimated, delivered_at: datetime) -> None:
        self.estimates += 1
        self.by_p80 += delivered_at <= estimate.p80_at
        self.by_p95 += delivered_at <= estimate.p95_at
        self.within_a_day += abs(delivered_at - estimate.p50_at) <= DAY
        for name, level in QUANTILES:
            error = (delivered_at - getattr(estimate, name)) / DAY
            self.pinball_days += max(level * error, (level - 1) * error) / len(QUANTILES)

    def figures(self) -> dict[str, Any]:
        def share(count: int) -> float | None:
            return round(count / self.estimates, 3) if self.estimates else None

        return {
            "estimates": self.estimates,
            "p80_coverage": share(self.by_p80),
            "p95_coverage": share(self.by_p95),
            "within_a_day_of_p50": share(self.within_a_day),
            "pinball_loss_days": round(self.pinball_days / self.estimates, 3) if self.estimates else None,
        }


@dataclass
class Evaluation:
    by_basis: dict[str, Score] = field(default_factory=dict)
    overall: Score = field(default_factory=Score)
    unscored: int = 0

    def figures(self) -> dict[str, Any]:
        return {
            "all": self.overall.figures(),
            "by_basis": {basis: self.by_basis[basis].figures() for basis in BASES if basis in self.by_basis},
            "unscored": self.unscored,
        }

    def report(self) -> str:
        rows = []
        for name, score in (*((b, self.by_basis[b]) for b in BASES if b in self.by_basis), ("all", self.overall)):
            figures = score.figures()
            rows.append([name, *figures.values()])
        headers = ["basis", "estimates", "p80 coverage", "p95 coverage", "±1 day of p50", "pinball loss (days)"]
        return f"{table(headers, rows)}\nnot scored (never delivered in the history): {self.unscored}"


def evaluate(outputs: Iterable[Output], include: Callable[[EtaEstimated], bool] = lambda estimate: True) -> Evaluation:
    """Score every estimate `include` keeps against its shipment's first delivery scan."""
    estimates: list[EtaEstimated] = []
    delivered: dict[str, datetime] = {}
    for output in outputs:
        if isinstance(output, EtaEstimated):
            if include(output):
                estimates.append(output)
        elif isinstance(output, StatusChanged) and output.status is Status.DELIVERED:
            delivered.setdefault(output.tracking_number, output.occurred_at)
    evaluation = Evaluation()
    for estimate in estimates:
        delivered_at = delivered.get(estimate.tracking_number)
        if delivered_at is None or delivered_at <= estimate.estimated_at:
            evaluation.unscored += delivered_at is None
            continue
        evaluation.by_basis.setdefault(estimate.basis, Score()).add(estimate, delivered_at)
        evaluation.overall.add(estimate, delivered_at)
    return evaluation


@click.group()
def eta() -> None:
    """Delivery estimates (shipments.eta.v1): how well they were calibrated."""


@eta.command("evaluate")
@click.argument("history", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="print one JSON line of the figures instead of a table")
def evaluate_command(history: str, as_json: bool) -> None:
    """Replay HISTORY (as `parcelwatch replay` reads it) and score every delivery estimate made.

    Each estimate made before its shipment's first delivery scan is scored against it: coverage of
    p80 and p95, the share delivered within a day of p50, and the pinball loss of the three
    quantiles in days, by basis (lane, country_pair, destination, global) and in all. A malformed
    line stops with a message naming the file and line (exit 2).
    """
    from workers.replay import ReplayError, replay
    from workers.settings import Settings

    settings = Settings()
    with click.open_file(history, encoding="utf-8") as lines:
        try:
            outputs = list(
                replay(lines, settings.rules, source=history, text_threshold=settings.carriers.text_threshold)
            )
        except ReplayError as error:
            click.echo(f"parcelwatch eta evaluate: {error}", err=True)
            sys.exit(2)
    evaluation = evaluate(outputs)
    click.echo(json_line(evaluation.figures()) if as_json else evaluation.report())
