"""`parcelwatch`: the one command line of the project."""

import asyncio
import sys
from importlib.metadata import entry_points
from pathlib import Path

import click

from workers.eta import eta
from workers.lag.cli import lag
from workers.ops_cli import dlq, inspect
from workers.sellers_cli import sellers
from workers.settings import MisconfiguredSecret, Settings, UnknownSetting


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """parcelwatch: shipment-tracking ingestion and buyer-protection detection.

    Settings come from PARCELWATCH_* environment variables (see `parcelwatch settings`).
    """


WAIT_HELP = "wait with backoff until the broker (and Redis) answer, instead of exiting 2"


@cli.command()
@click.argument("history", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def replay(history: str) -> None:
    """Run the stream's decisions over HISTORY (JSON lines, `-` for stdin) with a simulated clock.

    Prints every output as {"topic", "key", "value"}, one JSON line each, in the order emitted.
    A malformed line stops with a message naming the file and line (exit 2); a record the
    stream would dead-letter is printed as a dead letter and reported on stderr.
    """
    from workers.replay import ReplayError, output_line
    from workers.replay import replay as run_replay

    settings = Settings()
    out = sys.stdout.buffer
    with click.open_file(history, encoding="utf-8") as lines:
        try:
            outputs = run_replay(
                lines,
                settings.rules,
                source=history,
                warn=lambda m: click.echo(m, err=True),
                text_threshold=settings.carriers.text_threshold,
            )
            for output in outputs:
                out.write(output_line(output) + b"\n")
        except ReplayError as error:
            out.flush()
            click.echo(f"parcelwatch replay: {error}", err=True)
            sys.exit(2)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--wait", is_flag=True, help=WAIT_HELP)
@click.argument("faust_args", nargs=-1, type=click.UNPROCESSED)
def stream(wait: bool, faust_args: tuple[str, ...]) -> None:
    """Run a stream worker (Faust). Extra arguments go to `faust worker` (e.g. `--logfile PATH`).

    Creates missing topics first, then hands off to Faust's own worker (on uvloop), which owns
    the process until SIGINT/SIGTERM. Without a broker it exits 2 saying so (or waits: --wait).
    """
    import uvloop

    from streams.app import create_app
    from workers import logs, preflight
    from workers.kafka import ensure_topics

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # Faust's option for it is a no-op in 0.15
    config = Settings()
    preflight.exit_unless_answering("stream", [preflight.kafka(config.kafka)], wait)
    asyncio.run(ensure_topics(config.kafka))
    app = create_app(config)
    logs.quiet_clients()
    level = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error"}[config.log_level]
    sys.argv = ["parcelwatch stream", "worker", "--without-web", "--loglevel", level, *faust_args]
    app.main()


@cli.command()
@click.option("--host", help="address to bind (default: PARCELWATCH_WEBHOOK__HOST)")
@click.option("--port", type=int, help="port to bind (default: PARCELWATCH_WEBHOOK__PORT)")
@click.option("--wait", is_flag=True, help=WAIT_HELP)
def webhook(host: str | None, port: int | None, wait: bool) -> None:
    """Run the webhook receiver: POST /webhooks/{carrier}; GET /healthz, /readyz, /metrics, /openapi.json.

    Without a broker or Redis it exits 2 saying which (or waits for them: --wait).
    """
    from workers import logs, preflight
    from workers.serving import serve
    from workers.webhook import create_app

    config = Settings()
    preflight.exit_unless_answering("webhook", [preflight.kafka(config.kafka), preflight.redis(config.redis)], wait)
    logs.configure(config.log_level)
    serve(create_app(config), host or config.webhook.host, port or config.webhook.port)


@cli.command()
@click.option("--markdown", is_flag=True, help="print the defaults as the README's configuration table")
def settings(markdown: bool) -> None:
    """Print every setting: its environment variable, current value (secrets masked) and meaning."""
    from workers.settings import describe, markdown_table

    if markdown:
        click.echo(markdown_table())
        return
    for variable, value, meaning in describe(Settings()):
        click.echo(f"{variable}={value}" + (f"  # {meaning}" if meaning else ""))


@cli.command()
@click.argument("carrier")
@click.argument("body", default="-", type=click.File("rb"))
def sign(carrier: str, body) -> None:
    """Print the Standard Webhooks headers that sign BODY (a file, `-`: stdin) for CARRIER.

    Signs with the carrier's first secret in PARCELWATCH_WEBHOOK__SECRETS, a fresh webhook-id and
    the current time; one `name: value` line each, which `curl -H @FILE` reads. Exit 2 when the
    carrier has no secret.
    """
    import time
    import uuid

    from carriers import standard_webhooks

    secrets = Settings().webhook.secrets.get(carrier)
    if not secrets:
        click.echo(f"parcelwatch sign: no secret for {carrier!r} in PARCELWATCH_WEBHOOK__SECRETS", err=True)
        sys.exit(2)
    headers = standard_webhooks.sign(
        secrets[0].get_secret_value(), f"msg_{uuid.uuid4().hex}", int(time.time()), body.read()
    )
    for name, value in headers.items():
        click.echo(f"{name}: {value}")


@cli.command()
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of a table")
def detect(number: str, as_json: bool) -> None:
    """Which carriers NUMBER may belong to, from its format and check digit, most likely first.

    Exit code 1 when no known format matches. A UPU S10 or UPS number whose check digit fails is
    still listed, marked as such (R14 flags it `invalid_tracking_number`).
    """
    from workers.carrier_cli import print_candidates

    sys.exit(print_candidates(number, as_json))


@cli.command()
@click.argument("payload", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--carrier", default="auto", show_default=True, help="carrier slug, or auto to recognise the format")
@click.option(
    "--report",
    "folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="read every payload file under this folder and print counts instead of events",
)
@click.option("--json", "as_json", is_flag=True, help="with --report, one JSON document instead of text")
def normalize(payload: str, carrier: str, folder: Path | None, as_json: bool) -> None:
    """Print the canonical events a carrier PAYLOAD file (`-`: stdin) gives, one JSON line each.

    PAYLOAD is a JSON document, an XML answer, or JSON lines of payloads. After each shipment's
    events comes {"tracking_number", "carrier", "status", "events": N}. Unmapped codes go through the
    text fallback with PARCELWATCH_CARRIERS__TEXT_THRESHOLD. Unreadable or invalid input stops with
    a message naming the file (and line), exit code 2.

    With --report FOLDER, every file under FOLDER is read the same way (its carrier named by a
    sidecar, NAME.carrier beside it or .carrier in its folder or one above, else --carrier) and the
    counts are printed: shipments and events by status, events classified from their text, unknown
    codes by carrier, inferred times, refused events by carrier and reason, and the payloads not
    read, by reason, each named with its file and line. Exit code 0 even when some were not read.
    """
    from workers.carrier_cli import run_normalize
    from workers.corpus_report import run_report

    if folder is not None:
        if payload != "-":
            raise click.UsageError("give a PAYLOAD or --report FOLDER, not both")
        sys.exit(run_report(folder, carrier, Settings().carriers.text_threshold, as_json))
    if as_json:
        raise click.UsageError("--json goes with --report")
    sys.exit(run_normalize(payload, carrier, Settings().carriers.text_threshold))


@cli.command()
@click.option("--metrics-port", type=int, help="serve Prometheus metrics on this port (default: not served)")
@click.option("--no-feed", is_flag=True, help="only poll: do not read registrations and status changes from Kafka")
@click.option("--status", is_flag=True, help="print the aggregator's line (registered, waiting, today, quota) and exit")
@click.option("--wait", is_flag=True, help=WAIT_HELP)
def poller(metrics_port: int | None, no_feed: bool, status: bool, wait: bool) -> None:
    """Poll the carriers in PARCELWATCH_POLLER__ENDPOINTS at each parcel's pace; produce what changed.

    Reads registrations, replacements, receipts and status changes (group parcelwatch-poller),
    keeps the schedule, leases and limits in Redis (any number of processes share them) and
    produces changed answers to tracking.raw.v1. Numbers routed to the aggregator
    (PARCELWATCH_POLLER__ROUTING__*) are registered with it, and stopped there once no open order
    needs them; a line about it (numbers registered, waiting, registered today, quota left) is
    logged every PARCELWATCH_POLLER__GAUGES_INTERVAL_S, and --status prints it from Redis and exits.
    SIGINT/SIGTERM stop it. Without a broker or Redis it exits 2 saying which (or waits for them:
    --wait).
    """
    from workers import logs, preflight
    from workers.poller import print_status, run

    config = Settings()
    if status:
        preflight.exit_unless_answering("poller", [preflight.redis(config.redis)], wait)
        sys.exit(asyncio.run(print_status(config, click.echo)))
    preflight.exit_unless_answering("poller", [preflight.kafka(config.kafka), preflight.redis(config.redis)], wait)
    logs.configure(config.log_level)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)
    asyncio.run(run(config, feed=not no_feed))


cli.add_command(lag)
cli.add_command(dlq)
cli.add_command(inspect)
cli.add_command(sellers)
cli.add_command(eta)
# What other installed distributions add: parcelwatch-dev's `dev` and `bench`.
for command in entry_points(group="parcelwatch.commands"):
    cli.add_command(command.load(), command.name)


def main() -> None:
    try:
        cli(prog_name="parcelwatch")
    except (UnknownSetting, MisconfiguredSecret) as error:
        click.echo(f"parcelwatch: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
