"""The README must stay true to the code: its commands, its settings table and its replay example."""

import re
import subprocess
import sys
from pathlib import Path

import orjson

from workers.settings import markdown_table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    test_command = shell_blocks()[1].strip()
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test_command


def test_first_command_sets_up_and_runs_dev():
    assert shell_blocks()[0].strip().endswith(".venv/bin/parcelwatch dev")


def test_settings_table_matches_the_code():
    table = README.split("<!-- settings:begin -->\n")[1].split("\n<!-- settings:end -->")[0]
    assert table == markdown_table(), "run: parcelwatch settings --markdown, and paste it into the README"


def test_replay_example_gives_what_the_readme_says(tmp_path):
    history = re.search(r"cat > history.jsonl <<'JSONL'\n(.*?)\nJSONL", README, flags=re.S).group(1)
    path = tmp_path / "history.jsonl"
    path.write_text(history + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "workers", "replay", str(path)], capture_output=True, check=True, cwd=ROOT
    )
    printed = [orjson.loads(line) for line in result.stdout.splitlines()]
    cards = [o["value"] for o in printed if o["topic"] == "sellers.metrics.v1"]
    assert [card["as_of"] for card in cards] == [f"2026-03-{day:02d}T00:00:00Z" for day in range(2, 22)]
    assert {card["median_hours_to_first_scan"] for card in cards[1:]} == {34}
    assert [card["as_of"] for card in cards if card["valid_tracking_rate"] == 1.0][0] == "2026-03-07T00:00:00Z"
    outputs = [o for o in printed if o["topic"] != "sellers.metrics.v1"]
    assert [o["value"]["type"] for o in outputs] == [
        "status_changed",
        "status_changed",
        "protection_shortened",
        "notification",
    ]
    assert outputs[2]["value"]["protection_ends_at"] == "2026-03-26T09:00:00Z"
    assert outputs[3]["value"]["template"] == "delivered_check_receipt"
    assert outputs[3]["value"]["deadline"] == "2026-03-26T09:00:00Z"
    assert '"protection_ends_at": "2026-03-26T09:00:00Z"' in README


def test_every_cli_command_is_in_the_readme():
    from workers.__main__ import cli

    for name, command in cli.commands.items():
        if getattr(command, "commands", None):
            for sub in command.commands:
                assert f"`parcelwatch {name} {sub}" in README, f"parcelwatch {name} {sub} missing from README"
        else:
            assert f"`parcelwatch {name}" in README, f"parcelwatch {name} missing from README"


def test_replay_reports_a_bad_line_with_file_line_and_exit_code_2(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"at": "2026-03-01T00:00:00Z"}\n{"at": oops}\n')
    result = subprocess.run([sys.executable, "-m", "workers", "replay", str(path)], capture_output=True, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.decode().startswith(f"parcelwatch replay: {path}:2: not JSON")
