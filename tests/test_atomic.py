"""`write_atomic`: the whole new content or the old, ordinary permissions, no leftovers."""

from __future__ import annotations

import os

import pytest

from specdsl.atomic import write_atomic


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_written_file_is_not_private_to_its_owner_but_follows_the_umask(tmp_path, umask_027):
    path = tmp_path / "report.json"
    write_atomic(path, "{}\n")
    assert path.read_text() == "{}\n"
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)


def test_replacing_a_file_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "m.tla"
    path.write_text("old\n")
    write_atomic(path, "new ✓\n")
    assert path.read_text(encoding="utf-8") == "new ✓\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.tla"]


def test_a_failed_write_keeps_the_old_content_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "m.tla"
    path.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "\ud800")  # a lone surrogate: not encodable
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.tla"]
