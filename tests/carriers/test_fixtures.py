"""The carrier contract: every `carriers/*/fixtures/X.json` parses to `X.expected.json`, whole.

Adding a fixture adds a test. The expected file holds, per shipment, the canonical events and
the shipment-level status the same status function derives, and, when the adapter refused events
of it (each on its own: the rest of the answer is used), those events' code, reason and message.
"""

import json
from pathlib import Path

import pytest

from carriers.base import get_carrier, registry
from tests.carriers.corpus import shipment_status

CARRIERS = Path(__file__).resolve().parents[2] / "carriers"
FIXTURES = sorted(path for path in CARRIERS.glob("*/fixtures/*.json") if not path.name.endswith(".expected.json"))


def slug_of(folder: str) -> str:
    """The slug of the carrier in `carriers/<folder>/` (a slug such as `17track` is no package name)."""
    (slug,) = [slug for slug, carrier in registry().items() if type(carrier).__module__ == f"carriers.{folder}.adapter"]
    return slug


def canonical(slug: str, payload) -> list[dict]:
    shipments = []
    for shipment in get_carrier(slug).parse(payload):
        status = shipment_status(shipment)
        entry = {
            "tracking_number": shipment.tracking_number,
            "status": status.value if status else None,
            "events": [event.model_dump(mode="json") for event in shipment.events],
        }
        if shipment.refused:
            entry["refused"] = [{"code": r.code, "reason": r.kind, "message": r.reason} for r in shipment.refused]
        shipments.append(entry)
    return shipments


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_fixture_normalises_to_its_expected_output(path):
    slug = slug_of(path.parts[-3])
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    payload = json.loads(path.read_text())
    assert canonical(slug, payload) == expected
    assert get_carrier(slug).tracking_numbers(payload) == [s["tracking_number"] for s in expected]


def test_every_carrier_has_fixtures_with_expectations():
    for slug in registry():
        pairs = [p for p in FIXTURES if slug_of(p.parts[-3]) == slug]
        assert len(pairs) >= 3, f"{slug} needs at least three fixtures"
        assert all(p.with_suffix(".expected.json").exists() for p in pairs)
