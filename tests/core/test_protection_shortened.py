"""R1 as a table of short histories run through `replay`, the same code the stream runs."""

from datetime import timedelta

import pytest

from schemas.types import format_utc
from streams.rules.settings import RuleSettings
from tests.core.helpers import day, lines, registered, scans
from workers.replay import replay

TN = "LP000000014CN"


def adjustments(history, settings=RuleSettings()):
    return [o for o in replay(lines(*history), settings) if o.topic == "protection.adjustments.v1"]


def test_delivery_scan_cuts_protection_to_five_days_after_it():
    out = adjustments([registered(TN), scans(TN, ("export", day(3)), ("delivered", day(20)))])
    assert len(out) == 1
    assert out[0].type == "protection_shortened"
    assert out[0].order_id == "o-1"
    assert out[0].delivered_at == day(20)
    assert out[0].protection_ends_at == day(25)
    assert out[0].previous_ends_at == day(60)


@pytest.mark.parametrize(
    ("name", "history", "expected_ends"),
    [
        (
            "late old scan after delivery keeps it delivered",
            [registered(TN), scans(TN, ("delivered", day(20))), scans(TN, ("in_transit", day(10)), at=day(21))],
            [day(25)],
        ),
        (
            "duplicate delivery push fires once",
            [registered(TN), scans(TN, ("delivered", day(20))), scans(TN, ("delivered", day(20)), at=day(20.5))],
            [day(25)],
        ),
        (
            "out-of-order: delivery arrives before the earlier scans",
            [
                registered(TN),
                scans(TN, ("delivered", day(20))),
                scans(TN, ("export", day(3)), ("import", day(15)), at=day(21)),
            ],
            [day(25)],
        ),
        (
            "never lengthened: protection already ends sooner",
            [registered(TN, protection_days=22), scans(TN, ("delivered", day(20)))],
            [],
        ),
        (
            "no delivery, no adjustment",
            [registered(TN), scans(TN, ("export", day(3)), ("out_for_delivery", day(19)))],
            [],
        ),
        (
            "information notice after delivery does not undo it",
            [registered(TN), scans(TN, ("delivered", day(20))), scans(TN, ("info_received", day(22)))],
            [day(25)],
        ),
        (
            "receipt confirmed first: order closed, nothing raised",
            [
                registered(TN),
                {
                    "at": day(19).isoformat(),
                    "topic": "orders.shipments.v1",
                    "key": TN,
                    "value": {
                        "type": "receipt_confirmed",
                        "order_id": "o-1",
                        "tracking_number": TN,
                        "at": day(19).isoformat(),
                    },
                },
                scans(TN, ("delivered", day(20))),
            ],
            [],
        ),
        (
            "after protection ended nothing is raised",
            [registered(TN, protection_days=30), scans(TN, ("delivered", day(20)), at=day(31))],
            [],
        ),
    ],
)
def test_protection_shortened_table(name, history, expected_ends):
    out = adjustments(history)
    assert [o.protection_ends_at for o in out] == expected_ends, name
    assert all(o.type == "protection_shortened" for o in out)


def test_registered_after_delivery_shortens_at_registration():
    history = [scans(TN, ("delivered", day(20)), at=day(20)), registered(TN, at=day(21))]
    out = adjustments(history)
    assert [(o.type, o.protection_ends_at) for o in out] == [("protection_shortened", day(25))]


def test_each_order_on_a_shared_number_gets_its_own_adjustment():
    out = adjustments([registered(TN, "o-1"), registered(TN, "o-2"), scans(TN, ("delivered", day(20)))])
    assert sorted(o.order_id for o in out) == ["o-1", "o-2"]
    assert len({o.event_id for o in out}) == 2


def test_later_scan_contradicting_delivery_restores_protection():
    out = adjustments(
        [
            registered(TN),
            scans(TN, ("delivered", day(20))),
            scans(TN, ("returning_to_sender", day(23))),
        ]
    )
    assert [o.type for o in out] == ["protection_shortened", "protection_restored"]
    restored = out[1]
    assert restored.previous_ends_at == day(25)
    assert restored.protection_ends_at == day(60)
    assert restored.delivered_at == day(20)


def test_setting_changes_the_window():
    out = adjustments([registered(TN), scans(TN, ("delivered", day(20)))], RuleSettings(delivered_protection_days=3))
    assert out[0].protection_ends_at == day(20) + timedelta(days=3)


def test_same_history_gives_same_event_ids():
    history = [registered(TN), scans(TN, ("delivered", day(20)))]
    first = [o.event_id for o in replay(lines(*history), RuleSettings())]
    second = [o.event_id for o in replay(lines(*history), RuleSettings())]
    assert first == second and len(first) >= 2


def test_status_changes_are_emitted_once_per_change():
    outputs = list(
        replay(
            lines(
                registered(TN),
                scans(TN, ("export", day(3))),
                scans(TN, ("export", day(3)), at=day(4)),
                scans(TN, ("import", day(15))),
            ),
            RuleSettings(),
        )
    )
    changed = [o for o in outputs if o.topic == "shipments.status.v1"]
    assert [(o.previous_status, o.status) for o in changed] == [(None, "export"), ("export", "import")]
    assert format_utc(changed[0].occurred_at) == "2026-03-04T00:00:00Z"
