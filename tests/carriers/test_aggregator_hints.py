"""The carrier hints the aggregators are registered with: a code for a carrier parcelwatch tracks."""

from collections.abc import Mapping

import pytest

from carriers.aftership.registration import SLUGS
from carriers.base import get_carrier, registry
from carriers.seventeentrack.carriers import CARRIER_KEYS
from carriers.trackingmore.registration import COURIERS

AGGREGATORS = {"17track", "aftership", "ship24", "trackingmore"}


@pytest.mark.parametrize("table", [CARRIER_KEYS, SLUGS, COURIERS], ids=["17track", "aftership", "trackingmore"])
def test_every_hint_is_for_a_carrier_parcelwatch_has(table: Mapping[str, str]) -> None:
    assert table
    assert set(table) <= set(registry()) - AGGREGATORS - {"generic", "sandbox", "upu"}


@pytest.mark.parametrize(
    ("aggregator", "slug", "code"),
    [
        ("17track", "canadapost", "3041"),
        ("17track", "dhl_parcel_de", "7041"),
        ("17track", "mydhl", "100001"),
        ("aftership", "correios", "brazil-correios"),
        ("aftership", "inpost", "inpost-paczkomaty"),
        ("trackingmore", "postnl", "postnl-parcels"),
        ("trackingmore", "gls", None),
        ("17track", "upu", None),
    ],
)
def test_a_carrier_is_hinted_with_the_aggregators_code(aggregator: str, slug: str, code: str | None) -> None:
    assert get_carrier(aggregator).aggregator_code(slug) == code
