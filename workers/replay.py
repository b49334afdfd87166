"""`parcelwatch replay`: the stream's decisions over a recorded history, with a simulated clock (BRIEF §4)."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from carriers.textclass import TEXT_THRESHOLD
from schemas.inputs import RAW_TOPIC
from schemas.outputs import DeadLetter, Output
from schemas.types import describe_validation_error
from streams.engine import Engine, Source
from streams.ingest import Rejected, load_json
from streams.rules.settings import RuleSettings


class ReplayError(Exception):
    """The history itself is malformed; the message names the file and line."""


class ReplayLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime
    topic: str | None = None
    key: str | None = None
    value: dict[str, Any] | None = None


def output_line(output: Output) -> bytes:
    return orjson.dumps({"topic": output.topic, "key": output.key, "value": output.model_dump(mode="json")})


def replay(
    lines: Iterable[str],
    settings: RuleSettings,
    source: str = "-",
    warn=lambda message: None,
    text_threshold: float = TEXT_THRESHOLD,
    engine: Engine | None = None,
) -> Iterator[Output]:
    """Yield every output in the order the stream would emit it.

    A line that is not valid replay syntax raises `ReplayError`. A line whose record the stream
    would dead-letter (whole, or the events it carried at implausible times, or because deciding
    it failed) yields that dead letter, and `warn` is told where it was; replay goes on.

    `engine`: decide in this one (made with the same settings), to read its tables afterwards.
    """
    engine = engine or Engine(settings, text_threshold)
    clock: datetime | None = None
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        where = f"{source}:{number}"
        try:
            line = ReplayLine.model_validate(load_json(text))
        except Rejected as error:
            raise ReplayError(f"{where}: {error.reason}") from None
        except ValidationError as error:
            raise ReplayError(f"{where}: {describe_validation_error(error)}") from None
        if clock is not None and line.at < clock:
            raise ReplayError(f"{where}: `at` goes back in time ({line.at.isoformat()} < {clock.isoformat()})")
        clock = line.at
        yield from engine.advance(line.at)
        if line.topic is None:
            continue
        if line.value is None:
            raise ReplayError(f"{where}: a line with a topic needs a value")
        value = line.value
        if line.topic == RAW_TOPIC:
            value = {"received_at": line.at.isoformat(), "source": "replay", **value}
        record = Source(line.topic, None, number, line.key, orjson.dumps(line.value).decode())
        for output in engine.apply_record(record, value, line.at):
            if isinstance(output, DeadLetter):
                warn(f"{where}: dead-lettered at {output.stage}: {output.reason}")
            yield output
