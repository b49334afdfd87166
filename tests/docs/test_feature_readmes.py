"""The pages of the delivery estimates and the seller scorecards list every setting as the code has it,
and the README's contract lists every topic, each page linked from the README and the rules' page."""

import re
from pathlib import Path

import pytest

from schemas.contract import TOPICS
from workers.settings import markdown_table

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "streams/eta/README.md": "PARCELWATCH_RULES__ETA__",
    "streams/sellers/README.md": "PARCELWATCH_RULES__SELLERS__",
}


def settings_rows(page: str) -> list[str]:
    return re.findall(r"^\| `PARCELWATCH_[A-Z_]+` \|.*\|$", (ROOT / page).read_text(), re.MULTILINE)


@pytest.mark.parametrize("page", PAGES)
def test_the_page_lists_its_settings_as_parcelwatch_settings_prints_them(page: str):
    expected = [row for row in markdown_table().splitlines() if row.startswith(f"| `{PAGES[page]}")]
    assert expected, f"no settings under {PAGES[page]}"
    assert settings_rows(page) == expected, f"{page}: copy these rows of `parcelwatch settings --markdown`"


@pytest.mark.parametrize("page", PAGES)
def test_the_page_is_linked_from_the_readme_and_the_rules_page(page: str):
    assert f"]({page})" in (ROOT / "README.md").read_text()
    relative = "../" + page.removeprefix("streams/")
    assert f"]({relative})" in (ROOT / "streams" / "rules" / "README.md").read_text()


def test_the_readme_contract_has_a_row_for_every_topic():
    readme = (ROOT / "README.md").read_text()
    contract = readme.split("## Topics (the contract)")[1].split("\n## ")[0]
    rows = set(re.findall(r"^\| `([a-z0-9.-]+)` \|", contract, re.MULTILINE))
    assert rows == {topic.name for topic in TOPICS}
