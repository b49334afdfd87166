"""Order events and status changes that register numbers with the aggregator and stop them there (the
queues in a real Redis; the calls themselves are `test_registrar.py`'s)."""

from datetime import timedelta

import orjson
import pytest

from schemas.outputs import StatusChanged
from schemas.status import Status
from tests.poller.conftest import NOW, poller_settings
from tests.poller.test_feed import RETENTION_S, SHIPMENTS, STATUS, registered
from workers.poller.feed import Feed
from workers.poller.orders import OpenOrders
from workers.poller.registrations import Registrations
from workers.poller.schedule import Schedule
from workers.settings import RoutingSettings

NUMBER = "LP000000017CN"


def make_feed(redis, clock=lambda: NOW, **routing) -> Feed:
    base = poller_settings(ups={}, sandbox={"base_url": "http://sandbox"}, **{"17track": {"api_key": "k"}})
    routing_settings = RoutingSettings(aggregator="17track", **routing)
    config = base.model_copy(update={"poller": base.poller.model_copy(update={"routing": routing_settings})})
    schedule = Schedule(redis, config.poller.schedule_buckets)
    orders = OpenOrders(redis, retention_s=RETENTION_S)
    return Feed(schedule, orders, config, ["17track", "sandbox", "ups"], clock, Registrations(redis, "17track"))


@pytest.fixture
def feed(redis) -> Feed:
    return make_feed(redis)


@pytest.fixture
def registrations(redis) -> Registrations:
    return Registrations(redis, "17track")


def receipt(order_id: str, number: str = NUMBER) -> bytes:
    return orjson.dumps(
        {"type": "receipt_confirmed", "order_id": order_id, "tracking_number": number, "at": NOW.isoformat()}
    )


def status_from(carrier: str, number: str = NUMBER) -> bytes:
    change = StatusChanged.build(
        tracking_number=number,
        order_ids=("o-1",),
        status=Status.IN_TRANSIT,
        previous_status=None,
        occurred_at=NOW - timedelta(hours=1),
        carrier=carrier,
    )
    return change.model_dump_json().encode()


async def test_a_number_of_a_carrier_not_polled_is_queued_for_registration_with_its_hint(feed, registrations):
    assert await feed.apply(SHIPMENTS, registered(NUMBER, "cainiao"), NOW) == "registering"
    (tracked,) = await registrations.take("register", NOW, 40, 60)
    assert (tracked.number, tracked.carrier, tracked.destination_country) == (NUMBER, "190271", "ES")


async def test_the_same_registration_twice_queues_one(feed, registrations):
    await feed.apply(SHIPMENTS, registered(NUMBER, "cainiao"), NOW)
    assert await feed.apply(SHIPMENTS, registered(NUMBER, "cainiao"), NOW) == "already_registered"
    assert len(await registrations.take("register", NOW, 40, 60)) == 1


async def test_a_route_both_schedules_and_registers(redis, registrations):
    feed = make_feed(redis, routes=[{"carrier": "ups", "via": "both"}])
    assert await feed.apply(SHIPMENTS, registered("1Z999AA10123456784", "ups"), NOW) == "scheduled+registering"
    (tracked,) = await registrations.take("register", NOW, 40, 60)
    assert tracked.carrier == "100002"


async def test_a_number_two_open_orders_share_is_stopped_when_both_are_closed(feed, registrations):
    await feed.apply(SHIPMENTS, registered(NUMBER, "cainiao", order_id="o-1"), NOW)
    await feed.apply(SHIPMENTS, registered(NUMBER, "cainiao", order_id="o-2"), NOW)
    await registrations.take("register", NOW, 40, 60)
    await registrations.registered(NUMBER, "190271", None, NOW, new=True)
    assert await feed.apply(SHIPMENTS, receipt("o-1"), NOW) == "kept"
    assert await registrations.queued(NUMBER) is None
    assert await feed.apply(SHIPMENTS, receipt("o-2"), NOW) == "stopping"
    assert await registrations.queued(NUMBER) == "stop"


async def test_a_receipt_before_the_registration_was_sent_cancels_it(feed, registrations):
    await feed.apply(SHIPMENTS, registered(NUMBER, "cainiao"), NOW)
    assert await feed.apply(SHIPMENTS, receipt("o-1"), NOW) == "cancelled"
    assert await registrations.take("register", NOW, 40, 60) == []


async def test_a_number_is_released_when_its_orders_protection_has_ended(redis, registrations):
    clock = type("Clock", (), {"now": NOW, "__call__": lambda self: self.now})()
    feed = make_feed(redis, clock=clock)
    await feed.apply(SHIPMENTS, registered(NUMBER, "cainiao"), NOW)
    await registrations.take("register", NOW, 40, 60)
    await registrations.registered(NUMBER, None, None, NOW, new=True)
    assert await feed.expire_protections() == 0
    clock.now = NOW + timedelta(days=60)
    assert await feed.expire_protections() == 1
    assert await registrations.queued(NUMBER) == "stop"
    assert await feed.expire_protections() == 0


async def test_events_of_another_carrier_correct_the_carrier_a_number_is_registered_as(feed, registrations):
    await registrations.registered(NUMBER, "190271", None, NOW, new=True)
    await feed.apply(STATUS, status_from("ups"), NOW)
    assert await registrations.changes(10) == [(NUMBER, "100002")]


async def test_events_of_the_aggregator_itself_change_no_carrier_and_resume_no_poll(feed, registrations):
    await registrations.registered(NUMBER, "190271", None, NOW, new=True)
    assert await feed.apply(STATUS, status_from("17track"), NOW) == "skipped"
    assert await registrations.changes(10) == []
