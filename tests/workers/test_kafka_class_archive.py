"""The embedded Kafka broker's JVM writes a class archive the first time and maps it afterwards."""

from pathlib import Path

from workers.embedded import KafkaBroker, class_archive


def sharing_flags(command: list[str]) -> list[str]:
    return [part for part in command if part.startswith(("-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit"))]


def broker(workdir: Path, jars: Path) -> KafkaBroker:
    workdir.mkdir()
    server = KafkaBroker(workdir=workdir)
    server.jars = jars
    return server


def test_the_first_broker_writes_the_archive_in_its_workdir_and_leaves_it_for_the_next(tmp_path: Path):
    jars = tmp_path / "jars"
    jars.mkdir()
    archive = class_archive(jars)
    first = broker(tmp_path / "first", jars)
    written = first.workdir / archive.name
    assert sharing_flags(first.java(jars, "kafka.Kafka")) == [f"-XX:ArchiveClassesAtExit={written}"]

    written.write_bytes(b"classes")  # what the JVM writes as it exits
    first.stop()
    assert archive.read_bytes() == b"classes"
    assert not written.exists()

    second = broker(tmp_path / "second", jars)
    assert sharing_flags(second.java(jars, "kafka.Kafka")) == [f"-XX:SharedArchiveFile={archive}"]


def test_an_archive_in_place_is_not_replaced_by_a_later_one(tmp_path: Path):
    jars = tmp_path / "jars"
    jars.mkdir()
    archive = class_archive(jars)
    archive.write_bytes(b"first")
    late = broker(tmp_path / "late", jars)
    (late.workdir / archive.name).write_bytes(b"late")
    late.stop()
    assert archive.read_bytes() == b"first"


def test_the_archive_is_named_after_the_java_that_wrote_it(tmp_path: Path, monkeypatch):
    jars = tmp_path / "jars"
    one = class_archive(jars)
    other_java = tmp_path / "bin" / "java"
    other_java.parent.mkdir()
    other_java.write_text("#!/bin/sh\n")
    other_java.chmod(0o755)
    monkeypatch.setenv("PATH", str(other_java.parent))
    assert class_archive(jars) != one
