"""`parcelwatch dlq`: list, show and redrive the records on `tracking.deadletter.v1`.

The dead-letter topic is read from its start to its end as it is now, without a consumer group
(`workers.topic_scan`). A redrive re-produces each selected letter's original record (acks=all):

- a record the stream refused goes back to its source topic with its key and value;
- a webhook body the receiver refused (`source_topic` `webhook:<carrier>`) goes to
  `tracking.raw.v1` as the receiver would have written it: one `RawTracking` per tracking number
  the carrier's `tracking_numbers(payload)` gives, `received_at` the time of the redrive. A body
  that still does not parse is skipped, with the reason.

After a letter's records are acknowledged, a `Redriven` record keyed by the letter's event id goes
to the compacted `parcelwatch.redriven.v1`; a letter named there is not redriven again ("already
redriven"). A redrive that dies between the two leaves the letter unmarked: it is produced again
the next time, which the stream absorbs (the same facts give the same event ids). A record that
fails again is dead-lettered again, as a new letter with its own event id; `list` and `show` name
the letter it was redriven from. A letter keeps its value as UTF-8 text (invalid bytes replaced by
U+FFFD), and that text is what a redrive produces.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
from pydantic import ValidationError

from carriers.base import PayloadInvalid, UnknownCarrier, get_carrier
from schemas.inputs import RAW_TOPIC, RawTracking
from schemas.outputs import DEADLETTER_TOPIC, DeadLetter
from schemas.redrive import REDRIVEN_TOPIC, Redriven, RedrivenRecord
from schemas.types import format_utc

WEBHOOK_PREFIX = "webhook:"
#: Header on every redriven record: the event id of the dead letter it comes from.
REDRIVE_HEADER = "parcelwatch-redriven-from"

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


# --- pure: selection and formatting ----------------------------------------------------------------


def parse_since(text: str, now: datetime) -> datetime:
    """`--since`: an ISO-8601 time (UTC when it has no offset) or a duration back from `now`
    (`90s`, `15m`, `1h`, `2d`, `1w`)."""
    value = text.strip()
    if match := _DURATION.match(value):
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise ValueError(f"{text!r} is neither an ISO-8601 time nor a duration such as 15m, 1h or 2d") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Letter:
    """A dead letter and where it sits on the dead-letter topic."""

    letter: DeadLetter
    partition: int
    offset: int

    @property
    def event_id(self) -> str:
        return self.letter.event_id


def decode_letter(value: bytes | None, partition: int, offset: int) -> Letter | None:
    """A dead-letter record as a `Letter`; None for a value that is not one (fields it does not
    know are dropped, so letters of a newer version still read)."""
    if value is None:
        return None
    try:
        document = orjson.loads(value)
        if not isinstance(document, dict):
            return None
        known = {name: item for name, item in document.items() if name in DeadLetter.model_fields}
        return Letter(DeadLetter.model_validate(known), partition, offset)
    except (orjson.JSONDecodeError, ValidationError):
        return None


def select(
    letters: Iterable[Letter],
    *,
    since: datetime | None = None,
    stages: Sequence[str] = (),
    event_ids: Sequence[str] = (),
    limit: int | None = None,
) -> list[Letter]:
    """The letters that pass every given filter, once per event id, oldest first; with `limit`,
    the newest `limit` of them."""
    seen: set[str] = set()
    chosen: list[Letter] = []
    for item in letters:
        letter = item.letter
        if letter.event_id in seen:
            continue  # the stream is at least once: a letter may have been written twice
        if since is not None and letter.at < since:
            continue
        if stages and letter.stage not in stages:
            continue
        if event_ids and letter.event_id not in event_ids:
            continue
        seen.add(letter.event_id)
        chosen.append(item)
    chosen.sort(key=lambda item: (item.letter.at, item.event_id))
    if limit is not None and limit >= 0:
        chosen = chosen[len(chosen) - limit :] if limit else []
    return chosen


def latest_redriven(records: Iterable[tuple[bytes | None, bytes | None]]) -> dict[str, Redriven]:
    """The compacted topic's view: per key (event id) the latest value; a tombstone forgets it."""
    known: dict[str, Redriven] = {}
    for key, value in records:
        if key is None:
            continue
        event_id = key.decode("utf-8", errors="replace")
        if value is None:
            known.pop(event_id, None)
            continue
        try:
            known[event_id] = Redriven.model_validate_json(value)
        except ValidationError:
            continue
    return known


def redrive_origins(redriven: Mapping[str, Redriven]) -> dict[tuple[str, int, int], str]:
    """Each record a redrive produced (topic, partition, offset) → the event id it redrove."""
    return {(r.topic, r.partition, r.offset): mark.event_id for mark in redriven.values() for r in mark.records}


def redrive_of(letter: DeadLetter, origins: Mapping[tuple[str, int, int], str]) -> str | None:
    """The event id of the letter whose redrive produced this letter's record: it failed again."""
    if letter.partition is None or letter.offset is None:
        return None
    return origins.get((letter.source_topic, letter.partition, letter.offset))


def source_of(letter: DeadLetter) -> str:
    """`topic[partition]@offset`, or the webhook source alone."""
    if letter.partition is None:
        return letter.source_topic
    return f"{letter.source_topic}[{letter.partition}]@{letter.offset}"


def letter_json(
    item: Letter, redriven: Mapping[str, Redriven], origins: Mapping[tuple[str, int, int], str] | None = None
) -> dict:
    """One `dlq list --json` line: the dead letter as written, plus when it was redriven and, for a
    redriven record that failed again, the event id of the letter it was redriven from (or nulls)."""
    done = redriven.get(item.event_id)
    return item.letter.model_dump(mode="json") | {
        "redriven_at": format_utc(done.redriven_at) if done else None,
        "redrive_of": redrive_of(item.letter, redrive_origins(redriven) if origins is None else origins),
    }


def letters_table(letters: Sequence[Letter], redriven: Mapping[str, Redriven]):
    """`dlq list`: one row per letter (a rich Table)."""
    from rich.table import Table

    table = Table(expand=False)
    table.add_column("event id", no_wrap=True, overflow="fold")
    table.add_column("at (UTC)", no_wrap=True)
    table.add_column("stage")
    table.add_column("source", overflow="fold")
    table.add_column("key", overflow="fold")
    table.add_column("reason", overflow="fold")
    table.add_column("redriven", no_wrap=True)
    origins = redrive_origins(redriven)
    for item in letters:
        letter = item.letter
        done = redriven.get(item.event_id)
        again = redrive_of(letter, origins)
        table.add_row(
            item.event_id,
            format_utc(letter.at),
            letter.stage,
            source_of(letter) + (f" (redrive of {again[:8]}…)" if again else ""),
            letter.record_key or "—",
            letter.reason,
            format_utc(done.redriven_at) if done else "—",
        )
    return table


def pretty_value(value: str) -> tuple[bool, str]:
    """(is JSON, text): JSON indented two spaces in its own key order; anything else as it is."""
    try:
        document = orjson.loads(value)
    except orjson.JSONDecodeError:
        return False, value
    return True, orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()


def describe(item: Letter, redriven: Mapping[str, Redriven]) -> str:
    """`dlq show`: the whole dead letter, for people."""
    letter = item.letter
    again = redrive_of(letter, redrive_origins(redriven))
    done = redriven.get(item.event_id)
    rows = [
        ("event id", letter.event_id),
        ("at", format_utc(letter.at)),
        ("stage", letter.stage),
        ("reason", letter.reason),
        ("source", source_of(letter)),
        ("key", letter.record_key if letter.record_key is not None else "(none)"),
        ("dead letter", f"{DEADLETTER_TOPIC}[{item.partition}]@{item.offset}"),
    ]
    if again:
        rows.append(("failed again", f"its record was produced by the redrive of {again}"))
    if done is None:
        rows.append(("redriven", "no"))
    else:
        produced = ", ".join(f"{r.topic}[{r.partition}]@{r.offset}" for r in done.records) or "nothing"
        rows.append(("redriven", f"{format_utc(done.redriven_at)} → {produced}"))
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {text}" for name, text in rows]
    is_json, text = pretty_value(letter.value)
    lines.append("")
    lines.append("value (JSON):" if is_json else "value (not JSON; as received, invalid UTF-8 replaced):")
    lines.append(text)
    return "\n".join(lines)


# --- pure: what a redrive produces ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Produce:
    topic: str
    key: str | None
    value: bytes


@dataclass(frozen=True, slots=True)
class Skip:
    reason: str


def plan_redrive(letter: DeadLetter, now: datetime) -> list[Produce] | Skip:
    """The records that redrive `letter`, or why it cannot be redriven."""
    if not letter.source_topic.startswith(WEBHOOK_PREFIX):
        return [Produce(letter.source_topic, letter.record_key, letter.value.encode("utf-8"))]
    slug = letter.source_topic.removeprefix(WEBHOOK_PREFIX)
    try:
        carrier = get_carrier(slug)
    except UnknownCarrier:
        return Skip(f"unknown carrier {slug!r}")
    try:
        payload = orjson.loads(letter.value)
        numbers = list(dict.fromkeys(carrier.tracking_numbers(payload)))
    except orjson.JSONDecodeError as error:
        return Skip(f"still not JSON: {error}")
    except PayloadInvalid as error:
        return Skip(f"still not the {slug} format: {error}")
    if not numbers:
        return Skip("the payload names no tracking number")
    value = RawTracking(carrier=slug, received_at=now, payload=payload, source="webhook").model_dump_json().encode()
    return [Produce(RAW_TOPIC, number, value) for number in numbers]


def describe_plan(records: Sequence[Produce]) -> str:
    keys = ", ".join(record.key or "(no key)" for record in records)
    return f"{len(records)} record(s) to {records[0].topic} (key {keys})"


@dataclass
class Summary:
    redriven: int = 0
    skipped: int = 0
    already: int = 0
    not_found: list[str] = field(default_factory=list)
    dry_run: bool = False

    def line(self) -> str:
        verb = "would be redriven" if self.dry_run else "redriven"
        text = f"{verb}: {self.redriven}, skipped: {self.skipped}, already redriven: {self.already}"
        if self.not_found:
            text += f", not found: {len(self.not_found)}"
        return ("dry run, nothing produced. " if self.dry_run else "") + text

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped or self.not_found else 0


# --- Kafka ------------------------------------------------------------------------------------------


async def read_letters(topics, warn: Callable[[str], None]) -> list[Letter]:
    """Every dead letter on the topic now (`topics`: a `workers.topic_scan.TopicReader`)."""
    letters: list[Letter] = []
    async for record in topics.scan(topics.partitions(DEADLETTER_TOPIC)):
        item = decode_letter(record.value, record.partition, record.offset)
        if item is None:
            warn(f"{DEADLETTER_TOPIC}[{record.partition}]@{record.offset} is not a dead letter: left out")
        else:
            letters.append(item)
    return letters


async def read_redriven(topics) -> dict[str, Redriven]:
    """What was redriven before, by the letters' event ids."""
    return latest_redriven(
        [(record.key, record.value) async for record in topics.scan(topics.partitions(REDRIVEN_TOPIC))]
    )


async def redrive(
    settings,
    topics,
    selected: Sequence[Letter],
    redriven: dict[str, Redriven],
    *,
    now: datetime,
    dry_run: bool,
    echo: Callable[[str], None],
) -> Summary:
    """Redrive `selected` in order; `redriven` (event id → record) is what was redriven before."""
    from workers.kafka import ensure_topics, make_producer

    summary = Summary(dry_run=dry_run)
    existing = topics.topics
    origins = redrive_origins(redriven)
    producer = None
    if not dry_run:
        await ensure_topics(settings, (REDRIVEN_TOPIC,))
        producer = make_producer(settings)
        await producer.start()
    try:
        for item in selected:
            letter = item.letter
            done = redriven.get(letter.event_id)
            if done is not None:
                summary.already += 1
                echo(f"{letter.event_id}: already redriven at {format_utc(done.redriven_at)}")
                continue
            plan = plan_redrive(letter, now)
            if isinstance(plan, list) and plan[0].topic not in existing:
                plan = Skip(f"source topic {plan[0].topic} does not exist")
            if isinstance(plan, Skip):
                summary.skipped += 1
                echo(f"{letter.event_id}: skipped: {plan.reason}")
                continue
            if producer is None:
                summary.redriven += 1
                echo(f"{letter.event_id}: would produce {describe_plan(plan)}")
                continue
            records = []
            headers = [(REDRIVE_HEADER, letter.event_id.encode())]
            for record in plan:
                key = record.key.encode() if record.key is not None else None
                sent = await producer.send_and_wait(record.topic, record.value, key=key, headers=headers)
                records.append(
                    RedrivenRecord(topic=sent.topic, partition=sent.partition, offset=sent.offset, key=record.key)
                )
            mark = Redriven(
                event_id=letter.event_id,
                redriven_at=now,
                source_topic=letter.source_topic,
                stage=letter.stage,
                records=tuple(records),
            )
            await producer.send_and_wait(REDRIVEN_TOPIC, mark.model_dump_json().encode(), key=letter.event_id.encode())
            redriven[letter.event_id] = mark
            summary.redriven += 1
            again = redrive_of(letter, origins)
            note = f" (it had failed again after the redrive of {again})" if again else ""
            echo(f"{letter.event_id}: redriven, {describe_plan(plan)}{note}")
    finally:
        if producer is not None:
            await producer.stop()
    return summary
