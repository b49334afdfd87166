"""Reading the times carriers send, and placing a time without a UTC offset in a zone.

`read_time` reads ISO-8601 and the near forms carriers write (`2024-08-15 15:18:10 -0500`: a space
before the offset); `CarrierTime` is that reader as a pydantic field type, which keeps a time without
an offset as it came (naive) instead of refusing it. `resolve` then gives such a time its zone: the
zone of the event's country when the country has one civil time (`carriers.zones`), else the carrier's
home zone when the event is in the carrier's home country or names no country. The event is then
marked `time_inferred`. A time that cannot be read or placed raises `EventDefect`: that event is
refused (`carriers.base.RefusedEvent`), and the rest of the answer is used. `hours_offset` reads a
time zone written apart from the time, in hours (`+8`), as Yanwen's tracking API does.

The fast readers (`compact_datetime`, `offset_zone`) give exactly what `datetime.strptime` gives:
`strptime` costs several microseconds a call (a regex, the locale, a dict of fields); a carrier
answer has a time or two per event, so it dominated normalising UPS and USPS. These readers take
the common well-formed case directly and hand anything else to `strptime` itself, so results and
error messages stay the same, odd inputs included.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, PlainSerializer, ValidationError, WrapValidator
from pydantic_core import PydanticCustomError

from carriers.zones import COUNTRY_ZONES

COMPACT = "%Y%m%d%H%M%S"

# Why an event is refused: a bounded set, the `reason` label of the stream's refused-events counter.
#: The time is before 2000 or over a day after the record was received (BRIEF §5).
IMPLAUSIBLE_TIME = "implausible_time"
#: The time is there but is not a date and time.
UNREADABLE_TIME = "unreadable_time"
#: The event has no time at all.
NO_TIME = "no_time"
#: The time has no UTC offset and neither the event's country nor the carrier's home says the zone.
NO_ZONE = "no_zone"
#: Any other field of the event is missing or not what the carrier's format says.
INVALID_EVENT = "invalid_event"
#: The reasons that are about the event's time (dead-lettered at stage `event_time`; the rest at `event`).
TIME_REASONS = frozenset({IMPLAUSIBLE_TIME, UNREADABLE_TIME, NO_TIME, NO_ZONE})

_SPACED_OFFSET = re.compile(r"\s+(?=(?:Z|[+-]\d{2}(?::?\d{2})?)$)", re.IGNORECASE)


class EventDefect(ValueError):
    """One event cannot be used; `reason` is one of the reasons above, the message says why for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class HomeZone:
    """A carrier's home: where its times are read when the event's country has several zones or is not named.

    Each carrier says in a comment where the local time of its events is documented."""

    country: str
    zone: str

    @classmethod
    def of_country(cls, country: str | None) -> Self | None:
        """The home of a courier known by its country alone (an aggregator's reporting courier): that
        country's zone, where it has one civil time."""
        return cls(country, COUNTRY_ZONES[country]) if country in COUNTRY_ZONES else None


def read_time(text: str) -> datetime:
    """ISO-8601 (anything `datetime.fromisoformat` reads), also with a space before the offset
    (`2024-08-15 15:18:10 -0500`). Naive when the text has no offset. Raises `EventDefect`."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    joined = _SPACED_OFFSET.sub("", text.strip())
    try:
        return datetime.fromisoformat(joined)
    except ValueError:
        raise EventDefect(UNREADABLE_TIME, f"{text!r} is not a date and time") from None


def _carrier_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return read_time(value)
        except EventDefect as defect:
            raise PydanticCustomError(UNREADABLE_TIME, str(defect)) from None
    raise PydanticCustomError(UNREADABLE_TIME, "{value!r} is not a date and time", {"value": value})


def _unreadable_time(value: Any, handler: Any) -> Any:
    try:
        return handler(value)
    except ValidationError as error:
        message = "; ".join(item["msg"] for item in error.errors(include_url=False))
        raise PydanticCustomError(UNREADABLE_TIME, "{message}", {"message": message}) from None


#: Marks a field of another type that holds a time (Cainiao's epoch milliseconds): its errors are `unreadable_time`.
TIME_FIELD = WrapValidator(_unreadable_time)

#: A carrier's time as written: with its offset when it has one, naive when it has none (`resolve` places it).
CarrierTime = Annotated[datetime, BeforeValidator(_carrier_time), PlainSerializer(datetime.isoformat, return_type=str)]


def resolve(moment: datetime | None, country: str | None, home: HomeZone | None) -> tuple[datetime, bool]:
    """The event time with a UTC offset, and whether parcelwatch inferred it.

    A time with an offset is kept as it came. One without is read as the local time of the event
    (what carriers document for such times) in the zone of `country` when that country has one civil
    time (`carriers.zones`), else in the carrier's `home` zone when the event is in the home country
    or names none. The result has the fixed offset that zone had at that time. Raises `EventDefect`
    when there is no time, or no zone can be said (a multi-zone country other than the home).
    """
    if moment is None:
        raise EventDefect(NO_TIME, "the event has no time")
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return moment, False
    zone = COUNTRY_ZONES.get(country) if country else None
    if zone is None and home is not None and country in (None, home.country):
        zone = home.zone
    if zone is None:
        where = f"its country ({country}) has no single zone" if country else "the event names no country"
        raise EventDefect(NO_ZONE, f"time {moment.isoformat()} has no UTC offset and {where}")
    local = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.replace(tzinfo=offset_zone_of(local)), True


def offset_zone_of(moment: datetime) -> timezone:
    """The fixed-offset zone of an aware time's own offset."""
    return timezone(moment.utcoffset())


def at_offset(moment: datetime, zone: timezone) -> datetime:
    """`moment` written at `zone`, or as it came where `zone` cannot write it.

    Within a day of the calendar's ends (9999-12-31T23:59:59Z at +05:00 is in year 10000) the
    conversion overflows; the instant is the same either way, and such a time is refused as a scan
    by `carriers.base.normalise` rather than crashing the parse.
    """
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment


@lru_cache(maxsize=1024)
def offset_zone(text: str) -> timezone:
    """A UTC offset such as `-05:00` (anything `%z` reads) as a fixed-offset zone.

    Cached: carriers use a few dozen offsets, and the zone is immutable. A value `%z` refuses
    raises its `ValueError` (errors are not cached).
    """
    return timezone(datetime.strptime(text, "%z").utcoffset())


_HOURS_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?")


def hours_offset(text: str) -> timezone:
    """A UTC offset written in hours, as Chinese carriers write a time zone (`+8`, `+08`, `-05:00`, `+0530`),
    as a fixed-offset zone. Raises `EventDefect` (`INVALID_EVENT`) for anything else."""
    match = _HOURS_OFFSET.fullmatch(text.strip())
    span = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"] or 0)) if match else None
    if span is None or span >= timedelta(hours=24):
        raise EventDefect(INVALID_EVENT, f"{text!r} is not a UTC offset")
    return timezone(-span if match["sign"] == "-" else span)


def compact_datetime(text: str) -> datetime:
    """`YYYYMMDDHHMMSS` as a naive datetime: `datetime.strptime(text, "%Y%m%d%H%M%S")`, faster.

    Fourteen ASCII digits that make a valid date and time are read by slicing (for those,
    `strptime`'s pattern can only split the string one way). Anything else (other lengths, non-ASCII
    digits, out-of-range fields) goes to `strptime`, which answers or raises as it always did.
    """
    if len(text) == 14 and text.isascii() and text.isdigit():
        try:
            return datetime(
                int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]), int(text[12:14])
            )
        except ValueError:
            pass
    return datetime.strptime(text, COMPACT)
