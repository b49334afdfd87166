"""Per-carrier request limits shared by every poller process: a token bucket and a circuit breaker in Redis.

    pw:{c}:bucket    hash  tokens, ts (ms), blocked_until (ms)
    pw:{c}:circuit   hash  failures, open_until (ms), probe_until (ms)

`PERMIT` (one atomic script, on Redis's own clock so pollers on different hosts agree) first asks
the circuit, then takes a token: it answers how long to wait (0: go now), the circuit's state and
its count of consecutive failures (a success is reported only when there is something to reset).
The bucket refills at `rate_per_s` up to `burst`, so in any window of W seconds at most
`burst + rate_per_s × W` requests are granted, whatever the number of processes.

A 429 pushes the bucket's `blocked_until` to now + Retry-After (`BLOCK`) and empties it: every
process holds back, and the bucket refills from the end of the block.

The circuit opens after `circuit_failures` consecutive failed requests (transport errors, 5xx,
refused credentials) and stays open for `circuit_cooldown_s`; then it is half-open: one probe at
a time goes through. The probe's success closes it, its failure opens it again (`REPORT`).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from enum import IntEnum

from redis.asyncio import Redis

from workers.poller import metrics
from workers.poller.schedule import prefix
from workers.settings import PollEndpointSettings, PollerSettings

PROBE_TTL_MS = 30_000

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

PERMIT = (
    _NOW
    + """
local c = redis.call('HMGET', KEYS[2], 'open_until', 'probe_until', 'failures')
local open_until = tonumber(c[1]) or 0
local failures = tonumber(c[3]) or 0
local state = 0
if open_until > 0 then
  if now < open_until then return {open_until - now, 2, failures} end
  local probe_until = tonumber(c[2]) or 0
  if now < probe_until then return {probe_until - now, 1, failures} end
  state = 1
end
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'blocked_until')
local blocked = tonumber(b[3]) or 0
if now < blocked then return {blocked - now, state, failures} end
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
if tokens < 1 then
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
  return {math.ceil((1 - tokens) * 1000 / rate), state, failures}
end
redis.call('HSET', KEYS[1], 'tokens', tokens - 1, 'ts', now)
if state == 1 then redis.call('HSET', KEYS[2], 'probe_until', now + tonumber(ARGV[3])) end
return {0, state, failures}
"""
)

BLOCK = (
    _NOW
    + """
local until_ms = now + tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked_until')) or 0
if until_ms > blocked then
  redis.call('HSET', KEYS[1], 'blocked_until', until_ms, 'tokens', 0, 'ts', until_ms)
  return until_ms - now
end
return blocked - now
"""
)

REPORT = (
    _NOW
    + """
if ARGV[1] == 'success' then
  redis.call('DEL', KEYS[1])
  return 0
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until')) or 0
if open_until > 0 or failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'open_until', now + tonumber(ARGV[3]))
  redis.call('HDEL', KEYS[1], 'probe_until')
  return 2
end
return 0
"""
)

PEEK = (
    _NOW
    + """
local open_until = tonumber(redis.call('HGET', KEYS[2], 'open_until')) or 0
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked_until')) or 0
local state = 0
if open_until > 0 then state = (now < open_until) and 2 or 1 end
return {math.max(0, open_until - now, blocked - now), state}
"""
)


class Circuit(IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class HeldBack(Exception):
    """Nothing may be sent to the carrier for `wait_s` more seconds (open circuit, Retry-After, busy bucket)."""

    def __init__(self, carrier: str, wait_s: float, circuit: Circuit) -> None:
        super().__init__(f"{carrier}: held back {wait_s:.1f} s more (circuit {circuit.name.lower()})")
        self.wait_s = wait_s
        self.circuit = circuit


class Limits:
    def __init__(
        self,
        redis: Redis,
        settings: PollerSettings,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._permit = redis.register_script(PERMIT)
        self._block = redis.register_script(BLOCK)
        self._report = redis.register_script(REPORT)
        self._peek = redis.register_script(PEEK)

    @staticmethod
    def _keys(carrier: str) -> list[str]:
        return [prefix(carrier) + "bucket", prefix(carrier) + "circuit"]

    def _endpoint(self, carrier: str) -> PollEndpointSettings:
        return self._settings.endpoints.get(carrier) or PollEndpointSettings()

    async def try_acquire(self, carrier: str) -> tuple[float, Circuit]:
        """Take one request's token if allowed now: (0, state), else (seconds to wait, state)."""
        wait_s, state, _ = await self._try_acquire(carrier)
        return wait_s, state

    async def _try_acquire(self, carrier: str) -> tuple[float, Circuit, int]:
        endpoint = self._endpoint(carrier)
        wait_ms, state, failures = await self._permit(
            keys=self._keys(carrier), args=[endpoint.rate_per_s, endpoint.burst, PROBE_TTL_MS]
        )
        metrics.CIRCUIT.labels(carrier=carrier).set(int(state))
        return int(wait_ms) / 1000, Circuit(int(state)), int(failures)

    async def acquire(self, carrier: str, max_wait_s: float) -> bool:
        """Wait for a request's token; answer whether a success must be reported (the circuit is not
        closed, or counts failures). Raise `HeldBack` rather than wait longer than `max_wait_s` in all."""
        started = time.monotonic()
        while True:
            wait_s, state, failures = await self._try_acquire(carrier)
            if wait_s == 0:
                return state is not Circuit.CLOSED or failures > 0
            waited = time.monotonic() - started
            if waited + wait_s > max_wait_s:
                raise HeldBack(carrier, wait_s, state)
            await self._sleep(wait_s)

    async def blocked_for(self, carrier: str) -> tuple[float, Circuit]:
        """How long nothing may be sent (open circuit or Retry-After), without taking a token."""
        wait_ms, state = await self._peek(keys=self._keys(carrier), args=[])
        metrics.CIRCUIT.labels(carrier=carrier).set(int(state))
        return int(wait_ms) / 1000, Circuit(int(state))

    async def block(self, carrier: str, seconds: float) -> float:
        """Hold every process back from this carrier for `seconds` (a 429's Retry-After); answer the block left."""
        left_ms = await self._block(keys=self._keys(carrier)[:1], args=[max(1, int(seconds * 1000))])
        return int(left_ms) / 1000

    async def succeeded(self, carrier: str) -> None:
        await self._report(keys=self._keys(carrier)[1:], args=["success", 0, 0])
        metrics.CIRCUIT.labels(carrier=carrier).set(Circuit.CLOSED)

    async def failed(self, carrier: str) -> Circuit:
        settings = self._settings
        cooldown_ms = int(settings.circuit_cooldown_s * 1000)
        state = Circuit(
            int(
                await self._report(
                    keys=self._keys(carrier)[1:], args=["failure", settings.circuit_failures, cooldown_ms]
                )
            )
        )
        metrics.CIRCUIT.labels(carrier=carrier).set(int(state))
        return state
