"""Webhook delivery ids remembered in Redis, so a carrier's retry is accepted once.

A delivery is claimed (`pending`, short TTL) before its record is produced and marked `done`
(long TTL) only after the broker acknowledged it (the receiver marks it after answering); if
producing fails the claim is released, so the carrier's retry is produced again. Nothing is
dropped because of a claim that never landed.
"""

import asyncio
import math
from enum import StrEnum

from redis.asyncio import Redis

from workers.settings import KafkaSettings, RedisSettings


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
#: done lifetimes, then one write per key: `pending` claims the key (answering `new`, or what holds
#: it), `done` marks it done.
LEDGER_SCRIPT = """
local answers = {}
for i, key in ipairs(KEYS) do
  if ARGV[i + 2] == 'done' then
    redis.call('SET', key, 'done', 'EX', ARGV[2])
    answers[i] = 'done'
  elseif redis.call('SET', key, 'pending', 'NX', 'EX', ARGV[1]) then
    answers[i] = 'new'
  else
    answers[i] = redis.call('GET', key)
  end
end
return answers
"""


class DeliveryLedger:
    """Claims and done marks of deliveries, batched: the calls waiting while the previous batch is
    on its way go to Redis as one script call (`LEDGER_SCRIPT`), so concurrent deliveries share one
    command and one round trip instead of taking one or two each; redis-py's work per command,
    not Redis, was the receiver's largest cost. A failed batch fails each of its callers with the
    same error."""

    def __init__(
        self, redis: Redis, done_ttl_s: int, pending_ttl_s: int = pending_lifetime_s(KafkaSettings(), RedisSettings())
    ) -> None:
        self._redis = redis
        self._script = redis.register_script(LEDGER_SCRIPT)
        self._done_ttl_s = done_ttl_s
        self._pending_ttl_s = pending_ttl_s
        self._waiting: list[tuple[Claim, str, asyncio.Future]] = []
        self._sending: asyncio.Task | None = None

    @staticmethod
    def _key(carrier: str, delivery_id: str) -> str:
        return f"pw:delivery:{carrier}:{delivery_id}"

    async def claim(self, carrier: str, delivery_id: str) -> Claim:
        """Claim the delivery (NEW), or say who holds it (PENDING, DONE)."""
        return await self._queue(Claim.PENDING, self._key(carrier, delivery_id))

    def complete(self, carrier: str, delivery_id: str) -> asyncio.Future:
        """Mark the delivery done; the future is settled when the mark's batch is (await it, or not)."""
        return self._queue(Claim.DONE, self._key(carrier, delivery_id))

    async def release(self, carrier: str, delivery_id: str) -> None:
        await self._redis.delete(self._key(carrier, delivery_id))

    async def aclose(self) -> None:
        """Wait for the batch on its way (the done marks sent after their answers)."""
        while self._sending is not None:
            await asyncio.shield(self._sending)

    def _queue(self, write: Claim, key: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((write, key, future))
        if self._sending is None:
            self._sending = asyncio.create_task(self._send_while_waiting())
        return future

    async def _send_while_waiting(self) -> None:
        """One batch on the way at a time: what queues meanwhile goes in the next, so batches grow
        with the load instead of each request paying its own round trip."""
        try:
            await asyncio.sleep(0)
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._send(batch)
        finally:
            self._sending = None

    async def _send(self, batch: list[tuple[Claim, str, asyncio.Future]]) -> None:
        keys = [key for _, key, _ in batch]
        args = [self._pending_ttl_s, self._done_ttl_s, *(write.value for write, _, _ in batch)]
        try:
            answers = await self._script(keys=keys, args=args)
        except Exception as error:  # handed to every caller of the batch, which decides
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (write, _, future), answer in zip(batch, answers, strict=True):
            if not future.done():
                future.set_result(_claim(answer) if write is Claim.PENDING else None)


def _claim(answer: bytes | str) -> Claim:
    text = answer.decode() if isinstance(answer, bytes) else answer
    return Claim.NEW if text == "new" else Claim(text)
