"""Tracking-number detection: formats and check digits, one table per carrier.

Valid and invalid numbers are the test vectors published with the formats: jkeen/tracking_number_data
(MIT; `couriers/*.json` `test_numbers`), the npm `s10` package's tests (Unlicense), bwipp's UPU S10
examples, and UPS's documented test number 1Z999AA10123456784.
"""

import pytest

from carriers.detect import Candidate, clean, detect, gs1_mod10, s10_check_digit, s10_check_fails

VALID = [
    # UPU S10
    ("RB123456785GB", "upu"),
    ("RB123456785CV", "upu"),
    ("EB000717618HK", "upu"),
    ("EB000717595HK", "upu"),
    ("EE471108151FR", "upu"),
    ("RB123456785US", "usps"),
    ("RB123456785RU", "russianpost"),
    # UPS
    ("1Z999AA10123456784", "ups"),
    ("1Z5R89390357567127", "ups"),
    ("1Z879E930346834440", "ups"),
    ("1Z410E7W0392751591", "ups"),
    ("1Z8V92A70367203024", "ups"),
    # FedEx
    ("986578788855", "fedex"),
    ("477179081230", "fedex"),
    ("799531274483", "fedex"),
    ("974367662710", "fedex"),
    ("0414 4176 0228 964", "fedex"),
    ("5682 8361 0012 734", "fedex"),
    ("9611020987654312345672", "fedex"),
    ("1001921334250001000300779017972697", "fedex"),
    ("1002297871540001000300790695517286", "fedex"),
    ("9622001560000000000000794808390594", "fedex"),
    ("61299998820821171811", "fedex"),
    # USPS
    ("9400 1112 0108 0805 4830 16", "usps"),
    ("9505 5110 6960 5048 6006 24", "usps"),
    ("9361 2898 7870 0317 6337 95", "usps"),
    ("9405803699300124287899", "usps"),
    ("92748931507708513018050063", "usps"),
    ("420 22153 9101026837331000039521", "usps"),
    ("4201028200009261290113185417468510", "usps"),
    ("0307 1790 0005 2348 3741", "usps"),
    ("7196 9010 7560 0307 7385", "usps"),
    # DHL
    ("3318810025", "dhl"),
    ("73891051146", "dhl"),
    ("8487135506", "dhl"),
    ("JJD0099999999", "dhl"),
    ("JVGL0999999990", "dhl"),
    ("GM2951173225174494", "dhl"),
    # Cainiao (format only)
    ("LP00000000000", "cainiao"),
]


@pytest.mark.parametrize(("number", "carrier"), VALID)
def test_a_valid_number_is_detected_for_its_carrier(number, carrier):
    candidates = detect(number)
    mine = [c for c in candidates if c.carrier == carrier]
    assert mine, candidates
    assert mine[0].valid_check_digit in (True, None)
    assert 0 < mine[0].confidence <= 1


INVALID = [
    ("996578788855", "fedex"),
    ("5682 8361 0012 732", "fedex"),
    ("1001901781990001000300617767839438", "fedex"),
    ("9600000000000000000001", "fedex"),
    ("9622001560001234567100794808390595", "fedex"),
    ("0307 1790 0005 2348 3742", "usps"),
    ("9200000000000000000000", "usps"),
    ("4201028200009261290113185417468511", "usps"),
    ("3318810010", "dhl"),
    ("3318810034", "dhl"),
    ("3318810011", "dhl"),
    ("XJD0099999998", "dhl"),
]


@pytest.mark.parametrize(("number", "carrier"), INVALID)
def test_an_all_digit_number_failing_its_check_is_not_that_carrier(number, carrier):
    assert [c for c in detect(number) if c.carrier == carrier] == []


@pytest.mark.parametrize(
    ("number", "expected_check"),
    [("RB123456786US", 5), ("EB000717594HK", 5), ("EB000717535HK", 3), ("LP123456784CN", 5)],
)
def test_an_s10_number_with_a_wrong_check_digit_is_answered_flagged(number, expected_check):
    candidates = detect(number)
    assert candidates and all(c.format == "s10" and c.valid_check_digit is False for c in candidates)
    assert f"expected {expected_check}" in candidates[0].reason
    assert s10_check_fails(number)


def test_a_ups_number_with_a_wrong_check_digit_is_answered_flagged():
    (candidate,) = detect("1Z999AA10123456785")
    assert candidate == Candidate(
        "ups", 0.5, "ups_1z", "UPS 1Z number; check digit is wrong (expected 4)", valid_check_digit=False
    )
    assert detect("1Z1111111111111111")[0].valid_check_digit is False


def test_s10_check_digit_follows_the_upu_weights_and_its_two_special_cases():
    assert s10_check_digit("12345678") == 5  # 8·1+6·2+4·3+2·4+3·5+5·6+9·7+7·8 = 204; 11 - 204 % 11 = 5
    assert s10_check_digit("00071761") == 8
    assert s10_check_digit("96633102") == 0  # 11 - 1 = 10 → 0
    assert s10_check_digit("00071758") == 1
    assert s10_check_digit("00000000") == 5  # 11 - 0 = 11 → 5


def test_an_s10_number_names_the_country_and_prefers_the_national_adapter():
    russian = detect("RB123456785RU")
    assert [(c.carrier, c.confidence, c.country) for c in russian] == [("russianpost", 0.95, "RU"), ("upu", 0.9, "RU")]
    assert "registered letter post (RB), issued in RU; check digit holds" in russian[0].reason
    chinese = detect("LP123456785CN")
    assert [c.carrier for c in chinese] == ["upu", "cainiao"]


@pytest.mark.parametrize("number", ["RB123456785XX", "JB123456785GB", "WB123456785GB", "RB12345678GB", ""])
def test_a_number_outside_s10_is_not_s10(number):
    assert [c for c in detect(number) if c.format == "s10"] == []
    assert not s10_check_fails(number)


def test_candidates_are_sorted_by_confidence_then_carrier():
    assert [(c.carrier, c.confidence) for c in detect("RB123456785US")] == [("usps", 0.95), ("upu", 0.9)]
    assert [(c.carrier, c.format) for c in detect("9261292700768711948021")] == [("usps", "usps_impb")]


def test_numbers_are_cleaned_of_spaces_dashes_and_case():
    assert clean(" rb 1234-5678 5gb ") == "RB123456785GB"
    assert [c.carrier for c in detect("rb 123 456 785 gb")] == ["royalmail", "upu"]


def test_gs1_mod10_puts_weight_three_next_to_the_check_digit():
    assert gs1_mod10("940011120108080548301") == 6
    assert gs1_mod10("7") == 9  # 3·7 = 21 → 10 - 1


def test_an_unknown_shape_has_no_candidate():
    assert detect("HELLO-WORLD") == []
    assert detect("12345") == []
