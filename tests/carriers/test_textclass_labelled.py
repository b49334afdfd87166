"""The text fallback on the labelled real descriptions (`carriers/textclass/labelled/`, see its SOURCES.md).

Every row is in the part a hash of its text names, so rows added later are fresh held-out rows; phrases
were tuned on the tuning part only. The figures asserted here are the test part's as last measured
(2,292 rows, test part 785): 465 of 611 clear descriptions right (76.1 %: the 90 % aimed at is not
reached), 128 abstained (20.9 %), 18 wrong (11 in_transit, 2 delivered, 2 exception, 2 returning_to_sender,
1 out_for_delivery), 3 false `delivered` (issue 12 asks for none: the expected failure below) and no
false `returned_to_sender`; the lowest precision, in_transit's, 84.2 %. `python -m carriers.textclass.evaluate
test` prints them with the precision per status and the right answers per language.
"""

import hashlib

import pytest

from carriers.textclass.evaluate import UNCLEAR, evaluate, load
from schemas.status import Status

LANGUAGES = {"en", "zh", "ru", "es", "pt", "fr", "de"}
LABELS = {status.value for status in Status} - {Status.UNKNOWN.value} | {UNCLEAR}


@pytest.fixture(scope="module")
def tune() -> list[dict]:
    return load("tune")


@pytest.fixture(scope="module")
def test() -> list[dict]:
    return load("test")


def in_test_part(text: str) -> bool:
    """The split rule, fixed before any tuning (SOURCES.md)."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % 3 == 0


def test_every_row_is_in_the_part_the_split_rule_names(tune, test):
    assert not any(in_test_part(row["text"]) for row in tune)
    assert all(in_test_part(row["text"]) for row in test)
    assert not {row["text"] for row in tune} & {row["text"] for row in test}


def test_the_set_is_large_labelled_sourced_and_covers_the_seven_languages(tune, test):
    rows = tune + test
    assert len(rows) >= 400
    assert {row["language"] for row in rows} == LANGUAGES | {"code"}
    assert {row["label"] for row in rows} <= LABELS
    assert all(row["text"].strip() and row["source"] and row["licence"] for row in rows)


def test_on_the_test_part_nothing_is_falsely_returned_and_most_clear_texts_are_right(test):
    figures = evaluate(test)
    assert figures.false[Status.RETURNED_TO_SENDER] == 0
    assert figures.false[Status.DELIVERED] <= 3  # measured: 3; the aim is none (the next test)
    assert figures.clear >= 600
    assert figures.accuracy >= 0.76  # measured: 0.761; the aim is 0.90 (see the module docstring)
    assert figures.abstain_rate <= 0.21
    for status in Status:
        precision = figures.precision(status)
        assert precision is None or precision >= 0.84, (status, precision)


@pytest.mark.xfail(strict=True, reason="3 of the 785 held-out descriptions are read as delivered (issue 12 asks for 0)")
def test_on_the_test_part_nothing_is_falsely_delivered(test):
    assert evaluate(test).false[Status.DELIVERED] == 0


def test_on_the_tuning_part_nothing_is_falsely_delivered_or_returned(tune):
    figures = evaluate(tune)
    assert (figures.false[Status.DELIVERED], figures.false[Status.RETURNED_TO_SENDER]) == (0, 0)


def pickup_point_deliveries_read_as_delivered(rows: list[dict]) -> int:
    return evaluate([row for row in rows if row["label"] == Status.AVAILABLE_FOR_PICKUP]).false[Status.DELIVERED]


def test_a_pickup_point_delivery_in_the_tuning_part_is_never_delivered(tune):
    assert pickup_point_deliveries_read_as_delivered(tune) == 0


@pytest.mark.xfail(
    strict=True, reason="a held-out pickup-point description is among the 3 read as delivered (issue 12 asks for 0)"
)
def test_a_pickup_point_delivery_in_the_test_part_is_never_delivered(test):
    assert pickup_point_deliveries_read_as_delivered(test) == 0
