"""Broker restart, nothing lost (issue 14, point 4), on Apache Kafka only: Tansu's memory storage
loses everything on a restart, so there is nothing to prove on it.

Under a steady load of signed webhooks the Kafka broker is stopped (a controlled shutdown) and
started again on the same ports over the same log directory, while the receiver and a stream
worker keep running. Every delivery answered 202 must be on tracking.raw.v1 afterwards, a 503
may only come while the broker is down (or within `GRACE_S` of its return, while the clients
reconnect), every 503 must be accepted when the carrier retries it, and the stream's decisions
must be those `replay` computes from the inputs on the topics.
"""

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from aiohttp.test_utils import TestClient, TestServer

from carriers import standard_webhooks
from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from tests.integration.conftest import SECRET, embedded_broker
from tests.integration.stream_harness import (
    DECISION_TOPICS,
    Emitted,
    GroupProbe,
    Input,
    Worker,
    assert_no_problems,
    compare_with_oracle,
    describe_conflicts,
    lines_from_records,
    produce_inputs,
    read_topics,
    replay_oracle,
    running,
    stream_settings,
)
from tests.integration.test_stream_faults import generic_event, registration
from workers.kafka import ensure_topics
from workers.settings import Settings
from workers.webhook import create_app

NUMBERS = 30
#: Numbers registered as orders before the load: more than the load reaches.
REGISTERED = 2_000
STATUSES = ("in_transit", "export", "import", "out_for_delivery", "delivered")
IN_FLIGHT = 4
PRODUCE_TIMEOUT_S = 2.0
#: After the broker answers again, producers and the receiver's metadata take a moment to reconnect.
GRACE_S = 5.0
#: Load before the stop, and after the restart until this many deliveries sent after it were
#: accepted (for `GRACE_S` and `LOAD_BEFORE_S` at most), so that both sides of the outage are exercised.
LOAD_BEFORE_S = 3.0
ACCEPTED_AFTER_RESTART = 50


@dataclass(frozen=True)
class Answer:
    delivery_id: str
    status: int
    sent_at: float
    answered_at: float


def number_of(index: int) -> str:
    return f"PWRESTART{index:05d}"


def delivery(index: int, now: datetime) -> tuple[str, bytes, dict[str, str]]:
    """The `index`th push: `NUMBERS` numbers in turn, each push one scan further than the number's
    last; after its last status a number is done and the next `NUMBERS` take over (a scan repeating
    a status would only test the rules, not the broker)."""
    block, scan = divmod(index // NUMBERS, len(STATUSES))
    number = number_of(block * NUMBERS + index % NUMBERS)
    body = orjson.dumps(
        {
            "tracking_number": number,
            "events": [generic_event(STATUSES[scan], now - timedelta(hours=5) + timedelta(minutes=scan))],
        }
    )
    delivery_id = f"msg_restart_{index}"
    return delivery_id, body, standard_webhooks.sign(SECRET, delivery_id, int(time.time()), body)


def accepted_since(answers: list[Answer], moment: float) -> int:
    return sum(1 for a in answers if a.status == 202 and a.sent_at > moment)


async def post(client: TestClient, body: bytes, headers: dict[str, str]) -> int:
    async with client.post("/webhooks/generic", data=body, headers=headers) as response:
        await response.read()
        return response.status


async def test_kafka_broker_restart_under_webhook_load_loses_nothing(tmp_path, redis_server):
    now = datetime.now(UTC).replace(microsecond=0)
    broker = embedded_broker("kafka")
    broker.start()
    try:
        settings = stream_settings(broker.bootstrap_servers, partitions=3, app_id="pw-restart", tansu_compat=False)
        receiver_settings = Settings(
            kafka={
                "bootstrap_servers": broker.bootstrap_servers,
                "partitions": 3,
                "produce_timeout_s": PRODUCE_TIMEOUT_S,
            },
            redis={"url": redis_server.url},
            webhook={"secrets": {"generic": [SECRET]}},
        )
        await ensure_topics(settings.kafka)
        registrations = [
            Input(
                now - timedelta(minutes=10),
                SHIPMENTS_TOPIC,
                number_of(i),
                registration(number_of(i), f"order-r{i}", now - timedelta(days=1), "generic"),
            )
            for i in range(REGISTERED)
        ]
        worker = Worker(settings, tmp_path, "worker")
        answers: list[Answer] = []
        sent: dict[str, tuple[bytes, dict[str, str]]] = {}
        with running(worker):
            worker.start()
            await worker.wait_ready()
            await produce_inputs(settings.kafka, registrations)
            async with TestClient(TestServer(create_app(receiver_settings))) as client:
                stop_load = asyncio.Event()
                counter = iter(range(10**6))

                async def load() -> None:
                    while not stop_load.is_set():
                        delivery_id, body, headers = delivery(next(counter), now)
                        sent[delivery_id] = (body, headers)
                        started = time.monotonic()
                        status = await post(client, body, headers)
                        answers.append(Answer(delivery_id, status, started, time.monotonic()))
                        await asyncio.sleep(0.02)

                loaders = [asyncio.create_task(load()) for _ in range(IN_FLIGHT)]
                await asyncio.sleep(LOAD_BEFORE_S)
                stopping_at = time.monotonic()
                await asyncio.to_thread(broker.stop)
                stopped_at = time.monotonic()
                await asyncio.to_thread(broker.start)
                restarted_at = time.monotonic()
                load_until = restarted_at + GRACE_S + LOAD_BEFORE_S
                while time.monotonic() < load_until and accepted_since(answers, restarted_at) < ACCEPTED_AFTER_RESTART:
                    await asyncio.sleep(0.05)
                stop_load.set()
                await asyncio.gather(*loaders)

                refused = [a.delivery_id for a in answers if a.status == 503]
                retried = {delivery_id: await post(client, *sent[delivery_id]) for delivery_id in refused}

            async with GroupProbe(settings.kafka, settings.stream.app_id) as probe:
                await probe.wait_caught_up(30, [worker])
            inputs = await read_topics(settings.kafka, [SHIPMENTS_TOPIC, RAW_TOPIC])
            emitted = Emitted.of(await read_topics(settings.kafka, DECISION_TOPICS))
    finally:
        broker.stop()

    on_raw = [orjson.loads(r.value)["delivery_id"] for r in inputs if r.topic == RAW_TOPIC]
    accepted = {a.delivery_id for a in answers if a.status == 202}
    statuses = {status: sum(1 for a in answers if a.status == status) for status in {a.status for a in answers}}
    oracle = replay_oracle(lines_from_records(inputs))
    figures = (
        f"sent {len(answers)} (answers {statuses}), broker stopped in {stopped_at - stopping_at:.1f} s and back "
        f"in {restarted_at - stopped_at:.1f} s; {len(refused)} 503s retried: {sorted(set(retried.values()))}; "
        f"{len(on_raw)} records on {RAW_TOPIC} ({len(set(on_raw))} delivery ids); decisions: replay "
        f"{len(oracle.ids)}, stream {len(emitted.ids)} ids in {emitted.records} records"
    )
    print(figures)

    problems = []
    if lost := accepted - set(on_raw):
        problems.append(f"{len(lost)} deliveries answered 202 are not on {RAW_TOPIC}, e.g. {sorted(lost)[:5]}")
    if not refused:
        problems.append("no delivery was refused: the load did not reach the broker while it was down")
    if stray := [a for a in answers if a.status == 503 and not stopping_at <= a.answered_at <= restarted_at + GRACE_S]:
        problems.append(f"{len(stray)} 503s outside the outage and its {GRACE_S} s grace, e.g. {stray[:3]}")
    if not accepted_since(answers, restarted_at):
        problems.append("no delivery sent after the restart was accepted")
    if other := {a.status for a in answers} - {202, 503}:
        problems.append(f"answers other than 202 and 503 under load: {other}")
    if not_accepted := {d: s for d, s in retried.items() if s not in (200, 202)}:
        problems.append(f"{len(not_accepted)} retried deliveries were not accepted: {not_accepted}")
    if missing_retries := set(refused) - set(on_raw):
        problems.append(f"{len(missing_retries)} retried deliveries are not on {RAW_TOPIC}")
    problems += compare_with_oracle(oracle, emitted, values=True)
    if conflicts := emitted.conflicts():
        problems.append(describe_conflicts(conflicts))
    if problems:
        problems.append(figures)
    assert_no_problems(problems, worker)
