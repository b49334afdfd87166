"""`parcelwatch bench stream`: the stream worker's throughput next to a bare aiokafka passthrough.

One Tansu broker, the topics, N preloaded input records (`workers.bench.records`). Then, on the
same broker and input, one after the other so neither competes for the CPU:

* passthrough: an aiokafka consumer group reads every input record (`getmany`) and produces it
  to a bench topic (`send` per record without awaiting it, `flush` per batch, then `commit`);
  timed from its first batch to its last record;
* stream: the real worker (`python -m workers stream --without-web`, as `parcelwatch dev` starts
  it) with the fast-join settings of the dev stack. The broker is read every 0.1 s: records on
  the topics the worker writes (outputs, internal commands, table changelogs, dead letters) and
  its group's committed offsets. The clock starts at the first record the worker writes, so
  process start-up and the group join are left out (and reported apart), and stops at the last
  record it writes before its group has committed every input and it has been quiet for 1.5 s.
  The figure is the N preloaded records over that time; the commands and wake-ups they cause
  are part of the work timed. Both ends are known to within the 0.1 s poll.
"""

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.inputs import RAW_TOPIC, SHIPMENTS_TOPIC
from schemas.outputs import OUTPUT_MODELS
from workers.bench.records import BenchRecord, stream_records
from workers.bench.report import cpu_seconds, json_line, ratio, table
from workers.embedded import TansuBroker, start_child, stop_child
from workers.kafka import client_options, ensure_topics, make_producer
from workers.settings import Settings, as_environment

INPUT_TOPICS = (SHIPMENTS_TOPIC, RAW_TOPIC)
PASSTHROUGH_TOPIC = "bench.passthrough.v1"
POLL_S = 0.1
JOIN_TIMEOUT_S = 60.0
QUIET_S = 1.5


@dataclass(frozen=True)
class Timed:
    """Records moved in `seconds` of wall time, using `cpu_s` of the consumer process's CPU time."""

    records: int
    seconds: float
    cpu_s: float | None

    @property
    def per_s(self) -> float:
        return self.records / self.seconds

    @property
    def per_cpu_s(self) -> float | None:
        return self.records / self.cpu_s if self.cpu_s else None


@dataclass(frozen=True)
class StreamFigures:
    records: int
    partitions: int
    preload_s: float
    passthrough: Timed
    stream: Timed
    stream_startup_s: float
    outputs: dict[str, int]

    @property
    def ratio(self) -> float | None:
        return ratio(self.stream.per_s, self.passthrough.per_s)


def bench_settings(bootstrap: str, partitions: int, workdir: Path) -> Settings:
    """Defaults pointed at the bench broker, with the dev stack's fast join (a one-worker group)."""
    base = Settings()
    return base.model_copy(
        update={
            "log_level": "INFO",  # the default, as a production worker logs
            "kafka": base.kafka.model_copy(update={"bootstrap_servers": bootstrap, "partitions": partitions}),
            "stream": base.stream.model_copy(
                update={
                    "datadir": workdir / "stream",
                    "session_timeout_s": 2.0,
                    "heartbeat_interval_s": 0.5,
                    "rebalance_timeout_s": 2.0,
                    "tansu_compat": True,
                    "http_port": None,
                }
            ),
        }
    )


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
    """What the broker shows of the worker: records on the topics it writes, its group's committed offsets."""

    def __init__(self, settings: Settings, input_ends: dict[TopicPartition, int]) -> None:
        self.group = settings.stream.app_id
        self.input_ends = input_ends
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

    async def written(self) -> dict[str, int]:
        """Records per topic the worker writes (outputs, commands, changelogs, dead letters).

        A sign of progress, not an exact count: Tansu's ListOffsets can answer short of the end.
        """
        partitions = [
            tp
            for tp in await self._partitions()
            if tp.topic not in INPUT_TOPICS and not tp.topic.startswith(f"{self.group}-__")
        ]
        totals: dict[str, int] = {}
        for tp, end in (await self.consumer.end_offsets(partitions)).items():
            totals[tp.topic] = totals.get(tp.topic, 0) + end
        return totals

    async def uncommitted(self) -> int:
        """Preloaded records the worker's group has not committed, and records left on its other inputs."""
        partitions = await self._partitions()
        committed = {
            tp: meta.offset
            for tp, meta in (await self.admin.list_consumer_group_offsets(self.group, partitions=partitions)).items()
            if meta.offset >= 0
        }
        behind = sum(end - committed.get(tp, 0) for tp, end in self.input_ends.items())
        others = [tp for tp in committed if tp not in self.input_ends]
        if others:
            ends = await self.consumer.end_offsets(others)
            behind += sum(max(0, ends[tp] - committed[tp]) for tp in others)
        return behind


def start_worker(settings: Settings, workdir: Path) -> subprocess.Popen:
    """The real stream worker, as `workers.dev` starts it."""
    return start_child(
        [sys.executable, "-m", "workers", "stream"],
        workdir / "stream.log",
        env=os.environ | as_environment(settings),
        cwd=workdir,
    )


def _log_tail(workdir: Path) -> str:
    with contextlib.suppress(OSError):
        return (workdir / "stream.log").read_text(errors="replace")[-3000:]
    return ""


async def measure_stream(
    settings: Settings, workdir: Path, input_ends: dict[TopicPartition, int], timeout_s: float
) -> tuple[Timed, float, dict[str, int]]:
    """(the timed processing, seconds of start-up and join before it, records written per topic).

    Processing runs from the first record the worker wrote to the last one it wrote before its
    group had committed every input, preloaded and internal, and had written nothing for
    `QUIET_S` (longer than the worker's 1 s tick, so wake-ups its inputs caused are counted).
    """
    spawned = time.monotonic()
    process = start_worker(settings, workdir)
    try:
        async with Progress(settings, input_ends) as progress:
            deadline = spawned + JOIN_TIMEOUT_S
            first_at = last_at = first_cpu = last_cpu = None
            written: dict[str, int] = {}
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the stream worker exited ({process.returncode}):\n{_log_tail(workdir)}")
                now, cpu = time.monotonic(), cpu_seconds(process.pid)
                if now > deadline:
                    left = await progress.uncommitted()
                    raise TimeoutError(
                        f"the stream worker left {left} records uncommitted, wrote {written}; its log:\n"
                        + _log_tail(workdir)
                    )
                counts = await progress.written()
                if sum(counts.values()) != sum(written.values()):
                    written, last_at, last_cpu = counts, now, cpu
                    if first_at is None:
                        first_at, first_cpu, deadline = now, cpu, now + timeout_s
                elif first_at is not None and now - last_at >= QUIET_S and await progress.uncommitted() == 0:
                    used = last_cpu - first_cpu if last_cpu is not None and first_cpu is not None else None
                    timed = Timed(sum(input_ends.values()), last_at - first_at, used)
                    return timed, first_at - spawned, written
                await asyncio.sleep(POLL_S)
    finally:
        stop_child(process)


async def run(records: int, partitions: int, seed: int = 7, workdir: Path | None = None) -> StreamFigures:
    timeout_s = max(60.0, records / 100)
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="parcelwatch-bench-")))
        workdir.mkdir(parents=True, exist_ok=True)
        broker = stack.enter_context(TansuBroker(workdir=workdir))
        settings = bench_settings(broker.bootstrap_servers, partitions, workdir)
        await ensure_topics(settings.kafka)
        await ensure_topics(settings.kafka, (PASSTHROUGH_TOPIC,))
        inputs = stream_records(records, datetime.now(UTC), seed)
        started = time.monotonic()
        input_ends = await preload(settings, inputs)
        preload_s = time.monotonic() - started
        baseline = await passthrough(settings, records, timeout_s)
        timed, startup_s, written = await measure_stream(settings, workdir, input_ends, timeout_s)
        return StreamFigures(
            records=records,
            partitions=partitions,
            preload_s=preload_s,
            passthrough=baseline,
            stream=timed,
            stream_startup_s=startup_s,
            outputs={model.topic: written.get(model.topic, 0) for model in OUTPUT_MODELS},
        )


def report(figures: StreamFigures) -> str:
    sides = {"aiokafka passthrough": figures.passthrough, "parcelwatch stream": figures.stream}
    rows = [
        (
            name,
            timed.records,
            timed.seconds,
            timed.per_s,
            ratio(timed.per_s, figures.passthrough.per_s),
            timed.per_cpu_s,
        )
        for name, timed in sides.items()
    ]
    lines = [
        f"{figures.records:,} input records on {figures.partitions} partitions, "
        f"preloaded in {figures.preload_s:.1f} s; "
        f"stream start-up and group join {figures.stream_startup_s:.1f} s (not counted)",
        "",
        table(("consumer", "records", "seconds", "events/s", "× passthrough", "events/CPU-s"), rows),
        "",
        "stream outputs (about: Tansu's ListOffsets can answer short): "
        + ", ".join(f"{topic} {count:,}" for topic, count in figures.outputs.items()),
        json_line(
            {
                "bench": "stream",
                "records": figures.records,
                "partitions": figures.partitions,
                "stream_events_per_s": round(figures.stream.per_s, 1),
                "passthrough_events_per_s": round(figures.passthrough.per_s, 1),
                "ratio": figures.ratio,
                "stream_events_per_cpu_s": _rounded(figures.stream.per_cpu_s),
                "passthrough_events_per_cpu_s": _rounded(figures.passthrough.per_cpu_s),
                "stream_startup_s": round(figures.stream_startup_s, 2),
                "outputs": figures.outputs,
            }
        ),
    ]
    return "\n".join(lines)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
