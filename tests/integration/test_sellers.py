"""The seller scorecard on a real broker: the stream's seller agent keeps each seller's day buckets
on its own table, and `parcelwatch sellers` reads scorecards back from sellers.metrics.v1."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from schemas.outputs import SELLER_METRICS_TOPIC, SellerMetrics
from schemas.sellers import load_seller
from streams.sellers.scorecard import day_of
from tests.integration.kafka_helpers import produce
from tests.integration.test_ops_tools import pw
from tests.integration.test_pipeline import registration, tracking_number
from workers.inspection import changelog_topic
from workers.topic_scan import reader


async def seller_state(settings, seller_id: str):
    """The latest value of the seller on the stream's sellers changelog, None when there is none."""
    async with reader(settings.kafka) as topics:
        topic = changelog_topic(settings.stream.app_id, "sellers")
        latest = None
        async for record in topics.scan(topics.partitions(topic)):
            if record.key == seller_id.encode():
                latest = record
    return None if latest is None or latest.value is None else load_seller(latest.value)


async def test_an_order_shipped_reaches_its_sellers_table_through_the_repartition(settings, stream_worker):
    seller_id = f"seller-{uuid.uuid4().hex[:8]}"
    shipped_at = datetime.now(UTC) - timedelta(hours=1)
    number = tracking_number()
    order = registration(number, f"o-{number}", shipped_at) | {"seller_id": seller_id}
    await produce(settings.kafka.bootstrap_servers, "orders.shipments.v1", number, order)
    for _ in range(100):
        state = await seller_state(settings, seller_id)
        if state is not None:
            break
        await asyncio.sleep(0.2)
    assert state is not None, f"no state for {seller_id} on the sellers changelog"
    assert state.seller_id == seller_id
    assert state.days[day_of(shipped_at)].shipped == 1
    assert state.reported_day == day_of(datetime.now(UTC))


async def test_parcelwatch_sellers_shows_the_newest_scorecards_once_each(settings, topics):
    seller_id = f"seller-{uuid.uuid4().hex[:8]}"
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    cards = [
        SellerMetrics.build(
            seller_id=seller_id,
            as_of=midnight - timedelta(days=back),
            window_days=30,
            orders=40 + back,
            valid_tracking_rate=0.962,
            median_hours_to_first_scan=31,
            delivered=12,
            on_time_rate=None,
            returned=back,
        )
        for back in (2, 1, 0)
    ]
    for card in [*cards, cards[1]]:  # the middle one twice, as after a crash
        await produce(settings.kafka.bootstrap_servers, SELLER_METRICS_TOPIC, seller_id, card.model_dump(mode="json"))

    latest = await pw(settings, "sellers", seller_id, "--json")
    assert latest.code == 0, latest.err
    assert [line["event_id"] for line in latest.json_lines()] == [cards[2].event_id]

    last_two = await pw(settings, "sellers", seller_id, "--days", "2", "--json")
    assert [line["orders"] for line in last_two.json_lines()] == [41, 40]

    table = await pw(settings, "sellers", seller_id, "--days", "5")
    assert table.code == 0, table.err
    assert seller_id in table.out and "96.2 %" in table.out and "—" in table.out
    assert table.out.count("96.2 %") == 3

    unknown = await pw(settings, "sellers", "seller-nobody-knows")
    assert unknown.code == 1
    assert "no scorecard for seller seller-nobody-knows" in unknown.err
