"""Which open orders need a polled number: one Redis hash per number, order id → the end of its protection.

A number shared by several orders (a combined shipment) stays scheduled while any of them is open:
a confirmed receipt or a replaced number drops its order from the hash, and the number is
unscheduled only when none is left. The hash expires `retention_s` after the latest protection end
it holds, so orders that never close do not stay in Redis for ever. Every change is one script call,
idempotent: applying an order event twice gives the same hash. A number scheduled before these
hashes existed has none, so its first receipt unschedules it, as it did then.
"""

from datetime import datetime

from redis.asyncio import Redis

#: KEYS[1] the number's hash; ARGV[1] `add`, `extend` (only an order already held) or `drop`;
#: ARGV[2] the order id; ARGV[3] its protection end (epoch seconds); ARGV[4] the retention (s).
#: Answers the orders left and, for `drop`, the protection end the dropped order had (or false).
ORDERS_SCRIPT = """
local key, op, order = KEYS[1], ARGV[1], ARGV[2]
local had = redis.call('HGET', key, order)
if op == 'add' or (op == 'extend' and had) then
  redis.call('HSET', key, order, ARGV[3])
elseif op == 'drop' then
  redis.call('HDEL', key, order)
end
local latest = 0
for _, value in ipairs(redis.call('HVALS', key)) do latest = math.max(latest, tonumber(value)) end
if latest > 0 then redis.call('EXPIREAT', key, latest + tonumber(ARGV[4])) end
return {redis.call('HLEN', key), had}
"""


def key(tracking_number: str) -> str:
    return f"pw:orders:{tracking_number}"


class OpenOrders:
    def __init__(self, redis: Redis, retention_s: int) -> None:
        self._script = redis.register_script(ORDERS_SCRIPT)
        self._retention_s = retention_s

    async def _call(self, op: str, number: str, order_id: str, ends_at: datetime | None) -> tuple[int, int | None]:
        ends = int(ends_at.timestamp()) if ends_at else 0
        left, had = await self._script(keys=[key(number)], args=[op, order_id, ends, self._retention_s])
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
