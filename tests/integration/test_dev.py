"""README command 1 runs `parcelwatch dev`: events must flow and Ctrl-C must leave nothing behind."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

from schemas.outputs import OUTPUT_MODELS

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
    deadline = time.monotonic() + 90
    try:
        while (left := deadline - time.monotonic()) > 0 and "protection.adjustments.v1" not in seen:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            record = orjson.loads(line)
            MODELS[record["topic"]].model_validate(record["value"])
            seen[record["topic"]] = seen.get(record["topic"], 0) + 1
        assert process.poll() is None, process.stderr.read().decode()
        assert seen.get("shipments.status.v1", 0) > 0
        assert "tracking.deadletter.v1" not in seen, "the simulated carrier's events are all plausible"
        assert seen.get("protection.adjustments.v1", 0) > 0, f"no protection decision within 90 s: {seen}"
        assert processes_in(workdir.resolve()), "the embedded broker and Redis run in the workdir"
    finally:
        process.send_signal(signal.SIGINT)
        returncode = process.wait(60)
    assert returncode == 0, process.stderr.read().decode()
    time.sleep(0.5)
    assert processes_in(workdir.resolve()) == []
    assert (workdir / "stream.log").read_text().count("[^Worker]: Closing event loop") == 1
