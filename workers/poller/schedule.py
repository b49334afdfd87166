"""The poll schedule in Redis: which number is due when, who holds it now, and what was last seen.

Keys of one carrier `c` all carry the hash tag `{c}`, so on Redis Cluster they live in one slot
and every script below runs on one node:

    pw:{c}:d:<b>    sorted set  number → next poll (epoch s)      bucket b of the numbers
    pw:{c}:m:<b>    hash        number → 17-byte `Meta`           bucket b of the numbers
    pw:{c}:due      sorted set  b → the earliest next poll in bucket b (the index of due buckets)
    pw:{c}:leases   sorted set  number → lease expiry (epoch ms)  numbers being polled right now
    pw:{c}:n        counter     numbers scheduled (due or leased)

A number's bucket is `bucket_of(number) % schedule_buckets` (the same arithmetic in Python and
Lua). Buckets keep each sorted set and hash small enough for Redis's compact encoding (listpack,
ziplist before Redis 7: 128 entries a sorted set by default), which costs about 60 bytes per
scheduled number where one plain sorted set and one hash cost about 200.

Scripts (atomic, shared by every poller process):
- `LEASE`: the due buckets from the index (`ZRANGEBYSCORE due -inf now`), their due numbers, up to
  a limit, moved to `leases` scored by the lease's expiry; answers each number with its meta.
- `COMPLETE`: a poll's results. Only the holder of the lease (its expiry is the token) reschedules
  or stops a number; a poller whose lease was lost only refreshes the meta it still finds.
- `REAP`: expired leases back to their bucket, due at once: a crashed poller loses nothing.
- `SCHEDULE`: registrations (`add`: only numbers not scheduled yet), status changes and stops
  (`put`). A leased number keeps its lease: its poll reschedules it when it completes.

Redis 6.2 or later (`ZADD … LT`).

Scripts touch the bucket keys of their carrier without declaring them: they share the declared
keys' hash tag, so they are on the same Cluster node.
"""

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from schemas.status import STATUS_CODES, Status
from workers.poller.cadence import Stage

_CODE_OF = {status: code for code, status in enumerate(STATUS_CODES, start=1)}
_META = struct.Struct("<BIIQ")
MAX_LEASE = 1000


def bucket_of(tracking_number: str, buckets: int) -> int:
    """The bucket of a number: the same polynomial hash as the scripts' `bucket` (mod 2^32)."""
    h = 0
    for byte in tracking_number.encode():
        h = (h * 31 + byte) % 4_294_967_296
    return h % buckets


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@dataclass(frozen=True, slots=True)
class Meta:
    """What the poller keeps per number, 17 bytes in Redis: status, shipment, last change, events hash."""

    status: Status | None
    shipped_at: datetime
    last_change: datetime
    events_hash: int = 0
    """A 64-bit hash of the number's normalised events; 0 before the first answer."""

    def encode(self) -> bytes:
        code = _CODE_OF[self.status] if self.status is not None else 0
        return _META.pack(code, _epoch(self.shipped_at), _epoch(self.last_change), self.events_hash)

    @classmethod
    def decode(cls, raw: bytes) -> "Meta":
        code, shipped, changed, events_hash = _META.unpack(raw)
        status = STATUS_CODES[code - 1] if code else None
        return cls(status, _moment(shipped), _moment(changed), events_hash)

    @property
    def stage(self) -> Stage:
        return Stage(self.status, self.shipped_at, self.last_change)


@dataclass(frozen=True, slots=True)
class Entry:
    """A number's meta and next poll (None: stop polling it)."""

    tracking_number: str
    meta: Meta
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class Lease:
    carrier: str
    token: int
    """The lease's expiry in epoch ms: the proof of holding it when completing."""
    numbers: tuple[str, ...]
    encoded_metas: tuple[bytes, ...]
    """Each number's meta as stored (empty: none), decoded by `known` when the poll needs it."""

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.token / 1000, UTC)

    def known(self) -> list[tuple[str, Meta | None]]:
        """Each leased number with its meta (None: no meta, which only a concurrent removal leaves)."""
        return [
            (number, Meta.decode(raw) if raw else None)
            for number, raw in zip(self.numbers, self.encoded_metas, strict=True)
        ]


_PRELUDE = """
local buckets = tonumber(ARGV[1])
local prefix = ARGV[2]
local function bucket(n)
  local h = 0
  for i = 1, #n do h = (h * 31 + string.byte(n, i)) % 4294967296 end
  return tostring(h % buckets)
end
local touched = {}
local function reindex_touched()
  for b in pairs(touched) do
    local first = redis.call('ZRANGE', prefix .. 'd:' .. b, 0, 0, 'WITHSCORES')
    if first[1] then redis.call('ZADD', KEYS[1], first[2], b) else redis.call('ZREM', KEYS[1], b) end
  end
end
"""

SCHEDULE = (
    _PRELUDE
    + """
local mode = ARGV[3]
local changed, count = 0, 0
for i = 4, #ARGV, 3 do
  local n, meta, due = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local b = bucket(n)
  local mkey = prefix .. 'm:' .. b
  if mode == 'add' then
    if redis.call('HSETNX', mkey, n, meta) == 1 then
      redis.call('ZADD', prefix .. 'd:' .. b, due, n)
      redis.call('ZADD', KEYS[1], 'LT', due, b)
      count = count + 1
      changed = changed + 1
    end
  elseif due == '' then
    if redis.call('HDEL', mkey, n) == 1 then
      count = count - 1
      changed = changed + 1
    end
    redis.call('ZREM', prefix .. 'd:' .. b, n)
    redis.call('ZREM', KEYS[2], n)
    touched[b] = true
  else
    if redis.call('HSET', mkey, n, meta) == 1 then count = count + 1 end
    if not redis.call('ZSCORE', KEYS[2], n) then
      redis.call('ZADD', prefix .. 'd:' .. b, due, n)
      touched[b] = true
    end
    changed = changed + 1
  end
end
if count ~= 0 then redis.call('INCRBY', KEYS[3], count) end
reindex_touched()
return changed
"""
)

LEASE = (
    _PRELUDE
    + """
local now, limit, expiry = ARGV[3], tonumber(ARGV[4]), ARGV[5]
local out, taken = {}, 0
for _, b in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)) do
  local dkey = prefix .. 'd:' .. b
  local numbers = redis.call('ZRANGEBYSCORE', dkey, '-inf', now, 'LIMIT', 0, limit - taken)
  if #numbers > 0 then
    redis.call('ZREM', dkey, unpack(numbers))
    local metas = redis.call('HMGET', prefix .. 'm:' .. b, unpack(numbers))
    local leases = {}
    for j, n in ipairs(numbers) do
      leases[2 * j - 1] = expiry
      leases[2 * j] = n
      out[#out + 1] = n
      out[#out + 1] = metas[j] or ''
    end
    redis.call('ZADD', KEYS[2], unpack(leases))
    taken = taken + #numbers
  end
  touched[b] = true
  if taken >= limit then break end
end
reindex_touched()
return out
"""
)

COMPLETE = (
    _PRELUDE
    + """
local token = tonumber(ARGV[3])
local lost = {}
for i = 4, #ARGV, 3 do
  local n, meta, due = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local b = bucket(n)
  local mkey = prefix .. 'm:' .. b
  local held = redis.call('ZSCORE', KEYS[2], n)
  if held and tonumber(held) == token then
    redis.call('ZREM', KEYS[2], n)
    if due == '' then
      if redis.call('HDEL', mkey, n) == 1 then redis.call('DECR', KEYS[3]) end
    else
      redis.call('HSET', mkey, n, meta)
      redis.call('ZADD', prefix .. 'd:' .. b, due, n)
      touched[b] = true
    end
  else
    lost[#lost + 1] = n
    if redis.call('HEXISTS', mkey, n) == 1 then redis.call('HSET', mkey, n, meta) end
  end
end
reindex_touched()
return lost
"""
)

REAP = (
    _PRELUDE
    + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[5]))
for _, n in ipairs(expired) do
  local b = bucket(n)
  redis.call('ZREM', KEYS[2], n)
  if redis.call('HEXISTS', prefix .. 'm:' .. b, n) == 1 then
    redis.call('ZADD', prefix .. 'd:' .. b, ARGV[4], n)
    touched[b] = true
  end
end
reindex_touched()
return #expired
"""
)


def prefix(carrier: str) -> str:
    return f"pw:{{{carrier}}}:"


class Schedule:
    """The schedule of every carrier in one Redis (or Redis Cluster: one slot per carrier)."""

    def __init__(self, redis: Redis, buckets: int) -> None:
        self._redis = redis
        self._buckets = buckets
        self._schedule = redis.register_script(SCHEDULE)
        self._lease = redis.register_script(LEASE)
        self._complete = redis.register_script(COMPLETE)
        self._reap = redis.register_script(REAP)

    def _keys(self, carrier: str) -> list[str]:
        base = prefix(carrier)
        return [base + "due", base + "leases", base + "n"]

    def _args(self, carrier: str, *rest: object) -> list[object]:
        return [self._buckets, prefix(carrier), *rest]

    @staticmethod
    def _triples(entries: Iterable[Entry]) -> list[object]:
        flat: list[object] = []
        encoded: dict[int, bytes] = {}  # entries often share one meta (a batch of registrations)
        for entry in entries:
            due = "" if entry.due_at is None else _epoch(entry.due_at)
            meta = encoded.get(id(entry.meta))
            if meta is None:
                meta = encoded[id(entry.meta)] = entry.meta.encode()
            flat += [entry.tracking_number, meta, due]
        return flat

    async def add(self, carrier: str, entries: Sequence[Entry]) -> int:
        """Schedule the numbers that are not scheduled yet (registrations); answer how many were new."""
        if not entries:
            return 0
        args = self._args(carrier, "add", *self._triples(entries))
        return int(await self._schedule(keys=self._keys(carrier), args=args))

    async def put(self, carrier: str, entries: Sequence[Entry]) -> int:
        """Set the meta and next poll of each number (a None `due_at` stops it): status changes."""
        if not entries:
            return 0
        args = self._args(carrier, "put", *self._triples(entries))
        return int(await self._schedule(keys=self._keys(carrier), args=args))

    async def remove(self, carrier: str, tracking_numbers: Sequence[str]) -> int:
        """Stop polling these numbers and forget them (receipt confirmed, number replaced)."""
        if not tracking_numbers:
            return 0
        triples = [value for number in tracking_numbers for value in (number, b"", "")]
        return int(await self._schedule(keys=self._keys(carrier), args=self._args(carrier, "put", *triples)))

    async def lease(self, carrier: str, now: datetime, limit: int, ttl_s: float) -> Lease:
        """Take up to `limit` due numbers (most overdue buckets first) for `ttl_s` seconds."""
        token = int(now.timestamp() * 1000 + ttl_s * 1000)
        limit = max(1, min(limit, MAX_LEASE))
        flat = await self._lease(keys=self._keys(carrier), args=self._args(carrier, _epoch(now), limit, token))
        return Lease(carrier, token, tuple(number.decode() for number in flat[::2]), tuple(flat[1::2]))

    async def complete(self, lease: Lease, entries: Sequence[Entry]) -> list[str]:
        """Record polls under `lease`; answer the numbers whose lease was lost (expired and reaped)."""
        if not entries:
            return []
        args = self._args(lease.carrier, lease.token, *self._triples(entries))
        lost = await self._complete(keys=self._keys(lease.carrier), args=args)
        return [number.decode() for number in lost]

    async def reap(self, carrier: str, now: datetime, limit: int = 1000) -> int:
        """Put numbers whose lease expired back in the schedule, due now; answer how many."""
        now_ms = int(now.timestamp() * 1000)
        args = self._args(carrier, now_ms, _epoch(now), limit)
        return int(await self._reap(keys=self._keys(carrier), args=args))

    async def meta(self, carrier: str, tracking_numbers: Sequence[str]) -> list[Meta | None]:
        """The meta of each number (None: not scheduled)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for number in tracking_numbers:
                pipe.hget(f"{prefix(carrier)}m:{bucket_of(number, self._buckets)}", number)
            raw = await pipe.execute()
        return [Meta.decode(value) if value else None for value in raw]

    async def due_at(self, carrier: str, tracking_number: str) -> datetime | None:
        """When the number is next due (None: leased right now, or not scheduled)."""
        key = f"{prefix(carrier)}d:{bucket_of(tracking_number, self._buckets)}"
        score = await self._redis.zscore(key, tracking_number)
        return None if score is None else _moment(int(score))

    async def leased(self, carrier: str) -> int:
        return int(await self._redis.zcard(prefix(carrier) + "leases"))

    async def depth(self, carrier: str) -> int:
        """Numbers scheduled for this carrier (due later, due now or being polled)."""
        return int(await self._redis.get(prefix(carrier) + "n") or 0)

    async def earliest_due(self, carrier: str) -> datetime | None:
        """The next poll of the most overdue (or soonest due) number."""
        first = await self._redis.zrange(prefix(carrier) + "due", 0, 0, withscores=True)
        return _moment(int(first[0][1])) if first else None
