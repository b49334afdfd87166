"""`parcelwatch normalize --report DIR`: the counts of a folder of payloads, as an operator runs it."""

import json
import shutil
from collections import Counter
from pathlib import Path

import orjson
from click.testing import CliRunner

from carriers.textclass import TEXT_THRESHOLD, classify
from schemas.event import TrackingEvent, derive_status, merge_events
from schemas.status import Status
from tests.workers.test_normalize_cli import FIXTURES, slug_of
from workers.__main__ import cli


def report(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["normalize", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return orjson.loads(result.stdout)


def text_fallback(event: TrackingEvent) -> TrackingEvent:
    """The event as the stream takes it: an unknown one gets the status its description states."""
    guess = classify(event.description, TEXT_THRESHOLD) if event.status is Status.UNKNOWN else None
    if guess is None or guess.status is Status.UNKNOWN:
        return event
    return event.model_copy(update={"status": guess.status, "status_source": "text"})


def test_the_report_of_every_fixture_is_what_the_contract_files_say(tmp_path):
    shipments, events, texts, inferred, refused = Counter(), Counter(), Counter(), Counter(), Counter()
    for fixture in FIXTURES:
        slug = slug_of(fixture)
        folder = tmp_path / fixture.parts[-3]
        folder.mkdir(exist_ok=True)
        (folder / ".carrier").write_text(slug + "\n")
        shutil.copy(fixture, folder / fixture.name)
        for shipment in json.loads(fixture.with_suffix(".expected.json").read_text()):
            history, _ = merge_events((), [text_fallback(TrackingEvent.model_validate(e)) for e in shipment["events"]])
            status = derive_status(history)
            shipments[status.value if status else "no_events"] += 1
            events.update(event.status.value for event in history)
            texts.update(event.status.value for event in history if event.status_source == "text")
            inferred[slug] += sum(event.time_inferred for event in history)
            refused.update((slug, r["reason"]) for r in shipment.get("refused", []))

    got = report("--report", str(tmp_path))

    assert (got["files"], got["payloads"], got["unread"]) == (len(FIXTURES), len(FIXTURES), [])
    assert got["shipments_by_status"] == dict(shipments)
    assert got["events_by_status"] == dict(events)
    assert got["text_classified"] == dict(texts)
    assert got["inferred_times"] == {slug: n for slug, n in inferred.items() if n}
    assert {(r["carrier"], r["reason"]): r["count"] for r in got["refused_events"]} == dict(refused)
    assert texts.total() and inferred.total() and refused.total(), "the fixtures hold each case"


def test_each_payload_not_read_is_named_with_its_file_and_line_and_the_rest_counted(tmp_path):
    generic = Path(next(f for f in FIXTURES if f.parts[-3] == "generic" and f.name == "delivered.json"))
    (tmp_path / "README.md").write_text("# not a payload\n")
    (tmp_path / "unknown.json").write_text('{"shipment": {"id": 1}}')
    (tmp_path / "named.json").write_bytes(generic.read_bytes())
    (tmp_path / "named.json.carrier").write_text("generic")
    line = orjson.dumps(orjson.loads(generic.read_bytes())).decode()
    (tmp_path / "pushes.jsonl").write_text(f'{line}\n{{"carrier": "generic", "payload": {{}}}}\n')
    (tmp_path / "pushes.jsonl.carrier").write_text("generic")
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    (tmp_path / "nested" / "deeper" / "x.json").write_text("{}")
    (tmp_path / "nested" / ".carrier").write_text("nowhere")

    got = report("--report", str(tmp_path))

    assert got["files"] == 5
    assert got["payloads"] == 2
    assert got["shipments_by_status"] == {"delivered": 2}
    kinds = [(u["where"], u["kind"]) for u in got["unread"]]
    assert kinds == [
        ("README.md", "unreadable"),
        ("nested/deeper/x.json", "unknown_carrier"),
        ("pushes.jsonl:2", "invalid"),
        ("unknown.json", "unrecognised"),
    ]


def test_the_text_report_names_every_section_and_the_payloads_not_read(tmp_path):
    (tmp_path / "bad.json").write_text("{")
    result = CliRunner().invoke(cli, ["normalize", "--report", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0
    for title in ("shipments by status", "unknown codes", "inferred times", "refused events", "payloads not read"):
        assert title in result.stdout
    assert "bad.json:1: not JSON or XML" in result.stdout


def test_a_payload_and_a_report_folder_together_are_refused(tmp_path):
    result = CliRunner().invoke(cli, ["normalize", "x.json", "--report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not both" in result.stderr
