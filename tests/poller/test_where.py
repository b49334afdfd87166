"""`parcelwatch inspect`'s lines about where a number is tracked, read from a real Redis."""

from datetime import timedelta

from tests.poller.conftest import NOW
from workers.poller.orders import OpenOrders
from workers.poller.registrations import Registrations
from workers.poller.schedule import Entry, Meta, Schedule
from workers.poller.where import tracked_where
from workers.settings import Settings

SETTINGS = Settings(
    poller={"endpoints": {"ups": {}, "17track": {"api_key": "k"}}, "routing": {"aggregator": "17track"}}
)
NUMBER = "1Z999AA10123456784"


async def test_a_number_polled_registered_and_needed_by_two_orders(redis):
    schedule = Schedule(redis, SETTINGS.poller.schedule_buckets)
    await schedule.add("ups", [Entry(NUMBER, Meta(None, NOW, NOW), NOW + timedelta(hours=1))])
    registrations = Registrations(redis, "17track")
    await registrations.want(NUMBER, "100002", "US", NOW)
    await registrations.take("register", NOW, 40, 60)
    await registrations.registered(NUMBER, "100002", None, NOW, new=True)
    orders = OpenOrders(redis, retention_s=3650 * 86400)
    await orders.add(NUMBER, "o-2", NOW + timedelta(days=30))
    await orders.add(NUMBER, "o-1", NOW + timedelta(days=20))
    assert await tracked_where(redis, SETTINGS, NUMBER) == [
        "polled directly by ups: next poll 2026-05-10T13:00:00Z",
        "registered with 17track since 2026-05-10T12:00:00Z, as carrier 100002",
        "needed by 2 open orders: o-1 (protection ends 2026-05-30T12:00:00Z),"
        " o-2 (protection ends 2026-06-09T12:00:00Z)",
    ]


async def test_a_number_waiting_to_be_registered_then_being_stopped(redis):
    registrations = Registrations(redis, "17track")
    await registrations.want(NUMBER, None, None, NOW)
    await registrations.retry("register", NUMBER, NOW + timedelta(minutes=1))
    assert await tracked_where(redis, SETTINGS, NUMBER) == ["waiting to be registered with 17track (1 failed attempts)"]
    await registrations.take("register", NOW + timedelta(minutes=1), 40, 60)
    await registrations.registered(NUMBER, None, None, NOW, new=True)
    assert await registrations.unwant(NUMBER, NOW) == "stopping"
    assert await tracked_where(redis, SETTINGS, NUMBER) == [
        "registered with 17track since 2026-05-10T12:00:00Z; being stopped there"
    ]


async def test_a_number_not_tracked(redis):
    assert await tracked_where(redis, SETTINGS, NUMBER) == [
        "not tracked: neither polled directly nor registered with an aggregator"
    ]
