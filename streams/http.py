"""The stream worker's own HTTP endpoints (Faust's web server stays off):

GET /healthz   the process is up and no input partition is stalled (503 naming the stalled
               ones otherwise: streams/watchdog.py)
GET /readyz    200 once every assigned partition's tables are recovered, 503 while it
               rebalances or recovers (Faust's `rebalancing`, then `on_rebalance_complete`)
GET /partitions  each assigned input partition: end, committed and fetch offsets, lag, whether
               Faust fetches or paused it, seconds since it delivered a record, stalled or not
GET /metrics   Prometheus metrics
"""

import asyncio

import faust
from aiohttp import web

from streams.metrics import metrics_handler
from streams.watchdog import Watchdog


def serve(app: faust.App, host: str, port: int, watchdog: Watchdog) -> None:
    recovered = asyncio.Event()

    @app.on_rebalance_complete.connect
    async def tables_recovered(sender, **_) -> None:
        recovered.set()

    async def healthz(_: web.Request) -> web.Response:
        if stalled := watchdog.stalled():
            return web.json_response({"status": "stalled", "partitions": [v.as_json() for v in stalled]}, status=503)
        return web.json_response({"status": "ok"})

    async def partitions(_: web.Request) -> web.Response:
        return web.json_response({"partitions": [verdict.as_json() for verdict in watchdog.verdicts]})

    async def readyz(_: web.Request) -> web.Response:
        if recovered.is_set() and not app.rebalancing:
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "recovering"}, status=503)

    http = web.Application()
    http.router.add_get("/healthz", healthz)
    http.router.add_get("/readyz", readyz)
    http.router.add_get("/partitions", partitions)
    http.router.add_get("/metrics", metrics_handler)

    @app.task
    async def serve_http() -> None:
        runner = web.AppRunner(http, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
