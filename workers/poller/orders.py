"""Which open orders need a number: one Redis hash per number, order id → the end of its protection.

A number shared by several orders (a combined shipment) stays tracked while any of them is open (a
reference count per number): a confirmed receipt, a replaced number or the end of an order's
protection drops its order from the hash, and the number is unscheduled, and stopped at the
aggregator, only when none is left. The hash expires `retention_s` after the latest protection end
it holds, so orders that never close do not stay in Redis for ever. Every change is one script call,
idempotent: applying an order event twice gives the same hash. A number scheduled before these
hashes existed has none, so its first receipt unschedules it, as it did then.

`pw:orders:ends` (a sorted set, number → its latest protection end) finds the numbers whose orders'
protection has ended: `expire` drops those orders and answers the numbers no open order needs.
"""

from datetime import UTC, datetime

from redis.asyncio import Redis

ENDS = "pw:orders:ends"

#: KEYS[1] the number's hash; ARGV[1] `add`, `extend` (only an order already held), `drop` or
#: `expire` (every order whose protection ended by ARGV[3]); ARGV[2] the order id; ARGV[3] its
#: protection end, or now for `expire` (epoch seconds); ARGV[4] the retention (s).
#: Answers the orders left, for `drop` the protection end the dropped order had (or false), and the
#: latest protection end left (0 when none).
ORDERS_SCRIPT = """
local key, op, order = KEYS[1], ARGV[1], ARGV[2]
local had = false
if op == 'expire' then
  local fields = redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    if tonumber(fields[i + 1]) <= tonumber(ARGV[3]) then redis.call('HDEL', key, fields[i]) end
  end
else
  had = redis.call('HGET', key, order)
end
if op == 'add' or (op == 'extend' and had) then
  redis.call('HSET', key, order, ARGV[3])
elseif op == 'drop' then
  redis.call('HDEL', key, order)
end
local latest = 0
for _, value in ipairs(redis.call('HVALS', key)) do latest = math.max(latest, tonumber(value)) end
if latest > 0 then redis.call('EXPIREAT', key, latest + tonumber(ARGV[4])) end
return {redis.call('HLEN', key), had, latest}
"""


def key(tracking_number: str) -> str:
    return f"pw:orders:{tracking_number}"


class OpenOrders:
    def __init__(self, redis: Redis, retention_s: int) -> None:
        self._redis = redis
        self._script = redis.register_script(ORDERS_SCRIPT)
        self._retention_s = retention_s

    async def _call(self, op: str, number: str, order_id: str, at: datetime | None) -> tuple[int, int | None]:
        moment = int(at.timestamp()) if at else 0
        left, had, latest = await self._script(keys=[key(number)], args=[op, order_id, moment, self._retention_s])
        if latest:
            await self._redis.zadd(ENDS, {number: int(latest)})
        else:
            await self._redis.zrem(ENDS, number)
        return int(left), int(had) if had else None

    async def add(self, number: str, order_id: str, protection_ends_at: datetime) -> None:
        """The order needs the number until `protection_ends_at`."""
        await self._call("add", number, order_id, protection_ends_at)

    async def extend(self, number: str, order_id: str, protection_ends_at: datetime) -> None:
        """The order's protection now ends at `protection_ends_at` (nothing when it is not held)."""
        await self._call("extend", number, order_id, protection_ends_at)

    async def drop(self, number: str, order_id: str) -> tuple[int, int | None]:
        """The order no longer needs the number: the orders that still do, and the protection end
        (epoch seconds) the order had here, when it was held."""
        return await self._call("drop", number, order_id, None)

    async def held(self, number: str) -> dict[str, datetime]:
        """The open orders that need `number`, with their protection ends."""
        found = await self._redis.hgetall(key(number))
        return {k.decode(): datetime.fromtimestamp(int(v), UTC) for k, v in found.items()}

    async def expire(self, now: datetime, limit: int = 500) -> list[str]:
        """Drop the orders whose protection ended by `now`; answer the numbers no open order needs now."""
        due = await self._redis.zrangebyscore(ENDS, "-inf", int(now.timestamp()), start=0, num=limit)
        released = []
        for raw in due:
            number = raw.decode()
            left, _ = await self._call("expire", number, "", now)
            if not left:
                released.append(number)
        return released
