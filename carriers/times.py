"""Fast readers for the time formats carriers send, each giving exactly what `datetime.strptime` gives.

`strptime` costs several microseconds a call (a regex, the locale, a dict of fields); a carrier
answer has a time or two per event, so it dominated normalising UPS and USPS. These readers take
the common well-formed case directly and hand anything else to `strptime` itself, so results and
error messages stay the same, odd inputs included.
"""

from datetime import datetime, timezone
from functools import lru_cache

COMPACT = "%Y%m%d%H%M%S"


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
