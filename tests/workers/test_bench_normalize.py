"""`parcelwatch bench normalize`: the figures it prints are about the carriers' own fixtures."""

import orjson
from click.testing import CliRunner

from workers.__main__ import cli
from workers.bench.normalize import fixtures, run


def test_each_carrier_is_timed_over_its_fixtures_repeated_to_about_the_events_asked():
    results = run(200, ("generic", "sandbox"))
    assert [r.carrier for r in results] == ["generic", "sandbox"]
    for result in results:
        assert result.payload_format == "json"
        assert 200 <= result.events < 200 + 30
        assert result.payloads % len([raw for raw in fixtures(result.carrier) if orjson.loads(raw)["events"]]) == 0
        assert result.events_per_s > 0 and result.decode_events_per_s > 0


def test_the_command_prints_a_table_then_one_json_line():
    result = CliRunner().invoke(cli, ["bench", "normalize", "--events", "100", "--carrier", "upu"])
    assert result.exit_code == 0, result.output
    *table, last = result.stdout.splitlines()
    assert table[0].split()[:4] == ["carrier", "payload", "events", "events/s"]
    assert table[2].split()[0] == "upu"
    figures = orjson.loads(last)
    assert figures["benchmark"] == "normalize" and figures["target_events_per_s"] == 20_000
    assert set(figures["carriers"]) == {"upu"}
    assert figures["carriers"]["upu"]["events"] >= 100
