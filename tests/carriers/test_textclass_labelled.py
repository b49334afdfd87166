"""The text fallback on the labelled real descriptions (`carriers/textclass/labelled/`, see its SOURCES.md).

The set was split once, by a hash of the text, into a tuning and a test part; phrases were tuned on the
tuning part only. The figures asserted here are the test part's, measured once after tuning:
192 of 225 clear descriptions right (85.3 %: below the 90 % aimed at, and asserted as reached), 29
abstained (12.9 %), 4 wrong (3 in_transit, 1 out_for_delivery), no false `delivered` and no false
`returned_to_sender`. `python -m carriers.textclass.evaluate test` prints them with the precision per
status.
"""

import hashlib

import pytest

from carriers.textclass.evaluate import COSTLY, UNCLEAR, evaluate, load
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


def test_on_the_test_part_nothing_is_falsely_delivered_or_returned_and_most_clear_texts_are_right(test):
    figures = evaluate(test)
    assert {status: figures.false[status] for status in COSTLY} == {status: 0 for status in COSTLY}
    assert figures.clear >= 200
    assert figures.accuracy >= 0.85  # reached: 0.853; the aim was 0.90 (see the module docstring)
    assert figures.abstain_rate <= 0.15
    for status in Status:
        precision = figures.precision(status)
        assert precision is None or precision >= 0.85, (status, precision)


def test_a_pickup_point_delivery_in_the_set_is_never_delivered(tune, test):
    texts = [row["text"] for row in tune + test if row["label"] == Status.AVAILABLE_FOR_PICKUP]
    figures = evaluate([{"text": text, "label": Status.AVAILABLE_FOR_PICKUP.value} for text in texts])
    assert figures.false[Status.DELIVERED] == 0
