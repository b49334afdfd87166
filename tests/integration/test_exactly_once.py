"""Exactly-once on Apache Kafka (issue 14, point 3): with `processing_guarantee=exactly_once`, kill -9
of the stream worker during a backlog catch-up gives a `read_committed` consumer every decision
`replay` computes exactly once: no duplicate, not even one with an equal `event_id`, and no extra.

Kafka only: Tansu has no transactions. The backlog and the kills are fault test (c)'s
(`test_stream_faults.catch_up_histories`), smaller. `catch_up_under_kills` is also how the
README's figures for both guarantees were measured (see its docstring).
"""

import asyncio
import contextlib
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import GroupCoordinatorNotAvailableError

from schemas.commands import ORDER_COMMANDS_TOPIC, SHIPMENT_COMMANDS_TOPIC
from schemas.outputs import DEADLETTER_TOPIC
from streams.kafka import client_options
from tests.integration.conftest import embedded_broker
from tests.integration.stream_harness import (
    DECISION_TOPICS,
    STALL_AFTER_S,
    GroupProbe,
    Worker,
    assert_no_problems,
    produce_inputs,
    replay_oracle,
    running,
    stream_settings,
)
from tests.integration.test_stream_faults import catch_up_histories
from workers.kafka import ensure_topics
from workers.settings import KafkaSettings

KILLS = 3
#: Each run is killed once it has written a random number of records up to this (of ~3,000).
KILL_WITHIN_WRITTEN = 400


async def read_committed(kafka: KafkaSettings, topics: list[str], timeout_s: float = 30.0) -> list[ConsumerRecord]:
    """Every committed record on `topics`, as the dispute platform reads them (`read_committed`, no
    group): each partition from its start to its last stable offset now."""
    consumer = AIOKafkaConsumer(
        **client_options(kafka), group_id=None, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        # not `partitions_for_topic`: a consumer without a group or assignment has no metadata for
        # `topics`, so it answered none and the reader saw nothing at all
        partitions = [TopicPartition(t, p) for t in topics for p in range(kafka.partitions)]
        ends = await consumer.end_offsets(partitions)  # read_committed: the last stable offsets
        pending = {tp for tp in partitions if ends[tp] > 0}
        records: list[ConsumerRecord] = []
        if not pending:
            return records
        consumer.assign(sorted(pending))
        await consumer.seek_to_beginning(*pending)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while pending:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"read_committed: {sorted(pending)} not read to {ends} in {timeout_s} s")
            for tp, batch in (await consumer.getmany(*pending, timeout_ms=200)).items():
                records.extend(r for r in batch if r.offset < ends[tp])
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
        return records
    finally:
        # aiokafka 0.14's group-less coordinator can raise its own cancelled task out of stop()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer.stop()


async def coordinator_ready(probe: GroupProbe, timeout_s: float = 30.0) -> None:
    """A fresh Kafka broker creates its offsets topic on the first group request: until then the
    probe's offset requests fail with GroupCoordinatorNotAvailable."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            await probe.sample()
            return
        except GroupCoordinatorNotAvailableError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


@dataclass
class CatchUp:
    """What one run of the scenario gave."""

    inputs: int
    expected: int
    records: int
    duplicates: int
    missing: int
    unexpected: int
    uncommitted_at_kill: list[int]
    liveness_restarts: int
    seconds: float
    problems: list[str]


async def idle_without_lag(worker: Worker) -> list[str]:
    """Once caught up, the worker's own view of its input partitions: each reaches lag 0 (under
    exactly-once the stream's own transactions end its command partitions with markers that no
    record follows, which its cursors must pass) and /healthz stays live once its watchdog has
    judged every partition idle for the stall threshold."""
    deadline = asyncio.get_running_loop().time() + STALL_AFTER_S * 2
    while True:
        views = await worker.partitions()
        judged_idle = bool(views) and all(v["idle_s"] >= STALL_AFTER_S for v in views)
        if judged_idle or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.5)
    lagging = [f"{v['topic']}[{v['partition']}] lag {v['lag']}" for v in views if v["lag"]]
    problems = [f"idle, the worker still sees lag: {', '.join(lagging)}"] if lagging else []
    if not judged_idle:
        problems.append(f"the watchdog did not judge every input partition idle for {STALL_AFTER_S} s")
    if not await worker.live():
        problems.append("idle, the worker's /healthz answers 503 (a partition it sees as stalled)")
    return problems


async def catch_up_under_kills(tmp_path: Path, guarantee: str, numbers: int = 400, seed: int = 29) -> CatchUp:
    """A backlog for `numbers` parcels on a Kafka broker of its own; one worker with `guarantee`
    catches it up, killed -9 `KILLS` times (each run at a random point once it writes), restarted
    on its data directory each time, then left to reach lag 0 and stopped. The decisions are read
    `read_committed` and counted by (topic, event_id) against replay's.

    By hand, for the README's figures: `.venv/bin/python -c "import asyncio, pathlib, tempfile;
    from tests.integration.test_exactly_once import catch_up_under_kills as c;
    print(asyncio.run(c(pathlib.Path(tempfile.mkdtemp()), 'at_least_once')))"`."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    backlog = catch_up_histories(rng, now, numbers=numbers)
    oracle = replay_oracle(record.replay_line() for record in backlog)
    assert not oracle.dead_letters, f"replay refused inputs of the backlog: {oracle.warnings[:3]}"

    problems: list[str] = []
    uncommitted_at_kill: list[int] = []
    started = asyncio.get_running_loop().time()
    with embedded_broker("kafka") as broker:
        settings = stream_settings(
            broker.bootstrap_servers,
            partitions=3,
            app_id=f"pw-eos-{guarantee}",
            tansu_compat=False,
            processing_guarantee=guarantee,
        )
        await ensure_topics(settings.kafka)
        await produce_inputs(settings.kafka, backlog)
        worker = Worker(settings, tmp_path, "worker")
        written_topics = [*DECISION_TOPICS, SHIPMENT_COMMANDS_TOPIC, ORDER_COMMANDS_TOPIC]
        with running(worker):
            async with GroupProbe(
                settings.kafka, settings.stream.app_id, transactional=guarantee == "exactly_once"
            ) as probe:
                await coordinator_ready(probe)
                for _ in range(KILLS):
                    kill_at = await probe.written(written_topics) + rng.randint(1, KILL_WITHIN_WRITTEN)
                    worker.start()
                    if not await probe.wait_written(written_topics, kill_at, 60, worker):
                        break  # caught up before the kill point
                    worker.kill()
                    uncommitted_at_kill.append((await probe.sample()).total_behind)
                if not worker.alive:
                    worker.start()
                try:
                    await probe.wait_caught_up(90, [worker], liveness=True)
                except AssertionError as stalled:
                    problems.append(str(stalled))
                else:
                    problems += await idle_without_lag(worker)
            worker.stop()
            decisions = await read_committed(settings.kafka, list(DECISION_TOPICS))
            letters = await read_committed(settings.kafka, [DEADLETTER_TOPIC])
    seconds = asyncio.get_running_loop().time() - started

    seen = Counter((r.topic, orjson.loads(r.value)["event_id"]) for r in decisions)
    missing = oracle.ids - set(seen)
    unexpected = set(seen) - oracle.ids
    doubled = {key: n for key, n in seen.items() if n > 1}
    if missing:
        problems.append(f"{len(missing)} of {len(oracle.ids)} decisions replay computes never appeared")
    if unexpected:
        problems.append(f"{len(unexpected)} decisions not in replay's, e.g. {sorted(unexpected)[:3]}")
    if letters:
        problems.append(f"{len(letters)} valid inputs were dead-lettered, e.g. {letters[0].value[:300]!r}")
    if worker.liveness_restarts:
        problems.append(
            f"an input partition stalled (/healthz 503) and the worker was restarted {worker.liveness_restarts} times"
        )
    if len(uncommitted_at_kill) < KILLS or not all(uncommitted_at_kill):
        problems.append(f"not every kill came during the catch-up: uncommitted at each kill {uncommitted_at_kill}")
    return CatchUp(
        inputs=len(backlog),
        expected=len(oracle.ids),
        records=len(decisions),
        duplicates=sum(n - 1 for n in doubled.values()),
        missing=len(missing),
        unexpected=len(unexpected),
        uncommitted_at_kill=uncommitted_at_kill,
        liveness_restarts=worker.liveness_restarts,
        seconds=round(seconds, 1),
        problems=problems + [f"worker log: {worker.log_path}"] * bool(problems),
    )


async def test_exactly_once_kill_9_during_catch_up_gives_every_decision_once_to_read_committed(tmp_path):
    """~1,500 inputs (400 parcels, ~1,100 carrier records), three kills -9 during the catch-up: a
    `read_committed` reader of the decision topics sees each decision replay computes exactly once,
    and no input partition stalls."""
    result = await catch_up_under_kills(tmp_path, "exactly_once")
    problems = list(result.problems)
    if result.duplicates:
        problems.append(f"{result.duplicates} duplicate records (an event_id seen more than once)")
    if problems:
        problems.append(f"({result})")
    assert_no_problems(problems)
    assert result.records == result.expected
