"""`parcelwatch lag`: consumer lag in offsets and seconds, and Burrow's status, per partition."""

import asyncio
import sys

import click

from workers.settings import LagSettings, Settings

DEFAULT_POLLER_GROUP = "parcelwatch-poller"


def default_groups(settings: Settings) -> list[str]:
    """PARCELWATCH_LAG__GROUPS, else the stream's consumer group (its app id) and the poller's."""
    if settings.lag.groups:
        return list(settings.lag.groups)
    poller = getattr(settings, "poller", None)
    return [settings.stream.app_id, getattr(poller, "group_id", DEFAULT_POLLER_GROUP)]


@click.command()
@click.option(
    "--group",
    "-g",
    "groups",
    multiple=True,
    help="consumer group to watch, repeatable (default: PARCELWATCH_LAG__GROUPS, else the stream's and the poller's)",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0, min_open=True),
    help="seconds between samples (default: PARCELWATCH_LAG__INTERVAL_S)",
)
@click.option(
    "--window", type=click.IntRange(min=2), help="samples a status is judged over (default: PARCELWATCH_LAG__WINDOW)"
)
@click.option("--json", "as_json", is_flag=True, help="one JSON document (with --watch: one per line and sample)")
@click.option("--watch", is_flag=True, help="show every sample from the first one on, until Ctrl-C")
@click.option("--serve", is_flag=True, help="serve the lag on /metrics for Prometheus (and /healthz), until Ctrl-C")
@click.option("--host", help="with --serve, the address to bind (default: PARCELWATCH_LAG__HOST)")
@click.option("--port", type=int, help="with --serve, the port to bind (default: PARCELWATCH_LAG__PORT)")
def lag(
    groups: tuple[str, ...],
    interval: float | None,
    window: int | None,
    as_json: bool,
    watch: bool,
    serve: bool,
    host: str | None,
    port: int | None,
) -> None:
    """Consumer lag per group, topic and partition: offsets, seconds and Burrow's status.

    Statuses are judged over a window of samples: without --watch, parcelwatch lag samples one
    full window ((window − 1) × interval seconds) and prints the result once. Lag in seconds is
    how long ago the end offset was the committed offset, interpolated from the sampled end
    offsets. OK; WARN: the lag never went down over the window; STALL: the committed offset did
    not move over the window while a live member holds the partition; STOP: it did not move and
    no live member holds it; REWIND: it went back.
    """
    from workers import logs, preflight

    config = Settings()
    overrides = {k: v for k, v in (("interval_s", interval), ("window", window)) if v is not None}
    settings = LagSettings.model_validate(config.lag.model_dump() | overrides)
    watched = list(groups) or default_groups(config)
    logs.configure("WARNING")
    preflight.exit_unless_answering("lag", [preflight.kafka(config.kafka)])
    if serve:
        job = _serve(config, settings, watched, host or settings.host, port or settings.port)
    elif watch:
        job = _watch(config, settings, watched, as_json)
    else:
        job = _once(config, settings, watched, as_json)
    try:
        sys.exit(asyncio.run(job))
    except KeyboardInterrupt:
        sys.exit(0)


async def _connected(config: Settings, settings: LagSettings, groups: list[str]):
    from aiokafka.errors import KafkaConnectionError

    from workers import preflight
    from workers.lag.collector import LagCollector

    collector = LagCollector(config.kafka, settings, groups)
    try:
        await collector.start()
    except KafkaConnectionError:
        await collector.stop()
        click.echo(f"parcelwatch lag: {preflight.kafka(config.kafka).missing()}", err=True)
        return None
    return collector


def _print_json(document: dict) -> None:
    import orjson

    sys.stdout.buffer.write(orjson.dumps(document) + b"\n")
    sys.stdout.flush()


async def _once(config: Settings, settings: LagSettings, groups: list[str], as_json: bool) -> int:
    from rich.console import Console

    from workers.lag.view import document, render

    collector = await _connected(config, settings, groups)
    if collector is None:
        return 2
    reports = []
    progress = Console(stderr=True).status(f"sampling 1 of {settings.window}…") if not as_json else None
    try:
        if progress:
            progress.start()

        def keep(report) -> None:
            reports.append(report)
            if progress:
                progress.update(f"sampling {len(reports) + 1} of {settings.window}…")

        await collector.run(keep, rounds=settings.window)
    finally:
        if progress:
            progress.stop()
        await collector.stop()
    if not reports:
        click.echo("parcelwatch lag: every sample failed (see the log above)", err=True)
        return 2
    if as_json:
        _print_json(document(reports[-1], settings.interval_s))
    else:
        Console().print(render(reports[-1], settings.interval_s))
    return 0


async def _watch(config: Settings, settings: LagSettings, groups: list[str], as_json: bool) -> int:
    from rich.console import Console
    from rich.live import Live

    from workers.lag.view import document, render

    collector = await _connected(config, settings, groups)
    if collector is None:
        return 2
    try:
        if as_json:
            await collector.run(lambda report: _print_json(document(report, settings.interval_s)))
        else:
            with Live(console=Console(), auto_refresh=False) as live:
                await collector.run(lambda report: live.update(render(report, settings.interval_s), refresh=True))
    finally:
        await collector.stop()
    return 0


async def _serve(config: Settings, settings: LagSettings, groups: list[str], host: str, port: int) -> int:
    from aiohttp import web

    from workers.lag.metrics import LagMetrics, create_app

    collector = await _connected(config, settings, groups)
    if collector is None:
        return 2
    metrics = LagMetrics()
    runner = web.AppRunner(create_app(metrics, stale_after_s=3 * settings.interval_s), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        click.echo(f"parcelwatch lag: serving http://{host}:{port}/metrics for {', '.join(groups)}", err=True)
        await collector.run(metrics.update, metrics.failed)
    finally:
        await runner.cleanup()
        await collector.stop()
    return 0
