"""The numbers registered with an aggregator, and those waiting to be registered or stopped, in Redis.

Keys of one aggregator `a` carry the hash tag `{a}` (one Cluster slot, as the schedule's):

    pw:{a}:registered   hash        number → {"carrier", "reference", "at"}: registered there (JSON)
    pw:{a}:register     sorted set  number → when to send its registration (epoch s)
    pw:{a}:stop         sorted set  number → when to send its stop
    pw:{a}:hints        hash        number → {"carrier", "destination"}: what a registration sends
    pw:{a}:tries        hash        number → failed attempts of its registration or stop so far
    pw:{a}:change       hash        number → the carrier code it is to be tracked as (a correction)
    pw:{a}:day:<date>   counter     registrations the aggregator accepted that UTC day (kept 2 days)
    pw:{a}:quota        hash        the account's quota as last read: total, used, remaining, used_today

`want` and `unwant` (one script each) are idempotent: a number registered, or already waiting, is
not queued again, so an order event applied twice, or a poller restarted, registers nothing twice. A
batch being sent stays in its queue, due after a lease (`take`): a poller that dies mid-call loses
nothing, and the call is sent again (an "already registered" answer is success). A number stopped
while its registration is on the way is stopped once it is registered; one wanted again while its
stop is on the way is registered again once it is stopped.
"""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import orjson
from redis.asyncio import Redis

from carriers.base import Quota, Tracked
from workers.poller.schedule import prefix

DAY_TTL_S = 2 * 86400

WANT = """
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
"""

UNWANT = """
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('HDEL', KEYS[4], ARGV[1])
  redis.call('HDEL', KEYS[5], ARGV[1])
  return 'cancelled'
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 'not_registered' end
if redis.call('ZADD', KEYS[3], 'NX', ARGV[2], ARGV[1]) == 1 then redis.call('HDEL', KEYS[5], ARGV[1]) end
return 'stopping'
"""

TAKE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, number in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[3], number) end
return due
"""

REGISTERED = """
local wanted = redis.call('ZREM', KEYS[2], ARGV[1]) == 1
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[5] == '1' then
  redis.call('INCR', KEYS[6])
  redis.call('EXPIRE', KEYS[6], ARGV[4])
end
if not wanted then redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[1]) end
return wanted and 1 or 0
"""

STOPPED = """
local wanted = redis.call('ZREM', KEYS[3], ARGV[1]) == 1
local record = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
if not wanted and record then
  redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1])
  redis.call('HSET', KEYS[4], ARGV[1], record)
end
return wanted and 1 or 0
"""


@dataclass(frozen=True, slots=True)
class Registered:
    """A number registered with the aggregator: the carrier code it is tracked as, its id there, since when."""

    carrier: str | None
    reference: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Counts:
    registered: int
    waiting: int
    stopping: int
    today: int
    quota: Quota | None


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def day_key(aggregator: str, moment: datetime) -> str:
    return f"{prefix(aggregator)}day:{moment.astimezone(UTC):%Y-%m-%d}"


class Registrations:
    """One aggregator's registrations."""

    def __init__(self, redis: Redis, aggregator: str) -> None:
        self.aggregator = aggregator
        self._redis = redis
        base = prefix(aggregator)
        self._registered, self._register, self._stop = base + "registered", base + "register", base + "stop"
        self._hints, self._tries, self._change = base + "hints", base + "tries", base + "change"
        self._quota = base + "quota"
        self._want = redis.register_script(WANT)
        self._unwant = redis.register_script(UNWANT)
        self._take = redis.register_script(TAKE)
        self._registered_script = redis.register_script(REGISTERED)
        self._stopped_script = redis.register_script(STOPPED)

    @property
    def _keys(self) -> list[str]:
        return [self._registered, self._register, self._stop, self._hints, self._tries]

    async def want(self, number: str, carrier: str | None, destination: str | None, now: datetime) -> bool:
        """Queue `number` for registration (with the aggregator's carrier code, when known); False when it
        is registered or waiting already. A stop waiting for it is cancelled."""
        hint = orjson.dumps({"carrier": carrier, "destination": destination})
        return bool(await self._want(keys=self._keys, args=[number, _epoch(now), hint]))

    async def unwant(self, number: str, now: datetime) -> str:
        """No open order needs `number`: `cancelled` (its registration had not been sent), `stopping`
        (queued for a stop) or `not_registered`."""
        answer = await self._unwant(keys=self._keys, args=[number, _epoch(now)])
        return answer.decode() if isinstance(answer, bytes) else str(answer)

    async def take(self, queue: str, now: datetime, limit: int, lease_s: float) -> list[Tracked]:
        """Up to `limit` numbers due in `queue` (`register` or `stop`), leased for `lease_s`, with what
        their request sends."""
        key = self._register if queue == "register" else self._stop
        due = [n.decode() for n in await self._take(keys=[key], args=[_epoch(now), limit, _epoch(now) + lease_s])]
        if not due:
            return []
        source = self._hints if queue == "register" else self._registered
        values = await self._redis.hmget(source, due)
        tracked = []
        for number, raw in zip(due, values, strict=True):
            facts = orjson.loads(raw) if raw else {}
            tracked.append(Tracked(number, facts.get("carrier"), facts.get("destination"), facts.get("reference")))
        return tracked

    async def registered(
        self, number: str, carrier: str | None, reference: str | None, now: datetime, *, new: bool
    ) -> None:
        """The aggregator tracks `number` (`new`: this call registered it, one more of today's)."""
        record = orjson.dumps({"carrier": carrier, "reference": reference, "at": int(_epoch(now))})
        keys = [*self._keys, day_key(self.aggregator, now)]
        await self._registered_script(keys=keys, args=[number, record, _epoch(now), DAY_TTL_S, "1" if new else "0"])

    async def stopped(self, number: str, now: datetime) -> None:
        """The aggregator no longer tracks `number`."""
        await self._stopped_script(keys=self._keys, args=[number, _epoch(now)])

    async def retry(self, queue: str, number: str, due: datetime) -> int:
        """Send `number`'s request again at `due`; answer its failed attempts so far."""
        key = self._register if queue == "register" else self._stop
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {number: _epoch(due)}, xx=True)
            pipe.hincrby(self._tries, number, 1)
            _, tries = await pipe.execute()
        return int(tries)

    async def tries(self, number: str) -> int:
        return int(await self._redis.hget(self._tries, number) or 0)

    async def drop(self, queue: str, number: str) -> None:
        """Give up on `number`'s request (the aggregator refused it for good)."""
        key = self._register if queue == "register" else self._stop
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(key, number)
            pipe.hdel(self._tries, number)
            if queue == "register":
                pipe.hdel(self._hints, number)
            else:
                pipe.hdel(self._registered, number)
            await pipe.execute()

    async def record(self, number: str) -> Registered | None:
        raw = await self._redis.hget(self._registered, number)
        if raw is None:
            return None
        facts = orjson.loads(raw)
        return Registered(facts.get("carrier"), facts.get("reference"), datetime.fromtimestamp(facts["at"], UTC))

    async def queued(self, number: str) -> str | None:
        """`register` or `stop` when `number` waits in that queue, else None."""
        if await self._redis.zscore(self._register, number) is not None:
            return "register"
        if await self._redis.zscore(self._stop, number) is not None:
            return "stop"
        return None

    async def change(self, number: str, carrier: str) -> None:
        """Have the aggregator track `number` as `carrier` (its own code)."""
        await self._redis.hset(self._change, number, carrier)

    async def changes(self, limit: int) -> list[tuple[str, str]]:
        _, found = await self._redis.hscan(self._change, 0, count=limit)
        return [(k.decode(), v.decode()) for k, v in list(found.items())[:limit]]

    async def changed(self, number: str, carrier: str | None) -> None:
        """The correction of `number` is done (`carrier`: its new code) or given up (None)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hdel(self._change, number)
            pipe.hget(self._registered, number)
            _, raw = await pipe.execute()
        if carrier is not None and raw is not None:
            await self._redis.hset(self._registered, number, orjson.dumps(orjson.loads(raw) | {"carrier": carrier}))

    async def save_quota(self, quota: Quota) -> None:
        fields = {name: value for name, value in asdict(quota).items() if value is not None}
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._quota)
            if fields:
                pipe.hset(self._quota, mapping=fields)
            await pipe.execute()

    async def counts(self, now: datetime) -> Counts:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hlen(self._registered)
            pipe.zcard(self._register)
            pipe.zcard(self._stop)
            pipe.get(day_key(self.aggregator, now))
            pipe.hgetall(self._quota)
            registered, waiting, stopping, today, quota = await pipe.execute()
        read = {k.decode(): int(v) for k, v in quota.items()}
        return Counts(registered, waiting, stopping, int(today or 0), Quota(**read) if read else None)
