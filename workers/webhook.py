"""The webhook receiver: `POST /webhooks/{carrier}` → verified, deduplicated, durable on `tracking.raw.v1`.

A push about several numbers is cut by the carrier's adapter (`Carrier.split`) into one record per
number, keyed by it and holding only that number's part, so a record changes only its key's state.
A request is answered 202 only after the broker acknowledged every one of its records (acks=all);
the delivery is marked done in Redis after the answer (a mark that fails only lets a retry produce
a duplicate raw record, which the stream deduplicates). Concurrent requests are claimed, produced
and marked together, a cycle at a time (`workers.dedupe.Deliveries`). Every refusal says why in a short reason
(`workers.admission`): 415 content type, 413 a body no record can hold (checked before any
verification), 401 signature or unreadable signature headers, 400 body (not JSON, nested deeper
than `max_json_depth`, not the carrier's format, or events none of which can be used: the failing
field or events are named and the body is dead-lettered; a body with one usable event is taken and
the stream dead-letters the others), 404 carrier, 409 the same delivery is being produced right
now, and 503 (with Retry-After) only when Kafka or Redis cannot make it durable, a rejected body's
dead letter included. `GET /metrics` serves the Prometheus metrics; `/healthz` says the process is up,
`/readyz` that Redis and Kafka answer; `/openapi.json` is the receiver's OpenAPI document.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from carriers.base import (
    Carrier,
    PayloadInvalid,
    UnknownCarrier,
    WebhookRejected,
    describe_refused,
    get_carrier,
)
from schemas.inputs import RAW_TOPIC
from schemas.outputs import DeadLetter
from streams.metrics import DEADLETTERS, metrics_handler
from workers import openapi
from workers.admission import (
    body_limit,
    content_type_refusal,
    header_refusal,
    nests_deeper_than,
    raw_record,
    record_fits,
    short,
)
from workers.dedupe import (
    Claim,
    Deliveries,
    DeliveryLedger,
    LedgerUnavailable,
    RecordsNotAcknowledged,
    pending_lifetime_s,
)
from workers.kafka import MAX_REQUEST_SIZE, RecordBatches, make_producer
from workers.metrics import count_webhooks
from workers.redis_client import make_redis
from workers.settings import Settings

log = logging.getLogger(__name__)

RETRY_AFTER_S = "5"
PRODUCER = web.AppKey("producer", AIOKafkaProducer)
REDIS = web.AppKey("redis", Redis)
DELIVERIES = web.AppKey("deliveries", Deliveries)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _answer(value: dict[str, Any], status: int, **headers: str) -> web.Response:
    return web.Response(body=orjson.dumps(value), status=status, content_type="application/json", headers=headers)


def _problem(status: int, reason: str, **headers: str) -> web.Response:
    return _answer({"error": reason}, status, **headers)


class ShortBadRequests(logging.Filter):
    """aiohttp answers a request it cannot parse (a control byte in a header, a broken request
    line) 400 itself, and logs it as an error with a traceback: the client's fault, and one a
    fuzzer or a scanner repeats at will, so it becomes one short warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and 400 <= (error.code or 0) < 500:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "malformed request refused: %s", (short(str(error), 300),)
            record.exc_info = record.exc_text = None
        return True


BAD_REQUESTS = ShortBadRequests()


def unusable(carrier: Carrier, payload: Any) -> str | None:
    """Why a body is refused whose events are all refused (at least one): not one could be used. A body
    with one usable event is taken, and the stream dead-letters the others (`streams.ingest`)."""
    shipments = carrier.parse(payload)
    refused = [event for shipment in shipments for event in shipment.refused]
    if not refused or any(shipment.events for shipment in shipments):
        return None
    return f"no event of the body can be used: {describe_refused(refused)}"


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    producer: AIOKafkaProducer | None = None,
    redis: Redis | None = None,
) -> web.Application:
    """The receiver's aiohttp app. Without `producer`/`redis` it opens its own from `settings`."""
    config = settings.webhook
    logging.getLogger("aiohttp.server").addFilter(BAD_REQUESTS)
    limit = body_limit(config.max_body_bytes, MAX_REQUEST_SIZE)
    app = web.Application(client_max_size=limit, middlewares=[count_webhooks])
    secrets = {slug: [s.get_secret_value() for s in values] for slug, values in config.secrets.items()}

    async def connections(app: web.Application) -> AsyncIterator[None]:
        own_producer = producer is None
        app[PRODUCER] = producer or make_producer(settings.kafka, linger_ms=0)
        app[REDIS] = redis or make_redis(settings.redis)
        ledger = DeliveryLedger(app[REDIS], config.dedupe_ttl_s, pending_lifetime_s(settings.kafka, settings.redis))
        app[DELIVERIES] = Deliveries(
            ledger, RecordBatches(app[PRODUCER]), RAW_TOPIC, settings.kafka.produce_timeout_s, config.linger_ms / 1000
        )
        if own_producer:
            await app[PRODUCER].start()
        yield
        await app[DELIVERIES].aclose()
        if own_producer:
            await app[PRODUCER].stop()
        if redis is None:
            await app[REDIS].aclose()

    app.cleanup_ctx.append(connections)

    async def refuse_body(slug: str, body: bytes, reason: str) -> web.Response:
        """400 once the body is kept as a dead letter; 503 when it cannot be kept yet, so the carrier
        retries instead of losing it; 413 when no dead letter can ever hold it."""
        letter = DeadLetter.build(
            source_topic=f"webhook:{slug}",
            value=body.decode("utf-8", errors="replace"),
            stage="webhook",
            reason=reason,
            at=clock(),
        )
        value = letter.model_dump_json().encode()
        if not record_fits(b"", value, MAX_REQUEST_SIZE):
            return _problem(413, f"{reason[:200]}; and the body is too large to be kept as a dead letter")
        try:
            async with asyncio.timeout(settings.kafka.produce_timeout_s):
                await app[PRODUCER].send_and_wait(letter.topic, value=value)
        except (KafkaError, TimeoutError, OSError) as error:
            log.warning(
                "could not dead-letter a rejected webhook", extra={"error": short(repr(error)), "carrier": slug}
            )
            return _problem(503, "dead letters (Kafka) unavailable", **{"Retry-After": RETRY_AFTER_S})
        DEADLETTERS.labels(letter.stage).inc()
        return _problem(400, reason)

    async def receive(request: web.Request) -> web.Response:
        slug = request.match_info["carrier"]
        try:
            carrier = get_carrier(slug)
        except UnknownCarrier:
            return _problem(404, short(f"unknown carrier {slug!r}"))
        if refusal := content_type_refusal(request.content_type):
            return _problem(415, refusal)
        if (request.content_length or 0) > limit:
            return _problem(413, f"body over {limit} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _problem(413, f"body over {limit} bytes")
        if refusal := header_refusal(request.headers, carrier.webhook_headers):
            return _problem(401, refusal)
        try:
            received_at = clock()
            delivery_id = carrier.verify_webhook(
                request.headers, body, secrets.get(slug, []), received_at, config.tolerance_s
            )
        except WebhookRejected as rejected:
            return _problem(401, short(str(rejected)))
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            return await refuse_body(slug, body, short(f"body is not JSON: {error}"))
        if nests_deeper_than(body, payload, config.max_json_depth):
            return await refuse_body(slug, body, f"body nests deeper than {config.max_json_depth} levels")
        try:
            parts = carrier.split(payload)
            refusal = unusable(carrier, payload)
        except PayloadInvalid as error:
            return await refuse_body(slug, body, short(str(error)))
        if refusal:
            return await refuse_body(slug, body, short(refusal))
        records = [
            (number.encode(), raw_record(slug, received_at, part, delivery_id)) for number, part in parts.items()
        ]
        if not all(record_fits(key, value, MAX_REQUEST_SIZE) for key, value in records):
            return _problem(413, f"a record of this body would be over the broker's {MAX_REQUEST_SIZE} bytes")

        try:
            claim = await request.app[DELIVERIES].take(slug, delivery_id, records)
        except LedgerUnavailable as error:
            log.warning("redis unavailable", extra={"error": str(error)})
            return _problem(503, "delivery ledger (Redis) unavailable", **{"Retry-After": RETRY_AFTER_S})
        except RecordsNotAcknowledged as error:
            log.warning("kafka unavailable", extra={"error": str(error), "carrier": slug})
            return _problem(503, "tracking log (Kafka) unavailable", **{"Retry-After": RETRY_AFTER_S})
        if claim is Claim.DONE:
            return _answer({"status": "duplicate", "delivery_id": delivery_id}, 200)
        if claim is Claim.PENDING:
            return _problem(409, "this delivery id is being processed", **{"Retry-After": RETRY_AFTER_S})
        return _answer({"status": "accepted", "delivery_id": delivery_id, "tracking_numbers": list(parts)}, 202)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        problems = []
        try:
            await request.app[REDIS].ping()
        except (RedisError, OSError) as error:
            problems.append(f"redis: {error}")
        client = request.app[PRODUCER].client
        if not client.cluster.brokers():
            problems.append("kafka: no broker known")
        if problems:
            return web.json_response({"status": "unavailable", "problems": problems}, status=503)
        return web.json_response({"status": "ready"})

    contract = orjson.dumps(openapi.document())

    async def openapi_json(_: web.Request) -> web.Response:
        return web.Response(body=contract, content_type="application/json")

    app.router.add_post("/webhooks/{carrier}", receive)
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_handler)
    return app
