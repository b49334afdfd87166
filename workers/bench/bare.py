"""The webhook benchmark's baseline: an aiohttp server that reads a POST's body and answers 202.

    python -m workers.bench.bare PORT

Run the way `parcelwatch webhook` runs the receiver (`web.run_app`, one process, no access log),
so the two differ only in what the handler does.
"""

import sys

from aiohttp import web


async def accept(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"status": "accepted"}, status=202)


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/webhooks/{carrier}", accept)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", healthz)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
