"""One poll of a carrier's API for a batch of numbers: limits, credentials, bounded retries.

Every attempt first takes a token from the carrier's shared bucket (`limits.py`). Then:

    2xx                     the answer (JSON, or text for XML APIs); the circuit closes
    429                     every poller holds back for Retry-After (seconds or an HTTP date;
                            without one, the backoff), then the attempt is repeated
    401/403 with a token    the token is dropped and fetched again, once
    5xx, 408, transport     counted against the circuit, repeated after an exponential backoff
    other 4xx               the request is wrong: no retry
    held back               `HeldBack` when the circuit or a Retry-After would keep the batch
                            longer than its lease allows: the batch is put back, not retried

`max_attempts` bounds the attempts of one poll; the last failure raises `PollFailed`.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from carriers.base import get_carrier
from workers.poller import metrics
from workers.poller.credentials import Credentials, CredentialsError
from workers.poller.limits import Limits
from workers.settings import PollerSettings

RETRIED_STATUSES = frozenset({408, 500, 502, 503, 504})
MAX_BACKOFF_S = 30.0


class PollFailed(Exception):
    def __init__(self, carrier: str, reason: str) -> None:
        super().__init__(f"{carrier}: {reason}")
        self.reason = reason


def retry_after_s(response: httpx.Response, now: datetime) -> float | None:
    """The wait a response's Retry-After asks for, in seconds (delay-seconds or HTTP-date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def decode(response: httpx.Response) -> Any:
    """The answer as the adapters take it: parsed JSON, or the text of an XML answer."""
    kind = response.headers.get("content-type", "")
    if "xml" in kind:
        return response.text
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        if "json" in kind:
            raise
        return response.text


class CarrierClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        limits: Limits,
        credentials: Credentials,
        settings: PollerSettings,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = http
        self._limits = limits
        self._credentials = credentials
        self._settings = settings
        self._sleep = sleep

    def _backoff(self, attempt: int) -> float:
        return min(MAX_BACKOFF_S, self._settings.retry_backoff_s * 2 ** (attempt - 1))

    async def poll(self, carrier: str, tracking_numbers: Sequence[str], deadline: float) -> Any:
        """The carrier's answer about `tracking_numbers`, sent by `deadline` (`time.monotonic()`).

        Raise `PollFailed`, or `HeldBack` when the limits would keep the request past `deadline`.
        """
        adapter = get_carrier(carrier)
        settings = self._settings
        refreshed = False
        reason = "no attempt"
        for attempt in range(1, settings.max_attempts + 1):
            if attempt > 1 and time.monotonic() > deadline:
                raise PollFailed(carrier, f"lease running out after {attempt - 1} attempts, the last: {reason}")
            report_success = await self._limits.acquire(carrier, max(0.0, deadline - time.monotonic()))
            try:
                endpoint = await self._credentials.endpoint(carrier)
            except CredentialsError as error:
                metrics.ERRORS.labels(carrier=carrier, status="token").inc()
                await self._limits.failed(carrier)
                reason = str(error)
                await self._sleep(self._backoff(attempt))
                continue
            built = adapter.build_poll_request(tracking_numbers, endpoint)
            # Through the client, so that its own headers (User-Agent) are added to the adapter's.
            request = self._http.build_request(built.method, built.url, headers=built.headers, content=built.content)
            started = time.perf_counter()
            try:
                response = await self._http.send(request)
            except httpx.TransportError as error:
                metrics.ERRORS.labels(carrier=carrier, status="transport").inc()
                await self._limits.failed(carrier)
                reason = f"transport: {error!r}"
                await self._sleep(self._backoff(attempt))
                continue
            metrics.REQUEST_SECONDS.labels(carrier=carrier).observe(time.perf_counter() - started)
            status = response.status_code
            if 200 <= status < 300:
                if report_success:
                    await self._limits.succeeded(carrier)
                try:
                    return decode(response)
                except orjson.JSONDecodeError as error:
                    raise PollFailed(carrier, f"answer is not JSON: {error}") from None
            metrics.ERRORS.labels(carrier=carrier, status=str(status)).inc()
            reason = f"HTTP {status}"
            if status == 429:
                wait_s = retry_after_s(response, datetime.now(UTC))
                wait_s = self._backoff(attempt) if wait_s is None else min(wait_s, settings.retry_after_max_s)
                await self._limits.block(carrier, wait_s)
            elif status in (401, 403) and endpoint.access_token and not refreshed:
                refreshed = True
                await self._credentials.invalidate(carrier, endpoint.access_token)
            elif status in RETRIED_STATUSES or status >= 500:
                await self._limits.failed(carrier)
                await self._sleep(self._backoff(attempt))
            else:
                if status in (401, 403):
                    await self._limits.failed(carrier)
                raise PollFailed(carrier, reason)
        raise PollFailed(carrier, f"{settings.max_attempts} attempts, the last: {reason}")
