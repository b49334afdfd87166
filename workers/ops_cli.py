"""On-call commands: `parcelwatch dlq list|show|redrive` and `parcelwatch inspect`.

They read topics from the start to their current end without a consumer group (nothing is
committed, no group rebalances). Heavy modules are imported when a command runs.
"""

import asyncio
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import click

from workers.settings import Settings

#: The stages of `DeadLetter.stage` (tests check they match).
STAGES = ("decode", "validate", "parse", "event_time", "event", "decide", "webhook")


def _console():
    from rich.console import Console

    # A pipe or a file gets whole event ids on one line rather than a table folded to 80 columns.
    return Console(width=None if sys.stdout.isatty() else 200, soft_wrap=False)


def _run(name: str, settings: Settings, job: Callable[[], Coroutine[Any, Any, int]]) -> None:
    """Run `job` once the broker answers; a broker that stops answering midway is one line, exit 2."""
    from aiokafka.errors import KafkaConnectionError

    from workers import logs, preflight

    logs.configure("ERROR")
    broker = preflight.kafka(settings.kafka)
    preflight.exit_unless_answering(name, [broker])
    try:
        code = asyncio.run(job())
    except KafkaConnectionError:
        click.echo(f"parcelwatch {name}: {broker.missing()}", err=True)
        code = 2
    except TimeoutError as error:
        click.echo(f"parcelwatch {name}: {error}", err=True)
        code = 2
    sys.exit(code)


def _since(value: str | None) -> datetime | None:
    from workers.dlq import parse_since

    if value is None:
        return None
    try:
        return parse_since(value, datetime.now(UTC))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--since") from None


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


async def _letters(topics) -> tuple[list, dict]:
    """Every dead letter on the topic now, and what was redriven before (`workers.dlq`)."""
    from workers.dlq import read_letters, read_redriven

    return await read_letters(topics, _warn), await read_redriven(topics)


@click.group()
def dlq() -> None:
    """Dead letters (tracking.deadletter.v1): list them, show one, redrive them after a fix."""


SINCE_HELP = "only letters dead-lettered since: an ISO-8601 time (UTC without offset) or a duration (15m, 1h, 2d)"


@dlq.command("list")
@click.option("--since", help=SINCE_HELP)
@click.option("--stage", "stages", multiple=True, type=click.Choice(STAGES), help="only this stage (repeatable)")
@click.option(
    "--limit", default=100, show_default=True, type=click.IntRange(min=0), help="the newest N letters (0: all)"
)
@click.option("--json", "as_json", is_flag=True, help="one JSON line per letter instead of a table")
def list_letters(since: str | None, stages: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Dead letters, oldest first: event id, time, stage, source topic/partition/offset, key, reason
    and when it was redriven.

    --json prints each letter as written on the topic, plus `redriven_at` (null when it was not)
    and `redrive_of`: for a redriven record that failed again, the event id it was redriven from.
    """
    settings = Settings()
    moment = _since(since)

    async def job() -> int:
        import orjson

        from workers.dlq import letter_json, letters_table, redrive_origins, select
        from workers.topic_scan import reader

        async with reader(settings.kafka) as topics:
            letters, redriven = await _letters(topics)
        matching = select(letters, since=moment, stages=stages)
        shown = select(matching, limit=limit or None)
        if as_json:
            origins = redrive_origins(redriven)
            for item in shown:
                sys.stdout.buffer.write(orjson.dumps(letter_json(item, redriven, origins)) + b"\n")
            sys.stdout.flush()
        elif shown:
            _console().print(letters_table(shown, redriven))
        else:
            click.echo("no dead letters" + (" match" if moment or stages else ""))
        if len(shown) < len(matching):
            click.echo(f"showing the newest {len(shown)} of {len(matching)} (--limit 0 shows all)", err=True)
        return 0

    _run("dlq list", settings, job)


@dlq.command("show")
@click.argument("event_id")
@click.option("--json", "as_json", is_flag=True, help="the letter as written on the topic, plus `redriven_at`")
def show(event_id: str, as_json: bool) -> None:
    """One dead letter in full: its source, key, stage, reason and the original value (pretty
    printed when it is JSON). Exit code 1 when no letter has EVENT_ID."""
    settings = Settings()

    async def job() -> int:
        import orjson

        from workers.dlq import describe, letter_json, select
        from workers.topic_scan import reader

        async with reader(settings.kafka) as topics:
            letters, redriven = await _letters(topics)
        found = select(letters, event_ids=(event_id,))
        if not found:
            click.echo(f"parcelwatch dlq show: no dead letter with event id {event_id}", err=True)
            return 1
        if as_json:
            sys.stdout.buffer.write(orjson.dumps(letter_json(found[0], redriven)) + b"\n")
            sys.stdout.flush()
        else:
            click.echo(describe(found[0], redriven))
        return 0

    _run("dlq show", settings, job)


@dlq.command("redrive")
@click.option("--stage", "stages", multiple=True, type=click.Choice(STAGES), help="letters of this stage (repeatable)")
@click.option("--event-id", "event_ids", multiple=True, help="this letter (repeatable)")
@click.option("--since", help=SINCE_HELP)
@click.option("--all", "everything", is_flag=True, help="every letter (when no --stage, --event-id or --since)")
@click.option("--dry-run", is_flag=True, help="say what would be produced; produce nothing")
def redrive(
    stages: tuple[str, ...], event_ids: tuple[str, ...], since: str | None, everything: bool, dry_run: bool
) -> None:
    """Re-produce the selected letters' original records (acks=all), each letter once.

    A record the stream refused goes back to its source topic with its key; a webhook body
    (source webhook:<carrier>) goes to tracking.raw.v1 once per tracking number in it, as the
    receiver would have written it; a body that still does not parse is skipped. Each letter
    redriven is recorded on the compacted parcelwatch.redriven.v1 (key: its event id), and a
    later redrive says "already redriven" for it. Filters combine (all must hold). Prints a
    summary; exit code 1 when a letter was skipped or an --event-id not found.
    """
    if not (stages or event_ids or since or everything):
        raise click.UsageError("choose the letters: --stage, --event-id, --since, or --all")
    settings = Settings()
    moment = _since(since)

    async def job() -> int:
        from workers.dlq import redrive as run_redrive
        from workers.dlq import select
        from workers.topic_scan import reader

        async with reader(settings.kafka) as topics:
            letters, redriven = await _letters(topics)
            selected = select(letters, since=moment, stages=stages, event_ids=event_ids)
            summary = await run_redrive(
                settings.kafka,
                topics,
                selected,
                redriven,
                now=datetime.now(UTC),
                dry_run=dry_run,
                echo=click.echo,
            )
        summary.not_found = [wanted for wanted in dict.fromkeys(event_ids) if not select(letters, event_ids=(wanted,))]
        for missing in summary.not_found:
            click.echo(f"{missing}: no such dead letter")
        click.echo(summary.line())
        return summary.exit_code

    _run("dlq redrive", settings, job)


async def _tracked(settings: Settings, number: str) -> list[str]:
    """Where the poller tracks `number`, or one line saying Redis did not answer."""
    from redis.exceptions import RedisError

    from workers.poller.where import tracked_where
    from workers.redis_client import make_redis

    redis = make_redis(settings.redis)
    try:
        return await tracked_where(redis, settings, number)
    except (RedisError, OSError) as error:
        return [f"unknown: Redis did not answer ({type(error).__name__})"]
    finally:
        await redis.aclose()


@click.command()
@click.argument("tracking_number")
@click.option("--json", "as_json", is_flag=True, help="one JSON document instead of tables")
@click.option(
    "--outputs-limit",
    default=50,
    show_default=True,
    type=click.IntRange(min=0),
    help="the newest N outputs for the number and its orders",
)
def inspect(tracking_number: str, as_json: bool, outputs_limit: int) -> None:
    """A shipment as the stream holds it: status, carrier, orders (protection end, dispute, rules
    fired), its events in carrier time, the next deadline and the timers pending per order, and
    the outputs keyed by the number or its orders' ids.

    Reads the stream's shipments changelog (PARCELWATCH_STREAM__APP_ID) and the output topics, and,
    from the poller's Redis, where the number is tracked: polled directly (next poll), registered
    with the aggregator or waiting to be (or being stopped there), and the open orders that need it.
    Exit code 1 when the stream holds no state for TRACKING_NUMBER.
    """
    settings = Settings()

    async def job() -> int:
        import orjson

        from streams.app import StreamClock
        from workers.inspection import build_report, changelog_topic, find_outputs, find_state, output_keys, report_json
        from workers.inspection import render as render_report
        from workers.topic_scan import reader

        async with reader(settings.kafka) as topics:
            found = await find_state(topics, settings.stream.app_id, tracking_number)
            if found is None:
                click.echo(
                    f"parcelwatch inspect: unknown tracking number {tracking_number}: no state on"
                    f" {changelog_topic(settings.stream.app_id)} (never seen by the stream, forgotten after"
                    " its retention, or another PARCELWATCH_STREAM__APP_ID)",
                    err=True,
                )
                return 1
            outputs = await find_outputs(topics, output_keys(found.state)) if outputs_limit else []
        report = build_report(found, outputs, StreamClock(settings.stream).now(), settings.rules, outputs_limit)
        tracked = await _tracked(settings, tracking_number)
        if as_json:
            document = report_json(report) | {"tracked": tracked}
            sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
            sys.stdout.flush()
        else:
            console = _console()
            for part in render_report(report):
                console.print(part)
                console.print()
            console.print("Tracked", style="bold")
            for line in tracked:
                console.print(f"  {line}", highlight=False)
        return 0

    _run("inspect", settings, job)
