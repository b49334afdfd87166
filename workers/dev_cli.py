"""`parcelwatch dev`: the whole product on this machine (parcelwatch-dev adds it to the command line)."""

import asyncio
import sys
from pathlib import Path

import click

from workers.settings import Settings


@click.command()
@click.option("--parcels", default=24, show_default=True, help="simulated parcels (orders) to follow")
@click.option(
    "--time-factor", default=86_400.0, show_default=True, help="simulated seconds per real second (86400: a day/s)"
)
@click.option("--seconds", type=float, help="stop by itself after this many seconds (default: run until Ctrl-C)")
@click.option("--seed", default=7, show_default=True, help="seed of the simulated parcels")
@click.option("--no-ui", is_flag=True, help="print outputs as JSON lines instead of the live view")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".parcelwatch/dev"),
    show_default=True,
    help="where logs and the stream's data go",
)
def dev(parcels: int, time_factor: float, seconds: float | None, seed: int, no_ui: bool, workdir: Path) -> None:
    """Run everything on this machine: broker, Redis, receiver, stream worker and a simulated carrier.

    The Tansu broker and redis-server come from their wheels and listen on free loopback ports;
    simulated orders are registered and the sandbox carrier pushes signed webhooks as its
    parcels travel. Outputs of the stream are shown live; once every parcel has had its last
    event it says so (on stderr with --no-ui). Ctrl-C stops everything.

    On start it prints the broker, Redis and receiver addresses and each carrier's webhook secret
    (to stderr with --no-ui, whose stdout is JSON lines) and writes them as shell exports to
    WORKDIR/env, so outside clients can join.
    """
    from workers import dev as devstack
    from workers import logs

    config = Settings()
    logs.configure("WARNING")
    options = devstack.DevOptions(parcels=parcels, time_factor=time_factor, seconds=seconds, seed=seed, workdir=workdir)
    if no_ui:
        view = devstack.JsonLinesView()
    else:
        from workers.dashboard import LiveView

        view = LiveView()
    try:
        asyncio.run(devstack.run(config, options, view, announce=lambda line: click.echo(line, err=no_ui)))
    except devstack.WorkerDied as died:
        click.echo(f"parcelwatch dev: {died}", err=True)
        sys.exit(1)
