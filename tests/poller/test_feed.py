"""Order events and status changes applied to the schedule (the Kafka consumer around it is an integration test)."""

from datetime import timedelta

import orjson
import pytest

from schemas.outputs import StatusChanged
from schemas.status import Status
from tests.poller.conftest import NOW, poller_settings
from workers.poller.feed import Feed
from workers.poller.schedule import Entry, Meta, Schedule

SHIPMENTS = "orders.shipments.v1"
STATUS = "shipments.status.v1"
SHIPPED = NOW - timedelta(days=2)
SETTINGS = poller_settings(ups={}, sandbox={"base_url": "http://sandbox"}, cainiao={"base_url": "http://cainiao"})


@pytest.fixture
def schedule(redis) -> Schedule:
    return Schedule(redis, SETTINGS.poller.schedule_buckets)


@pytest.fixture
def feed(schedule) -> Feed:
    return Feed(schedule, SETTINGS, ["cainiao", "sandbox", "ups"], clock=lambda: NOW)


def registered(number: str, carrier: str | None) -> bytes:
    return orjson.dumps(
        {
            "type": "registered",
            "order_id": "o-1",
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
