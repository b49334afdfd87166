"""The text fallback: a canonical status from an event's description, when its code is in no table.

`classify(text)` finds the phrases of `phrases.py` (English, Chinese, Russian, Spanish, Portuguese,
French, German) in the folded text (code-like strings split: `OutForDelivery`, `GTMS_SIGNED`), leftmost
then longest, drops those negated in their clause (not across a conjunction: "nicht abgeholt und wird
zurückgesandt") or across a word their `~` skipped ("vom Empfänger nicht abgeholt"; a `~` never skips a
contrast: "delivered but arrived damaged"), reads a "delivered" at a pickup place (a parcelshop, a locker, a
Packstation, a relay point: `PICKUP_PLACES`) as `available_for_pickup` unless the recipient is said to have
collected it (`COLLECTIONS`), drops a "delivered" to a party on the way (a carrier, a courier, customs, a hub:
`INTERMEDIARIES`, `CUSTOMS`) unless the text also names the recipient (`RECIPIENTS`), drops `in_transit` from a
text naming customs (customs without a direction says no status), and combines the weights per status as
independent evidence (noisy-or: 1 - Π(1 - w)). The answer is the best status, or a status at or above the
threshold that follows it (`_latest`: export after in transit, a return after a failed delivery; never
`delivered` or `returned_to_sender`, which win on their own score). Its confidence is its score, discounted by
the strongest contradicting one:

    confidence = best × (1 - strongest other status that is not compatible with best)

so "delivered" alone is 0.9, "out for delivery … delivered" is 0.09, and "in transit, departed
from the origin country" stays export at 0.9 (in_transit is compatible with export). Equal
contradicting scores are a tie: `unknown`. Below the threshold the answer is `unknown`, with the
confidence kept; nothing is ever guessed as `in_transit` for lack of evidence.

How right it is, measured on 2,292 labelled real descriptions (`labelled/`, its SOURCES.md, split once
into a tuning and a test part): `python -m carriers.textclass.evaluate`.

Pure and deterministic; the phrase tables are compiled once, and a description is scanned word by
word through an index of first words (first characters for Chinese), so the cost grows with the
text, not with the number of phrases (about 10–30 µs); the answers for the last 8,192 distinct
descriptions are kept, since carriers repeat a small set of them.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from carriers.textclass.phrases import (
    CJK_NEGATIONS,
    COLLECTIONS,
    COMPATIBLE,
    CONJUNCTIONS,
    CONTRASTS,
    CUSTOMS,
    INTERMEDIARIES,
    LANGUAGES,
    NEGATIONS,
    PICKUP_PLACES,
    RECIPIENTS,
    Entry,
)
from schemas.status import Status

#: Default confidence below which the text fallback answers `unknown`
#: (`PARCELWATCH_CARRIERS__TEXT_THRESHOLD`).
TEXT_THRESHOLD = 0.6

#: Words a `~` in a phrase may skip.
_GAP = 3


@dataclass(frozen=True, slots=True)
class Classification:
    status: Status
    """The answer: `unknown` when no phrase matched, on a tie, or below the threshold."""
    confidence: float
    """The best status's confidence in [0, 1], also when it fell below the threshold."""
    best: Status
    """The best-scoring status before the threshold was applied (`unknown` without evidence)."""
    substatus: str | None = None
    evidence: tuple[str, ...] = ()
    """The phrases that counted, as `language:phrase`."""


UNKNOWN = Classification(Status.UNKNOWN, 0.0, Status.UNKNOWN)


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    status: Status | None
    weight: float
    substatus: str | None
    label: str
    kind: str = ""
    """`place` (a pickup place, `PICKUP_PLACES`), `collection` (`COLLECTIONS`), `intermediary` (`INTERMEDIARIES`),
    `customs` (`CUSTOMS`), `recipient` (`RECIPIENTS`) or "" (a status phrase or a guard)."""


# ---------------------------------------------------------------- text folding

_TRANSLATE = str.maketrans({"№": " . ", "’": "'", "‘": "'", "`": "'", "´": "'", "ё": "е", "Ё": "Е"})
_APOSTROPHES_AND_JOINERS = re.compile(r"['_\-]+")
_CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_PUNCTUATION = re.compile(r"[^\w\s]+")


def fold(text: str) -> str:
    """Lower case, accents dropped, `n't` as ` not` (`can't` as `cannot`), apostrophes, hyphens and underscores as
    spaces, camelCase split into words (`OutForDelivery` as `out for delivery`), other punctuation as a ` . ` clause
    mark, single spaces. Phrases and descriptions go through it alike."""
    text = _CAMEL_CASE.sub(" ", text)
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("can't", "cannot").replace("won't", "will not").replace("n't", " not").replace(" - ", " . ")
    text = _APOSTROPHES_AND_JOINERS.sub(" ", text)
    text = _PUNCTUATION.sub(" . ", text)
    return " ".join(text.split())


_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


# ---------------------------------------------------------------- compilation


def _token_pattern(token: str) -> str:
    alternatives = sorted((fold(a.replace("_", " ")) for a in token.split("|")), key=len, reverse=True)
    escaped = [re.escape(a) for a in alternatives]
    return escaped[0] if len(escaped) == 1 else "(?:" + "|".join(escaped) + ")"


#: What a `~` skips: up to `_GAP` words of the clause, none of them a contrast ("delivered but damaged").
_SKIPPED = f"(?:(?!(?:{'|'.join(sorted(CONTRASTS))}) )[^ .]+ ){{0,{_GAP}}}"


def _compile(phrase: str) -> tuple[re.Pattern[str], list[str]]:
    """The anchored pattern of a phrase and the words (or the characters) it can start with."""
    if _is_cjk(phrase[0]):
        alternatives = sorted(phrase.split("|"), key=len, reverse=True)
        return re.compile("|".join(re.escape(a) for a in alternatives)), sorted({a[0] for a in alternatives})
    tokens = phrase.split()
    if tokens[0] == "~" or tokens[-1] == "~":
        raise ValueError(f"phrase {phrase!r} starts or ends with ~")
    parts: list[str] = []
    for token in tokens:
        if token == "~":
            parts.append(f"(?P<gap{len(parts)}>{_SKIPPED})")
        else:
            parts.append(_token_pattern(token) + " ")
    pattern = "".join(parts)[:-1] + r"(?![^ ])"
    firsts = [fold(a.replace("_", " ")).split()[0] for a in tokens[0].split("|")]
    return re.compile(pattern), firsts


@cache
def _index() -> tuple[dict[str, tuple[_Rule, ...]], dict[str, tuple[_Rule, ...]]]:
    """Rules by the word (or, for Chinese, the character) they start with."""
    words: dict[str, list[_Rule]] = {}
    chars: dict[str, list[_Rule]] = {}
    seen: dict[str, tuple[Status | None, str]] = {}
    for language, kind, status, entry in _entries():
        phrase, weight, substatus = _unpack(entry)
        if phrase in seen and seen[phrase] != (status, kind):
            raise ValueError(f"phrase {phrase!r} given for both {seen[phrase]} and {(status, kind)}")
        if phrase in seen:
            continue
        seen[phrase] = (status, kind)
        pattern, firsts = _compile(phrase)
        rule = _Rule(pattern, status, weight, substatus, f"{language}:{phrase}", kind)
        target = chars if _is_cjk(phrase[0]) else words
        for first in firsts:
            target.setdefault(first, []).append(rule)
    return {k: tuple(v) for k, v in words.items()}, {k: tuple(v) for k, v in chars.items()}


def _entries() -> Iterator[tuple[str, str, Status | None, Entry]]:
    """Every phrase with its language, kind and status: the tables, the pickup places, the collections, the
    intermediaries and the recipients."""
    for language, table in LANGUAGES.items():
        for status, entries in table.items():
            for entry in entries:
                yield language, "", status, entry
    for language, places in PICKUP_PLACES.items():
        for place in places:
            yield language, "place", None, (place, 0.0)
    for language, collections in COLLECTIONS.items():
        for entry in collections:
            yield language, "collection", Status.DELIVERED, entry
    for kind, table in (("intermediary", INTERMEDIARIES), ("customs", CUSTOMS), ("recipient", RECIPIENTS)):
        for language, words in table.items():
            for word in words:
                yield language, kind, None, (word, 0.0)


def _unpack(entry: Entry) -> tuple[str, float, str | None]:
    if len(entry) == 3:
        return entry  # type: ignore[return-value]
    phrase, weight = entry  # type: ignore[misc]
    return phrase, weight, None


# ---------------------------------------------------------------- matching


def _longest(rules: tuple[_Rule, ...], text: str, at: int) -> tuple[_Rule, int, bool] | None:
    """The rule matching longest at `at` (ties: the heavier one, then the first listed), where it ends, and whether
    a word its `~` skipped is a negation ("vom Empfänger nicht abgeholt" is no collection)."""
    chosen: tuple[_Rule, int, re.Match[str]] | None = None
    for rule in rules:
        match = rule.pattern.match(text, at)
        if match is None:
            continue
        end = match.end()
        if chosen is None or end > chosen[1] or (end == chosen[1] and rule.weight > chosen[0].weight):
            chosen = (rule, end, match)
    if chosen is None:
        return None
    rule, end, match = chosen
    skipped = " ".join(gap for gap in match.groupdict().values() if gap).split()
    return rule, end, any(word in NEGATIONS for word in skipped)


def _matches(text: str) -> list[_Rule]:
    """The rules found in folded text, leftmost-longest, without overlaps, negated ones left out."""
    words, chars = _index()
    found: list[_Rule] = []
    tokens = text.split(" ")
    has_cjk = _CJK.search(text) is not None
    consumed = start = 0
    for position, word in enumerate(tokens):
        if position:
            start += len(tokens[position - 1]) + 1
        if start < consumed:
            continue
        rules = words.get(word)
        if rules:
            hit = _longest(rules, text, start)
            if hit:
                rule, consumed, negated_inside = hit
                if not negated_inside and not _negated_word(tokens, position):
                    found.append(rule)
                continue
        if has_cjk and _CJK.search(word):
            consumed = max(consumed, _match_cjk(text, start, start + len(word), consumed, chars, found))
    return found


def _match_cjk(
    text: str, start: int, end: int, consumed: int, chars: dict[str, tuple[_Rule, ...]], found: list[_Rule]
) -> int:
    for offset in range(start, end):
        if offset < consumed:
            continue
        rules = chars.get(text[offset])
        if not rules:
            continue
        hit = _longest(rules, text, offset)
        if hit:
            rule, consumed, _ = hit
            if not any(text.endswith(negation, start, offset) for negation in CJK_NEGATIONS):
                found.append(rule)
    return consumed


def _negated_word(tokens: list[str], position: int) -> bool:
    for word in reversed(tokens[max(0, position - 3) : position]):
        if word == "." or word in CONJUNCTIONS:
            return False
        if word in NEGATIONS:
            return True
    return False


# ---------------------------------------------------------------- scoring


def _at_a_pickup_place(found: list[_Rule]) -> list[_Rule]:
    """The status phrases, where a parcel "delivered" to a pickup place (a parcelshop, a locker, a Packstation, a
    relay point…, or with `available_for_pickup` evidence) awaits its recipient: `available_for_pickup`, unless the
    text also says the recipient collected it (`COLLECTIONS`: "collected by the recipient from the ParcelShop",
    "выдано адресату через почтомат"); then it is delivered, and the place's pickup evidence is spent, unless the
    text also asks the recipient to collect it ("已签收 … 尽快来取": the two contradict, and the answer is unsure)."""
    rules = [rule for rule in found if rule.status is not None]
    if any(rule.kind == "collection" for rule in rules):
        if any(rule.kind == "" and rule.status is Status.AVAILABLE_FOR_PICKUP for rule in rules):
            return rules
        return [rule for rule in rules if rule.status is not Status.AVAILABLE_FOR_PICKUP]
    if not any(rule.kind == "place" or rule.status is Status.AVAILABLE_FOR_PICKUP for rule in found):
        return rules
    return [
        _Rule(rule.pattern, Status.AVAILABLE_FOR_PICKUP, rule.weight, None, rule.label)
        if rule.status is Status.DELIVERED
        else rule
        for rule in rules
    ]


def _to_an_intermediary(found: list[_Rule], rules: list[_Rule]) -> list[_Rule]:
    """The status phrases without "delivered" when the text names a party on the way (a carrier, a courier, customs,
    a hub: `INTERMEDIARIES`) and not the recipient (`RECIPIENTS`, or a collection by the recipient): "delivered to
    carrier by seller", "entregue à transportadora", "Ausgeliefert: Übergabe an Dienstleister" are no delivery to the
    buyer, whose protection window a "delivered" would cut (BRIEF R1)."""
    kinds = {rule.kind for rule in found}
    if not kinds & {"intermediary", "customs"} or kinds & {"recipient", "collection"}:
        return rules
    return [rule for rule in rules if rule.status is not Status.DELIVERED]


def _at_customs(found: list[_Rule], rules: list[_Rule]) -> list[_Rule]:
    """The status phrases without `in_transit` when the text names customs (`CUSTOMS`): customs without a direction
    says no status, and `import` or `export` phrases name the direction when there is one."""
    if not any(rule.kind == "customs" for rule in found):
        return rules
    return [rule for rule in rules if rule.status is not Status.IN_TRANSIT]


#: The answers that cost a buyer money when false (BRIEF R1, R10): they are taken on their own score, never because
#: they follow another status.
_WON_ON_SCORE_ONLY = frozenset({Status.DELIVERED, Status.RETURNED_TO_SENDER})


def _latest(ranked: list[tuple[Status, float]], threshold: float) -> tuple[Status, float]:
    """The best-scoring status, unless a status at or above the threshold follows it: one it is compatible with while
    the converse is not (`COMPATIBLE`), other than `delivered` and `returned_to_sender`. "In transit" is followed by
    export, import, a pickup or a return, "out for delivery" by a failed delivery, a failed delivery by a return: "Die
    Auslandssendung wurde im Export-Paketzentrum bearbeitet" is export, "Livraison en échec avec retour magasin" is
    going back."""
    best, score = ranked[0]
    for _ in ranked:
        later = [
            (status, value)
            for status, value in ranked
            if value >= threshold
            and status not in _WON_ON_SCORE_ONLY
            and best in COMPATIBLE.get(status, ())
            and status not in COMPATIBLE.get(best, ())
        ]
        if not later:
            break
        best, score = later[0]
    return best, score


def classify(text: str | None, threshold: float = TEXT_THRESHOLD) -> Classification:
    """The canonical status a description states, with a confidence; `unknown` below `threshold`."""
    if not text or not text.strip():
        return UNKNOWN
    return _classify(text, threshold)


@lru_cache(maxsize=8192)
def _classify(text: str, threshold: float) -> Classification:
    """Carriers repeat a small set of descriptions: the answers are kept (the function is pure)."""
    found = _matches(fold(text))
    rules = _at_customs(found, _to_an_intermediary(found, _at_a_pickup_place(found)))
    if not rules:
        return UNKNOWN
    miss: dict[Status, float] = {}
    strongest: dict[Status, _Rule] = {}
    for rule in rules:
        status = rule.status
        assert status is not None
        miss[status] = miss.get(status, 1.0) * (1.0 - rule.weight)
        if status not in strongest or rule.weight > strongest[status].weight:
            strongest[status] = rule
    scores = {status: 1.0 - m for status, m in miss.items()}
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    best, score = _latest(ranked, threshold)
    tied = [status for status, value in ranked if value == score and status != best]
    if tied:
        other = tied[0]
        if best in COMPATIBLE[other]:
            best = other
        elif other not in COMPATIBLE[best]:
            best = Status.UNKNOWN
    contradiction = max(
        (s for status, s in scores.items() if status != best and status not in COMPATIBLE.get(best, ())),
        default=0.0,
    )
    confidence = round(score * (1.0 - contradiction), 3)
    evidence = tuple(rule.label for rule in found if rule.status is not None or rule.kind == "place")
    if best is Status.UNKNOWN:
        return Classification(Status.UNKNOWN, confidence, Status.UNKNOWN, None, evidence)
    substatus = strongest[best].substatus
    if confidence < threshold:
        return Classification(Status.UNKNOWN, confidence, best, None, evidence)
    return Classification(best, confidence, best, substatus, evidence)
