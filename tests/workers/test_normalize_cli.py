"""`parcelwatch normalize` and `parcelwatch detect`, through the CLI as a user runs them."""

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from carriers.base import registry
from carriers.shapes import AmbiguousShape, recognise
from schemas.event import TrackingEvent, merge_events
from workers.__main__ import cli

CARRIERS = Path(__file__).resolve().parents[2] / "carriers"
FIXTURES = sorted(p for p in CARRIERS.glob("*/fixtures/*.json") if not p.name.endswith(".expected.json"))


def slug_of(path: Path) -> str:
    folder = path.parts[-3]
    (slug,) = [s for s, carrier in registry().items() if type(carrier).__module__ == f"carriers.{folder}.adapter"]
    return slug


def run(*args: str, input: bytes | None = None, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def lines(stdout: str) -> list[dict]:
    return [orjson.loads(line) for line in stdout.splitlines()]


def test_normalize_prints_the_history_in_carrier_time_then_the_shipment():
    path = CARRIERS / "generic" / "fixtures" / "export_import.json"
    result = run("normalize", "--carrier", "generic", str(path))
    assert result.exit_code == 0, result.stderr
    (expected,) = json.loads(path.with_suffix(".expected.json").read_text())
    *events, summary = lines(result.stdout)
    history, _ = merge_events((), [TrackingEvent.model_validate(event) for event in expected["events"]])
    assert [e.model_dump(mode="json") for e in history] != expected["events"]  # the fixture is out of order
    assert events == [{"tracking_number": expected["tracking_number"], **e.model_dump(mode="json")} for e in history]
    assert summary == {
        "tracking_number": expected["tracking_number"],
        "carrier": "generic",
        "status": expected["status"],
        "events": len(expected["events"]),
    }


def test_normalize_reads_unmapped_codes_through_the_text_fallback_with_the_threshold_setting():
    path = str(CARRIERS / "sandbox" / "fixtures" / "unknown_code.json")
    *events, summary = lines(run("normalize", "--carrier", "sandbox", path).stdout)
    assert [(e["raw_code"], e["status"], e["status_source"], e["confidence"]) for e in events] == [
        ("DEPARTED_ORIGIN", "export", "carrier", None),
        ("LINEHAUL_HANDOVER", "in_transit", "text", 0.65),
    ]
    strict = run("normalize", "--carrier", "sandbox", path, env={"PARCELWATCH_CARRIERS__TEXT_THRESHOLD": "0.9"})
    *events, summary = lines(strict.stdout)
    assert [(e["status"], e["status_source"]) for e in events] == [("export", "carrier"), ("unknown", "carrier")]
    assert summary["status"] == "export"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_auto_recognises_every_carriers_fixtures(path):
    payload = json.loads(path.read_text())
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    result = run("normalize", str(path))
    try:
        slug = recognise(payload)
    except AmbiguousShape as refused:  # sure or says so: never read as another carrier's
        assert slug_of(path) in refused.candidates
        assert result.exit_code == 2
        assert f"not read: its shape fits several formats ({', '.join(refused.candidates)})" in result.stderr
        return
    assert slug == slug_of(path)
    assert result.exit_code == 0, result.stderr
    summaries = [line for line in lines(result.stdout) if isinstance(line.get("events"), int)]
    assert [s["tracking_number"] for s in summaries] == [s["tracking_number"] for s in expected]
    assert {s["carrier"] for s in summaries} <= {slug_of(path)}


def test_a_payload_without_events_is_refused_naming_the_formats_it_fits():
    payload = json.loads((CARRIERS / "sandbox" / "fixtures" / "unknown_number.json").read_text())
    with pytest.raises(AmbiguousShape) as refused:
        recognise(payload)
    assert refused.value.candidates == ["generic", "sandbox"]
    assert recognise({**payload, "events": [{"code": "ACCEPTED", "time": "2026-03-02T10:47:00+08:00"}]}) == "sandbox"
    assert recognise({**payload, "events": [{"status": "in_transit", "occurred_at": "2026-03-02T10:47Z"}]}) == "generic"


def test_auto_reads_a_raw_tracking_record_as_its_carrier_says():
    payload = json.loads((CARRIERS / "sandbox" / "fixtures" / "unknown_number.json").read_text())
    record = orjson.dumps({"carrier": "sandbox", "received_at": "2026-03-01T00:00:00Z", "payload": payload})
    (summary,) = lines(run("normalize", "-", input=record).stdout)
    assert summary == {"tracking_number": "LP999999995CN", "carrier": "sandbox", "status": None, "events": 0}


def test_events_outside_the_time_window_are_named_on_stderr_and_left_out():
    payload = {
        "tracking_number": "LP123456785CN",
        "events": [
            {"status": "in_transit", "occurred_at": "2026-03-02T18:40:00+08:00", "code": "T1"},
            {"status": "delivered", "occurred_at": "9999-12-31T23:59:59Z", "code": "D9"},
            {"status": "delivered", "occurred_at": "0001-01-01T00:00:00Z"},
        ],
    }
    result = run("normalize", "--carrier", "generic", "-", input=orjson.dumps(payload))
    assert result.exit_code == 0, result.stderr
    *events, summary = lines(result.stdout)
    assert [(e["raw_code"], summary["events"], summary["status"]) for e in events] == [("T1", 1, "in_transit")]
    late, early = result.stderr.splitlines()
    assert late.startswith(
        "parcelwatch normalize: <stdin>: LP123456785CN: event D9 refused: event time 9999-12-31T23:59:59Z"
    )
    assert "more than 1 day after the record was received" in late
    assert early == (
        "parcelwatch normalize: <stdin>: LP123456785CN: event delivered refused: "
        "event time 0001-01-01T00:00:00Z is before 2000-01-01"
    )


def test_an_event_that_cannot_be_read_is_named_on_stderr_and_the_rest_is_normalised():
    payload = {
        "tracking_number": "LP123456785CN",
        "events": [
            {"status": "in_transit", "occurred_at": "2026-03-02T18:40:00+08:00", "code": "T1"},
            {"status": "delivered", "occurred_at": "yesterday", "code": "D1"},
        ],
    }
    result = run("normalize", "--carrier", "generic", "-", input=orjson.dumps(payload))
    assert result.exit_code == 0, result.stderr
    *events, summary = lines(result.stdout)
    assert [(e["raw_code"], summary["events"]) for e in events] == [("T1", 1)]
    assert result.stderr.splitlines() == [
        "parcelwatch normalize: <stdin>: LP123456785CN: event D1 refused: event 1: occurred_at: 'yesterday' is"
        " not a date and time"
    ]


def test_a_raw_tracking_record_is_checked_against_its_received_at():
    payload = {
        "tracking_number": "LP123456785CN",
        "events": [{"status": "delivered", "occurred_at": "2020-01-05T10:00:00Z"}],
    }
    record = {"carrier": "generic", "received_at": "2020-01-01T00:00:00Z", "payload": payload}
    result = run("normalize", "-", input=orjson.dumps(record))
    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout)[-1]["events"] == 0
    assert result.stderr.endswith("after the record was received (2020-01-01T00:00:00Z)\n")
    fresh = run("normalize", "--carrier", "generic", "-", input=orjson.dumps(payload))
    assert (lines(fresh.stdout)[-1]["events"], fresh.stderr) == (1, "")


def test_a_raw_tracking_record_with_a_bad_received_at_is_named():
    record = {"carrier": "generic", "received_at": "soon", "payload": {"tracking_number": "X", "events": []}}
    result = run("normalize", "-", input=orjson.dumps(record))
    assert result.exit_code == 2
    assert result.stderr.startswith("parcelwatch normalize: <stdin>: not a tracking.raw.v1 value: received_at:")


def test_normalize_reads_json_lines_of_payloads_from_stdin():
    generic = (CARRIERS / "generic" / "fixtures" / "delivered.json").read_text()
    sandbox = (CARRIERS / "sandbox" / "fixtures" / "lost.json").read_text()
    stdin = (orjson.dumps(json.loads(generic)) + b"\n\n" + orjson.dumps(json.loads(sandbox)) + b"\n").decode()
    result = run("normalize", input=stdin.encode())
    assert result.exit_code == 0, result.stderr
    summaries = [line for line in lines(result.stdout) if isinstance(line.get("events"), int)]
    assert [(s["carrier"], s["status"]) for s in summaries] == [("generic", "delivered"), ("sandbox", "exception")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"tracking_number": "X",\n "events": oops}', "{path}:2: not JSON or XML: unexpected character"),
        (b'{"tracking_number": "X", "events": []}\n{"a":\n', "{path}:2: not JSON: "),
        (b'{"parcel": 1}', "{path}: not a payload format parcelwatch recognises; name it with --carrier"),
        (b"", "{path}: empty, expected a JSON or XML payload"),
        (b"\xff\xfe{", "{path}: not UTF-8 text"),
        (
            b'{"tracking_number": "", "events": [{"status": "in_transit", "occurred_at": "2026-03-02T10:47:00Z"}]}',
            "{path}: not a valid generic payload: tracking_number",
        ),
    ],
    ids=["not-json", "bad-json-line", "unknown-shape", "empty", "not-utf8", "invalid-payload"],
)
def test_bad_input_is_named_on_stderr_with_exit_code_2(tmp_path, content, message):
    path = tmp_path / "payload.json"
    path.write_bytes(content)
    result = run("normalize", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("parcelwatch normalize: " + message.format(path=path)), result.stderr


def test_a_missing_file_and_an_unknown_carrier_exit_2(tmp_path):
    missing = run("normalize", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2
    assert (
        missing.stderr == f"parcelwatch normalize: {tmp_path / 'nope.json'}: cannot read: No such file or directory\n"
    )
    unknown = run("normalize", "--carrier", "pigeon", str(tmp_path / "nope.json"))
    assert unknown.exit_code == 2
    assert "no adapter for carrier 'pigeon'" in unknown.stderr


def test_an_xml_answer_goes_to_its_adapter_as_text(tmp_path):
    xml = json.loads((CARRIERS / "russianpost" / "fixtures" / "delivered.json").read_text())
    path = tmp_path / "answer.xml"
    path.write_text(xml)
    result = run("normalize", str(path))
    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout)[-1]["carrier"] == "russianpost"


def test_detect_prints_a_table_most_likely_first():
    result = run("detect", "RB123456785RU")
    assert result.exit_code == 0
    header, first, second = result.stdout.splitlines()
    assert header.split() == ["carrier", "confidence", "check", "digit", "format", "reason"]
    assert first.split()[:4] == ["russianpost", "0.95", "ok", "s10"]
    assert second.split()[:4] == ["upu", "0.90", "ok", "s10"]


def test_detect_json_flags_a_wrong_check_digit():
    result = run("detect", "--json", "RB123456786US")
    assert result.exit_code == 0
    answer = orjson.loads(result.stdout)
    assert answer["number"] == "RB123456786US"
    assert [(c["carrier"], c["valid_check_digit"]) for c in answer["candidates"]] == [("usps", False), ("upu", False)]


def test_detect_exits_1_when_no_format_matches():
    result = run("detect", "hello")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "matches no known tracking-number format" in result.stderr
    assert orjson.loads(run("detect", "--json", "hello").stdout) == {"number": "HELLO", "candidates": []}


def test_a_shape_that_fits_two_formats_is_refused_naming_both():
    payload = {"trackResponse": {"shipment": []}, "trackingNumber": "X", "trackingEvents": []}
    with pytest.raises(AmbiguousShape) as refused:
        recognise(payload)
    assert refused.value.candidates == ["ups", "usps"]
    result = run("normalize", "-", input=orjson.dumps(payload))
    assert result.exit_code == 2
    assert result.stderr == (
        "parcelwatch normalize: <stdin>: not read: its shape fits several formats (ups, usps); name it with --carrier\n"
    )


def test_tracking_events_without_a_tracking_number_are_not_usps():
    assert recognise({"trackingEvents": [{"eventCode": "01"}]}) is None


def test_an_aftership_last_checkpoint_answer_is_read_as_its_one_event():
    payload = {
        "meta": {"code": 200},
        "data": {
            "id": "5b7658cec7c33c0e007de3c5",
            "tracking_number": "LP123456785CN",
            "slug": "cainiao",
            "tag": "Delivered",
            "subtag": "Delivered_001",
            "checkpoint": {
                "checkpoint_time": "2026-03-10T14:05:00+01:00",
                "tag": "Delivered",
                "subtag": "Delivered_001",
                "message": "Delivered",
                "location": "Lyon",
                "country_region": "FRA",
            },
        },
    }
    assert recognise(payload) == "aftership"
    result = run("normalize", "-", input=orjson.dumps(payload))
    assert result.exit_code == 0, result.stderr
    *events, summary = lines(result.stdout)
    assert [(e["raw_code"], e["occurred_at"], e["country"]) for e in events] == [
        ("Delivered_001", "2026-03-10T14:05:00+01:00", "FR")
    ]
    assert summary == {"tracking_number": "LP123456785CN", "carrier": "aftership", "status": "delivered", "events": 1}
