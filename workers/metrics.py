"""Prometheus plumbing shared by the processes: the /metrics handler and the webhook's own metrics."""

import time
from functools import cache

from aiohttp import web
from prometheus_client import Counter, Histogram

from carriers.base import registry

WEBHOOK_REQUESTS = Counter(
    "parcelwatch_webhook_requests_total", "Webhook requests by carrier and answer", ["carrier", "code"]
)
WEBHOOK_SECONDS = Histogram(
    "parcelwatch_webhook_request_seconds",
    "Webhook request latency, durable write included",
    ["carrier"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


@cache
def _requests(carrier: str, code: int) -> Counter:
    """The counter of one carrier and answer, looked up once (`labels` costs a lock and a dict per call)."""
    return WEBHOOK_REQUESTS.labels(carrier, str(code))


@cache
def _seconds(carrier: str) -> Histogram:
    return WEBHOOK_SECONDS.labels(carrier)


@web.middleware
async def count_webhooks(request: web.Request, handler):
    """Count `POST /webhooks/{carrier}` by carrier (an unknown slug counts as `unknown`) and status."""
    if "carrier" not in request.match_info:
        return await handler(request)
    carrier = request.match_info["carrier"]
    carrier = carrier if carrier in registry() else "unknown"
    started = time.perf_counter()
    code = 500
    try:
        response = await handler(request)
        code = response.status
        return response
    except web.HTTPException as error:
        code = error.status
        raise
    finally:
        _requests(carrier, code).inc()
        _seconds(carrier).observe(time.perf_counter() - started)
