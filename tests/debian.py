"""Debian's command-line tools for the tests that run them (kcat, promtool), without installing them.

A tool is used from `PATH`, or else its packages are fetched with `apt-get download` and unpacked
with `dpkg-deb -x` into `~/.cache/parcelwatch/<tool>/root` (once; no root needed). Where neither
works the test skips, except where `CI` is set: there it fails, so a CI run never passes a check it
did not make.
"""

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CACHE = Path.home() / ".cache" / "parcelwatch"


@functools.cache
def debian_tool(name: str, packages: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """The command that runs `name` and the environment it runs in (the unpacked libraries on
    `LD_LIBRARY_PATH`); `packages` are the Debian packages that hold it and its libraries."""
    if path := shutil.which(name):
        return [path], dict(os.environ)
    try:
        root = _unpacked(name, packages)
    except (OSError, subprocess.CalledProcessError) as error:
        if os.environ.get("CI"):
            raise
        detail = error.stderr.decode(errors="replace").strip() if getattr(error, "stderr", None) else error
        pytest.skip(f"{name} is not on PATH and apt-get download {' '.join(packages)} failed: {detail}")
    libraries = [str(path) for path in (root / "usr" / "lib").glob("*-linux-gnu")]
    return [str(root / "usr" / "bin" / name)], os.environ | {"LD_LIBRARY_PATH": ":".join(libraries)}


def _unpacked(name: str, packages: tuple[str, ...]) -> Path:
    cache = CACHE / name
    root = cache / "root"
    if (root / "usr" / "bin" / name).exists():
        return root
    download = cache / "debs"
    shutil.rmtree(download, ignore_errors=True)
    download.mkdir(parents=True)
    subprocess.run(["apt-get", "download", *packages], cwd=download, check=True, capture_output=True)
    staging = cache / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    for deb in download.glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(staging)], check=True, capture_output=True)
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    shutil.rmtree(download)
    return root
