"""`streams/rules/README.md` shows the rule pipeline as `streams.rules.RULES` is, and documents every rule."""

import re
from pathlib import Path

from streams.rules import RULES, table

README = (Path(__file__).resolve().parents[2] / "streams" / "rules" / "README.md").read_text(encoding="utf-8")


def test_the_readme_holds_the_pipeline_table_as_the_list_gives_it():
    assert table() in README, "regenerate it with `python -m streams.rules` and paste it into the README"


def test_every_rule_has_one_module_named_for_it_and_a_row_in_the_trigger_table():
    labels = [rule.label for rule in RULES]
    assert len(labels) == len(set(labels)), "one entry per rule"
    documented = set(re.findall(r"^\| (R\d+) \|", README, re.MULTILINE))
    assert documented == {f"R{n}" for n in range(1, 17)}
    for rule in RULES:
        module = rule.check.__module__.rpartition(".")[2]
        assert module.startswith(f"r{int(rule.label[1:]):02d}_"), f"{rule.label} lives in {module}"
