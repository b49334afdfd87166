"""The stream keeps its promise under faults, on the real broker and Redis (issue 9, point 7).

(a) a poison record between valid ones on one partition costs only itself;
(b) two workers fed multi-number webhooks keep one state per number, in its key's partition, and
    lose nothing when one of them is killed -9 mid-load;
(c) kill -9 of the worker several times while it catches up a backlog loses no decision.

Each test has a broker of its own (the session worker of the other tests never sees these
records) and compares the stream's decisions, by `event_id`, with what `parcelwatch replay`
computes from the same inputs: replay is the oracle. Times stay near the wall clock at the start
(shipped a day or two ago, protection ending in 60 days, scans within hours), so no time rule
falls due during a test in the stream (whose timer reads the wall clock) or in replay.
"""

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from carriers import standard_webhooks
from carriers.base import get_carrier
from carriers.detect import s10_check_digit
from schemas.commands import ORDER_COMMANDS_TOPIC, SHIPMENT_COMMANDS_TOPIC
from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import DEADLETTER_TOPIC
from tests.integration.conftest import SECRET, embedded_broker
from tests.integration.stream_harness import (
    DECISION_TOPICS,
    ChangelogView,
    Emitted,
    GroupProbe,
    Input,
    Worker,
    assert_no_problems,
    changelog_topic,
    compare_with_oracle,
    describe_conflicts,
    lines_from_records,
    placement_problems,
    produce_inputs,
    read_topics,
    replay_oracle,
    running,
    stream_settings,
    wait_for,
)
from workers.embedded import TansuBroker
from workers.kafka import ensure_topics
from workers.settings import Settings
from workers.webhook import create_app

CN, ES = timezone(timedelta(hours=8)), timezone(timedelta(hours=1))


def registration(number: str, order_id: str, shipped_at: datetime, carrier: str, **overrides) -> dict:
    return {
        "type": "registered",
        "order_id": order_id,
        "tracking_number": number,
        "carrier": carrier,
        "buyer_id": f"buyer-{order_id}",
        "seller_id": "seller-faults",
        "order_value": {"amount": "31.90", "currency": "EUR"},
        "order_value_usd": "34.50",
        "shipped_at": shipped_at.isoformat(),
        "protection_ends_at": (shipped_at + timedelta(days=60)).isoformat(),
        "guaranteed_delivery_days": None,
        "origin_country": "CN",
        "destination_country": "ES",
    } | overrides


def generic_event(status: str, when: datetime | str, country: str = "ES", location: str = "Madrid") -> dict:
    occurred_at = when if isinstance(when, str) else when.isoformat()
    return {"status": status, "occurred_at": occurred_at, "country": country, "location": location, "code": status}


def raw_record(at: datetime, number: str, events: list[dict]) -> Input:
    """A generic-carrier record as the receiver writes it, received at `at`."""
    payload = {"tracking_number": number, "events": events}
    return Input(at, RAW_TOPIC, number, {"carrier": "generic", "received_at": at.isoformat(), "payload": payload})


def generic_number(rng: random.Random) -> str:
    return "PW" + "".join(rng.choices("0123456789ABCDEF", k=10))


# ----------------------------------------------------------------------------- (a) poison record


@pytest.mark.brokers("tansu", "kafka")
async def test_a_poison_record_between_valid_ones_costs_only_itself(broker_kind, tmp_path):
    """One partition; 20 deliveries with, between them, a delivery dated 9999-12-31 (R1's `+ 5 days`
    overflows), one dated 0001-01-01 (a carrier's null time), a record that is not JSON and one that
    fails validation. Every valid delivery is decided as replay decides it, each poison record is
    dead-lettered with its stage and reason, and the group commits every input."""
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    shipped_at = now - timedelta(days=1)
    valid = [generic_number(rng) for _ in range(20)]
    far, null, not_json, invalid = (generic_number(rng) for _ in range(4))
    registrations = [
        Input(
            now - timedelta(minutes=10) + timedelta(seconds=i),
            SHIPMENTS_TOPIC,
            number,
            registration(number, f"order-a{i}", shipped_at, "generic"),
        )
        for i, number in enumerate([*valid, far, null])
    ]

    def record_for(number: str, at: datetime) -> Input:
        if number == far:  # R1's `delivered_at + 5 days` overflows
            return raw_record(at, number, [generic_event("delivered", "9999-12-31T23:59:59Z")])
        if number == null:  # a carrier's null time
            return raw_record(at, number, [generic_event("delivered", "0001-01-01T00:00:00Z")])
        if number == not_json:
            return Input(at, RAW_TOPIC, number, b'\xff{"carrier": "generic", not json')
        if number == invalid:
            payload = {"tracking_number": number, "events": []}
            return Input(at, RAW_TOPIC, number, {"carrier": "generic", "received_at": "not a time", "payload": payload})
        scans = [
            generic_event("in_transit", now - timedelta(hours=5), "CN", "Shenzhen"),
            generic_event("delivered", now - timedelta(hours=1)),
        ]
        return raw_record(at, number, scans)

    # the poison between valid records, in one burst on the one partition: one batch of the agent
    order = [*valid[:7], far, *valid[7:11], not_json, *valid[11:14], invalid, *valid[14:17], null, *valid[17:]]
    burst = [record_for(number, now - timedelta(minutes=5) + timedelta(seconds=i)) for i, number in enumerate(order)]
    deliveries = [record for record in burst if record.key in valid]
    oracle = replay_oracle(record.replay_line() for record in [*registrations, *deliveries])
    assert len(oracle.ids) == 3 * len(valid), f"a delivery gives a status, R1 and R11: {len(oracle.ids)} decisions"

    problems: list[str] = []
    with embedded_broker(broker_kind) as broker:
        settings = stream_settings(
            broker.bootstrap_servers,
            partitions=1,
            app_id="pw-faults-poison",
            tansu_compat=broker_kind == "tansu",
            stall_after_s=4.0,  # its watchdog samples every second: soon sees the partitions caught up
        )
        await ensure_topics(settings.kafka)
        worker = Worker(settings, tmp_path, "worker")
        with running(worker):
            worker.start()
            await worker.wait_ready()
            async with GroupProbe(settings.kafka, settings.stream.app_id) as probe:
                await produce_inputs(settings.kafka, registrations)
                await probe.wait_caught_up(30, [worker])
                await wait_for(
                    lambda: watchdog_sees_caught_up(worker),
                    30,
                    lambda: f"the watchdog did not see the input partitions caught up: {worker.port}",
                )
                await produce_inputs(settings.kafka, burst)
                try:
                    await probe.wait_caught_up(45, [worker])
                except AssertionError as stalled:
                    problems.append(str(stalled))
            emitted = Emitted.of(await read_topics(settings.kafka, DECISION_TOPICS))
            letters = [orjson.loads(r.value) for r in await read_topics(settings.kafka, [DEADLETTER_TOPIC])]

    problems += compare_with_oracle(oracle, emitted, values=True)
    expected_stage = {far: None, null: None, not_json: "decode", invalid: "validate"}
    names = {far: "delivered 9999-12-31", null: "delivered 0001-01-01", not_json: "not JSON", invalid: "invalid"}
    for number, stage in expected_stage.items():
        mine = [letter for letter in letters if letter.get("record_key") == number or number in letter.get("value", "")]
        if not mine:
            problems.append(f"the {names[number]} record ({number}) was not dead-lettered")
            continue
        if stage is not None and not any(letter["stage"] == stage for letter in mine):
            problems.append(
                f"the {names[number]} record was dead-lettered at {[x['stage'] for x in mine]}, not {stage}"
            )
        if not all(letter.get("reason") and "Traceback" not in letter["reason"] for letter in mine):
            problems.append(f"the {names[number]} record's dead letter has no readable reason: {mine}")
    if problems:
        stages = [(letter.get("record_key"), letter["stage"], letter["reason"][:120]) for letter in letters]
        problems.append(f"{emitted.records} decision records written; dead letters (key, stage, reason): {stages}")
    assert_no_problems(problems, worker)


async def watchdog_sees_caught_up(worker: Worker) -> bool:
    """/partitions lists every input partition of the worker, none with lag, none stalled; /healthz 200."""
    views = await worker.partitions()
    topics = {view["topic"] for view in views}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{worker.port}/healthz") as health:
            healthy = health.status == 200
    return (
        healthy
        and {RAW_TOPIC, SHIPMENTS_TOPIC} <= topics
        and all(view["lag"] == 0 and not view["stalled"] and view["idle_s"] >= 0 for view in views)
    )


# ---------------------------------------------------------------- (b) two workers, multi-number


UPU_JOURNEY = [
    ("EMA", "in_transit", CN, "CN", "YIWU"),
    ("EMB", "export", CN, "CN", "SHANGHAI"),
    ("EMC", "export", CN, "CN", "SHANGHAI"),
    ("EMD", "import", ES, "ES", "MADRID"),
    ("EDB", "import", ES, "ES", "MADRID"),
    ("EDG", "out_for_delivery", ES, "ES", "MADRID"),
]
UPU_ENDINGS = {  # how far a parcel gets: the journey's first n steps, then its last event (if any)
    "delivered": (6, ("EMI", "delivered", ES, "ES", "MADRID")),
    "delivered_abroad": (6, ("EMI", "delivered", ES, "PT", "LISBOA")),
    "pickup": (5, ("EDH", "available_for_pickup", ES, "ES", "MADRID")),
    "imported": (5, None),
    "in_export": (3, None),
}


def s10_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        serial = f"{rng.randrange(10**8):08d}"
        number = f"RR{serial}{s10_check_digit(serial)}CN"
        if number not in taken:
            taken.add(number)
            return number


def upu_history(rng: random.Random, number: str, first_at: datetime, ending: str) -> list[dict]:
    steps, last = UPU_ENDINGS[ending]
    events, when = [], first_at
    for code, _status, zone, country, office in [*UPU_JOURNEY[:steps], *([last] if last else [])]:
        events.append(
            {
                "mail_item_id": number,
                "event_code": code,
                "event_time": when.astimezone(zone).isoformat(),
                "office_name": office,
                "country": country,
            }
        )
        when += timedelta(minutes=rng.randrange(40, 120))
    return events


def upu_messages(rng: random.Random, histories: dict[str, list[dict]], rounds: int) -> list[list[bytes]]:
    """Each history cut into `rounds` parts; each round's parts pushed 2 or 3 numbers to a message."""
    parts: list[dict[str, list[dict]]] = [{} for _ in range(rounds)]
    for number, events in histories.items():
        cuts = sorted(rng.choices(range(len(events) + 1), k=rounds - 1))
        for r, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(events)], strict=True)):
            if end > start:
                parts[r][number] = events[start:end]
    messages = []
    for part in parts:
        numbers = list(part)
        rng.shuffle(numbers)
        bodies = []
        while numbers:
            take = 3 if len(numbers) == 3 or (len(numbers) > 3 and rng.random() < 0.5) else 2
            group, numbers = numbers[:take], numbers[take:]
            events = sorted((e for n in group for e in part[n]), key=lambda e: datetime.fromisoformat(e["event_time"]))
            bodies.append(orjson.dumps({"events": events}))
        messages.append(bodies)
    return messages


async def post_webhook(client: TestClient, body: bytes) -> None:
    headers = standard_webhooks.sign(SECRET, f"msg_{uuid.uuid4().hex}", int(time.time()), body)
    response = await client.post("/webhooks/upu", data=body, headers=headers)
    assert response.status == 202, f"{response.status} {await response.text()}"


async def raw_events(worker: Worker) -> float:
    return await worker.metric("parcelwatch_stream_events_total", topic=RAW_TOPIC)


def records_carrying_other_numbers(records) -> int:
    upu = get_carrier("upu")
    return sum(
        1
        for r in records
        if r.topic == RAW_TOPIC and set(upu.tracking_numbers(orjson.loads(r.value)["payload"])) != {r.key.decode()}
    )


async def check_against_replay(settings: Settings, stage: str) -> list[str]:
    """Everything (b) holds after a stage: outputs equal to replay's, by id and value; no id with two
    values; one state per number, in the partition of its key."""
    inputs = await read_topics(settings.kafka, [SHIPMENTS_TOPIC, RAW_TOPIC])
    oracle = replay_oracle(lines_from_records(inputs))
    emitted = Emitted.of(await read_topics(settings.kafka, DECISION_TOPICS))
    changelog = ChangelogView.of(await read_topics(settings.kafka, [changelog_topic(settings.stream.app_id)]))
    input_partition = {r.key.decode(): r.partition for r in inputs}
    problems = compare_with_oracle(oracle, emitted, values=True)
    if conflicts := emitted.conflicts():
        problems.append(describe_conflicts(conflicts))
    problems += placement_problems(changelog, input_partition)
    if letters := await read_topics(settings.kafka, [DEADLETTER_TOPIC]):
        problems.append(f"{len(letters)} valid inputs were dead-lettered, e.g. {letters[0].value[:300]!r}")
    if problems:
        problems.append(
            f"({len(inputs)} inputs, {records_carrying_other_numbers(inputs)} raw records carry numbers other than "
            f"their key; replay: {len(oracle.ids)} decisions; stream: {emitted.records} records, "
            f"{len(emitted.ids)} ids)"
        )
    return [f"{stage}: {problem}" for problem in problems]


async def test_b_two_workers_fed_multi_number_webhooks_keep_one_state_per_number_and_survive_kill_9(
    tmp_path, redis_server
):
    """Two workers of one app on 6 partitions; UPU pushes carrying 2–3 numbers each through the real
    receiver. After a first load: one state per number, in the changelog partition of its key, and
    the decisions replay computes from the records on the topics. Then worker B is killed -9 in the
    middle of a second load; A takes over; the decisions are still complete, none with two values."""
    rng = random.Random(11)
    now = datetime.now(UTC).replace(microsecond=0)
    taken: set[str] = set()
    endings = list(UPU_ENDINGS)
    histories = {}
    for i in range(96):
        number = s10_number(rng, taken)
        first_at = now - timedelta(hours=20) + timedelta(minutes=rng.randrange(60))
        histories[number] = upu_history(rng, number, first_at, endings[i % len(endings)])
    rounds = upu_messages(rng, histories, rounds=4)
    shipped_at = now - timedelta(days=1)
    registrations = [
        Input(now, SHIPMENTS_TOPIC, number, registration(number, f"order-b{i}", shipped_at, "upu"))
        for i, number in enumerate(histories)
    ]

    problems: list[str] = []
    with TansuBroker() as broker:
        settings = stream_settings(broker.bootstrap_servers, partitions=6, app_id="pw-faults-two-workers")
        receiver_settings = Settings(
            kafka={"bootstrap_servers": broker.bootstrap_servers, "partitions": 6, "produce_timeout_s": 5},
            redis={"url": redis_server.url},
            webhook={"secrets": {"upu": [SECRET]}},
        )
        await ensure_topics(settings.kafka)
        a, b = Worker(settings, tmp_path, "worker-a"), Worker(settings, tmp_path, "worker-b")
        with running(a, b):
            a.start()
            b.start()

            async def both_ready() -> bool:
                return all([await a.ready(), await b.ready()])

            await wait_for(both_ready, 60, lambda: f"both workers ready; logs:\n{a.log_tail()}\n{b.log_tail()}")
            async with (
                GroupProbe(settings.kafka, settings.stream.app_id) as probe,
                TestClient(TestServer(create_app(receiver_settings))) as client,
            ):
                await produce_inputs(settings.kafka, registrations)
                await probe.wait_caught_up(30, [a, b])

                semaphore = asyncio.Semaphore(8)

                async def post(body: bytes) -> None:
                    async with semaphore:
                        await post_webhook(client, body)

                for bodies in rounds[:2]:
                    await asyncio.gather(*(post(body) for body in bodies))
                await probe.wait_caught_up(45, [a, b])
                shares = {w.name: await raw_events(w) for w in (a, b)}
                if not all(shares.values()):
                    problems.append(
                        f"phase 1: a worker decided no raw record, two workers were not exercised: {shares}"
                    )
                problems += await check_against_replay(settings, "phase 1 (two workers)")

                # Phase 2: paced pushes; B is killed -9 once it has decided some of them, A takes over.
                load = [body for bodies in rounds[2:] for body in bodies]
                before_kill = await raw_events(b)
                for i, body in enumerate(load):
                    if i == len(load) // 3:
                        await wait_for(
                            lambda: decided_more(b, before_kill), 20, lambda: "worker B decided none of the second load"
                        )
                        b.kill()
                    await post_webhook(client, body)
                    await asyncio.sleep(0.03)  # a steady load over ~3 s, not one burst
                await probe.wait_caught_up(60, [a])
                problems += await check_against_replay(settings, "phase 2 (B killed -9 mid-load)")
    assert_no_problems(problems, a, b)


async def decided_more(worker: Worker, baseline: float) -> bool:
    return await raw_events(worker) > baseline


# ------------------------------------------------------------------- (c) kill -9 during catch-up


def catch_up_histories(rng: random.Random, now: datetime, numbers: int) -> list[Input]:
    """Registrations and generic-carrier records for `numbers` parcels, in `at` order.

    Each parcel's journey ends where it is in the test (delivered, abroad, at a pickup point, in
    export, returning, …) and every rule condition it meets stays true to the end, so the stream
    decides the same whichever of a number's registration and records it reads first (the two
    topics are read concurrently; `replay` reads them in `at` order). Records carry the new
    events or the whole history so far, and some are sent twice.
    """
    shapes = {
        "delivered": ["in_transit", "export", "export", "import", "in_transit", "out_for_delivery", "delivered"],
        "delivered_abroad": ["in_transit", "export", "import", "out_for_delivery", "delivered@PT"],
        "predates": ["in_transit@early", "export", "import", "delivered"],
        "pickup": ["in_transit", "export", "import", "available_for_pickup"],
        "in_export": ["info_received", "in_transit", "export", "export"],
        "returning": ["in_transit", "export", "returning_to_sender"],
        "returned": ["in_transit", "returned_to_sender"],
        "exception": ["in_transit", "export", "exception"],
        "unscanned": ["info_received"],
    }
    start = now - timedelta(hours=6)
    inputs: list[Input] = []
    taken: set[str] = set()
    for i in range(numbers):
        while (number := generic_number(rng)) in taken:
            pass
        taken.add(number)
        shape = list(shapes)[i % len(shapes)]
        shipped_at = now - timedelta(days=rng.choice((1, 2)))
        at = start + timedelta(minutes=rng.randrange(60))
        inputs.append(
            Input(
                at - timedelta(minutes=rng.randrange(1, 60)),
                SHIPMENTS_TOPIC,
                number,
                registration(number, f"order-c{i}", shipped_at, "generic"),
            )
        )
        history: list[dict] = []
        steps = shapes[shape]
        while steps:
            size = rng.choice((1, 1, 2))
            take, steps = steps[:size], steps[size:]
            new = []
            for k, step in enumerate(take):
                status, _, where = step.partition("@")
                when = at - timedelta(minutes=len(take) - k, seconds=30)
                if where == "early":
                    when = shipped_at - timedelta(days=3)
                country = "CN" if status in ("in_transit", "export", "info_received", "returning_to_sender") else "ES"
                country = "PT" if where == "PT" else country
                new.append(generic_event(status, when, country, CITIES[country]))
            history += new
            inputs.append(raw_record(at, number, list(history) if rng.random() < 0.5 else new))
            if rng.random() < 0.2:  # the carrier retries the same push
                inputs.append(raw_record(at + timedelta(seconds=20), number, inputs[-1].value["payload"]["events"]))
            at += timedelta(minutes=rng.randrange(5, 25))
    return sorted(inputs, key=lambda record: record.at)


CITIES = {"CN": "Shenzhen", "ES": "Madrid", "PT": "Lisboa"}
KILLS = 4
#: A run is killed once it has written a random number of records up to this: a moment that does
#: not depend on how fast the worker is, and far from the end of the backlog (~6,000 records written).
KILL_WITHIN_WRITTEN = 600


async def test_c_kill_9_during_backlog_catch_up_loses_no_decision(tmp_path):
    """A backlog of ~3,000 carrier records and 800 registrations; the worker is killed -9 four times
    while it catches up (each run at a random point soon after it starts writing), restarted each
    time on its data directory, and left to reach lag 0. The set of decision ids equals the set
    replay computes from the same inputs: duplicates with equal ids are allowed, missing or extra
    ones are not, and so is a partition that stalls (a worker whose /healthz answers 503 is still
    restarted, as the liveness probe would, so that the decisions can be compared)."""
    rng = random.Random(23)
    now = datetime.now(UTC).replace(microsecond=0)
    backlog = catch_up_histories(rng, now, numbers=800)
    oracle = replay_oracle(record.replay_line() for record in backlog)
    assert not oracle.dead_letters, f"replay refused inputs of the backlog: {oracle.warnings[:3]}"
    raw_count = sum(record.topic == RAW_TOPIC for record in backlog)

    problems: list[str] = []
    uncommitted_at_kill: list[int] = []
    with TansuBroker() as broker:
        settings = stream_settings(broker.bootstrap_servers, partitions=3, app_id="pw-faults-catch-up")
        await ensure_topics(settings.kafka)
        await produce_inputs(settings.kafka, backlog)
        worker = Worker(settings, tmp_path, "worker")
        # topics that exist before the worker starts and that it writes soon: decisions and commands
        written_topics = [*DECISION_TOPICS, SHIPMENT_COMMANDS_TOPIC, ORDER_COMMANDS_TOPIC]
        with running(worker):
            async with GroupProbe(settings.kafka, settings.stream.app_id) as probe:
                for _ in range(KILLS):
                    kill_at = await probe.written(written_topics) + rng.randint(1, KILL_WITHIN_WRITTEN)
                    worker.start()
                    if not await probe.wait_written(written_topics, kill_at, 60, worker):
                        break  # caught up before the kill point: a kill now would prove nothing
                    worker.kill()
                    uncommitted_at_kill.append((await probe.sample()).total_behind)
                if not worker.alive:
                    worker.start()
                try:
                    await probe.wait_caught_up(120, [worker], liveness=True)
                except AssertionError as stalled:
                    problems.append(str(stalled))
            emitted = Emitted.of(await read_topics(settings.kafka, DECISION_TOPICS))
            letters = await read_topics(settings.kafka, [DEADLETTER_TOPIC])

    problems += compare_with_oracle(oracle, emitted)
    if letters:
        problems.append(f"{len(letters)} valid inputs were dead-lettered, e.g. {letters[0].value[:300]!r}")
    if worker.liveness_restarts:
        problems.append(
            f"an input partition stalled (/healthz 503) and the worker was restarted {worker.liveness_restarts} times"
        )
    if problems:
        problems.append(
            f"({len(backlog)} inputs, {raw_count} of them carrier records; inputs uncommitted at each kill: "
            f"{uncommitted_at_kill}; {emitted.records} decision records written; "
            f"{worker.liveness_restarts} restarts for a stalled partition)"
        )
    assert_no_problems(problems, worker)
    during_catch_up = sum(1 for behind in uncommitted_at_kill if behind)
    assert during_catch_up == KILLS, (
        f"only {during_catch_up} of {KILLS} kills came during the catch-up (inputs uncommitted at each kill: "
        f"{uncommitted_at_kill}): the backlog should outlast them"
    )
