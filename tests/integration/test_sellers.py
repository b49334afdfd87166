"""The seller scorecard on a real broker: the stream's seller agent keeps each seller's day buckets
on its own table, and `parcelwatch sellers` reads scorecards back from sellers.metrics.v1."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from schemas.outputs import SELLER_METRICS_TOPIC, SellerMetrics
from schemas.sellers import load_seller
from schemas.types import format_utc
from streams.rules.settings import RuleSettings
from streams.sellers.scorecard import day_of
from tests.integration.conftest import embedded_broker
from tests.integration.kafka_helpers import produce, read_all
from tests.integration.test_ops_tools import pw
from tests.integration.test_pipeline import registration, tracking_number
from tests.integration.test_timers import DAY_EVERY_S, start_worker, stop_worker
from workers.embedded import free_port
from workers.inspection import changelog_topic
from workers.kafka import ensure_topics
from workers.replay import replay
from workers.settings import Settings
from workers.topic_scan import reader

pytestmark = pytest.mark.brokers("tansu", "kafka")


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


@pytest.mark.brokers("tansu")
async def test_on_a_fast_clock_the_stream_emits_replays_scorecards_once_a_day(broker_kind, tmp_path):
    """The worker's clock runs a day every two seconds: a seller whose only order is never scanned
    gets, at each simulated midnight, the scorecard replay computes for that day, once. (On Tansu
    only, for the suite's time: the repartition and the table it relies on run on both brokers in
    the tests above.)"""
    with embedded_broker(broker_kind) as broker:
        origin = datetime.now(UTC)
        settings = Settings(
            kafka={"bootstrap_servers": broker.bootstrap_servers, "partitions": 2},
            stream={
                "datadir": tmp_path / "data",
                "clock_factor": 86_400 / DAY_EVERY_S,
                "clock_origin": origin,
                "session_timeout_s": 2,
                "heartbeat_interval_s": 0.5,
                "rebalance_timeout_s": 2,
                "tick_interval_s": 0.2,
                "tansu_compat": broker_kind == "tansu",
                "http_port": free_port(),
            },
        )
        await ensure_topics(settings.kafka)
        seller_id, number = "seller-fast-clock", "LP000000014CN"
        order = registration(number, "order-fast-1", origin) | {"seller_id": seller_id}
        worker = await start_worker(settings, tmp_path / "worker.log")
        try:
            await produce(settings.kafka.bootstrap_servers, "orders.shipments.v1", number, order)
            # six simulated midnights: a day more than the checks below need
            deadline = asyncio.get_running_loop().time() + 12 * DAY_EVERY_S
            emitted = []
            while len(emitted) < 6 and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.5)
                emitted = await read_all(settings.kafka.bootstrap_servers, SELLER_METRICS_TOPIC, seller_id)
        finally:
            stop_worker(worker)
    history = [{"at": origin.isoformat(), "topic": "orders.shipments.v1", "key": number, "value": order}]
    history.append({"at": (origin + timedelta(days=30)).isoformat()})
    replayed = {
        card.as_of: card.model_dump(mode="json")
        for card in replay([orjson.dumps(line).decode() for line in history], RuleSettings())
        if card.topic == SELLER_METRICS_TOPIC
    }
    days = [card["as_of"] for card in emitted]
    assert len(days) >= 5, emitted
    assert len(set(days)) == len(days), "one scorecard a day"
    first = datetime.fromisoformat(days[0])
    assert days == [format_utc(first + timedelta(days=n)) for n in range(len(days))]
    assert emitted == [replayed[datetime.fromisoformat(day)] for day in days]
    assert {card["valid_tracking_rate"] for card in emitted} <= {None, 0.0}
