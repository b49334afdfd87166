"""The cadence as a table: a stage and a moment give the next poll, or a stop."""

from datetime import timedelta

import pytest

from schemas.status import Status
from tests.poller.conftest import NOW
from workers.poller.cadence import Stage, interval, next_poll, spread
from workers.settings import CadenceSettings

CADENCE = CadenceSettings()
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def stage(status: Status | None, shipped_days_ago: float = 3, unchanged_days: float = 1) -> Stage:
    return Stage(status, NOW - timedelta(days=shipped_days_ago), NOW - timedelta(days=unchanged_days))


@pytest.mark.parametrize(
    ("case", "at", "expected"),
    [
        ("registered, nothing yet", stage(None, 0, 0), 6 * HOUR),
        ("only a notice, day 10", stage(Status.INFO_RECEIVED, 10, 10), 6 * HOUR),
        ("unknown codes only, day 14", stage(Status.UNKNOWN, 14, 5), 6 * HOUR),
        ("no scan after R3's deadline", stage(None, 16, 16), 24 * HOUR),
        ("in transit", stage(Status.IN_TRANSIT), 12 * HOUR),
        ("export", stage(Status.EXPORT), 24 * HOUR),
        ("export for 45 days is still polled (R5)", stage(Status.EXPORT, 50, 45), 24 * HOUR),
        ("export silent for 90 days stops", stage(Status.EXPORT, 100, 90), None),
        ("import", stage(Status.IMPORT), HOUR),
        ("out for delivery", stage(Status.OUT_FOR_DELIVERY), HOUR),
        ("available for pickup", stage(Status.AVAILABLE_FOR_PICKUP, 20, 10), HOUR),
        ("failed delivery", stage(Status.DELIVERY_FAILED), HOUR),
        ("returning to sender", stage(Status.RETURNING_TO_SENDER), 12 * HOUR),
        ("exception", stage(Status.EXCEPTION), 12 * HOUR),
        ("delivered within the grace", stage(Status.DELIVERED, 10, 1), 12 * HOUR),
        ("delivered past the grace", stage(Status.DELIVERED, 10, 2), None),
        ("returned past the grace", stage(Status.RETURNED_TO_SENDER, 60, 3), None),
        ("in transit, unchanged 29 days", stage(Status.IN_TRANSIT, 40, 29), 12 * HOUR),
        ("in transit, unchanged 30 days (17TRACK's rule)", stage(Status.IN_TRANSIT, 40, 30), None),
        ("never scanned for 30 days", stage(None, 30, 30), None),
    ],
)
def test_interval_by_stage(case, at, expected):
    assert interval(at, NOW, CADENCE) == expected, case


def test_next_poll_is_the_interval_shortened_by_a_stable_jitter():
    at = stage(Status.IN_TRANSIT)
    first = next_poll("LP123456785CN", at, NOW, CADENCE)
    assert first == next_poll("LP123456785CN", at, NOW, CADENCE)
    assert NOW + 12 * HOUR * (1 - CADENCE.jitter) <= first <= NOW + 12 * HOUR
    assert first == NOW + 12 * HOUR * (1 - CADENCE.jitter * spread("LP123456785CN"))


def test_numbers_spread_over_the_jitter():
    at = stage(Status.IMPORT)
    moments = {next_poll(f"LP{i:09d}CN", at, NOW, CADENCE) for i in range(100)}
    assert len(moments) > 90


def test_stopped_numbers_have_no_next_poll():
    assert next_poll("LP123456785CN", stage(Status.DELIVERED, 10, 5), NOW, CADENCE) is None


def test_every_interval_is_a_setting():
    quick = CadenceSettings(unscanned_every_h=1, unscanned_fast_days=2, final_grace_days=0.5, jitter=0)
    assert interval(stage(None, 1, 1), NOW, quick) == HOUR
    assert interval(stage(None, 3, 1), NOW, quick) == 24 * HOUR
    assert interval(stage(Status.DELIVERED, 3, 0.6), NOW, quick) is None
    assert next_poll("X", stage(Status.IMPORT), NOW, quick) == NOW + HOUR
