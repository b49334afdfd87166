"""The one way parcelwatch opens Redis: health-checked connections and retried calls.

A restarted Redis leaves every pooled connection dead without the client knowing; without a
health check each of them failed one request (a 503 for a carrier) when it was next used, long
after Redis was back. redis-py's own `health_check_interval` (a PING before using a connection
idle that long) and `Retry` with `ExponentialBackoff` (a call that lost its connection is sent
again on a new one) absorb it, so no hand-written reconnect logic is needed.
"""

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

from workers.settings import RedisSettings


def make_redis(settings: RedisSettings) -> Redis:
    return Redis.from_url(
        settings.url.get_secret_value(),
        socket_timeout=settings.timeout_s,
        socket_connect_timeout=settings.timeout_s,
        health_check_interval=settings.health_check_interval_s,
        retry=Retry(ExponentialBackoff(cap=settings.timeout_s, base=settings.retry_backoff_s), settings.retries),
        retry_on_error=[ConnectionError, TimeoutError],
    )
