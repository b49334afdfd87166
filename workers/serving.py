"""How parcelwatch serves an aiohttp app: `web.run_app` on uvloop, no access log, no banner, and a
garbage collector set for request work.

The receiver and the webhook benchmark's bare handler (`workers.bench.bare`) both run this way, so
the benchmark compares what their handlers do and nothing else.
"""

import gc

import uvloop
from aiohttp import web

#: Allocations between two youngest-generation collections (CPython's default is 700): a request
#: allocates a few hundred objects that all die with it, so the default collects every request or
#: two for nothing to free.
YOUNG_GC_THRESHOLD = 20_000


def serve(app: web.Application, host: str, port: int) -> None:
    """Serve `app` until SIGINT or SIGTERM. What start-up built (modules, models, the app) is frozen out
    of the collector's reach, and the youngest generation is collected every `YOUNG_GC_THRESHOLD`
    allocations."""
    gc.freeze()
    gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])
    web.run_app(app, host=host, port=port, access_log=None, print=None, loop=uvloop.new_event_loop())
