"""`parcelwatch eta evaluate`: estimates scored against the deliveries that followed."""

from datetime import timedelta

import orjson
from click.testing import CliRunner

from schemas.outputs import EtaEstimated
from tests.core.helpers import TN, day, lines, registered, run, scans
from tests.streams.test_eta_replay import TARGET, history, lane
from workers.eta import eta, evaluate


def _estimate(records):
    return next(o for o in run(records) if isinstance(o, EtaEstimated) and o.tracking_number == TN)


def test_an_estimate_is_scored_against_the_delivery_that_followed():
    learned = history(lane(30), TARGET)
    estimate = _estimate(learned)
    on_p50 = history(lane(30), TARGET, [scans(TN, ("delivered", estimate.p50_at))])
    figures = evaluate(run(on_p50)).figures()
    assert figures["by_basis"]["lane"] == {
        "estimates": 1,
        "p80_coverage": 1.0,
        "p95_coverage": 1.0,
        "within_a_day_of_p50": 1.0,
        "pinball_loss_days": round(
            (0.8 - 1) * (estimate.p50_at - estimate.p80_at) / timedelta(days=1) / 3
            + (0.95 - 1) * (estimate.p50_at - estimate.p95_at) / timedelta(days=1) / 3,
            3,
        ),
    }
    late = history(lane(30), TARGET, [scans(TN, ("delivered", estimate.p95_at + timedelta(days=2)))])
    figures = evaluate(run(late)).figures()["all"]
    assert (figures["p80_coverage"], figures["p95_coverage"], figures["within_a_day_of_p50"]) == (0.0, 0.0, 0.0)
    assert evaluate(run(learned)).figures()["unscored"] == 1
    assert evaluate(run(on_p50), include=lambda e: e.tracking_number != TN).figures()["all"]["estimates"] == 0


def test_the_command_prints_the_figures(tmp_path):
    records = history(lane(30), TARGET, [scans(TN, ("delivered", day(55)))])
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(lines(*records)) + "\n")
    result = CliRunner().invoke(eta, ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.output)["all"]["estimates"] == 1
    table = CliRunner().invoke(eta, ["evaluate", str(path)])
    assert table.output.splitlines()[0].split()[:2] == ["basis", "estimates"]
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"at": "not a time"}\n')
    failed = CliRunner().invoke(eta, ["evaluate", str(broken)])
    assert failed.exit_code == 2 and "broken.jsonl:1" in failed.output


def test_registered_after_delivery_is_not_scored():
    records = history(lane(30), [registered(at=day(40)), scans(TN, ("export", day(41)), ("delivered", day(41)))])
    assert evaluate(run(records)).figures()["all"]["estimates"] == 0
