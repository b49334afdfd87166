"""The fast time readers give exactly what `datetime.strptime` gives: the same value, or the same error."""

from datetime import datetime, timezone

import pytest

from carriers.times import COMPACT, compact_datetime, offset_zone


def strptime_outcome(text: str, fmt: str):
    try:
        return datetime.strptime(text, fmt)
    except ValueError as error:
        return ("ValueError", str(error))


def outcome(read, text: str):
    try:
        return read(text)
    except ValueError as error:
        return ("ValueError", str(error))


@pytest.mark.parametrize(
    "text",
    [
        "20260305143212",
        "20240229235959",  # leap day
        "00010101000000",
        "99991231235959",
        "20260101000000",
        "20230229120000",  # no leap day: day out of range
        "20260230143212",
        "20261305095004",  # month 13: strptime splits it another way and leaves digits over
        "20260001000000",
        "20260100000000",
        "20260101240000",
        "20260101236000",
        "20260101235960",  # %S reads 60, datetime refuses it
        "20260101235961",
        "00000101000000",  # year 0
        "\u0662\u0660\u0662\u06660101000000",  # %Y takes any Unicode digits
        "202601010000\u0660\u0660",
        "2026010100000",  # 13 characters
        "202601010000000",  # 15
        "2026-01-01T00:",
        " 2026010100000",
        "+2026010100000",
        "",
    ],
)
def test_compact_datetime_is_strptime(text):
    assert outcome(compact_datetime, text) == strptime_outcome(text, COMPACT)


@pytest.mark.parametrize(
    "text",
    [
        "-05:00",
        "+08:00",
        "+05:30",
        "+05:45",
        "-00:00",
        "+00:00",
        "+13:45",
        "-12:00",
        "+23:59",
        "-23:59",
        "+24:00",
        "+05:60",
        "Z",
        "+0530",
        "+05:30:15",
        "EST",
        "+\u0660\u0665:30",
        "+05:3\u0660",
        "",
    ],
)
def test_offset_zone_is_strptimes_offset(text):
    expected = strptime_outcome(text, "%z")
    if isinstance(expected, datetime):
        try:
            expected = timezone(expected.utcoffset())
        except ValueError as error:
            expected = ("ValueError", str(error))
    assert outcome(offset_zone, text) == expected
    assert outcome(offset_zone, text) == expected, "the cached answer is the same"


def test_offset_zones_are_cached():
    assert offset_zone("-05:00") is offset_zone("-05:00")
