import asyncio
import subprocess
import sys

import pytest

from workers.dev import DevStack, WorkerDied, watch_worker
from workers.settings import Settings


async def test_dev_stops_and_says_so_when_the_stream_worker_exits(tmp_path):
    worker = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    worker.wait()
    stack = DevStack(settings=Settings(), parcels=[], carrier=None, worker=worker, workdir=tmp_path)
    until = asyncio.Event()
    with pytest.raises(WorkerDied, match=r"exited with code 3; see .*stream\.log"):
        await watch_worker(stack, until)
    assert until.is_set()


async def test_watchdog_ends_quietly_when_the_stack_stops(tmp_path):
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        stack = DevStack(settings=Settings(), parcels=[], carrier=None, worker=worker, workdir=tmp_path)
        until = asyncio.Event()
        until.set()
        assert await watch_worker(stack, until) is None
    finally:
        worker.kill()
        worker.wait()
