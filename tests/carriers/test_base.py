import pytest
from pydantic import BaseModel

from carriers.base import PayloadInvalid, StatusTable, customs_direction, validate
from schemas.status import Status


@pytest.mark.parametrize(
    ("country", "expected"),
    [("ES", Status.IMPORT), ("CN", Status.EXPORT), ("DE", None), (None, None)],
)
def test_customs_direction_follows_the_country_of_the_event(country, expected):
    assert customs_direction(country, origin="CN", destination="ES") == expected


class Shape(BaseModel):
    number: str
    count: int


def test_validate_names_every_failing_field():
    assert validate(Shape, {"number": "X", "count": 2}) == Shape(number="X", count=2)
    with pytest.raises(PayloadInvalid, match=r"^number: Field required; count: Input should be a valid integer"):
        validate(Shape, {"count": "two"})


def test_a_status_table_reads_a_missing_code_as_unknown_and_refuses_an_empty_one():
    table = StatusTable({Status.DELIVERED: {"DL"}, Status.IN_TRANSIT: {"TR"}})
    assert [table.status(code) for code in ("DL", "TR", "XX", "", None)] == [
        Status.DELIVERED,
        Status.IN_TRANSIT,
        Status.UNKNOWN,
        Status.UNKNOWN,
        Status.UNKNOWN,
    ]
    with pytest.raises(ValueError, match="an empty code mapped to delivered"):
        StatusTable({Status.DELIVERED: {""}})
    with pytest.raises(ValueError, match="code 'DL' mapped to both"):
        StatusTable({Status.DELIVERED: {"DL"}, Status.IN_TRANSIT: {"DL"}})
