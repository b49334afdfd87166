"""`answer_parts`: the carrier's own split of an answer, kept for the numbers that were asked."""

import copy
from pathlib import Path

import orjson
import pytest

from carriers.base import PayloadInvalid
from workers.poller.answers import answer_parts

CARRIERS = Path(__file__).resolve().parents[2] / "carriers"


def fixture(folder: str, name: str) -> dict:
    return orjson.loads((CARRIERS / folder / "fixtures" / f"{name}.json").read_bytes())


def test_only_the_asked_numbers_parts_are_kept():
    answer = fixture("seventeentrack", "export_import")
    parts = answer_parts("17track", answer, ["LZ555666777CN", "RR000000000CN"])
    assert list(parts) == ["LZ555666777CN"]
    assert [entry["number"] for entry in parts["LZ555666777CN"]["data"]["accepted"]] == ["LZ555666777CN"]


def test_an_answer_to_one_number_that_also_names_another_holds_only_the_asked_ones_part():
    answer = fixture("ups", "delivered")
    (shipment,) = answer["trackResponse"]["shipment"]
    shipment["package"].append(copy.deepcopy(shipment["package"][0]) | {"trackingNumber": "1Z999AA10123456795"})
    ((number, part),) = answer_parts("ups", answer, ["1Z999AA10123456784"]).items()
    (kept,) = part["trackResponse"]["shipment"]
    assert number == "1Z999AA10123456784"
    assert [package["trackingNumber"] for package in kept["package"]] == [number]


def test_an_answer_about_no_asked_number_has_no_part():
    assert answer_parts("fedex", fixture("fedex", "delivered"), ["794600000000"]) == {}


def test_an_invalid_answer_is_refused():
    with pytest.raises(PayloadInvalid, match="module: Field required"):
        answer_parts("cainiao", {"success": True}, ["LP00412345678901", "LP00412345678902"])
