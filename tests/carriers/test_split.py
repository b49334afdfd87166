"""`Carrier.split`: a payload cut into one payload per number, each in the carrier's own format and
parsing back to that number's shipment alone. Every fixture of every carrier is split; adding a
fixture adds a case."""

import copy
import json
import re
from collections import Counter

import pytest

from carriers.base import PayloadInvalid, get_carrier, normalise
from tests.carriers.test_fixtures import FIXTURES, slug_of


def events_of(slug: str, payload) -> Counter:
    return Counter(event.model_dump_json() for shipment in normalise(slug, payload) for event in shipment.events)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_every_fixture_splits_into_parts_that_parse_to_their_number_alone(path):
    slug = slug_of(path.parts[-3])
    carrier = get_carrier(slug)
    payload = json.loads(path.read_text())
    parts = carrier.split(payload)
    assert list(parts) == list(dict.fromkeys(carrier.tracking_numbers(payload)))
    for number, part in parts.items():
        assert carrier.tracking_numbers(part) == [number]
        assert [shipment.tracking_number for shipment in normalise(slug, part)] == [number]
    assert sum((events_of(slug, part) for part in parts.values()), Counter()) == events_of(slug, payload)


def fixture(folder: str, name: str):
    return json.loads((FIXTURES[0].parents[2] / folder / "fixtures" / f"{name}.json").read_text())


def test_a_17track_answer_part_keeps_the_envelope_with_only_its_number_and_nothing_rejected():
    answer = fixture("seventeentrack", "export_import")
    answer["data"]["rejected"] = [{"number": "XX000000000CN", "error": {"code": -18019902}}]
    parts = get_carrier("17track").split(answer)
    for number, part in parts.items():
        assert part["code"] == answer["code"]
        assert [entry["number"] for entry in part["data"]["accepted"]] == [number]
        assert part["data"]["rejected"] == []


def test_a_17track_push_is_kept_whole():
    push = fixture("seventeentrack", "delivered")
    assert get_carrier("17track").split(push) == {"RB123456785CN": push}


def test_a_upu_message_part_keeps_its_items_records_in_order():
    message = fixture("upu", "two_items_unmapped_codes")
    part = get_carrier("upu").split(message)["RR246801357CN"]
    assert [record["event_code"] for record in part["events"]] == ["EMA", "EXA", "EXB", "EXX"]


def test_a_cainiao_answer_part_keeps_the_envelope():
    answer = fixture("cainiao", "batch_with_unknown_number")
    parts = get_carrier("cainiao").split(answer)
    assert {number: (part["success"], len(part["module"])) for number, part in parts.items()} == {
        "LP00412345678905": (True, 1),
        "LP00412345678906": (True, 1),
    }


def test_an_aftership_list_of_two_numbers_is_split_and_one_number_under_two_couriers_stays_together():
    answer = fixture("aftership", "list_answer_returned")
    (tracking,) = answer["data"]["trackings"]
    other = copy.deepcopy(tracking) | {"tracking_number": "LP000000001CN"}
    same_elsewhere = copy.deepcopy(tracking) | {"slug": "china-ems"}
    answer["data"]["trackings"] = [tracking, other, same_elsewhere]
    parts = get_carrier("aftership").split(answer)
    assert {number: len(part["data"]["trackings"]) for number, part in parts.items()} == {
        "RX246813579CN": 2,
        "LP000000001CN": 1,
    }
    assert parts["RX246813579CN"]["meta"] == answer["meta"]


def test_dhl_shipments_of_one_id_under_two_services_stay_together():
    answer = fixture("dhl", "delivered")
    (shipment,) = answer["shipments"]
    answer["shipments"] = [shipment, copy.deepcopy(shipment) | {"service": "express"}]
    (part,) = get_carrier("dhl").split(answer).values()
    assert part == answer


def test_a_ups_shipment_of_two_packages_is_split_per_package_number():
    answer = fixture("ups", "delivered")
    (shipment,) = answer["trackResponse"]["shipment"]
    (package,) = shipment["package"]
    second = copy.deepcopy(package) | {"trackingNumber": "1Z999AA10123456795"}
    shipment["package"] = [package, second]
    parts = get_carrier("ups").split(answer)
    assert list(parts) == ["1Z999AA10123456784", "1Z999AA10123456795"]
    for number, part in parts.items():
        (kept,) = part["trackResponse"]["shipment"]
        assert kept["inquiryNumber"] == shipment["inquiryNumber"]
        assert [p["trackingNumber"] for p in kept["package"]] == [number]


def test_a_payload_about_no_number_has_no_part():
    assert get_carrier("russianpost").split(fixture("russianpost", "empty_history")) == {}
    assert get_carrier("17track").split({"code": 0, "data": {"rejected": [{"number": "X"}]}}) == {}


def test_a_format_that_cannot_be_split_refuses_a_payload_about_several_numbers():
    answer = fixture("russianpost", "delivered")
    other = answer.replace("<ns3:Barcode>RA123456785CN</ns3:Barcode>", "<ns3:Barcode>RB000000014CN</ns3:Barcode>", 1)
    message = (
        "the payload is about 2 numbers (RB000000014CN, RA123456785CN) and the russianpost format cannot be split"
        " per number"
    )
    with pytest.raises(PayloadInvalid, match=f"^{re.escape(message)}$"):
        get_carrier("russianpost").split(other)


def test_an_invalid_payload_is_refused_naming_the_field():
    with pytest.raises(PayloadInvalid, match="output.completeTrackResults: Field required"):
        get_carrier("fedex").split({"output": {}})
