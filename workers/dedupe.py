"""Webhook deliveries made durable together, each accepted once.

A delivery is claimed in Redis (`pending`, short TTL) before its records are produced, and marked
`done` (long TTL) only after the broker acknowledged every one of them (just after its answer); if
producing fails the claim is released, so the carrier's retry is produced again. Nothing is
dropped because of a claim that never landed, and a done mark that never landed only lets a retry
produce the same records again, which the stream deduplicates.

redis-py's and aiokafka's work per command, not Redis or the broker, was the receiver's largest
cost, so `Deliveries` pays it per cycle instead of per delivery: the deliveries that arrive while a
cycle's script call is on its way, or during the linger after it, go in the next, and a cycle is one
script call to Redis (their claims, with the done marks and releases of the deliveries answered
since the call before) and one produce (their records, one batch per partition,
`workers.kafka.RecordBatches`). A cycle costs the receiver about 250 µs of CPU however few
deliveries it carries (its script call and produce, on Tansu and redis-server: 77 and 180 µs for one
delivery, 155 and 470 µs for 32), and without the linger the carriers whose answers a cycle has just
sent came back just after the next one had started: cycles of one to three deliveries (median) under
`parcelwatch bench webhook`, nine to fourteen with 1 ms.

The next cycle does not wait for a cycle's acknowledgements: its script call overlaps the produce,
so a delivery waits for one Redis round trip and its own produce, not also for the produce of the
cycle before (`parcelwatch bench webhook`, 8,000 requests, three runs of each side by side: 3,527
requests/s on average with the produce waited for, 4,006 with it overlapped). A retry that arrives
while its first attempt is being produced finds the claim pending (409).
"""

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from aiokafka.errors import KafkaError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from workers.admission import short
from workers.kafka import RecordBatches
from workers.settings import KafkaSettings, RedisSettings

log = logging.getLogger(__name__)


class Claim(StrEnum):
    NEW = "new"
    PENDING = "pending"
    DONE = "done"


def pending_lifetime_s(kafka: KafkaSettings, redis: RedisSettings) -> int:
    """How long a claim stays pending: the produce's deadline and the Redis call that marks it
    done. A receiver that dies between claim and produce then holds up the carrier's retries (409)
    for seconds, not a minute; a produce of many records that outlasts it at worst lets a retry
    produce the same records again, which the stream deduplicates."""
    return math.ceil(kafka.produce_timeout_s + redis.timeout_s)


#: One batch of ledger writes, run atomically by Redis: ARGV[1] and ARGV[2] are the pending and
#: done lifetimes, ARGV[3] and ARGV[4] how many of the keys are claims and done marks, in that
#: order; the keys after them are released. The marks and releases, which are older, are written
#: before the claims are taken, so a retry claimed in the call that marks its delivery done is
#: DONE, and one whose earlier attempt is released is NEW. A claim answers `new`, or what holds
#: the key.
LEDGER_SCRIPT = """
local claims = tonumber(ARGV[3])
local done = claims + tonumber(ARGV[4])
for i = claims + 1, #KEYS do
  if i > done then
    redis.call('DEL', KEYS[i])
  else
    redis.call('SET', KEYS[i], 'done', 'EX', ARGV[2])
  end
end
local answers = {}
for i = 1, claims do
  if redis.call('SET', KEYS[i], 'pending', 'NX', 'EX', ARGV[1]) then
    answers[i] = 'new'
  else
    answers[i] = redis.call('GET', KEYS[i])
  end
end
return answers
"""


def delivery_key(carrier: str, delivery_id: str) -> str:
    return f"pw:delivery:{carrier}:{delivery_id}"


class DeliveryLedger:
    """Claims, done marks and releases of deliveries, any number of them in one script call
    (`LEDGER_SCRIPT`)."""

    def __init__(
        self, redis: Redis, done_ttl_s: int, pending_ttl_s: int = pending_lifetime_s(KafkaSettings(), RedisSettings())
    ) -> None:
        self._script = redis.register_script(LEDGER_SCRIPT)
        self._done_ttl_s = done_ttl_s
        self._pending_ttl_s = pending_ttl_s

    async def claim(self, carrier: str, delivery_id: str) -> Claim:
        """Claim the delivery (NEW), or say who holds it (PENDING, DONE)."""
        (claim,) = await self.write(claims=[delivery_key(carrier, delivery_id)])
        return claim

    async def release(self, carrier: str, delivery_id: str) -> None:
        await self.write(released=[delivery_key(carrier, delivery_id)])

    async def write(
        self, claims: Sequence[str] = (), done: Sequence[str] = (), released: Sequence[str] = ()
    ) -> list[Claim]:
        """Claim the keys `claims`, mark `done` done and forget `released`, in one call; the claims'
        answers, in order."""
        keys = [*claims, *done, *released]
        args = [self._pending_ttl_s, self._done_ttl_s, len(claims), len(done)]
        return [_claim(answer) for answer in await self._script(keys=keys, args=args)]


def _claim(answer: bytes | str) -> Claim:
    text = answer.decode() if isinstance(answer, bytes) else answer
    return Claim.NEW if text == "new" else Claim(text)


class LedgerUnavailable(Exception):
    """Redis did not answer the claim; nothing was produced."""


class RecordsNotAcknowledged(Exception):
    """The broker did not acknowledge every record of the delivery in time; its claim is released."""


@dataclass(slots=True)
class _Delivery:
    key: str
    records: Sequence[tuple[bytes, bytes]]
    answer: asyncio.Future
    acknowledged: asyncio.Future | None = None


class Deliveries:
    """Deliveries claimed, produced and remembered a cycle at a time (the module's docstring).

    One script call is on its way at a time: a cycle's claims, with the marks of the cycles
    answered since the last call. The records of the deliveries it claimed are then handed to the
    producer, and the next cycle starts `linger_s` later, with or without new deliveries, while they
    wait for their acknowledgements (up to `produce_timeout_s`): each delivery is answered once its
    records are acknowledged, and its mark (done, or released if producing failed) waits for the
    next call. A delivery that finds no cycle on its way starts one at once."""

    def __init__(
        self,
        ledger: DeliveryLedger,
        records: RecordBatches,
        topic: str,
        produce_timeout_s: float,
        linger_s: float = 0.0,
    ) -> None:
        self._ledger = ledger
        self._records = records
        self._topic = topic
        self._produce_timeout_s = produce_timeout_s
        self._linger_s = linger_s
        self._waiting: list[_Delivery] = []
        self._done: list[str] = []
        self._released: list[str] = []
        self._cycling: asyncio.Task | None = None
        self._producing: set[asyncio.Task] = set()
        self._lingering: asyncio.Future | None = None
        self._closing = False

    async def take(self, carrier: str, delivery_id: str, records: Sequence[tuple[bytes, bytes]]) -> Claim:
        """NEW once every record of the delivery is acknowledged; PENDING or DONE (nothing produced)
        when another attempt holds it or has made it durable. Raise `LedgerUnavailable` or
        `RecordsNotAcknowledged`."""
        delivery = _Delivery(delivery_key(carrier, delivery_id), records, asyncio.get_running_loop().create_future())
        self._waiting.append(delivery)
        self._start()
        return await delivery.answer

    async def aclose(self) -> None:
        """Wait for the cycles on their way and the marks after them, lingering no more."""
        self._closing = True
        if self._lingering is not None:
            _settle(self._lingering)
        while self._cycling is not None or self._producing:
            await asyncio.wait({self._cycling, *self._producing} - {None})

    def _start(self) -> None:
        if self._cycling is None:
            self._cycling = asyncio.create_task(self._cycle_while_waiting())

    async def _cycle_while_waiting(self) -> None:
        try:
            await asyncio.sleep(0)
            while self._waiting or self._done or self._released:
                cycle, self._waiting = self._waiting, []
                try:
                    await self._cycle(cycle)
                except Exception as error:  # a bug, not an outage: each caller answers it, the next cycle goes on
                    log.exception("a delivery cycle failed")
                    for delivery in cycle:
                        _settle(delivery.answer, error=error)
                await self._linger()
        finally:
            self._cycling = None

    async def _linger(self) -> None:
        """Wait `linger_s` for more deliveries to go in the next cycle, unless closing."""
        if self._closing:
            return
        loop = asyncio.get_running_loop()
        self._lingering = loop.create_future()
        timer = loop.call_later(self._linger_s, _settle, self._lingering)
        try:
            await self._lingering
        finally:
            timer.cancel()
            self._lingering = None

    async def _cycle(self, cycle: list[_Delivery]) -> None:
        """Claim the cycle's deliveries (writing the marks waiting) and hand the new ones' records to
        the producer; their answers follow their acknowledgements (`_answer_acknowledged`)."""
        done, self._done = self._done, []
        released, self._released = self._released, []
        try:
            claims = await self._ledger.write([d.key for d in cycle], done, released)
        except (RedisError, OSError) as error:
            _unremembered(error, len(done), len(released))
            for delivery in cycle:
                _settle(delivery.answer, error=LedgerUnavailable(short(str(error))))
            return
        new = []
        for delivery, claim in zip(cycle, claims, strict=True):
            if claim is Claim.NEW:
                delivery.acknowledged = self._records.send(self._topic, delivery.records)
                new.append(delivery)
            else:
                _settle(delivery.answer, claim)
        if new:
            producing = asyncio.create_task(self._answer_acknowledged(new))
            self._producing.add(producing)
            producing.add_done_callback(self._producing.discard)

    async def _answer_acknowledged(self, new: list[_Delivery]) -> None:
        """Answer each delivery once its records are acknowledged, or failed, or timed out; their marks
        go in the next script call, which starts now if no cycle is on its way."""
        await asyncio.wait([d.acknowledged for d in new], timeout=self._produce_timeout_s)
        try:
            for delivery in new:
                self._answer(delivery)
        except Exception as error:  # a bug, not an outage: each caller answers it
            log.exception("answering a delivery cycle failed")
            for delivery in new:
                _settle(delivery.answer, error=error)
        self._start()

    def _answer(self, delivery: _Delivery) -> None:
        acknowledged = delivery.acknowledged
        if not acknowledged.done():
            acknowledged.cancel()
            failure: BaseException | None = TimeoutError(f"no acknowledgement in {self._produce_timeout_s} s")
        else:
            failure = acknowledged.exception()
        if failure is None:
            self._done.append(delivery.key)
            _settle(delivery.answer, Claim.NEW)
        elif isinstance(failure, (KafkaError, TimeoutError, OSError)):
            self._released.append(delivery.key)
            _settle(delivery.answer, error=RecordsNotAcknowledged(short(repr(failure))))
        else:
            self._released.append(delivery.key)
            _settle(delivery.answer, error=failure)


def _settle(answer: asyncio.Future, claim: Claim | None = None, *, error: BaseException | None = None) -> None:
    """Settle a caller's answer unless it stopped waiting (its request was cancelled), or end a linger."""
    if answer.done():
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(claim)


def _unremembered(error: BaseException, done: int, released: int) -> None:
    if done:
        log.warning(
            "deliveries produced but not remembered; a retry will be produced again",
            extra={"deliveries": done, "error": short(str(error))},
        )
    if released:
        log.warning(
            "could not release delivery claims; they expire on their own",
            extra={"deliveries": released, "error": short(str(error))},
        )
