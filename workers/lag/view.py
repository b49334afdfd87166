"""What `parcelwatch lag` prints: a rich table, or one JSON document per report."""

from datetime import UTC, datetime
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from workers.lag.model import EstimateKind, LagReport, Status

STYLES = {
    Status.OK: "green",
    Status.WARN: "yellow",
    Status.STOP: "bold red",
    Status.STALL: "bold red",
    Status.REWIND: "bold magenta",
}


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def document(report: LagReport, interval_s: float) -> dict[str, Any]:
    """The report as one JSON-ready document: groups (worst status, totals), then partitions."""
    return {
        "sampled_at": iso(report.at),
        "interval_s": interval_s,
        "window": report.window,
        "groups": [
            {
                "group": summary.group,
                "status": summary.status.value if summary.status else None,
                "partitions": summary.partitions,
                "lag_offsets": summary.lag_offsets,
                "max_lag_seconds": None if summary.max_lag_seconds is None else round(summary.max_lag_seconds, 3),
            }
            for summary in report.by_group()
        ],
        "partitions": [
            {
                "group": row.group,
                "topic": row.topic,
                "partition": row.partition,
                "committed": row.committed,
                "end": row.end,
                "lag_offsets": row.lag_offsets,
                "lag_seconds": None if row.lag_seconds is None else round(row.lag_seconds, 3),
                "lag_seconds_estimate": row.estimate.value if row.estimate else None,
                "status": row.status.value,
                "window_samples": row.samples,
                "owner": row.owner,
            }
            for row in report.partitions
        ],
    }


MARKS = {EstimateKind.EXTRAPOLATED: "~", EstimateKind.AT_LEAST: "≥"}


def seconds(value: float | None, kind: EstimateKind | None) -> str:
    """A time lag for the table: `?` unknown, `~` extrapolated, `≥` a lower bound."""
    if value is None:
        return "?"
    shown = f"{value:.1f}" if value < 100 else f"{value:,.0f}"
    return MARKS.get(kind, "") + shown


def render(report: LagReport, interval_s: float) -> Group:
    """The terminal view: one row per group and partition, then the groups without offsets."""
    table = Table(
        title=f"consumer lag at {iso(report.at)}",
        caption=f"status over {report.window} samples, {interval_s:g} s apart · lag s: ~ extrapolated, ≥ at least",
        title_justify="left",
        caption_justify="left",
    )
    for name, justify in (
        ("group", "left"),
        ("topic", "left"),
        ("partition", "right"),
        ("committed", "right"),
        ("end", "right"),
        ("lag", "right"),
        ("lag s", "right"),
        ("status", "left"),
        ("owner", "left"),
    ):
        table.add_column(name, justify=justify)
    for row in report.partitions:
        status = Text(row.status.value, style=STYLES[row.status])
        if row.samples < report.window:
            status.append(f" ({row.samples}/{report.window})", style="dim")
        table.add_row(
            row.group,
            row.topic,
            str(row.partition),
            f"{row.committed:,}",
            f"{row.end:,}",
            f"{row.lag_offsets:,}",
            seconds(row.lag_seconds, row.estimate),
            status,
            row.owner or "",
        )
    missing = [summary.group for summary in report.by_group() if summary.status is None]
    notes = [Text(f"{group}: no committed offsets", style="dim") for group in missing]
    return Group(table, *notes)
