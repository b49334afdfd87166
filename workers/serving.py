"""How parcelwatch serves an aiohttp app: `web.run_app` on uvloop, no access log, no banner.

The receiver and the webhook benchmark's bare handler (`workers.bench.bare`) both run this way, so
the benchmark compares what their handlers do and nothing else.
"""

import uvloop
from aiohttp import web


def serve(app: web.Application, host: str, port: int) -> None:
    """Serve `app` until SIGINT or SIGTERM."""
    web.run_app(app, host=host, port=port, access_log=None, print=None, loop=uvloop.new_event_loop())
