"""Deliveries made durable a cycle at a time (`workers.dedupe.Deliveries`), against a real Redis and
a recording producer: one script call per cycle, records sent as one batch per partition, an
answer only after the broker acknowledged, the next cycle not waiting for it, the done mark in the
next script call and the claim released when producing failed."""

import asyncio

import pytest
from redis.asyncio import Redis

from tests.receiver import RecordingProducer
from workers.dedupe import Claim, Deliveries, DeliveryLedger, LedgerUnavailable, RecordsNotAcknowledged
from workers.embedded import RedisServer
from workers.kafka import RecordBatches

TOPIC = "tracking.raw.v1"


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture
async def redis(redis_server):
    client = Redis.from_url(redis_server.url)
    await client.flushdb()
    await client.config_resetstat()
    yield client
    await client.aclose()


class ScriptCalls:
    """The ledger's script calls, each as the number of keys it wrote."""

    def __init__(self, ledger: DeliveryLedger) -> None:
        self.calls: list[dict[str, int]] = []
        write = ledger.write

        async def counted(claims=(), done=(), released=()):
            self.calls.append({"claims": len(claims), "done": len(done), "released": len(released)})
            return await write(claims, done, released)

        ledger.write = counted


def deliveries(
    redis: Redis, producer: RecordingProducer, timeout_s: float = 2.0, linger_s: float = 0.0
) -> tuple[Deliveries, ScriptCalls]:
    ledger = DeliveryLedger(redis, 3600, 10)
    calls = ScriptCalls(ledger)
    return Deliveries(ledger, RecordBatches(producer), TOPIC, timeout_s, linger_s), calls


class BatchCounting(RecordingProducer):
    def __init__(self, partitions: int = 1) -> None:
        super().__init__(partitions)
        self.batches: list[int] = []

    async def send_batch(self, batch, topic, *, partition):
        self.batches.append(len(batch.records))
        return await super().send_batch(batch, topic, partition=partition)


class NeverAcknowledged(RecordingProducer):
    async def send_batch(self, batch, topic, *, partition):
        return asyncio.get_running_loop().create_future()


async def test_deliveries_waiting_together_are_one_claim_call_one_batch_and_one_done_call(redis):
    producer = BatchCounting()
    intake, script = deliveries(redis, producer)
    claims = await asyncio.gather(
        *(intake.take("generic", f"msg_{i}", [(f"LP{i:09d}CN".encode(), b"{}")]) for i in range(32))
    )
    await intake.aclose()
    assert claims == [Claim.NEW] * 32
    assert producer.batches == [32]
    assert script.calls == [{"claims": 32, "done": 0, "released": 0}, {"claims": 0, "done": 32, "released": 0}]
    assert await redis.mget([f"pw:delivery:generic:msg_{i}" for i in range(32)]) == [b"done"] * 32


async def test_deliveries_handed_in_one_by_one_during_the_linger_after_a_cycle_go_in_the_next_together(redis):
    producer = BatchCounting()
    intake, script = deliveries(redis, producer, linger_s=60)
    assert await intake.take("generic", "msg_first", [(b"LP000000000CN", b"{}")]) is Claim.NEW
    later = []
    for i in range(1, 9):
        later.append(asyncio.create_task(intake.take("generic", f"msg_{i}", [(f"LP{i:09d}CN".encode(), b"{}")])))
        await asyncio.sleep(0)
    await intake.aclose()
    assert await asyncio.gather(*later) == [Claim.NEW] * 8
    assert producer.batches == [1, 8]
    assert script.calls == [
        {"claims": 1, "done": 0, "released": 0},
        {"claims": 8, "done": 1, "released": 0},
        {"claims": 0, "done": 8, "released": 0},
    ]


async def test_a_delivery_that_finds_no_cycle_on_its_way_does_not_wait_for_the_linger(redis):
    intake, script = deliveries(redis, RecordingProducer(), linger_s=60)
    assert await asyncio.wait_for(intake.take("generic", "msg_alone", [(b"LP000000001CN", b"{}")]), 5) is Claim.NEW
    await asyncio.wait_for(intake.aclose(), 5)
    assert script.calls == [{"claims": 1, "done": 0, "released": 0}, {"claims": 0, "done": 1, "released": 0}]
    assert await redis.get("pw:delivery:generic:msg_alone") == b"done"


async def test_a_delivery_again_is_done_or_pending_and_produces_nothing(redis):
    producer = RecordingProducer()
    intake, _ = deliveries(redis, producer)
    assert await intake.take("generic", "msg_once", [(b"LP000000001CN", b"{}")]) is Claim.NEW
    await intake.aclose()
    await redis.set("pw:delivery:generic:msg_held", "pending")
    again = await asyncio.gather(
        intake.take("generic", "msg_once", [(b"LP000000001CN", b"{}")]),
        intake.take("generic", "msg_held", [(b"LP000000002CN", b"{}")]),
    )
    assert again == [Claim.DONE, Claim.PENDING]
    assert [key for _, key, _ in producer.sent] == [b"LP000000001CN"]


async def test_marks_in_the_call_of_a_claim_of_the_same_delivery_are_written_before_it(redis):
    ledger = DeliveryLedger(redis, 3600, 10)
    await ledger.write(claims=["pw:delivery:generic:msg_done", "pw:delivery:generic:msg_failed"])
    answers = await ledger.write(
        claims=["pw:delivery:generic:msg_done", "pw:delivery:generic:msg_failed"],
        done=["pw:delivery:generic:msg_done"],
        released=["pw:delivery:generic:msg_failed"],
    )
    assert answers == [Claim.DONE, Claim.NEW]
    assert await redis.get("pw:delivery:generic:msg_failed") == b"pending"


async def test_a_delivery_without_records_is_taken_at_once(redis):
    producer = NeverAcknowledged()
    intake, _ = deliveries(redis, producer, timeout_s=5)
    assert await asyncio.wait_for(intake.take("generic", "msg_empty", []), 1) is Claim.NEW
    await intake.aclose()
    assert await redis.get("pw:delivery:generic:msg_empty") == b"done"


class AcknowledgedOnCue(RecordingProducer):
    """The broker acknowledges a batch only when the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.submitted = asyncio.Event()
        self.acknowledge_now = asyncio.Event()

    async def send_batch(self, batch, topic, *, partition):
        acknowledged = asyncio.get_running_loop().create_future()

        async def later():
            await self.acknowledge_now.wait()
            self.sent.extend((topic, key, value) for key, value in batch.records)
            acknowledged.set_result(None)

        self.later = asyncio.create_task(later())
        self.submitted.set()
        return acknowledged


async def test_the_answer_waits_for_the_acknowledgement_and_the_done_mark_follows_it(redis):
    producer = AcknowledgedOnCue()
    intake, _ = deliveries(redis, producer)
    taken = asyncio.create_task(intake.take("generic", "msg_slow", [(b"LP000000001CN", b"{}")]))
    await producer.submitted.wait()
    await asyncio.sleep(0.05)
    assert not taken.done()
    assert await redis.get("pw:delivery:generic:msg_slow") == b"pending"
    producer.acknowledge_now.set()
    assert await taken is Claim.NEW
    await intake.aclose()
    assert await redis.get("pw:delivery:generic:msg_slow") == b"done"


async def test_the_next_cycle_claims_and_produces_while_the_one_before_waits_for_its_acknowledgement(redis):
    producer = AcknowledgedOnCue()
    intake, script = deliveries(redis, producer)
    first = asyncio.create_task(intake.take("generic", "msg_first", [(b"LP000000001CN", b"{}")]))
    await producer.submitted.wait()
    producer.submitted.clear()
    second = asyncio.create_task(intake.take("generic", "msg_second", [(b"LP000000002CN", b"{}")]))
    await asyncio.wait_for(producer.submitted.wait(), 5)
    assert not first.done() and not second.done()
    assert script.calls == [{"claims": 1, "done": 0, "released": 0}] * 2
    producer.acknowledge_now.set()
    assert await asyncio.gather(first, second) == [Claim.NEW, Claim.NEW]
    await intake.aclose()
    assert script.calls[-1] == {"claims": 0, "done": 2, "released": 0}
    assert await redis.mget(["pw:delivery:generic:msg_first", "pw:delivery:generic:msg_second"]) == [b"done"] * 2


async def test_a_bug_while_answering_a_cycle_is_every_caller_s_answer_and_the_next_cycle_goes_on(redis, monkeypatch):
    intake, _ = deliveries(redis, RecordingProducer())

    def broken(delivery):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(intake, "_answer", broken)
    taken = asyncio.gather(
        *(intake.take("generic", f"msg_{i}", [(f"LP{i:09d}CN".encode(), b"{}")]) for i in range(3)),
        return_exceptions=True,
    )
    answers = await asyncio.wait_for(taken, 5)
    assert [str(answer) for answer in answers] == ["a bug, not an outage"] * 3
    monkeypatch.undo()
    assert await asyncio.wait_for(intake.take("generic", "msg_after", [(b"LP000000009CN", b"{}")]), 5) is Claim.NEW
    await intake.aclose()


class RefusingPartition(RecordingProducer):
    """Two partitions; the broker refuses every batch for partition 1."""

    def __init__(self) -> None:
        super().__init__(partitions=2)
        self.partition = None

    async def send_batch(self, batch, topic, *, partition):
        self.partition = partition
        return await super().send_batch(batch, topic, partition=partition)

    def acknowledge(self, batch):
        return ConnectionError("partition 1 is gone") if self.partition == 1 else None


async def test_a_delivery_with_a_refused_batch_fails_alone_and_its_claim_is_released(redis):
    # with two partitions, RR246801357CN lands on 0 and RR555012347CN on 1
    producer = RefusingPartition()
    intake, script = deliveries(redis, producer)
    both = [(b"RR246801357CN", b"{}"), (b"RR555012347CN", b"{}")]
    answers = await asyncio.gather(
        intake.take("upu", "msg_both", both),
        intake.take("upu", "msg_first", both[:1]),
        return_exceptions=True,
    )
    await intake.aclose()
    assert isinstance(answers[0], RecordsNotAcknowledged)
    assert "partition 1 is gone" in str(answers[0])
    assert answers[1] is Claim.NEW
    assert script.calls[-1] == {"claims": 0, "done": 1, "released": 1}
    assert await redis.get("pw:delivery:upu:msg_both") is None
    assert await redis.get("pw:delivery:upu:msg_first") == b"done"


async def test_no_acknowledgement_within_the_produce_timeout_fails_the_delivery_and_releases_it(redis):
    intake, _ = deliveries(redis, NeverAcknowledged(), timeout_s=0.2)
    with pytest.raises(RecordsNotAcknowledged, match="no acknowledgement in 0.2 s"):
        await intake.take("generic", "msg_lost", [(b"LP000000001CN", b"{}")])
    await intake.aclose()
    assert await redis.get("pw:delivery:generic:msg_lost") is None


async def test_redis_down_fails_the_cycle_before_anything_is_produced():
    producer = RecordingProducer()
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    intake, _ = deliveries(redis, producer)
    with pytest.raises(LedgerUnavailable):
        await intake.take("generic", "msg_1", [(b"LP000000001CN", b"{}")])
    await intake.aclose()
    await redis.aclose()
    assert producer.sent == []
