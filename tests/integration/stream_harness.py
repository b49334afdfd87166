"""A harness for the stream's fault tests (issue 9, point 7): stream worker processes on a broker of
their own, the consumer group's lag, whole topics read back, and `replay` as the oracle.

Every input is produced with its record timestamp equal to the `at` of its replay line, so the
stream (whose `now` for a record is the record's timestamp) and `replay` (whose `now` is the
line's `at`) decide on the same facts at the same moments.
"""

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.codec import load_state
from schemas.commands import ORDER_COMMANDS_TOPIC, SHIPMENT_COMMANDS_TOPIC
from schemas.inputs import DISPUTES_TOPIC, RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import DEADLETTER_TOPIC, ETA_TOPIC, OUTPUT_MODELS, SELLER_METRICS_TOPIC
from streams.kafka import client_options, log_end_offsets
from streams.rules.settings import RuleSettings
from tests.integration.conftest import FAST_JOIN, REPO
from workers.embedded import free_port, start_child
from workers.kafka import make_producer
from workers.replay import replay
from workers.settings import KafkaSettings, Settings, as_environment
from workers.topic_scan import reader

#: The topics the stream's consumer group reads (and commits offsets on).
STREAM_INPUTS = (RAW_TOPIC, SHIPMENTS_TOPIC, SHIPMENT_COMMANDS_TOPIC, DISPUTES_TOPIC, ORDER_COMMANDS_TOPIC)
#: The topics the dispute platform reads: the decisions. Dead letters are checked apart (their ids
#: name the record's partition and offset, which `replay` cannot know). Seller scorecards are left
#: out: they are due at each 00:00 UTC of the worker's clock, which a backlog produced at once with
#: past timestamps does not pass through, while `replay` ticks at every midnight of the history.
#: Delivery estimates are left out too: a lane learns from other parcels' deliveries in the order
#: its partitions deliver them, which `replay`'s order by time does not reproduce (issue 13, open).
DECISION_TOPICS = tuple(
    model.topic for model in OUTPUT_MODELS if model.topic not in (DEADLETTER_TOPIC, SELLER_METRICS_TOPIC, ETA_TOPIC)
)
#: The watchdog samples every quarter of this: often enough for a test to read its verdicts.
STALL_AFTER_S = 20.0


def changelog_topic(app_id: str) -> str:
    return f"{app_id}-shipments-changelog"


def stream_settings(bootstrap: str, partitions: int, app_id: str, **stream: Any) -> Settings:
    """Defaults pointed at a test broker, with the fast join and Tansu's recovery fix."""
    base = Settings()
    return base.model_copy(
        update={
            "kafka": base.kafka.model_copy(update={"bootstrap_servers": bootstrap, "partitions": partitions}),
            "stream": base.stream.model_copy(
                update={"app_id": app_id, "tansu_compat": True, "stall_after_s": STALL_AFTER_S, **FAST_JOIN, **stream}
            ),
        }
    )


# ------------------------------------------------------------------------------------- workers


class Worker:
    """One `python -m workers stream` process, restartable, with its own data directory, HTTP port
    and log (every start appends to it, after a marker line)."""

    def __init__(self, settings: Settings, workdir: Path, name: str) -> None:
        self.name = name
        (workdir / name).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.settings = settings.model_copy(
            update={
                "stream": settings.stream.model_copy(
                    update={"datadir": workdir / name / "data", "http_port": self.port}
                )
            }
        )
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0
        self.liveness_restarts = 0

    def start(self) -> "Worker":
        assert not self.alive, f"{self.name} is already running"
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== test harness: start #{self.starts} of {self.name} =====\n".encode())
        self.process = start_child(
            [sys.executable, "-m", "workers", "stream"],
            self.log_path,
            env=os.environ | as_environment(self.settings),
            cwd=REPO,
        )
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(
                f"stream worker {self.name} exited with code {self.process.returncode}; log:\n{self.log_tail()}"
            )

    async def ready(self) -> bool:
        """/readyz answers 200: every assigned partition's tables are recovered."""
        self.check_alive()
        return await self._status("/readyz") == 200

    async def wait_ready(self, timeout_s: float = 60.0) -> None:
        await wait_for(self.ready, timeout_s, lambda: f"{self.name} not ready; log:\n{self.log_tail()}")

    async def live(self) -> bool:
        """/healthz does not answer 503 (a stalled input partition); a worker that does not answer
        yet (starting) counts as live, as a liveness probe's initial delay lets it."""
        return await self._status("/healthz") != 503

    async def _status(self, path: str) -> int | None:
        """The HTTP status of GET `path` on the worker's port; None when it does not answer in 2 s."""
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
                async with session.get(f"http://127.0.0.1:{self.port}{path}") as response:
                    return response.status
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def partitions(self) -> list[dict]:
        """The worker's /partitions: how it sees each of its input partitions."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(f"http://127.0.0.1:{self.port}/partitions") as response:
                return (await response.json())["partitions"]

    async def describe_partitions(self) -> str:
        try:
            views = await self.partitions()
        except (aiohttp.ClientError, TimeoutError) as error:
            return f"{self.name}: /partitions did not answer ({error!r})"
        return f"{self.name}: " + "; ".join(
            f"{v['topic']}[{v['partition']}] end {v['end']} committed {v['committed']} position {v['position']}"
            f" fetching {v['fetching']} paused {v['paused']} idle {v['idle_s']} s cursor {v.get('cursor')}"
            for v in views
        )

    async def metric(self, name: str, **labels: str) -> float:
        """A sample of the worker's /metrics (0 when absent)."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(f"http://127.0.0.1:{self.port}/metrics") as response:
                text = await response.text()
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        pattern = re.escape(f"{name}{{{wanted}}}" if labels else name) + r" ([0-9.e+-]+)$"
        found = re.search(pattern, text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, no commit."""
        assert self.process is not None and self.alive, f"{self.name} is not running"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM (Faust's clean shutdown), SIGKILL after `timeout_s`; a no-op if not running."""
        if not self.alive:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40, errors: int = 20) -> str:
        """The log's error lines (the last `errors`, each with the line after it), then its last `lines`."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        flagged = [i for i, line in enumerate(text) if re.search(r"\[(ERROR|CRITICAL)\]|Crashed|^Traceback", line)]
        shown = [line for i in flagged[-errors:] for line in text[i : i + 2]]
        head = ["errors:", *shown, "..."] if shown else []
        return "\n".join([*head, f"last {lines} lines:", *text[-lines:]])


@contextlib.contextmanager
def running(*workers: Worker) -> Iterator[None]:
    """Kill every worker still running however the block ends (the test has read what it wanted: a
    clean shutdown would only take time); print their logs' tails if it failed."""
    try:
        yield
    except BaseException:
        for worker in workers:
            print(f"\n----- {worker.name} ({worker.starts} starts, {worker.kills} kills), log tail -----")
            print(worker.log_tail())
        raise
    finally:
        for worker in workers:
            if worker.alive:
                worker.process.kill()
                worker.process.wait()


def assert_no_problems(problems: list[str], *workers: Worker) -> None:
    """Fail with every problem found; the workers' log tails go to the captured output."""
    if problems:
        for worker in workers:
            print(f"\n----- {worker.name} ({worker.starts} starts, {worker.kills} kills), log tail -----")
            print(worker.log_tail())
    assert not problems, "\n".join(problems)


async def wait_for(condition, timeout_s: float, explain, every_s: float = 0.1) -> None:
    """Poll the async `condition` until it is true; AssertionError with `explain()` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        if await condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {explain()}")
        await asyncio.sleep(every_s)


# ------------------------------------------------------------------------------ the group's lag


@dataclass(frozen=True)
class LagSample:
    committed: dict[TopicPartition, int]
    ends: dict[TopicPartition, int]

    @property
    def behind(self) -> dict[TopicPartition, int]:
        """Records not committed, per partition that has any."""
        return {tp: end - self.committed.get(tp, 0) for tp, end in self.ends.items() if end > self.committed.get(tp, 0)}

    @property
    def total_behind(self) -> int:
        return sum(self.behind.values())

    def describe(self) -> str:
        rows = [
            f"{tp.topic}[{tp.partition}] committed {self.committed.get(tp, 0)} of {self.ends[tp]}" for tp in self.behind
        ]
        return "; ".join(rows) or "lag 0 on every input partition"


class GroupProbe:
    """Reads a consumer group's committed offsets and the end offsets (fetch high watermarks, right
    on Tansu) of every partition of the stream's input topics, and what the worker has written."""

    def __init__(
        self, kafka: KafkaSettings, group: str, topics: Iterable[str] = STREAM_INPUTS, transactional: bool = False
    ) -> None:
        self.group = group
        # Inputs the worker writes in transactions (its commands, under exactly-once) end with commit
        # markers, which a consumer never reads, so its committed offset stays below the high watermark
        # for good: `transactional` counts a partition as caught up when nothing committed follows.
        self.reader = (
            AIOKafkaConsumer(
                **client_options(kafka),
                enable_auto_commit=False,
                isolation_level="read_committed",
                fetch_max_wait_ms=50,
            )
            if transactional
            else None
        )
        self.partition_count = kafka.partitions
        self.partitions = [TopicPartition(topic, p) for topic in topics for p in range(kafka.partitions)]
        self.consumer = AIOKafkaConsumer(**client_options(kafka), enable_auto_commit=False, fetch_max_wait_ms=50)
        # never assigned, so its metadata keeps every topic (an assigned consumer's covers only its own)
        self.counter = AIOKafkaConsumer(**client_options(kafka), enable_auto_commit=False)
        self.admin = AIOKafkaAdminClient(**client_options(kafka))

    async def __aenter__(self) -> "GroupProbe":
        await self.consumer.start()
        await self.counter.start()
        await self.admin.start()
        if self.reader is not None:
            await self.reader.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.reader is not None:
            await self.reader.stop()
        await self.consumer.stop()
        await self.counter.stop()
        await self.admin.close()

    async def sample(self) -> LagSample:
        ends = await log_end_offsets(self.consumer, self.partitions)
        offsets = await self.admin.list_consumer_group_offsets(self.group, partitions=self.partitions)
        committed = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
        if self.reader is not None:
            ends = await self._past_markers(committed, ends)
        return LagSample(committed, ends)

    async def _past_markers(self, committed: dict[TopicPartition, int], ends: dict[TopicPartition, int]):
        """`ends` with the end of each partition behind only by control records (nothing a
        `read_committed` consumer reads from the committed offset to the high watermark) set to the
        committed offset. A partition with an open transaction stays behind (its last stable offset
        is below the high watermark: the reader never gets there), without being read."""
        behind = [tp for tp, end in ends.items() if end > committed.get(tp, 0)]
        if not behind:
            return ends
        stable = await self.reader.end_offsets(behind)  # read_committed: the last stable offsets
        readable = [tp for tp in behind if stable[tp] >= ends[tp]]
        if not readable:
            return ends
        self.reader.assign(readable)
        for tp in readable:
            self.reader.seek(tp, committed.get(tp, 0))
        undecided, ends = set(readable), dict(ends)
        deadline = time.monotonic() + 2
        while undecided and time.monotonic() < deadline:
            fetched = await self.reader.getmany(*undecided, timeout_ms=100)
            for tp in list(undecided):
                if fetched.get(tp):
                    undecided.discard(tp)  # a committed record to consume: really behind
                elif await self.reader.position(tp) >= ends[tp]:
                    ends[tp] = committed.get(tp, 0)
                    undecided.discard(tp)
        return ends

    async def written(self, topics: Iterable[str]) -> int:
        """Records now on `topics`, which existed when the probe started (ListOffsets: it may answer
        short on Tansu, but it only grows: a sign of progress, not a count)."""
        partitions = [TopicPartition(topic, p) for topic in topics for p in range(self.partition_count)]
        return sum((await self.counter.end_offsets(partitions)).values())

    async def wait_written(self, topics: list[str], at_least: int, timeout_s: float, worker: Worker) -> bool:
        """Until `topics` hold `at_least` records (True), or the group has caught up first (False)."""
        deadline = time.monotonic() + timeout_s
        polls = 0
        while await self.written(topics) < at_least:
            worker.check_alive()
            polls += 1
            if polls % 25 == 0 and not (await self.sample()).behind:
                return False
            if time.monotonic() > deadline:
                lag = await self.sample()
                raise AssertionError(
                    f"{worker.name} wrote fewer than {at_least} records on {topics} in {timeout_s} s "
                    f"although its group is behind ({lag.describe()}); log:\n{worker.log_tail()}"
                )
            await asyncio.sleep(0.02)
        return True

    async def wait_caught_up(
        self, timeout_s: float, workers: Iterable[Worker] = (), liveness: bool = False
    ) -> LagSample:
        """Until the group has committed every record of every input partition, on two samples in a
        row with the same end offsets (nothing was produced meanwhile: no command in flight).

        `liveness`: a worker whose /healthz answers 503 (an input partition stalled) is killed -9
        and started again, as the deployment's liveness probe restarts it (deploy/README.md); each
        restart is counted in its `liveness_restarts`."""
        workers = list(workers)
        deadline = time.monotonic() + timeout_s
        previous: LagSample | None = None
        while True:
            for worker in workers:
                worker.check_alive()
                if liveness and not await worker.live():
                    worker.liveness_restarts += 1
                    worker.kill()
                    worker.start()
            current = await self.sample()
            if not current.behind and previous is not None and not previous.behind and previous.ends == current.ends:
                return current
            if time.monotonic() > deadline:
                views = [await worker.describe_partitions() for worker in workers if worker.alive]
                raise AssertionError(
                    f"the group {self.group!r} did not reach lag 0 in {timeout_s} s: {current.describe()}"
                    + "".join(f"\n  {view}" for view in views)
                )
            previous = current
            await asyncio.sleep(0.3)


# ------------------------------------------------------------------------- inputs and replay


@dataclass(frozen=True)
class Input:
    """One input record, and (when `value` is a dict) its replay line."""

    at: datetime
    topic: str
    key: str
    value: dict[str, Any] | bytes

    @property
    def timestamp_ms(self) -> int:
        return round(self.at.timestamp() * 1000)

    def replay_line(self) -> dict[str, Any]:
        assert isinstance(self.value, dict), "a record that is not a JSON object has no replay line"
        return {"at": self.at.isoformat(), "topic": self.topic, "key": self.key, "value": self.value}


async def produce_inputs(kafka: KafkaSettings, inputs: Iterable[Input]) -> None:
    """Produce `inputs` in order, each keyed and timestamped as given, all acknowledged at the end."""
    producer = make_producer(kafka)
    await producer.start()
    try:
        pending = []
        for record in inputs:
            value = record.value if isinstance(record.value, bytes) else orjson.dumps(record.value)
            pending.append(
                await producer.send(record.topic, value, key=record.key.encode(), timestamp_ms=record.timestamp_ms)
            )
        await producer.flush()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def lines_from_records(records: Iterable[ConsumerRecord]) -> list[dict[str, Any]]:
    """Replay lines for input records as they are on their topics: each partition in offset order,
    partitions merged by record timestamp (`at` is the timestamp, never decreasing)."""
    queues: dict[tuple[str, int], list[ConsumerRecord]] = {}
    for record in records:
        queues.setdefault((record.topic, record.partition), []).append(record)
    for queue in queues.values():
        queue.sort(key=lambda r: r.offset, reverse=True)
    lines, clock = [], 0
    while queues:
        where = min(queues, key=lambda tp: (queues[tp][-1].timestamp, tp))
        record = queues[where].pop()
        if not queues[where]:
            del queues[where]
        clock = max(clock, record.timestamp)
        lines.append(
            {
                "at": datetime.fromtimestamp(clock / 1000, UTC).isoformat(),
                "topic": record.topic,
                "key": record.key.decode(),
                "value": orjson.loads(record.value),
            }
        )
    return lines


@dataclass
class Oracle:
    """What `replay` emits for a history: decisions by (topic, event_id), and its dead letters."""

    decisions: dict[tuple[str, str], dict[str, Any]]
    dead_letters: list[dict[str, Any]]
    warnings: list[str]

    @property
    def ids(self) -> set[tuple[str, str]]:
        return set(self.decisions)


def replay_oracle(lines: Iterable[dict[str, Any]]) -> Oracle:
    """Run `workers.replay.replay` in this process over `lines`, as `parcelwatch replay` would."""
    warnings: list[str] = []
    decisions: dict[tuple[str, str], dict[str, Any]] = {}
    dead_letters: list[dict[str, Any]] = []
    text = (orjson.dumps(line).decode() for line in lines)
    for output in replay(text, RuleSettings(), source="oracle", warn=warnings.append):
        value = output.model_dump(mode="json")
        if output.topic == DEADLETTER_TOPIC:
            dead_letters.append(value)
            continue
        if output.topic not in DECISION_TOPICS:
            continue
        known = decisions.setdefault((output.topic, output.event_id), value)
        assert known == value, f"replay itself gave event_id {output.event_id} two values: {known} and {value}"
    return Oracle(decisions, dead_letters, warnings)


# ------------------------------------------------------------------------- what the stream wrote


async def read_topics(kafka: KafkaSettings, topics: Iterable[str]) -> list[ConsumerRecord]:
    """Every record now on `topics`, each partition in offset order."""
    async with reader(kafka) as broker:
        return [record for topic in topics async for record in broker.scan(broker.partitions(topic))]


@dataclass
class Emitted:
    """The stream's decisions as read back: every record by (topic, event_id)."""

    by_id: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[ConsumerRecord]) -> "Emitted":
        emitted = cls()
        for record in records:
            value = orjson.loads(record.value)
            emitted.by_id.setdefault((record.topic, value["event_id"]), []).append(value)
        return emitted

    @property
    def ids(self) -> set[tuple[str, str]]:
        return set(self.by_id)

    @property
    def records(self) -> int:
        return sum(len(values) for values in self.by_id.values())

    def conflicts(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Event ids written with more than one distinct value."""
        found = {}
        for key, values in self.by_id.items():
            distinct = list({orjson.dumps(v, option=orjson.OPT_SORT_KEYS): v for v in values}.values())
            if len(distinct) > 1:
                found[key] = distinct
        return found


def summary(value: dict[str, Any]) -> str:
    """One output in a line a person can place: its type and what it is about."""
    fields = ("type", "flag", "template", "tracking_number", "order_id", "status", "previous_status", "occurred_at")
    return " ".join(f"{name}={value[name]}" for name in fields if value.get(name) is not None)


def by_topic(ids: Iterable[tuple[str, str]]) -> dict[str, int]:
    return dict(Counter(topic for topic, _ in ids))


def compare_with_oracle(oracle: Oracle, emitted: Emitted, *, values: bool = False, examples: int = 5) -> list[str]:
    """What differs between the decisions `replay` computes and those the stream wrote, as sentences
    (empty: the same set of event ids, and with `values` the same value for each)."""
    problems = []
    missing = oracle.ids - emitted.ids
    unexpected = emitted.ids - oracle.ids
    if missing:
        shown = "\n    ".join(summary(oracle.decisions[key]) for key in sorted(missing)[:examples])
        problems.append(
            f"{len(missing)} of {len(oracle.ids)} decisions replay computes never appeared "
            f"(by topic {by_topic(missing)}), e.g.\n    {shown}"
        )
    if unexpected:
        shown = "\n    ".join(summary(emitted.by_id[key][0]) for key in sorted(unexpected)[:examples])
        problems.append(
            f"{len(unexpected)} decisions the stream wrote are not in replay's "
            f"(by topic {by_topic(unexpected)}), e.g.\n    {shown}"
        )
    if values:
        differing = [
            key
            for key in sorted(oracle.ids & emitted.ids)
            if any(value != oracle.decisions[key] for value in emitted.by_id[key])
        ]
        if differing:
            key = differing[0]
            other = next(v for v in emitted.by_id[key] if v != oracle.decisions[key])
            problems.append(
                f"{len(differing)} event ids carry another value than replay's, e.g. {key[1]} on {key[0]}:\n"
                f"    replay: {oracle.decisions[key]}\n    stream: {other}"
            )
    return problems


def describe_conflicts(conflicts: dict[tuple[str, str], list[dict[str, Any]]], examples: int = 3) -> str:
    lines = [f"{len(conflicts)} event ids were written with different values (by topic {by_topic(conflicts)})"]
    for (topic, event_id), values in sorted(conflicts.items())[:examples]:
        lines.append(f"  {event_id} on {topic}:")
        lines.extend(f"    {orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode()}" for v in values)
    return "\n".join(lines)


@dataclass(frozen=True)
class ChangelogView:
    """Where the shipments table's changelog holds each key: partition → key → last value."""

    latest: dict[int, dict[str, bytes | None]]

    @classmethod
    def of(cls, records: Iterable[ConsumerRecord]) -> "ChangelogView":
        latest: dict[int, dict[str, bytes | None]] = {}
        for record in records:
            latest.setdefault(record.partition, {})[record.key.decode()] = record.value
        return cls(latest)

    def partitions_of(self) -> dict[str, set[int]]:
        """Every key with a live (not deleted) state, and the partitions holding one."""
        found: dict[str, set[int]] = {}
        for partition, states in self.latest.items():
            for key, value in states.items():
                if value is not None:
                    found.setdefault(key, set()).add(partition)
        return found

    def states(self) -> Iterator[tuple[int, str, Any]]:
        for partition, states in self.latest.items():
            for key, value in states.items():
                if value is not None:
                    yield partition, key, load_state(value)


def placement_problems(changelog: ChangelogView, input_partition: dict[str, int], examples: int = 5) -> list[str]:
    """One state per number, in the changelog partition of its key's input partition."""
    problems = []
    held = changelog.partitions_of()
    doubled = {key: parts for key, parts in held.items() if len(parts) > 1}
    if doubled:
        shown = ", ".join(f"{key} in {sorted(parts)}" for key, parts in sorted(doubled.items())[:examples])
        problems.append(f"{len(doubled)} of {len(held)} numbers have a state in several changelog partitions: {shown}")
    misplaced = {
        key: parts for key, parts in held.items() if key in input_partition and input_partition[key] not in parts
    }
    if misplaced:
        shown = ", ".join(
            f"{key} (input partition {input_partition[key]}) in {sorted(parts)}"
            for key, parts in sorted(misplaced.items())[:examples]
        )
        problems.append(f"{len(misplaced)} numbers have no state in their key's partition: {shown}")
    unknown = sorted(set(held) - set(input_partition))
    if unknown:
        problems.append(f"{len(unknown)} changelog keys were never an input key: {unknown[:examples]}")
    never = sorted(set(input_partition) - set(held))
    if never:
        problems.append(f"{len(never)} input keys have no state on the changelog: {never[:examples]}")
    foreign = [
        (partition, key, state.tracking_number)
        for partition, key, state in changelog.states()
        if state.tracking_number != key
    ]
    if foreign:
        problems.append(f"{len(foreign)} states are stored under another number's key: {foreign[:examples]}")
    return problems
