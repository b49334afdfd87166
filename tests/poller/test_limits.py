"""The shared token bucket and circuit breaker, as Lua scripts on a real redis-server (its clock)."""

import asyncio
import time

import pytest

from workers.poller.limits import Circuit, HeldBack, Limits
from workers.settings import PollerSettings


def limits_for(redis, rate_per_s=10.0, burst=3, failures=3, cooldown_s=0.3) -> Limits:
    settings = PollerSettings(
        endpoints={"sandbox": {"rate_per_s": rate_per_s, "burst": burst}},
        circuit_failures=failures,
        circuit_cooldown_s=cooldown_s,
    )
    return Limits(redis, settings)


async def test_a_full_bucket_grants_its_burst_then_paces_at_the_rate(redis):
    limits = limits_for(redis, rate_per_s=10, burst=3)
    grants = [await limits.try_acquire("sandbox") for _ in range(3)]
    assert grants == [(0, Circuit.CLOSED)] * 3
    wait_s, state = await limits.try_acquire("sandbox")
    assert 0 < wait_s <= 0.1
    assert state is Circuit.CLOSED


async def test_processes_sharing_a_bucket_never_exceed_burst_plus_rate(redis):
    """Three clients (as three processes would) take tokens for a second: at most burst + rate × 1 s."""
    clients = [limits_for(redis, rate_per_s=20, burst=2) for _ in range(3)]
    granted: list[float] = []
    started = time.monotonic()

    async def take(limits: Limits) -> None:
        while time.monotonic() - started < 1.0:
            await limits.acquire("sandbox", max_wait_s=5)
            granted.append(time.monotonic() - started)

    await asyncio.gather(*(take(limits) for limits in clients))
    within_a_second = [moment for moment in granted if moment < 1.0]
    assert 10 <= len(within_a_second) <= 2 + 20


async def test_retry_after_holds_every_process_back(redis):
    one, other = limits_for(redis), limits_for(redis)
    assert await one.block("sandbox", 0.5) == pytest.approx(0.5, abs=0.01)
    wait_s, _ = await other.try_acquire("sandbox")
    assert 0.4 < wait_s <= 0.5
    assert (await other.blocked_for("sandbox"))[0] > 0.4
    # A shorter Retry-After does not shorten the block.
    assert await other.block("sandbox", 0.1) > 0.4
    started = time.monotonic()
    await other.acquire("sandbox", max_wait_s=2)
    assert time.monotonic() - started >= 0.4


async def test_a_block_longer_than_the_caller_can_wait_is_held_back(redis):
    limits = limits_for(redis)
    await limits.block("sandbox", 5)
    with pytest.raises(HeldBack) as held:
        await limits.acquire("sandbox", max_wait_s=1)
    assert 4 < held.value.wait_s <= 5


async def test_the_circuit_opens_after_consecutive_failures_and_a_success_resets_them(redis):
    limits = limits_for(redis, failures=3)
    assert await limits.failed("sandbox") is Circuit.CLOSED
    assert await limits.failed("sandbox") is Circuit.CLOSED
    await limits.succeeded("sandbox")
    assert await limits.failed("sandbox") is Circuit.CLOSED
    assert await limits.failed("sandbox") is Circuit.CLOSED
    assert await limits.failed("sandbox") is Circuit.OPEN
    wait_s, state = await limits.try_acquire("sandbox")
    assert state is Circuit.OPEN and 0.2 < wait_s <= 0.3
    assert (await limits.blocked_for("sandbox"))[1] is Circuit.OPEN


async def test_a_half_open_circuit_lets_one_probe_through(redis):
    one, other = limits_for(redis, failures=1, cooldown_s=0.2), limits_for(redis, failures=1, cooldown_s=0.2)
    assert await one.failed("sandbox") is Circuit.OPEN
    await asyncio.sleep(0.25)
    assert await one.try_acquire("sandbox") == (0, Circuit.HALF_OPEN)
    wait_s, state = await other.try_acquire("sandbox")
    assert state is Circuit.HALF_OPEN and wait_s > 1
    # The probe fails: open again for a full cool-down.
    assert await one.failed("sandbox") is Circuit.OPEN
    await asyncio.sleep(0.25)
    assert await other.try_acquire("sandbox") == (0, Circuit.HALF_OPEN)
    await other.succeeded("sandbox")
    assert await one.try_acquire("sandbox") == (0, Circuit.CLOSED)
