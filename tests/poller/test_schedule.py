"""The schedule's Lua scripts against a real redis-server: lease, complete, reap, add, put, remove."""

import asyncio
from datetime import timedelta

import pytest

from schemas.status import Status
from tests.poller.conftest import NOW
from workers.poller.schedule import SCHEDULE, Entry, Meta, Schedule, bucket_of, prefix

BUCKETS = 64
META = Meta(None, NOW - timedelta(days=2), NOW - timedelta(days=1))


@pytest.fixture
def schedule(redis) -> Schedule:
    return Schedule(redis, BUCKETS)


def entries(*numbers: str, due=NOW, meta=META) -> list[Entry]:
    return [Entry(number, meta, due) for number in numbers]


async def lua_bucket(redis, number: str) -> int:
    script = SCHEDULE.split("local touched")[0] + "return bucket(ARGV[3])"
    return int(await redis.eval(script, 0, BUCKETS, "p", number))


def test_meta_is_17_bytes_and_round_trips():
    meta = Meta(Status.RETURNED_TO_SENDER, NOW, NOW + timedelta(hours=3), 2**64 - 1)
    assert len(meta.encode()) == 17
    assert Meta.decode(meta.encode()) == meta
    assert Meta.decode(META.encode()) == META


async def test_python_and_lua_put_a_number_in_the_same_bucket(redis):
    for number in ["LP123456785CN", "1Z999AA10123456784", "9400111899223197428490", "Ä-ünïcode", "x"]:
        assert bucket_of(number, BUCKETS) == await lua_bucket(redis, number)


async def test_due_numbers_are_leased_most_overdue_first(schedule):
    await schedule.add("sandbox", entries("LATE", due=NOW - timedelta(hours=2)))
    await schedule.add("sandbox", entries("ON-TIME", due=NOW))
    await schedule.add("sandbox", entries("FUTURE", due=NOW + timedelta(minutes=1)))
    lease = await schedule.lease("sandbox", NOW, limit=10, ttl_s=30)
    assert lease.numbers == ("LATE", "ON-TIME")
    assert lease.known() == [("LATE", META), ("ON-TIME", META)]
    assert lease.expires_at == NOW + timedelta(seconds=30)
    assert await schedule.leased("sandbox") == 2
    assert await schedule.depth("sandbox") == 3


async def test_a_leased_number_is_not_leased_again(schedule):
    await schedule.add("sandbox", entries(*(f"N{i}" for i in range(30))))
    first, second = await asyncio.gather(
        schedule.lease("sandbox", NOW, limit=20, ttl_s=30), schedule.lease("sandbox", NOW, limit=20, ttl_s=30)
    )
    taken = [*first.numbers, *second.numbers]
    assert sorted(taken) == sorted(f"N{i}" for i in range(30))
    assert len({*taken}) == 30
    assert (await schedule.lease("sandbox", NOW, limit=20, ttl_s=30)).numbers == ()


async def test_lease_takes_at_most_the_limit(schedule):
    await schedule.add("sandbox", entries(*(f"N{i}" for i in range(10))))
    assert len((await schedule.lease("sandbox", NOW, limit=4, ttl_s=30)).numbers) == 4
    assert await schedule.earliest_due("sandbox") == NOW


async def test_complete_reschedules_under_the_lease(schedule):
    await schedule.add("sandbox", entries("A", "B"))
    lease = await schedule.lease("sandbox", NOW, limit=10, ttl_s=30)
    seen = Meta(Status.IMPORT, META.shipped_at, NOW, 42)
    lost = await schedule.complete(lease, [Entry("A", seen, NOW + timedelta(hours=1)), Entry("B", META, None)])
    assert lost == []
    assert await schedule.meta("sandbox", ["A", "B"]) == [seen, None]
    assert await schedule.due_at("sandbox", "A") == NOW + timedelta(hours=1)
    assert await schedule.due_at("sandbox", "B") is None
    assert await schedule.leased("sandbox") == 0
    assert await schedule.depth("sandbox") == 1
    assert await schedule.earliest_due("sandbox") == NOW + timedelta(hours=1)


async def test_expired_leases_are_reaped_and_due_at_once(schedule):
    await schedule.add("sandbox", entries("A", "B"))
    lease = await schedule.lease("sandbox", NOW, limit=10, ttl_s=5)
    assert await schedule.reap("sandbox", NOW + timedelta(seconds=4)) == 0
    assert await schedule.reap("sandbox", NOW + timedelta(seconds=5)) == 2
    later = NOW + timedelta(seconds=6)
    assert await schedule.due_at("sandbox", "A") == NOW + timedelta(seconds=5)
    again = await schedule.lease("sandbox", later, limit=10, ttl_s=5)
    assert sorted(again.numbers) == ["A", "B"]
    # The crashed poller comes back: its lease is gone, it only refreshes the meta.
    seen = Meta(Status.IN_TRANSIT, META.shipped_at, NOW, 7)
    assert sorted(await schedule.complete(lease, entries("A", "B", meta=seen))) == ["A", "B"]
    assert await schedule.leased("sandbox") == 2
    assert await schedule.meta("sandbox", ["A"]) == [seen]


async def test_add_keeps_a_scheduled_number_as_it_is(schedule):
    assert await schedule.add("sandbox", entries("A", due=NOW + timedelta(hours=5))) == 1
    assert await schedule.add("sandbox", entries("A", due=NOW, meta=Meta(None, NOW, NOW))) == 0
    assert await schedule.due_at("sandbox", "A") == NOW + timedelta(hours=5)
    assert await schedule.meta("sandbox", ["A"]) == [META]
    assert await schedule.depth("sandbox") == 1


async def test_put_moves_a_number_and_a_leased_one_only_gets_its_meta(schedule):
    await schedule.add("sandbox", entries("A", "B"))
    lease = await schedule.lease("sandbox", NOW, limit=1, ttl_s=30)
    (leased,) = lease.numbers
    other = "B" if leased == "A" else "A"
    moved = Meta(Status.EXPORT, META.shipped_at, NOW, 0)
    await schedule.put("sandbox", entries("A", "B", due=NOW + timedelta(days=1), meta=moved))
    assert await schedule.due_at("sandbox", other) == NOW + timedelta(days=1)
    assert await schedule.due_at("sandbox", leased) is None
    assert await schedule.meta("sandbox", [leased]) == [moved]


async def test_remove_forgets_due_and_leased_numbers(schedule):
    await schedule.add("sandbox", entries("A", "B", "C"))
    lease = await schedule.lease("sandbox", NOW, limit=1, ttl_s=30)
    assert await schedule.remove("sandbox", ["A", "B", "C", "NEVER-SEEN"]) == 3
    assert await schedule.depth("sandbox") == 0
    assert await schedule.leased("sandbox") == 0
    assert await schedule.earliest_due("sandbox") is None
    assert await schedule.complete(lease, entries(*lease.numbers)) == list(lease.numbers)
    assert await schedule.meta("sandbox", ["A", "B", "C"]) == [None, None, None]


async def test_every_key_of_a_carrier_shares_its_hash_tag(schedule, redis):
    await schedule.add("17track", entries(*(f"N{i}" for i in range(50))))
    await schedule.lease("17track", NOW, limit=5, ttl_s=30)
    keys = [key.decode() for key in await redis.keys("*")]
    assert keys and all(key.startswith(prefix("17track")) for key in keys)
    assert {key.split(":")[2] for key in keys} == {"d", "m", "due", "leases", "n"}


async def test_carriers_have_separate_schedules(schedule):
    await schedule.add("sandbox", entries("A"))
    await schedule.add("17track", entries("A", due=NOW + timedelta(hours=1)))
    assert (await schedule.lease("17track", NOW, limit=5, ttl_s=30)).numbers == ()
    assert (await schedule.lease("sandbox", NOW, limit=5, ttl_s=30)).numbers == ("A",)
