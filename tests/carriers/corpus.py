"""Real carrier payloads from `../shared/corpus/dev/cases.jsonl` (development material beside the
repository, absent from a user's clone: tests that use it skip cleanly)."""

import json
from pathlib import Path

import pytest

from carriers.base import ParsedShipment
from schemas.event import derive_status, merge_events
from schemas.status import Status

CASES_FILE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "dev" / "cases.jsonl"


def corpus_cases(carrier: str) -> list[dict]:
    """The cases of one carrier, or a single skipped parameter when the corpus is not there."""
    if not CASES_FILE.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CASES_FILE} absent"))]
    cases = [json.loads(line) for line in CASES_FILE.read_text().splitlines() if line.strip()]
    return [case for case in cases if case["carrier"] == carrier]


def corpus_payload(case: dict):
    """The payload as the adapter receives it: parsed JSON, or the text of an XML answer."""
    return json.loads(case["payload"]) if case["format"] == "json" else case["payload"]


def shipment_status(shipment: ParsedShipment) -> Status | None:
    """The shipment-level status of a parsed shipment: its events ordered and deduplicated as the
    stream holds them, then the same status function."""
    return derive_status(merge_events((), shipment.events)[0])
