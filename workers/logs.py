"""Structured logs: one JSON object per line on stderr, with the record's `extra` fields.

The Kafka and Redis clients log every failed reconnection, several times a second per connection
while a broker is away (10,159 of the stream worker's 10,499 lines in the broker restart test):
`quiet_clients` lets one line of each through per `REPEAT_WINDOW_S`, and the next one after it
says how many it held back (the same test: 190 lines, 2 of them "Unable connect").
"""

import logging
import sys
import time
from collections.abc import Callable

import orjson

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry |= {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


#: The loggers whose repeats are held back: the clients' connection noise, never parcelwatch's own
#: lines (a dead letter's traceback is logged for every record).
CLIENT_LOGGERS = (
    "aiokafka",  # aiokafka's client logs as the package itself
    "aiokafka.conn",
    "aiokafka.cluster",
    "aiokafka.producer.sender",
    "aiokafka.consumer.fetcher",
    "aiokafka.consumer.group_coordinator",
    "redis.asyncio.connection",
    "redis.connection",
)
REPEAT_WINDOW_S = 10.0


class QuietRepeats(logging.Filter):
    """One record per level and message template per `window_s`; the first one after the window
    says how many were held back (its message, and `repeated` in a JSON line). A filter of the
    logger that makes the records, so it holds them back whoever formats them (Faust configures
    the stream worker's handlers)."""

    def __init__(self, window_s: float = REPEAT_WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._window_s = window_s
        self._clock = clock
        self._seen: dict[tuple[int, object], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.levelno, record.msg)
        now = self._clock()
        shown_at, held = self._seen.get(key, (None, 0))
        if shown_at is not None and now - shown_at < self._window_s:
            self._seen[key] = (shown_at, held + 1)
            return False
        self._seen[key] = (now, 0)
        if held:
            record.repeated = held
            record.msg = f"{record.msg} [{held} more like it held back]"
        return True


def quiet_clients(names: tuple[str, ...] = CLIENT_LOGGERS) -> None:
    """Hold back the repeats of the Kafka and Redis clients' loggers (once per process)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, QuietRepeats) for existing in logger.filters):
            logger.addFilter(QuietRepeats())


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    formatter = JsonFormatter()
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    quiet_clients()
    logging.basicConfig(level=level, handlers=[handler], force=True)
