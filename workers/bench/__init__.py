"""`parcelwatch bench`: throughput figures on this machine, each next to a bare baseline run alongside.

These print figures; nothing here asserts a speed. Every server they start listens on 127.0.0.1
and is stopped before the command returns.
"""

import asyncio
from pathlib import Path

import click

from workers.bench.poller import poller_command

BROKER_KINDS = ("tansu", "kafka")


def check_broker_tools(broker_kind: str) -> None:
    """One line instead of a traceback from deep in the broker's start where Kafka's tools are missing."""
    from workers.embedded import kafka_tools_missing

    if broker_kind == "kafka" and (missing := kafka_tools_missing()):
        raise click.ClickException(f"--broker kafka needs {' and '.join(missing)} on PATH")


@click.group()
def bench() -> None:
    """Benchmarks: figures on this machine, each next to a baseline measured in the same run."""


broker_option = click.option(
    "--broker",
    "broker_kind",
    type=click.Choice(BROKER_KINDS),
    default="tansu",
    show_default=True,
    help="the embedded broker: Tansu, or Apache Kafka (needs java and mvn)",
)


@bench.command("stream")
@click.option("--records", default=20_000, show_default=True, help="input records to produce and process")
@click.option("--partitions", default=6, show_default=True, help="partitions of every topic")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(min=1), help="stream worker processes in one group"
)
@click.option("--seed", default=7, show_default=True, help="seed of the simulated parcels")
@broker_option
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="keep the broker's and the workers' logs and data here (default: a temporary directory, removed)",
)
def stream_command(
    records: int, partitions: int, workers: int, seed: int, broker_kind: str, workdir: Path | None
) -> None:
    """Processed events/s and CPU per event of the stream workers next to an aiokafka consume→produce passthrough.

    Starts the embedded BROKER and WORKERS real `parcelwatch stream` processes of one app (one
    group over the same partitions, each with its own data directory; on Kafka without
    tansu_compat). Once the group is stable, produces RECORDS order registrations and raw
    carrier records and times the workers together over them (start-up and group join excluded,
    reported apart), then times the passthrough over the same records. Prints a table, then one
    JSON line of the figures.
    """
    from workers.bench.stream import report, run

    check_broker_tools(broker_kind)
    figures = asyncio.run(
        run(records, partitions, workers=workers, seed=seed, workdir=workdir, broker_kind=broker_kind)
    )
    click.echo(report(figures))


@bench.command("webhook")
@click.option("--requests", "requests_", default=5_000, show_default=True, help="timed requests per server")
@click.option("--concurrency", default=32, show_default=True, help="requests in flight at once")
@broker_option
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="keep the servers' logs here (default: a temporary directory, removed)",
)
def webhook_command(requests_: int, concurrency: int, broker_kind: str, workdir: Path | None) -> None:
    """Requests/s and latency of the webhook receiver next to a bare aiohttp handler.

    Starts the embedded BROKER and redis-server, then the real receiver (`parcelwatch webhook`) and a handler
    that only reads the body and answers 202, each in its own process, and sends each the same
    count of unique signed generic-carrier webhooks from this process. Prints a table, then one
    JSON line of the figures.
    """
    from workers.bench.webhook import report, run

    check_broker_tools(broker_kind)
    click.echo(report(asyncio.run(run(requests_, concurrency, workdir, broker_kind))))


@bench.command("normalize")
@click.option("--events", default=50_000, show_default=True, help="canonical events per carrier (fixtures repeated)")
@click.option("--carrier", "carriers", multiple=True, help="only this carrier slug (repeatable; default: all)")
def normalize_command(events: int, carriers: tuple[str, ...]) -> None:
    """Canonical events/s per carrier on one core, next to decoding the same bytes only.

    Repeats each carrier's fixtures to about EVENTS events and times `normalise` (parse, text
    fallback, counters) in this process. Prints a table, then one JSON line of the figures.
    """
    from workers.bench.normalize import report, run

    click.echo(report(run(events, carriers)))


@bench.command("rules")
@click.option("--shipments", default=5_000, show_default=True, help="simulated orders (one parcel each) in flight")
@click.option("--seed", default=7, show_default=True, help="seed of the simulated parcels and of what buyers do")
def rules_command(shipments: int, seed: int) -> None:
    """Decisions/s of the decision core on one core, and the bytes per shipment state.

    Builds the history of SHIPMENTS orders in flight (registrations, carrier pushes and polls with
    duplicates and out-of-order pushes, disputes, protection extensions, replaced numbers, receipt
    confirmations), decides on it with the stream's `Engine` in this process, the clock moving
    with the records so that timers fire, and measures the states it leaves. Prints tables, then
    one JSON line of the figures.
    """
    from workers.bench.rules import report, run

    click.echo(report(run(shipments, seed)))


@bench.command("eta")
@click.option("--parcels", default=4_000, show_default=True, help="simulated parcels (orders)")
@click.option("--days", default=120, show_default=True, help="the parcels are shipped over this many days")
@click.option("--warm-up-days", default=60, show_default=True, help="score only the parcels shipped after this")
@click.option("--seed", default=7, show_default=True, help="seed of the simulated parcels")
def eta_command(parcels: int, days: int, warm_up_days: int, seed: int) -> None:
    """Calibration of the delivery estimates on simulated lanes, and their cost per input record.

    Simulates PARCELS sandbox parcels shipped over DAYS on lanes of their own pace (carrier, origin,
    destination), with long exports, returns, losses and numbers that never scan, replays them with
    estimates on and off in this process, and scores the estimates of the parcels shipped after
    WARM_UP_DAYS against their deliveries (coverage of p80 and p95, the share within a day of p50,
    pinball loss, by basis). Prints the estimator's CPU per record next to the decisions', and the
    lanes' state sizes, then one JSON line of the figures.
    """
    from workers.bench.eta import report, run

    click.echo(report(run(parcels, days, warm_up_days, seed)))


@bench.command("recovery")
@click.option(
    "--shipments",
    default=100_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="shipment states on the changelog to recover",
)
@click.option("--partitions", default=6, show_default=True, help="partitions of every topic")
@click.option("--seed", default=7, show_default=True, help="seed of the simulated orders the states come from")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="keep the broker's and the worker's logs and data here (default: a temporary directory, removed)",
)
def recovery_command(shipments: int, partitions: int, seed: int, workdir: Path | None) -> None:
    """Recovery time and resident memory of a restarted stream worker, with memory:// and with rocksdb://.

    Decides the rules benchmark's history of a sample of orders with the stream's `Engine`, writes
    SHIPMENTS shipment states copied from what it leaves (and their order links) onto the stream's
    changelogs, then starts the real `parcelwatch stream` worker, each time timed from spawn to its
    first 200 on /readyz and its memory read then: on empty changelogs (the start-up cost, once per
    store), with memory://, with rocksdb:// on an empty data directory (cold) and again on the same
    directory after a clean stop (warm). Prints a table, then one JSON line of the figures.
    """
    from workers.bench.recovery import report, run

    click.echo(report(asyncio.run(run(shipments, partitions, seed, workdir))))


bench.add_command(poller_command)
