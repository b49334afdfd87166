"""`parcelwatch bench stream`: the stream worker's throughput next to a bare aiokafka passthrough.

One embedded broker (Tansu, or Apache Kafka with `--broker kafka`), the topics, N input records
(`workers.bench.records`). Then, on the same broker and input, one after the other so neither
competes for the CPU:

* stream: WORKERS real worker processes (`python -m workers stream`, as `parcelwatch dev` starts
  it) of one app, so one consumer group over the same partitions, started together, each with its
  own data directory (its RocksDB tables) and no HTTP port, with the dev stack's fast-join
  settings. Once the group is stable (every worker's log says it joined the same generation and
  then "Worker ready": its tables of that generation are recovered), this process produces the
  input records and reads the broker every 0.1 s: records on the topics the workers write
  (outputs, internal commands, table changelogs, dead letters), the group's committed offsets,
  and each worker's CPU time. The clock starts at the first record any worker writes, so process
  start-up and the group join are left out (and reported apart), and stops at the last record
  they write before their group has committed every input and they have been quiet for 1.5 s.
  The figure is the N records over that time; the commands and wake-ups they cause are part of
  the work timed. Both ends are known to within the 0.1 s poll. Producing the input (about 0.3 s
  for 20,000 records, reported) overlaps the start of the timed window. The records written are
  then counted from each partition's high watermark.
* passthrough: then an aiokafka consumer group reads every input record (`getmany`) and produces
  it to a bench topic (`send` per record without awaiting it, `flush` per batch, then `commit`);
  timed from its first batch to its last record.

CPU per event: the workers' CPU time over the timed window, summed, or this process's for the
passthrough, over the N records.
"""

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import OUTPUT_MODELS
from streams.kafka import client_options, log_end_offsets
from workers.bench.records import BenchRecord, stream_records
from workers.bench.report import cpu_seconds, json_line, ratio, table
from workers.embedded import BROKERS, start_child
from workers.kafka import ensure_topics, make_producer
from workers.settings import Settings, as_environment

INPUT_TOPICS = (SHIPMENTS_TOPIC, RAW_TOPIC)
PASSTHROUGH_TOPIC = "bench.passthrough.v1"
POLL_S = 0.1
JOIN_TIMEOUT_S = 60.0
QUIET_S = 1.5
READY_LINE = "Recovery]: Worker ready"  # Faust's, each time a generation's tables are recovered


@dataclass(frozen=True)
class Timed:
    """Records moved in `seconds` of wall time, using `cpu_s` of the consumers' CPU time."""

    records: int
    seconds: float
    cpu_s: float | None

    @property
    def per_s(self) -> float:
        return self.records / self.seconds

    @property
    def cpu_us_per_event(self) -> float | None:
        return self.cpu_s / self.records * 1e6 if self.cpu_s is not None and self.records else None


@dataclass(frozen=True)
class StreamFigures:
    records: int
    partitions: int
    workers: int
    preload_s: float
    passthrough: Timed
    stream: Timed
    stream_startup_s: float
    rebalances: int
    outputs: dict[str, int]
    broker: str = "tansu"

    @property
    def ratio(self) -> float | None:
        return ratio(self.stream.per_s, self.passthrough.per_s)


def bench_settings(bootstrap: str, partitions: int, workdir: Path, tansu_compat: bool = True) -> Settings:
    """Defaults pointed at the bench broker, with the dev stack's fast join and no HTTP port.

    `tansu_compat` off on Apache Kafka, so that the workers run there as production runs them."""
    base = Settings()
    return base.model_copy(
        update={
            "log_level": "INFO",  # the default, as a production worker logs
            "kafka": base.kafka.model_copy(update={"bootstrap_servers": bootstrap, "partitions": partitions}),
            "stream": base.stream.model_copy(
                update={
                    "session_timeout_s": 2.0,
                    "heartbeat_interval_s": 0.5,
                    "rebalance_timeout_s": 2.0,
                    "tansu_compat": tansu_compat,
                    "http_port": None,
                }
            ),
        }
    )


def worker_settings(settings: Settings, workdir: Path, index: int) -> Settings:
    """The settings of worker `index`: its own data directory (RocksDB takes a lock on its tables)."""
    return settings.model_copy(
        update={"stream": settings.stream.model_copy(update={"datadir": workdir / f"stream-{index}"})}
    )


def start_worker(settings: Settings, log: Path, cwd: Path) -> subprocess.Popen:
    """The real stream worker, as `workers.dev` starts it."""
    return start_child(
        [sys.executable, "-m", "workers", "stream"], log, env=os.environ | as_environment(settings), cwd=cwd
    )


def joined_generation(log: str, group: str) -> tuple[int | None, bool]:
    """(the last generation of `group` a worker's log says it joined, whether its tables were recovered since)."""
    marker = f"Joined group '{group}' (generation "
    at = log.rfind(marker)
    if at < 0:
        return None, False
    generation = int(log[at + len(marker) :].split(")", 1)[0])
    return generation, READY_LINE in log[at:]


def stable_generation(logs: Sequence[str], group: str) -> int | None:
    """The generation every worker joined and recovered its tables in, or None while the group is settling."""
    states = [joined_generation(log, group) for log in logs]
    generations = {generation for generation, _ in states}
    if len(generations) == 1 and all(ready for _, ready in states):
        return generations.pop()
    return None


async def preload(settings: Settings, records: list[BenchRecord]) -> dict[TopicPartition, int]:
    """Produce `records`; return the end offset of every partition they went to.

    Taken from the acknowledgements, because Tansu's ListOffsets(latest) can answer short of the end.
    """
    producer = make_producer(settings.kafka)
    await producer.start()
    try:
        pending = [await producer.send(r.topic, r.value, key=r.key) for r in records]
        await producer.flush()
        ends: dict[TopicPartition, int] = {}
        for meta in await asyncio.gather(*pending):
            tp = TopicPartition(meta.topic, meta.partition)
            ends[tp] = max(ends.get(tp, 0), meta.offset + 1)
        return ends
    finally:
        await producer.stop()


async def passthrough(settings: Settings, expected: int, timeout_s: float) -> Timed:
    """Consume every input record and produce it unchanged, timed from the first batch."""
    options = client_options(settings.kafka)
    consumer = AIOKafkaConsumer(
        *INPUT_TOPICS,
        **options,
        group_id="parcelwatch-bench-passthrough",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(**options, acks="all", linger_ms=2)
    await consumer.start()
    await producer.start()
    done, first, first_cpu = 0, None, None
    deadline = time.monotonic() + timeout_s
    try:
        while done < expected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"passthrough moved {done} of {expected} records in {timeout_s} s")
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            if not batches:
                continue
            if first is None:
                first, first_cpu = time.monotonic(), time.process_time()
            for records in batches.values():
                for record in records:
                    await producer.send(PASSTHROUGH_TOPIC, record.value, key=record.key)
                done += len(records)
            await producer.flush()
            await consumer.commit()
        return Timed(done, time.monotonic() - first, time.process_time() - first_cpu)
    finally:
        await consumer.stop()
        await producer.stop()


class Progress:
    """What the broker shows of the workers: records on the topics they write, their group's committed offsets."""

    def __init__(self, settings: Settings) -> None:
        self.group = settings.stream.app_id
        self.consumer = AIOKafkaConsumer(**client_options(settings.kafka))
        self.admin = AIOKafkaAdminClient(**client_options(settings.kafka))

    async def __aenter__(self) -> "Progress":
        await self.consumer.start()
        await self.admin.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()
        await self.admin.close()

    async def _partitions(self) -> list[TopicPartition]:
        """Every partition on the broker, internal topics such as changelogs included, as they appear."""
        return [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in await self.admin.describe_topics()
            for partition in topic["partitions"]
            if topic["topic"] != PASSTHROUGH_TOPIC
        ]

    async def written(self, exact: bool = False) -> dict[str, int]:
        """Records per topic the workers write (outputs, commands, changelogs, dead letters).

        Unless `exact`, a sign of progress rather than a count: Tansu's ListOffsets answers the start
        of a partition's last batch; the exact count takes every end from a fetch's high watermark.
        """
        partitions = [
            tp
            for tp in await self._partitions()
            if tp.topic not in INPUT_TOPICS and not tp.topic.startswith(f"{self.group}-__")
        ]
        ends = await (log_end_offsets(self.consumer, partitions) if exact else self.consumer.end_offsets(partitions))
        totals: dict[str, int] = {}
        for tp, end in ends.items():
            totals[tp.topic] = totals.get(tp.topic, 0) + end
        return totals

    async def uncommitted(self, input_ends: dict[TopicPartition, int]) -> int:
        """Input records the group has not committed, and records left on its other inputs."""
        partitions = await self._partitions()
        committed = {
            tp: meta.offset
            for tp, meta in (await self.admin.list_consumer_group_offsets(self.group, partitions=partitions)).items()
            if meta.offset >= 0
        }
        behind = sum(end - committed.get(tp, 0) for tp, end in input_ends.items())
        others = [tp for tp in committed if tp not in input_ends]
        if others:
            ends = await log_end_offsets(self.consumer, others)
            behind += sum(max(0, ends[tp] - committed[tp]) for tp in others)
        return behind


class Workers:
    """N stream workers of one app, started together; their logs, liveness and CPU time."""

    def __init__(self, settings: Settings, workdir: Path, count: int) -> None:
        self.group = settings.stream.app_id
        self.logs = [workdir / f"stream-{index}.log" for index in range(count)]
        self.processes = [
            start_worker(worker_settings(settings, workdir, index), log, workdir) for index, log in enumerate(self.logs)
        ]

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM to all at once (a worker stopping alone would hand its partitions to the others), then SIGKILL
        to those still running after `timeout_s`."""
        running = [process for process in self.processes if process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout_s
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def check_alive(self) -> None:
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                raise RuntimeError(f"a stream worker exited ({process.returncode}); {log}:\n{log_tail(log)}")

    def cpu_seconds(self) -> float | None:
        used = [cpu_seconds(process.pid) for process in self.processes]
        return None if None in used else sum(used)

    def _read_logs(self) -> list[str]:
        return [_read(log) for log in self.logs]

    def generation(self) -> int | None:
        return stable_generation(self._read_logs(), self.group)

    def latest_generation(self) -> int:
        """The newest generation any worker joined."""
        return max(joined_generation(log, self.group)[0] or 0 for log in self._read_logs())

    def log_tails(self) -> str:
        return "\n".join(f"{log}:\n{log_tail(log)}" for log in self.logs)


def _read(path: Path) -> str:
    """A worker's log so far ("" before it has one)."""
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")
    return ""


def log_tail(path: Path) -> str:
    return _read(path)[-3000:]


async def wait_until_stable(workers: Workers, timeout_s: float) -> int:
    """The group's generation once every worker has joined it and recovered its tables."""
    deadline = time.monotonic() + timeout_s
    while (generation := workers.generation()) is None:
        workers.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"the stream workers' group was not stable after {timeout_s} s:\n{workers.log_tails()}")
        await asyncio.sleep(POLL_S)
    return generation


@dataclass(frozen=True)
class StreamRun:
    timed: Timed
    startup_s: float
    preload_s: float
    rebalances: int
    written: dict[str, int]


async def measure_stream(
    settings: Settings, workdir: Path, inputs: list[BenchRecord], count: int, timeout_s: float
) -> StreamRun:
    """Start `count` workers, wait for a stable group, produce `inputs` and time the workers over them.

    Processing runs from the first record a worker wrote to the last one they wrote before their
    group had committed every input, preloaded and internal, and had written nothing for `QUIET_S`
    (longer than the worker's 1 s tick, so wake-ups its inputs caused are counted).
    """
    spawned = time.monotonic()
    workers = Workers(settings, workdir, count)
    try:
        generation = await wait_until_stable(workers, JOIN_TIMEOUT_S + 10.0 * count)
        startup_s = time.monotonic() - spawned

        async def produce() -> tuple[dict[TopicPartition, int], float]:
            started = time.monotonic()
            ends = await preload(settings, inputs)
            return ends, time.monotonic() - started

        async with Progress(settings) as progress:
            producing = asyncio.create_task(produce())
            deadline = time.monotonic() + JOIN_TIMEOUT_S
            first_at = last_at = first_cpu = last_cpu = None
            written: dict[str, int] = {}
            try:
                while True:
                    workers.check_alive()
                    now, cpu = time.monotonic(), workers.cpu_seconds()
                    if now > deadline:
                        ends = producing.result() if producing.done() else {}
                        raise TimeoutError(
                            f"the stream workers left {await progress.uncommitted(ends)} records uncommitted, "
                            f"wrote {written}; their logs:\n{workers.log_tails()}"
                        )
                    counts = await progress.written()
                    if sum(counts.values()) != sum(written.values()):
                        written, last_at, last_cpu = counts, now, cpu
                        if first_at is None:
                            first_at, first_cpu, deadline = now, cpu, now + timeout_s
                    elif (
                        first_at is not None
                        and producing.done()
                        and now - last_at >= QUIET_S
                        and await progress.uncommitted(producing.result()[0]) == 0
                    ):
                        used = last_cpu - first_cpu if last_cpu is not None and first_cpu is not None else None
                        input_ends, preload_s = producing.result()
                        return StreamRun(
                            timed=Timed(sum(input_ends.values()), last_at - first_at, used),
                            startup_s=startup_s,
                            preload_s=preload_s,
                            rebalances=workers.latest_generation() - generation,
                            written=await progress.written(exact=True),
                        )
                    await asyncio.sleep(POLL_S)
            finally:
                if not producing.done():
                    producing.cancel()
    finally:
        workers.stop()


async def run(
    records: int,
    partitions: int,
    workers: int = 1,
    seed: int = 7,
    workdir: Path | None = None,
    broker_kind: str = "tansu",
) -> StreamFigures:
    timeout_s = max(60.0, records / 100)
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="parcelwatch-bench-")))
        workdir.mkdir(parents=True, exist_ok=True)
        broker = stack.enter_context(BROKERS[broker_kind](workdir=workdir))
        settings = bench_settings(broker.bootstrap_servers, partitions, workdir, tansu_compat=broker_kind == "tansu")
        await ensure_topics(settings.kafka)
        await ensure_topics(settings.kafka, (PASSTHROUGH_TOPIC,))
        inputs = stream_records(records, datetime.now(UTC), seed)
        stream = await measure_stream(settings, workdir, inputs, workers, timeout_s)
        baseline = await passthrough(settings, records, timeout_s)
        return StreamFigures(
            records=records,
            partitions=partitions,
            workers=workers,
            preload_s=stream.preload_s,
            passthrough=baseline,
            stream=stream.timed,
            stream_startup_s=stream.startup_s,
            rebalances=stream.rebalances,
            outputs={model.topic: stream.written.get(model.topic, 0) for model in OUTPUT_MODELS},
            broker=broker_kind,
        )


def report(figures: StreamFigures) -> str:
    sides = {
        "aiokafka passthrough": (1, figures.passthrough),
        "parcelwatch stream": (figures.workers, figures.stream),
    }
    rows = [
        (
            name,
            processes,
            timed.records,
            timed.seconds,
            timed.per_s,
            ratio(timed.per_s, figures.passthrough.per_s),
            timed.cpu_us_per_event,
        )
        for name, (processes, timed) in sides.items()
    ]
    workers = "1 stream worker" if figures.workers == 1 else f"{figures.workers} stream workers in one group"
    lines = [
        f"{figures.records:,} input records on {figures.partitions} partitions of {figures.broker}, "
        f"produced in {figures.preload_s:.1f} s (overlapping the stream's timed window); "
        f"{workers}: start-up and group join {figures.stream_startup_s:.1f} s (not counted)",
    ]
    if figures.rebalances:
        lines.append(f"the group rebalanced {figures.rebalances} time(s) during the timed window (counted in)")
    lines += [
        "",
        table(("consumer", "processes", "records", "seconds", "events/s", "× passthrough", "CPU µs/event"), rows),
        "",
        "stream outputs: " + ", ".join(f"{topic} {count:,}" for topic, count in figures.outputs.items()),
        json_line(
            {
                "bench": "stream",
                "broker": figures.broker,
                "records": figures.records,
                "partitions": figures.partitions,
                "workers": figures.workers,
                "stream_events_per_s": round(figures.stream.per_s, 1),
                "passthrough_events_per_s": round(figures.passthrough.per_s, 1),
                "ratio": figures.ratio,
                "stream_cpu_us_per_event": _rounded(figures.stream.cpu_us_per_event),
                "passthrough_cpu_us_per_event": _rounded(figures.passthrough.cpu_us_per_event),
                "stream_startup_s": round(figures.stream_startup_s, 2),
                "rebalances": figures.rebalances,
                "outputs": figures.outputs,
            }
        ),
    ]
    return "\n".join(lines)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
