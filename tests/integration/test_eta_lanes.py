"""The delivery estimate on a real broker: a delivery reaches its lanes through the repartition
(parcelwatch.lane-commands.v1, the lanes agent and table), and a later shipment's first scan gets an
estimate from them on shipments.eta.v1, forwarded down the levels until one has samples."""

import asyncio
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from schemas.codec import load_lane
from tests.integration.kafka_helpers import produce, read_records
from tests.integration.test_pipeline import push_body, registration, tracking_number
from workers.inspection import changelog_topic
from workers.topic_scan import reader

pytestmark = pytest.mark.brokers("tansu", "kafka")

#: A destination no other test ships to, so its lane holds this test's parcels alone.
DESTINATION = "AQ"


async def lane_state(settings, lane: str):
    async with reader(settings.kafka) as topics:
        topic = changelog_topic(settings.stream.app_id, "lanes")
        latest = None
        async for record in topics.scan(topics.partitions(topic)):
            if record.key == lane.encode():
                latest = record
    return None if latest is None or latest.value is None else load_lane(latest.value)


async def _ship(settings, number: str, shipped_at: datetime, *events: tuple[str, datetime]) -> None:
    bootstrap = settings.kafka.bootstrap_servers
    order = registration(number, f"order-{number}", shipped_at) | {"destination_country": DESTINATION}
    await produce(bootstrap, "orders.shipments.v1", number, order)
    raw = {"carrier": "generic", "received_at": datetime.now(UTC).isoformat()}
    await produce(bootstrap, "tracking.raw.v1", number, raw | {"payload": orjson.loads(push_body(number, *events))})


async def _delivered_on_its_lane(settings) -> int:
    for _ in range(150):
        state = await lane_state(settings, f"destination:{DESTINATION}")
        if state is not None:
            return sum(sum(legs["shipped"].delivered.values()) for legs in state.buckets.values() if "shipped" in legs)
        await asyncio.sleep(0.2)
    return 0


async def test_a_delivery_teaches_its_lanes_and_a_later_shipment_gets_an_estimate(settings, stream_worker):
    shipped_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=12)
    delivered = tracking_number()
    export, delivery = ("export", shipped_at + timedelta(days=2)), ("delivered", shipped_at + timedelta(days=10))
    await _ship(settings, delivered, shipped_at, export, delivery)
    assert await _delivered_on_its_lane(settings) == 1

    later = tracking_number()
    await _ship(settings, later, shipped_at + timedelta(days=10), ("export", shipped_at + timedelta(days=11)))
    (estimate,) = await read_records(settings.kafka.bootstrap_servers, "shipments.eta.v1", later)
    assert estimate["type"] == "eta_estimated"
    assert (estimate["tracking_number"], estimate["destination_country"]) == (later, DESTINATION)
    assert estimate["basis"] == "global" and estimate["samples"] >= 1
