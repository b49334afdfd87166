"""The webhook benchmark's baseline: an aiohttp server that reads a POST's body and answers 202.

    python -m workers.bench.bare PORT

Served the way `parcelwatch webhook` serves the receiver (`workers.serving.serve`: one process,
uvloop, no access log), so the two differ only in what the handler does.
"""

import sys

from aiohttp import web

from workers.serving import serve


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
    serve(create_app(), "127.0.0.1", int(sys.argv[1]))
