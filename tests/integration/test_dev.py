"""README command 1 runs `parcelwatch dev`: events must flow, the live view's columns fill from them,
and Ctrl-C must leave nothing behind."""

import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import orjson

from carriers import standard_webhooks
from schemas.outputs import OUTPUT_MODELS
from workers.dashboard import LiveView

MODELS = {model.topic: model for model in OUTPUT_MODELS}


def processes_in(directory: Path) -> list[int]:
    """Pids of processes whose working directory is `directory` (the embedded servers run there)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if Path(os.readlink(proc / "cwd")) == directory:
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def exported(env_file: Path) -> dict[str, str]:
    """The variables of `<workdir>/env`, as a shell sourcing it would set them."""
    return {
        name: value
        for name, _, value in (shlex.split(line)[1].partition("=") for line in env_file.read_text().splitlines())
    }


def post_as_outside_client(env: dict[str, str]) -> httpx.Response:
    body = orjson.dumps({"tracking_number": "LP123456785CN", "events": []})
    secret = orjson.loads(env["PARCELWATCH_WEBHOOK__SECRETS"])["generic"][0]
    headers = standard_webhooks.sign(secret, "msg_outside", int(time.time()), body)
    return httpx.post(f"{env['RECEIVER_URL']}/webhooks/generic", content=body, headers=headers | JSON, timeout=10)


JSON = {"Content-Type": "application/json"}
ETA = "shipments.eta.v1"


def test_dev_shows_decisions_and_stops_cleanly_on_ctrl_c(tmp_path):
    workdir = tmp_path / "dev"
    command = [
        sys.executable,
        "-m",
        "workers",
        "dev",
        "--no-ui",
        "--parcels",
        "12",
        "--time-factor",
        "172800",
        "--workdir",
        str(workdir),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    seen: dict[str, int] = {}
    view = LiveView()
    estimates: dict[str, dict] = {}
    deadline = time.monotonic() + 90
    try:
        while (left := deadline - time.monotonic()) > 0 and not {"protection.adjustments.v1", ETA} <= seen.keys():
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            record = orjson.loads(line)
            MODELS[record["topic"]].model_validate(record["value"])
            seen[record["topic"]] = seen.get(record["topic"], 0) + 1
            view.on_output(record["topic"], record["key"], record["value"])
            if record["topic"] == ETA:
                estimates[record["key"]] = record["value"]
        assert process.poll() is None, process.stderr.read().decode()
        assert seen.get("shipments.status.v1", 0) > 0
        assert "tracking.deadletter.v1" not in seen, "the simulated carrier's events are all plausible"
        assert seen.get("protection.adjustments.v1", 0) > 0, f"no protection decision within 90 s: {seen}"
        assert estimates, f"no delivery estimate within 90 s: the sandbox's deliveries teach the lanes ({seen})"
        for number, estimate in estimates.items():
            p80, basis = view.eta(number)
            assert (p80.plain, basis.plain) == (estimate["p80_at"][:10], estimate["basis"]), "the ETA column"
            assert estimate["samples"] > 0
        assert processes_in(workdir.resolve()), "the embedded broker and Redis run in the workdir"
        env = exported(workdir / "env")
        assert env["PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS"].startswith("127.0.0.1:")
        assert env["PARCELWATCH_REDIS__URL"].startswith("redis://127.0.0.1:")
        assert post_as_outside_client(env).status_code == 202
    finally:
        process.send_signal(signal.SIGINT)
        returncode = process.wait(60)
    announced = process.stderr.read().decode()
    assert returncode == 0, announced
    assert f"broker    {env['PARCELWATCH_KAFKA__BOOTSTRAP_SERVERS']}  (murmur2" in announced
    assert f"receiver  {env['RECEIVER_URL']}/webhooks/{{carrier}}" in announced
    assert "secret    sandbox: whsec_" in announced and "secret    generic: whsec_" in announced
    time.sleep(0.5)
    assert processes_in(workdir.resolve()) == []
    assert (workdir / "stream.log").read_text().count("[^Worker]: Closing event loop") == 1
