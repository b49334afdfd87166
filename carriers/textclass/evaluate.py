"""How right the text fallback is on the labelled descriptions of `labelled/` (see its SOURCES.md).

`evaluate(rows)` is pure: it classifies every row and counts, over the rows whose meaning is clear
(a canonical status, not `unclear`), how many were right, wrong (by the status given) or abstained
(`unknown`), the precision of every status answered, the right answers per language, and the two
mistakes that cost a buyer money: a false `delivered` (it cuts the protection window, R1) and a false
`returned_to_sender`.
A false answer on an `unclear` row counts as false too: only abstaining is safe there.

    python -m carriers.textclass.evaluate [tune|test]     (default: test)

prints those figures. Tune phrases on `tune.jsonl` only; `test.jsonl` is for the final figures.
"""

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from carriers.textclass import TEXT_THRESHOLD, classify
from schemas.status import Status

LABELLED = Path(__file__).parent / "labelled"
UNCLEAR = "unclear"

#: Answers that are never safe when false (BRIEF R1, R10).
COSTLY = (Status.DELIVERED, Status.RETURNED_TO_SENDER)


@dataclass(frozen=True, slots=True)
class Miss:
    text: str
    label: str
    answer: str


@dataclass(frozen=True)
class Figures:
    rows: int
    clear: int
    right: int
    abstained: int
    wrong: Counter = field(default_factory=Counter)
    """Wrong answers on clear rows, by the status answered."""
    false: Counter = field(default_factory=Counter)
    """Answers (on clear or unclear rows) that differ from the label, by the status answered."""
    answered: Counter = field(default_factory=Counter)
    """Non-`unknown` answers by status, over all rows."""
    unclear_answered: int = 0
    misses: tuple[Miss, ...] = ()
    by_language: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per language: (right, clear)."""

    @property
    def accuracy(self) -> float:
        """Right answers over the rows whose meaning is clear (an abstention counts as not right)."""
        return self.right / self.clear if self.clear else 0.0

    @property
    def abstain_rate(self) -> float:
        return self.abstained / self.clear if self.clear else 0.0

    def precision(self, status: Status) -> float | None:
        answered = self.answered[status]
        return None if not answered else (answered - self.false[status]) / answered


def load(part: str) -> list[dict]:
    with (LABELLED / f"{part}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def evaluate(rows: list[dict], threshold: float = TEXT_THRESHOLD) -> Figures:
    clear = right = abstained = unclear_answered = 0
    wrong: Counter = Counter()
    false: Counter = Counter()
    answered: Counter = Counter()
    misses: list[Miss] = []
    by_language: dict[str, tuple[int, int]] = {}
    for row in rows:
        answer = classify(row["text"], threshold).status
        label = row["label"]
        if answer is not Status.UNKNOWN:
            answered[answer] += 1
            if answer != label:
                false[answer] += 1
        if label == UNCLEAR:
            if answer is not Status.UNKNOWN:
                unclear_answered += 1
                misses.append(Miss(row["text"], label, answer))
            continue
        clear += 1
        language_right, language_clear = by_language.get(row["language"], (0, 0))
        by_language[row["language"]] = (language_right + (answer == label), language_clear + 1)
        if answer == label:
            right += 1
        elif answer is Status.UNKNOWN:
            abstained += 1
            misses.append(Miss(row["text"], label, answer))
        else:
            wrong[answer] += 1
            misses.append(Miss(row["text"], label, answer))
    return Figures(
        len(rows), clear, right, abstained, wrong, false, answered, unclear_answered, tuple(misses), by_language
    )


def report(figures: Figures) -> str:
    lines = [
        f"rows {figures.rows}, clear {figures.clear}: right {figures.right} ({figures.accuracy:.1%}), "
        f"abstained {figures.abstained} ({figures.abstain_rate:.1%}), wrong {sum(figures.wrong.values())}",
        f"unclear rows answered (not abstained): {figures.unclear_answered}",
        "false " + ", ".join(f"{status}: {figures.false[status]}" for status in COSTLY),
        "wrong by status answered: " + (", ".join(f"{s}: {n}" for s, n in sorted(figures.wrong.items())) or "none"),
        "precision by status answered:",
    ]
    for status in Status:
        precision = figures.precision(status)
        if precision is not None:
            lines.append(f"  {status:<22} {precision:6.1%}  of {figures.answered[status]}")
    lines.append("right by language (of clear):")
    for language, (right, clear) in sorted(figures.by_language.items()):
        lines.append(f"  {language:<22} {right / clear:6.1%}  {right} of {clear}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    part = argv[0] if argv else "test"
    if part not in ("tune", "test"):
        print("usage: python -m carriers.textclass.evaluate [tune|test]", file=sys.stderr)
        return 2
    print(report(evaluate(load(part))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
