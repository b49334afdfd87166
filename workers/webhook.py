"""The webhook receiver: `POST /webhooks/{carrier}` → verified, deduplicated, durable on `tracking.raw.v1`.

A push about several numbers is cut by the carrier's adapter (`Carrier.split`) into one record per
number, keyed by it and holding only that number's part, so a record changes only its key's state.
A request is answered 202 only after the broker acknowledged every one of its records (acks=all).
Every refusal says why: 401 signature, 400 body (the failing field is named; the body is
dead-lettered), 404 carrier, 413 size, 409 the same delivery is being produced right now, 503
(with Retry-After) when Kafka or Redis cannot make it durable. `GET /metrics` serves the
Prometheus metrics; `/healthz` says the process is up, `/readyz` that Redis and Kafka answer.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import orjson
from aiohttp import web
from aiokafka import AIOKafkaProducer
from redis.asyncio import Redis
from redis.exceptions import RedisError

from carriers.base import PayloadInvalid, UnknownCarrier, WebhookRejected, get_carrier
from schemas.inputs import RAW_TOPIC, RawTracking
from schemas.outputs import DeadLetter
from streams.metrics import DEADLETTERS
from workers.dedupe import Claim, DeliveryLedger, pending_lifetime_s
from workers.kafka import make_producer
from workers.metrics import count_webhooks, metrics_handler
from workers.redis_client import make_redis
from workers.settings import Settings

log = logging.getLogger(__name__)

RETRY_AFTER_S = "5"
PRODUCER = web.AppKey("producer", AIOKafkaProducer)
REDIS = web.AppKey("redis", Redis)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _problem(status: int, reason: str, **headers: str) -> web.Response:
    return web.json_response({"error": reason}, status=status, headers=headers or None)


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    producer: AIOKafkaProducer | None = None,
    redis: Redis | None = None,
) -> web.Application:
    """The receiver's aiohttp app. Without `producer`/`redis` it opens its own from `settings`."""
    config = settings.webhook
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[count_webhooks])
    secrets = {slug: [s.get_secret_value() for s in values] for slug, values in config.secrets.items()}

    async def connections(app: web.Application) -> AsyncIterator[None]:
        own_producer = producer is None
        app[PRODUCER] = producer or make_producer(settings.kafka)
        app[REDIS] = redis or make_redis(settings.redis)
        if own_producer:
            await app[PRODUCER].start()
        yield
        if own_producer:
            await app[PRODUCER].stop()
        if redis is None:
            await app[REDIS].aclose()

    app.cleanup_ctx.append(connections)

    async def produce(key: str, value: bytes) -> None:
        await asyncio.wait_for(
            app[PRODUCER].send_and_wait(RAW_TOPIC, value=value, key=key.encode()),
            timeout=settings.kafka.produce_timeout_s,
        )

    async def dead_letter(carrier: str, body: bytes, reason: str) -> None:
        letter = DeadLetter.build(
            source_topic=f"webhook:{carrier}",
            value=body.decode("utf-8", errors="replace"),
            stage="webhook",
            reason=reason,
            at=clock(),
        )
        try:
            await asyncio.wait_for(
                app[PRODUCER].send_and_wait(letter.topic, value=letter.model_dump_json().encode()),
                timeout=settings.kafka.produce_timeout_s,
            )
            DEADLETTERS.labels(letter.stage).inc()
        except Exception:
            log.warning("could not dead-letter a rejected webhook", exc_info=True)

    async def receive(request: web.Request) -> web.Response:
        slug = request.match_info["carrier"]
        try:
            carrier = get_carrier(slug)
        except UnknownCarrier:
            return _problem(404, f"unknown carrier {slug!r}")
        if (request.content_length or 0) > config.max_body_bytes:
            return _problem(413, f"body over {config.max_body_bytes} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _problem(413, f"body over {config.max_body_bytes} bytes")
        try:
            delivery_id = carrier.verify_webhook(
                request.headers, body, secrets.get(slug, []), clock(), config.tolerance_s
            )
        except WebhookRejected as rejected:
            return _problem(401, str(rejected))
        try:
            parts = carrier.split(orjson.loads(body))
        except (orjson.JSONDecodeError, PayloadInvalid) as error:
            reason = f"body is not JSON: {error}" if isinstance(error, orjson.JSONDecodeError) else str(error)
            await dead_letter(slug, body, reason)
            return _problem(400, reason)

        ledger = DeliveryLedger(
            request.app[REDIS], config.dedupe_ttl_s, pending_lifetime_s(settings.kafka, settings.redis)
        )
        try:
            claim = await ledger.claim(slug, delivery_id)
        except (RedisError, OSError) as error:
            log.warning("redis unavailable", extra={"error": str(error)})
            return _problem(503, "delivery ledger (Redis) unavailable", **{"Retry-After": RETRY_AFTER_S})
        if claim is Claim.DONE:
            return web.json_response({"status": "duplicate", "delivery_id": delivery_id}, status=200)
        if claim is Claim.PENDING:
            return _problem(409, "this delivery id is being processed", **{"Retry-After": RETRY_AFTER_S})

        received_at = clock()
        try:
            for number, part in parts.items():
                record = RawTracking(
                    carrier=slug, received_at=received_at, payload=part, source="webhook", delivery_id=delivery_id
                )
                await produce(number, record.model_dump_json().encode())
        except Exception as error:
            log.warning("kafka unavailable", extra={"error": repr(error), "carrier": slug})
            await _forget(ledger, slug, delivery_id)
            return _problem(503, "tracking log (Kafka) unavailable", **{"Retry-After": RETRY_AFTER_S})
        try:
            await ledger.complete(slug, delivery_id)
        except (RedisError, OSError):
            log.warning("delivery produced but not remembered; a retry will be produced again", exc_info=True)
        return web.json_response(
            {"status": "accepted", "delivery_id": delivery_id, "tracking_numbers": list(parts)}, status=202
        )

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

    app.router.add_post("/webhooks/{carrier}", receive)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_handler)
    return app


async def _forget(ledger: DeliveryLedger, carrier: str, delivery_id: str) -> None:
    try:
        await ledger.release(carrier, delivery_id)
    except (RedisError, OSError):
        log.warning("could not release a delivery claim; it expires on its own", exc_info=True)
