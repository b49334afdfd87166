"""What `parcelwatch dlq redrive` remembers: one record per redriven dead letter.

`parcelwatch.redriven.v1` is compacted and keyed by the dead letter's `event_id`, so it keeps the
latest record of every letter ever redriven; a redrive reads it first and leaves alone the letters
it names. The records say what was produced, for the people who follow a redrive up.
"""

from pydantic import Field

from schemas.types import Frozen, UtcTimestamp

REDRIVEN_TOPIC = "parcelwatch.redriven.v1"


class RedrivenRecord(Frozen):
    """One record a redrive produced."""

    topic: str
    partition: int
    offset: int
    key: str | None = None


class Redriven(Frozen):
    """A dead letter that was redriven, and what was produced for it."""

    event_id: str = Field(description="the dead letter's event_id (also the Kafka key)")
    redriven_at: UtcTimestamp
    source_topic: str = Field(description="the dead letter's source_topic (`webhook:<carrier>` for webhooks)")
    stage: str = Field(description="the stage that had refused the record")
    records: tuple[RedrivenRecord, ...] = Field(description="what the redrive produced, acknowledged by the broker")
