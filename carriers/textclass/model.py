"""The text fallback's model: the status a description's character n-grams make most likely, for the descriptions
whose phrases say nothing (`classify` abstains on them).

A softmax regression over the character n-grams (1 to `NMAX` characters, within a word and its edges: ` ab`, `ab `)
of the folded text, each present n-gram weighing 1/√n for n known ones. Its classes are the canonical statuses and
`unclear` (the text alone says none); its weights, in thousandths, are in `model.json`, trained on
`labelled/tune.jsonl` alone by `python -m carriers.textclass.train` (`train.py` says how; every choice was made by
cross-validation inside the tuning part). It answers only at `MODEL_THRESHOLD` or above, and never `delivered` or
`returned_to_sender`: on fresh wording its probabilities of those did not tell a false one from a true one.
"""

import json
import math
from functools import cache
from pathlib import Path

from schemas.status import Status

MODEL = Path(__file__).parent / "model.json"

#: The longest n-gram, in characters.
NMAX = 4

#: The least probability at which the model's status is taken.
MODEL_THRESHOLD = 0.7

#: The class of descriptions that say no status.
UNCLEAR = "unclear"

#: What the model never answers: a false one cuts the buyer's protection (BRIEF R1, R10).
NEVER_ANSWERED = frozenset({Status.DELIVERED.value, Status.RETURNED_TO_SENDER.value})


def grams(folded: str) -> set[str]:
    """The character n-grams of the words of a folded text, each word between spaces; a clause mark is no word."""
    found: set[str] = set()
    for word in folded.split():
        if word == ".":
            continue
        padded = f" {word} "
        for n in range(1, NMAX + 1):
            found.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


@cache
def _model() -> tuple[tuple[str, ...], tuple[float, ...], dict[str, tuple[float, ...]]]:
    document = json.loads(MODEL.read_text(encoding="utf-8"))
    weights = {gram: tuple(w / 1000 for w in row) for gram, row in document["weights"].items()}
    return tuple(document["classes"]), tuple(b / 1000 for b in document["bias"]), weights


def probabilities(folded: str) -> dict[str, float]:
    """Every class's probability for a folded text."""
    classes, bias, weights = _model()
    known = [weights[gram] for gram in grams(folded) if gram in weights]
    scores = list(bias)
    if known:
        scale = 1.0 / math.sqrt(len(known))
        scores = [b + scale * total for b, total in zip(bias, map(sum, zip(*known, strict=True)), strict=True)]
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    total = sum(exps)
    return {label: value / total for label, value in zip(classes, exps, strict=True)}


def guess(folded: str, threshold: float = MODEL_THRESHOLD) -> tuple[Status, float] | None:
    """The model's status for a folded text and its probability, when it is a status it may answer and its
    probability is at least `threshold` (and `MODEL_THRESHOLD`); else None."""
    ranked = probabilities(folded)
    label = max(ranked, key=lambda name: (ranked[name], name))
    probability = ranked[label]
    if label == UNCLEAR or label in NEVER_ANSWERED or probability < max(threshold, MODEL_THRESHOLD):
        return None
    return Status(label), probability
