"""Webhook delivery ids remembered in Redis, so a carrier's retry is accepted once.

A delivery is claimed (`pending`, short TTL) before its record is produced and marked `done`
(long TTL) only after the broker acknowledged it (the receiver marks it after answering); if
producing fails the claim is released, so the carrier's retry is produced again. Nothing is
dropped because of a claim that never landed.
"""

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


class DeliveryLedger:
    def __init__(
        self, redis: Redis, done_ttl_s: int, pending_ttl_s: int = pending_lifetime_s(KafkaSettings(), RedisSettings())
    ) -> None:
        self._redis = redis
        self._done_ttl_s = done_ttl_s
        self._pending_ttl_s = pending_ttl_s

    @staticmethod
    def _key(carrier: str, delivery_id: str) -> str:
        return f"pw:delivery:{carrier}:{delivery_id}"

    async def claim(self, carrier: str, delivery_id: str) -> Claim:
        """Claim the delivery, or say who holds it, in one round trip (SET NX and GET in one MULTI)."""
        key = self._key(carrier, delivery_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            claimed, held = await pipe.set(key, Claim.PENDING.value, nx=True, ex=self._pending_ttl_s).get(key).execute()
        if claimed:
            return Claim.NEW
        return Claim(held.decode() if isinstance(held, bytes) else held)

    async def complete(self, carrier: str, delivery_id: str) -> None:
        await self._redis.set(self._key(carrier, delivery_id), Claim.DONE.value, ex=self._done_ttl_s)

    async def release(self, carrier: str, delivery_id: str) -> None:
        await self._redis.delete(self._key(carrier, delivery_id))
