"""`parcelwatch sellers SELLER_ID`: a seller's scorecards as the stream emitted them.

Reads `sellers.metrics.v1` from the start to its current end without a consumer group, only the
partition the seller id hashes to (`workers.inspection.find_outputs`)."""

from collections.abc import Iterable
from typing import Any

import click

from schemas.outputs import SELLER_METRICS_TOPIC
from workers.ops_cli import _console, _run
from workers.settings import Settings

COLUMNS = (
    ("as of", "as_of"),
    ("orders", "orders"),
    ("valid tracking", "valid_tracking_rate"),
    ("hours to 1st scan", "median_hours_to_first_scan"),
    ("delivered", "delivered"),
    ("on time", "on_time_rate"),
    ("returned", "returned"),
)


def newest_cards(records: Iterable, limit: int) -> list[dict[str, Any]]:
    """The newest `limit` scorecards, oldest first, each once (a scorecard emitted again after a
    crash has the same event id); records that are not scorecards are left out."""
    by_id: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: (r.timestamp_ms, r.partition, r.offset)):
        value = record.value
        if isinstance(value, dict) and value.get("type") == "seller_metrics" and "event_id" in value:
            by_id[value["event_id"]] = value
    cards = sorted(by_id.values(), key=lambda card: str(card.get("as_of")))
    return cards[-limit:]


def cell(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name.endswith("_rate"):
        return f"{value * 100:.1f} %"
    return str(value)


def render(seller_id: str, cards: list[dict[str, Any]]):
    from rich.table import Table

    window = cards[-1].get("window_days")
    table = Table(title=f"seller {seller_id}: scorecards over the {window} days before each as_of")
    for title, _ in COLUMNS:
        table.add_column(title, justify="left" if title == "as of" else "right")
    for card in cards:
        table.add_row(*(cell(name, card.get(name)) for _, name in COLUMNS))
    return table


@click.command()
@click.argument("seller_id")
@click.option(
    "--days", default=1, show_default=True, type=click.IntRange(min=1), help="the newest N scorecards, oldest first"
)
@click.option("--json", "as_json", is_flag=True, help="one JSON line per scorecard instead of a table")
def sellers(seller_id: str, days: int, as_json: bool) -> None:
    """A seller's scorecard as the stream emitted it on sellers.metrics.v1: orders shipped in the
    window, valid tracking rate, median hours to a first scan, orders delivered, on-time rate and
    returns (streams/sellers/README.md says what each counts).

    Exit code 1 when the topic holds no scorecard for SELLER_ID.
    """
    settings = Settings()

    async def job() -> int:
        import orjson

        from workers.inspection import find_outputs
        from workers.topic_scan import reader

        async with reader(settings.kafka) as topics:
            records = await find_outputs(topics, {seller_id}, (SELLER_METRICS_TOPIC,))
        cards = newest_cards(records, days)
        if not cards:
            click.echo(
                f"parcelwatch sellers: no scorecard for seller {seller_id} on {SELLER_METRICS_TOPIC} (no order"
                " of theirs shipped or delivered in a window yet, or the stream's first 00:00 UTC has not come)",
                err=True,
            )
            return 1
        if as_json:
            for card in cards:
                click.echo(orjson.dumps(card).decode())
        else:
            _console().print(render(seller_id, cards))
        return 0

    _run("sellers", settings, job)
