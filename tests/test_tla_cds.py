"""The class-data-sharing archive of TLC's classes (`specdsl.tla.cds`): written
once by a run, checked, put in place atomically, mapped by later runs; never an
error when it cannot be."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from ir_examples import lost_update

from specdsl.engine import EngineOptions
from specdsl.tla import cds
from specdsl.tla.cds import archive_path, class_archive
from specdsl.tla.engine import TlcEngine
from specdsl.tla.output import parse_messages, summarize
from specdsl.tla.run import Tools, locate, run_tlc

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="TLC needs Java")

TRIVIAL = """---- MODULE trivial ----
VARIABLE x
Spec == x = 0 /\\ [][x' = x]_x
====
"""


def trivial_run(tools: Tools) -> str:
    inv = run_tlc(
        tools, "trivial", {"trivial": TRIVIAL}, "SPECIFICATION Spec\n", workers=1, timeout=120, deadlock=False
    )
    assert summarize(parse_messages(inv.stdout)).complete, inv.stdout + inv.stderr
    return inv.stdout


def flag(tools: Tools, name: str) -> str | None:
    return next((f.split("=", 1)[1] for f in tools.jvm_flags if f.startswith(f"-XX:{name}=")), None)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A directory where a first run wrote the archive."""
    directory = tmp_path_factory.mktemp("cds")
    with class_archive(locate(), directory) as writing:
        assert (
            flag(writing, "ArchiveClassesAtExit") is not None and flag(writing, "SharedArchiveFile") is None
        )
        trivial_run(writing)
    return directory


def test_the_first_run_writes_the_archive_and_later_runs_map_it(cache):
    tools = locate()
    assert [p.name for p in cache.iterdir()] == [archive_path(tools, cache).name]  # no temporary file left
    with class_archive(tools, cache) as mapping:
        assert flag(mapping, "SharedArchiveFile") == str(archive_path(tools, cache))
        assert "][cds" not in trivial_run(mapping)  # the JVM logs nothing about it on TLC's output


@pytest.mark.parametrize("size", [4096, None], ids=["garbage", "truncated"])
def test_an_archive_the_jvm_cannot_map_is_never_put_in_place(cache, tmp_path, monkeypatch, size):
    """A truncated archive crashes the JVM that maps it (SIGBUS): a run killed
    while writing must not leave one where the next run looks, and checking
    one must not leave the JVM's crash report where the user works."""
    tools = locate()
    whole = archive_path(tools, cache).read_bytes()
    archives, work = tmp_path / "archives", tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with class_archive(tools, archives) as writing:
        content = b"\x00" * size if size else whole[: len(whole) // 2]
        Path(flag(writing, "ArchiveClassesAtExit")).write_bytes(content)
    assert list(archives.iterdir()) == [] and list(work.iterdir()) == []


def test_a_damaged_archive_in_place_is_not_mapped_but_written_again(cache, tmp_path):
    tools = locate()
    whole = archive_path(tools, cache).read_bytes()
    damaged = archive_path(tools, tmp_path)
    damaged.write_bytes(whole[: len(whole) // 2])
    with class_archive(tools, tmp_path) as writing:
        assert flag(writing, "SharedArchiveFile") is None and flag(writing, "ArchiveClassesAtExit")
        trivial_run(writing)
    with class_archive(tools, tmp_path) as mapping:
        assert flag(mapping, "SharedArchiveFile") == str(damaged)


def test_no_archive_and_no_error_when_the_cache_cannot_be_made(tmp_path):
    tools = locate()
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    with class_archive(tools, not_a_directory / "specdsl") as unchanged:
        assert unchanged == tools
        trivial_run(unchanged)


def test_no_archive_before_java_13(tmp_path, monkeypatch):
    monkeypatch.setattr(cds, "java_version", lambda java: 11)
    with class_archive(locate(), tmp_path) as unchanged:
        assert unchanged == locate()
    assert list(tmp_path.iterdir()) == []


def test_a_new_jar_gets_an_archive_of_its_own(tmp_path):
    tools = locate()
    jar = tmp_path / "tla2tools.jar"
    shutil.copy(tools.jar, jar)
    mine = Tools(tools.java, str(jar))
    before = archive_path(mine, tmp_path)
    os.utime(jar, ns=(0, 0))
    assert archive_path(mine, tmp_path) != before != archive_path(tools, tmp_path)


def test_the_engine_writes_the_archive_in_the_user_cache_then_uses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    system = lost_update()
    options = EngineOptions(workers=1, timeout=120)
    first = TlcEngine().check(system, system.properties, options)
    assert archive_path(locate(), tmp_path / "specdsl").is_file()
    again = TlcEngine().check(system, system.properties, options)
    assert [(r.verdict, r.trace) for r in again] == [(r.verdict, r.trace) for r in first]
