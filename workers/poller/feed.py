"""What puts numbers in the schedule and moves them: order events and status changes from Kafka.

    orders.shipments.v1  registered                track the number where `routing.route` says: schedule
                                                   it under the order's carrier (or, when it is null, the
                                                   most likely carrier that is polled, by
                                                   `carriers.detect`), due at once, and/or queue its
                                                   registration with the aggregator (`registering`)
                         tracking_number_replaced  release the previous number unless another open order
                                                   needs it, track the new one
                         receipt_confirmed         release the number unless another open order needs it
                                                   (`kept`)
                         protection_extended       the order needs the number longer

    shipments.status.v1  status_changed            the number's new status sets its cadence, wherever
                                                   it is scheduled; a stopped number is resumed (not one
                                                   tracked through the aggregator); a number registered
                                                   with the aggregator whose status came from another
                                                   carrier's own events is moved to that carrier there
                                                   (17TRACK `changecarrier`)

A number is released by unscheduling it and queueing its stop at the aggregator (`stopping`, or
`cancelled` when its registration had not been sent yet); `expire_protections` releases the numbers
whose open orders' protection has all ended.

Both are read by the consumer group `parcelwatch-poller` (every poller process joins it; the
schedule itself is in Redis). Offsets are committed after a batch is applied: at least once, and
applying an event twice changes nothing (a registration only adds a number not yet scheduled; a
status change only moves a number whose status differs; a number's open orders are a hash keyed by
order id, `workers.poller.orders`). An unreadable record is logged, counted and skipped; while
Redis is unavailable the batch is retried, never skipped.
"""

import asyncio
import importlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError
from redis.exceptions import RedisError

from carriers.base import get_carrier
from schemas.inputs import (
    ORDER_EVENT,
    SHIPMENTS_TOPIC,
    ProtectionExtended,
    ReceiptConfirmed,
    ShipmentRegistered,
    TrackingNumberReplaced,
)
from schemas.outputs import STATUS_TOPIC, StatusChanged
from streams.kafka import client_options
from workers.poller import metrics
from workers.poller.cadence import next_poll
from workers.poller.orders import OpenOrders
from workers.poller.registrations import Registrations
from workers.poller.routing import Route, route
from workers.poller.schedule import Entry, Meta, Schedule
from workers.settings import Settings

log = logging.getLogger(__name__)
TOPICS = (SHIPMENTS_TOPIC, STATUS_TOPIC)


def detected_carriers(tracking_number: str) -> list[str]:
    """The carriers `carriers.detect` finds for a number, most likely first ([] without that module)."""
    try:
        detect = importlib.import_module("carriers.detect").detect
    except (ImportError, AttributeError):
        return []
    return [candidate.carrier for candidate in detect(tracking_number)]


class Feed:
    def __init__(
        self,
        schedule: Schedule,
        orders: OpenOrders,
        settings: Settings,
        carriers: list[str],
        clock: Callable[[], datetime],
        registrations: Registrations | None = None,
    ) -> None:
        self._schedule = schedule
        self._orders = orders
        self._settings = settings
        self._carriers = carriers
        self._clock = clock
        self._registrations = registrations

    def route(self, number: str, carrier: str | None, origin: str | None, destination: str | None) -> Route:
        """Where `number` is tracked; the aggregator part only when this feed registers numbers."""
        detected = detected_carriers(number) if carrier is None else []
        found = route(carrier, detected, origin, destination, self._carriers, self._settings.poller.routing)
        if self._registrations is None or found.aggregator != self._registrations.aggregator:
            return Route(found.carrier, found.direct, None)
        return found

    async def apply(self, topic: str, value: bytes | None, at: datetime) -> str:
        """Apply one record (`at`: its timestamp); answer what it did, as counted in `parcelwatch_poller_feed_total`."""
        if value is None:
            metrics.FEED.labels(event=topic, result="invalid").inc()
            return "invalid"
        try:
            if topic == STATUS_TOPIC:
                change = StatusChanged.model_validate_json(value)
                result = await self._status_changed(change, at)
                metrics.FEED.labels(event="status_changed", result=result).inc()
                return result
            event = ORDER_EVENT.validate_json(value)
        except ValidationError as error:
            log.warning("unreadable record skipped", extra={"topic": topic, "error": str(error)[:500]})
            metrics.FEED.labels(event=topic, result="invalid").inc()
            return "invalid"
        if isinstance(event, ShipmentRegistered):
            await self._orders.add(event.tracking_number, event.order_id, event.protection_ends_at)
            where = self.route(event.tracking_number, event.carrier, event.origin_country, event.destination_country)
            result = await self._track(event.tracking_number, where, event.destination_country, event.shipped_at, at)
        elif isinstance(event, TrackingNumberReplaced):
            ends_at = await self._release(event.previous_tracking_number, event.order_id)
            await self._orders.add(event.tracking_number, event.order_id, ends_at or at)
            where = self.route(event.tracking_number, event.carrier, None, None)
            result = await self._track(event.tracking_number, where, None, at, at)
        elif isinstance(event, ReceiptConfirmed):
            left, _ = await self._orders.drop(event.tracking_number, event.order_id)
            result = "kept" if left else await self._forget(event.tracking_number)
        elif isinstance(event, ProtectionExtended):
            await self._orders.extend(event.tracking_number, event.order_id, event.protection_ends_at)
            result = "extended"
        else:
            result = "ignored"
        metrics.FEED.labels(event=event.type, result=result).inc()
        return result

    async def _track(
        self, number: str, where: Route, destination: str | None, shipped_at: datetime, at: datetime
    ) -> str:
        if where.nowhere:
            log.info("not tracked: no route", extra={"tracking_number": number, "carrier": where.carrier})
            return "skipped"
        results = []
        if where.direct is not None:
            meta = Meta(None, shipped_at, at)
            added = await self._schedule.add(where.direct, [Entry(number, meta, self._clock())])
            results.append("scheduled" if added else "already_scheduled")
        if where.aggregator is not None and self._registrations is not None:
            hint = get_carrier(where.aggregator).aggregator_code(where.carrier) if where.carrier else None
            queued = await self._registrations.want(number, hint, destination, self._clock())
            results.append("registering" if queued else "already_registered")
        return "+".join(results)

    async def _release(self, number: str, order_id: str) -> datetime | None:
        """The order leaves `number` (unscheduled once no open order needs it); its protection end."""
        left, ends = await self._orders.drop(number, order_id)
        if not left:
            await self._forget(number)
        return datetime.fromtimestamp(ends, UTC) if ends else None

    async def _forget(self, number: str) -> str:
        removed = 0
        for slug in self._carriers:
            removed += await self._schedule.remove(slug, [number])
        result = "unscheduled" if removed else "not_scheduled"
        if self._registrations is None:
            return result
        stop = await self._registrations.unwant(number, self._clock())
        if stop == "not_registered":
            return result
        return stop if not removed else f"{result}+{stop}"

    async def expire_protections(self) -> int:
        """Release the numbers whose open orders' protection has all ended; answer how many."""
        released = await self._orders.expire(self._clock())
        for number in released:
            result = await self._forget(number)
            metrics.FEED.labels(event="protection_ended", result=result).inc()
        return len(released)

    async def _correct_carrier(self, change: StatusChanged) -> None:
        """A registered number whose status came from a carrier's own events is tracked as that carrier."""
        registrations = self._registrations
        if registrations is None or change.carrier in (None, registrations.aggregator):
            return
        code = get_carrier(registrations.aggregator).aggregator_code(change.carrier)
        record = await registrations.record(change.tracking_number) if code else None
        if record is not None and record.carrier != code:
            await registrations.change(change.tracking_number, code)

    async def _status_changed(self, change: StatusChanged, at: datetime) -> str:
        await self._correct_carrier(change)
        number, now = change.tracking_number, self._clock()
        cadence = self._settings.poller.cadence
        scheduled = moved = 0
        for slug in self._carriers:
            (meta,) = await self._schedule.meta(slug, [number])
            if meta is None:
                continue
            scheduled += 1
            if meta.status is change.status:
                continue
            updated = Meta(change.status, meta.shipped_at, max(meta.last_change, at), meta.events_hash)
            await self._schedule.put(slug, [Entry(number, updated, next_poll(number, updated.stage, now, cadence))])
            moved += 1
        if scheduled:
            return "moved" if moved else "unchanged"
        aggregator = self._registrations.aggregator if self._registrations else None
        if change.carrier not in self._carriers or change.carrier == aggregator:
            return "skipped"
        resumed = Meta(change.status, at, at)
        due = next_poll(number, resumed.stage, now, cadence)
        if due is None:
            return "skipped"
        await self._schedule.put(change.carrier, [Entry(number, resumed, due)])
        return "resumed"

    async def run(self, stop: asyncio.Event) -> None:
        """Consume both topics as `parcelwatch-poller` until `stop` is set."""
        settings = self._settings
        consumer = AIOKafkaConsumer(
            *TOPICS,
            **client_options(settings.kafka),
            group_id=settings.poller.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=int(settings.poller.session_timeout_s * 1000),
            heartbeat_interval_ms=int(settings.poller.heartbeat_interval_s * 1000),
        )
        await consumer.start()
        expired_at = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() - expired_at >= settings.poller.expire_interval_s:
                    expired_at = time.monotonic()
                    await self._expire_until_done(stop)
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                records = [record for batch in batches.values() for record in batch]
                for record in records:
                    at = datetime.fromtimestamp(record.timestamp / 1000, UTC)
                    await self._apply_until_done(record.topic, record.value, at, stop)
                if records and not stop.is_set():
                    await consumer.commit()
        finally:
            await consumer.stop()

    async def _expire_until_done(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.expire_protections()
                return
            except (RedisError, OSError) as error:
                log.warning("redis unavailable; retrying the protection ends", extra={"error": repr(error)})
                await asyncio.sleep(1.0)

    async def _apply_until_done(self, topic: str, value: bytes, at: datetime, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.apply(topic, value, at)
                return
            except (RedisError, OSError) as error:
                log.warning("redis unavailable; retrying the record", extra={"error": repr(error)})
                await asyncio.sleep(1.0)
