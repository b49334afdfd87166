"""A process started without its broker or Redis says in one line what it could not reach, where,
and which setting names it, and exits 2 (it was a 40-line KafkaConnectionError traceback; the ops
tools printed the client's log lines and left out the setting)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workers.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]


def closed_ports_env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PARCELWATCH_")}
    return clean | {
        "PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        "PARCELWATCH_REDIS__URL": f"redis://127.0.0.1:{free_port()}/0",
    }


@pytest.mark.parametrize(("command", "redis_too"), [("webhook", True), ("poller", True), ("stream", False)])
def test_without_a_broker_one_line_and_exit_2(command, redis_too):
    env = closed_ports_env()
    result = subprocess.run(
        [sys.executable, "-m", "workers", command], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    bootstrap = env["PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS"]
    kafka = f"no Kafka broker answered at {bootstrap} (PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS)"
    redis = f"no Redis answered at {env['PARCELWATCH_REDIS__URL']} (PARCELWATCH_REDIS__URL)"
    expected = f"parcelwatch {command}: {kafka}" + (f"; {redis}" if redis_too else "")
    assert (result.returncode, result.stderr) == (2, expected + "\n")
    assert result.stdout == ""


def test_a_redis_password_is_not_printed():
    env = closed_ports_env() | {"PARCELWATCH_REDIS__URL": f"redis://:hunter2@127.0.0.1:{free_port()}/0"}
    result = subprocess.run(
        [sys.executable, "-m", "workers", "webhook"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 2
    assert "hunter2" not in result.stderr
    assert "redis://:**********@127.0.0.1:" in result.stderr


@pytest.mark.parametrize(
    "command",
    [["lag"], ["lag", "--serve"], ["dlq", "list"], ["dlq", "show", "X"], ["dlq", "redrive", "--all"], ["inspect", "X"]],
)
def test_an_ops_tool_without_a_broker_says_so_in_one_line_and_exits_2(command):
    env = closed_ports_env()
    result = subprocess.run(
        [sys.executable, "-m", "workers", *command], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    bootstrap = env["PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS"]
    name = " ".join(part for part in command if part.islower() and not part.startswith("-"))
    expected = f"parcelwatch {name}: no Kafka broker answered at {bootstrap} (PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS)\n"
    assert (result.returncode, result.stderr, result.stdout) == (2, expected, "")
