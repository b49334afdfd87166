"""Order events and status changes applied to the schedule (the Kafka consumer around it is an integration test)."""

import time
from datetime import timedelta

import orjson
import pytest

from schemas.outputs import StatusChanged
from schemas.status import Status
from tests.poller.conftest import NOW, poller_settings
from workers.poller.feed import Feed
from workers.poller.orders import OpenOrders, key
from workers.poller.schedule import Entry, Meta, Schedule

SHIPMENTS = "orders.shipments.v1"
STATUS = "shipments.status.v1"
SHIPPED = NOW - timedelta(days=2)
#: Long enough that hashes of orders whose protection ended at NOW's time are still held today.
RETENTION_S = 3650 * 86400
SETTINGS = poller_settings(ups={}, sandbox={"base_url": "http://sandbox"}, cainiao={"base_url": "http://cainiao"})


@pytest.fixture
def schedule(redis) -> Schedule:
    return Schedule(redis, SETTINGS.poller.schedule_buckets)


@pytest.fixture
def feed(schedule, redis) -> Feed:
    orders = OpenOrders(redis, retention_s=RETENTION_S)
    return Feed(schedule, orders, SETTINGS, ["cainiao", "sandbox", "ups"], clock=lambda: NOW)


def registered(number: str, carrier: str | None, order_id: str = "o-1") -> bytes:
    return orjson.dumps(
        {
            "type": "registered",
            "order_id": order_id,
            "tracking_number": number,
            "carrier": carrier,
            "buyer_id": "b-1",
            "seller_id": "s-1",
            "order_value": {"amount": "25.00", "currency": "USD"},
            "order_value_usd": "25.00",
            "shipped_at": SHIPPED.isoformat(),
            "protection_ends_at": (NOW + timedelta(days=60)).isoformat(),
            "origin_country": "CN",
            "destination_country": "ES",
        }
    )


def status_changed(number: str, status: Status, carrier: str = "sandbox") -> bytes:
    change = StatusChanged.build(
        tracking_number=number,
        order_ids=("o-1",),
        status=status,
        previous_status=None,
        occurred_at=NOW - timedelta(hours=3),
        carrier=carrier,
    )
    return change.model_dump_json().encode()


async def test_a_registration_schedules_the_number_at_once(feed, schedule):
    assert await feed.apply(SHIPMENTS, registered("SBX000000010001", "sandbox"), NOW) == "scheduled"
    assert await schedule.due_at("sandbox", "SBX000000010001") == NOW
    assert await schedule.meta("sandbox", ["SBX000000010001"]) == [Meta(None, SHIPPED, NOW)]


async def test_a_registration_twice_changes_nothing(feed, schedule):
    await feed.apply(SHIPMENTS, registered("SBX000000010001", "sandbox"), NOW)
    await schedule.put(
        "sandbox", [Entry("SBX000000010001", Meta(Status.IMPORT, SHIPPED, NOW, 9), NOW + timedelta(hours=1))]
    )
    assert await feed.apply(SHIPMENTS, registered("SBX000000010001", "sandbox"), NOW) == "already_scheduled"
    assert await schedule.due_at("sandbox", "SBX000000010001") == NOW + timedelta(hours=1)


async def test_without_a_carrier_the_most_likely_polled_carrier_is_detected(feed, schedule):
    assert await feed.apply(SHIPMENTS, registered("1Z999AA10123456784", None), NOW) == "scheduled"
    assert await schedule.depth("ups") == 1
    # S10 numbers are UPU's first (push-only, not polled), then Cainiao's.
    assert await feed.apply(SHIPMENTS, registered("LP123456785CN", None), NOW) == "scheduled"
    assert await schedule.depth("cainiao") == 1


async def test_a_number_no_polled_carrier_takes_is_skipped(feed, schedule):
    assert await feed.apply(SHIPMENTS, registered("794644445555", None), NOW) == "skipped"
    assert await feed.apply(SHIPMENTS, registered("X1", "generic"), NOW) == "skipped"
    assert [await schedule.depth(c) for c in ("cainiao", "sandbox", "ups")] == [0, 0, 0]


async def test_a_replaced_number_is_unscheduled_and_the_new_one_scheduled(feed, schedule):
    await feed.apply(SHIPMENTS, registered("SBX000000010001", "sandbox"), NOW)
    replaced = {
        "type": "tracking_number_replaced",
        "order_id": "o-1",
        "tracking_number": "SBX000000020002",
        "previous_tracking_number": "SBX000000010001",
        "carrier": "sandbox",
    }
    assert await feed.apply(SHIPMENTS, orjson.dumps(replaced), NOW) == "scheduled"
    assert await schedule.meta("sandbox", ["SBX000000010001", "SBX000000020002"]) == [None, Meta(None, NOW, NOW)]


async def test_a_confirmed_receipt_unschedules_the_number(feed, schedule):
    await feed.apply(SHIPMENTS, registered("SBX000000010001", "sandbox"), NOW)
    confirmed = {
        "type": "receipt_confirmed",
        "order_id": "o-1",
        "tracking_number": "SBX000000010001",
        "at": NOW.isoformat(),
    }
    assert await feed.apply(SHIPMENTS, orjson.dumps(confirmed), NOW) == "unscheduled"
    assert await schedule.depth("sandbox") == 0
    assert await feed.apply(SHIPMENTS, orjson.dumps(confirmed), NOW) == "not_scheduled"


async def test_a_status_change_moves_the_cadence(feed, schedule):
    await feed.apply(SHIPMENTS, registered("SBX000000010001", "sandbox"), NOW - timedelta(days=1))
    assert await feed.apply(STATUS, status_changed("SBX000000010001", Status.OUT_FOR_DELIVERY), NOW) == "moved"
    (meta,) = await schedule.meta("sandbox", ["SBX000000010001"])
    assert (meta.status, meta.last_change, meta.shipped_at) == (Status.OUT_FOR_DELIVERY, NOW, SHIPPED)
    due = await schedule.due_at("sandbox", "SBX000000010001")
    assert NOW + timedelta(minutes=53) < due <= NOW + timedelta(hours=1)
    # The same status again (the poller's own change coming back) moves nothing.
    await schedule.put("sandbox", [Entry("SBX000000010001", meta, NOW + timedelta(minutes=5))])
    assert await feed.apply(STATUS, status_changed("SBX000000010001", Status.OUT_FOR_DELIVERY), NOW) == "unchanged"
    assert await schedule.due_at("sandbox", "SBX000000010001") == NOW + timedelta(minutes=5)


async def test_a_status_change_resumes_a_stopped_number(feed, schedule):
    assert await feed.apply(STATUS, status_changed("SBX000000010001", Status.IMPORT), NOW) == "resumed"
    assert await schedule.meta("sandbox", ["SBX000000010001"]) == [Meta(Status.IMPORT, NOW, NOW)]
    assert await feed.apply(STATUS, status_changed("Z9", Status.IMPORT, carrier="generic"), NOW) == "skipped"


async def test_an_unreadable_record_is_skipped(feed):
    assert await feed.apply(SHIPMENTS, b'{"type": "registered"}', NOW) == "invalid"
    assert await feed.apply(SHIPMENTS, None, NOW) == "invalid"
    assert await feed.apply(STATUS, b"not json", NOW) == "invalid"


def confirmed(number: str, order_id: str) -> bytes:
    return orjson.dumps(
        {"type": "receipt_confirmed", "order_id": order_id, "tracking_number": number, "at": NOW.isoformat()}
    )


async def test_a_number_two_open_orders_share_stays_scheduled_until_both_are_closed(feed, schedule):
    number = "SBX000000010001"
    await feed.apply(SHIPMENTS, registered(number, "sandbox", "o-1"), NOW)
    await feed.apply(SHIPMENTS, registered(number, "sandbox", "o-2"), NOW)
    assert await feed.apply(SHIPMENTS, confirmed(number, "o-1"), NOW) == "kept"
    assert await feed.apply(SHIPMENTS, confirmed(number, "o-1"), NOW) == "kept", "applying it twice changes nothing"
    assert await schedule.depth("sandbox") == 1
    assert await feed.apply(SHIPMENTS, confirmed(number, "o-2"), NOW) == "unscheduled"
    assert await schedule.depth("sandbox") == 0


async def test_a_number_replaced_for_one_order_stays_scheduled_for_the_other(feed, schedule, redis):
    old, new = "SBX000000010001", "SBX000000020002"
    await feed.apply(SHIPMENTS, registered(old, "sandbox", "o-1"), NOW)
    await feed.apply(SHIPMENTS, registered(old, "sandbox", "o-2"), NOW)
    replaced = {
        "type": "tracking_number_replaced",
        "order_id": "o-1",
        "tracking_number": new,
        "previous_tracking_number": old,
        "carrier": "sandbox",
    }
    assert await feed.apply(SHIPMENTS, orjson.dumps(replaced), NOW) == "scheduled"
    assert [meta is not None for meta in await schedule.meta("sandbox", [old, new])] == [True, True]
    ends = int((NOW + timedelta(days=60)).timestamp())
    assert await redis.hgetall(key(new)) == {b"o-1": str(ends).encode()}, "the order keeps its protection end"
    assert await feed.apply(SHIPMENTS, confirmed(old, "o-2"), NOW) == "unscheduled"


async def test_the_open_orders_of_a_number_expire_after_the_latest_protection_end(feed, redis):
    number = "SBX000000010001"
    await feed.apply(SHIPMENTS, registered(number, "sandbox"), NOW)
    later = NOW + timedelta(days=90)
    extended = {"type": "protection_extended", "order_id": "o-1", "tracking_number": number}
    extended["protection_ends_at"] = later.isoformat()
    assert await feed.apply(SHIPMENTS, orjson.dumps(extended), NOW) == "extended"
    expected_ttl = later.timestamp() + RETENTION_S - time.time()
    assert abs(await redis.ttl(key(number)) - expected_ttl) <= 2
    unknown = extended | {"order_id": "o-9"}
    await feed.apply(SHIPMENTS, orjson.dumps(unknown), NOW)
    assert list(await redis.hgetall(key(number))) == [b"o-1"], "extending an order not held adds nothing"
