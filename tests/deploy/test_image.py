"""The Dockerfile, its build context and its health check."""

import http.server
import importlib.util
import re
import socket
import threading
from pathlib import Path

import pytest

from tests.deploy.support import DEPLOY, ROOT

DOCKERFILE = DEPLOY / "Dockerfile"


def instructions() -> list[tuple[str, tuple[str, ...], str]]:
    """(instruction, flags, arguments) in order: BuildKit's own parser when installed, else a
    line-by-line reading (comment lines dropped, continuations joined)."""
    try:
        import dockerfile
    except ImportError:
        lines = [line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")]
        text = re.sub(r"\\\n", " ", "\n".join(lines))
        steps = []
        for line in filter(None, (line.strip() for line in text.splitlines())):
            cmd, _, rest = line.partition(" ")
            words = rest.split()
            flags = tuple(w for w in words if w.startswith("--"))
            steps.append((cmd.upper(), flags, " ".join(w for w in words if not w.startswith("--"))))
        return steps
    return [(c.cmd.upper(), c.flags, " ".join(c.value)) for c in dockerfile.parse_file(str(DOCKERFILE))]


def test_dockerfile_parses_with_buildkits_parser():
    dockerfile = pytest.importorskip("dockerfile", reason="pip install dockerfile (BuildKit's parser)")
    assert dockerfile.parse_file(str(DOCKERFILE))


def test_runtime_stage_is_python_311_slim_non_root_with_the_parcelwatch_entrypoint():
    steps = instructions()
    stages = [i for i, (cmd, _, _) in enumerate(steps) if cmd == "FROM"]
    assert all(steps[i][2].startswith("python:3.11-slim") for i in stages)
    runtime = steps[stages[-1] :]
    users = [args for cmd, _, args in runtime if cmd == "USER"]
    assert users and not users[-1].startswith(("root", "0")), "runs as a non-root user"
    assert [args for cmd, _, args in runtime if cmd == "ENTRYPOINT"] in (["parcelwatch"], ['["parcelwatch"]'])
    assert any(cmd == "HEALTHCHECK" and "parcelwatch-healthcheck" in args for cmd, _, args in runtime)
    installs = " ".join(args for cmd, _, args in steps if cmd == "RUN")
    assert "[test]" not in installs and "-e " not in installs, "no dev dependencies, no editable install"


def test_build_context_keeps_what_the_build_copies():
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    ignored = [line for line in ignored if line and not line.startswith("#")]
    for cmd, flags, args in instructions():
        if cmd == "COPY" and not any(flag.startswith("--from") for flag in flags):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: no such file"
                top = source.split("/")[0]
                excluded = top in ignored and f"!{source}" not in ignored
                assert not excluded, f".dockerignore drops {source}, which the Dockerfile copies"
    assert "tests" in ignored and ".git" in ignored


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200 if self.path == "/healthz" else 503)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_healthcheck_exit_codes(server, monkeypatch):
    healthcheck = load_healthcheck()
    assert healthcheck.main([f"{server}/healthz"]) == 0
    assert healthcheck.main([f"{server}/readyz"]) == 1
    monkeypatch.setenv("HEALTHCHECK_URL", f"{server}/healthz")
    assert healthcheck.main([]) == 0


def test_healthcheck_fails_when_nothing_listens():
    healthcheck = load_healthcheck()
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        assert healthcheck.main([f"http://127.0.0.1:{port}/healthz"]) == 1


def test_healthcheck_is_what_the_image_installs():
    assert Path(DEPLOY / "healthcheck.py").read_text().startswith("#!/usr/bin/env python3")
