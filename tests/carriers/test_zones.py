"""The single-zone country table (`carriers/zones.py`) is what its rule gives over the installed tz database."""

import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from carriers.zones import DOCUMENTED_EXCEPTIONS, SINGLE_ZONE_COUNTRIES


def zone_tab() -> Path | None:
    return next((Path(root) / "zone.tab" for root in zoneinfo.TZPATH if (Path(root) / "zone.tab").exists()), None)


@pytest.mark.skipif(zone_tab() is None, reason="no zone.tab in the tz database paths")
def test_the_table_is_the_rule_over_zone_tab():
    zones: dict[str, list[str]] = {}
    for line in zone_tab().read_text().splitlines():
        if line and not line.startswith("#"):
            country, _, zone, *_ = line.split("\t")
            zones.setdefault(country, []).append(zone)
    weeks = [datetime(2000, 1, 1, tzinfo=UTC) + timedelta(weeks=n) for n in range(52 * 38)]

    def one_time(names: list[str]) -> bool:
        first = ZoneInfo(names[0])
        return all(
            w.astimezone(ZoneInfo(z)).utcoffset() == w.astimezone(first).utcoffset() for z in names[1:] for w in weeks
        )

    assert SINGLE_ZONE_COUNTRIES == {country: names[0] for country, names in sorted(zones.items()) if one_time(names)}
    assert set(DOCUMENTED_EXCEPTIONS).isdisjoint(SINGLE_ZONE_COUNTRIES)
