"""`--output`: what the path names stays what it was (symlink, FIFO, device, regular file)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from specdsl.report.output import write_report

NULL, FULL = os.makedev(1, 3), os.makedev(1, 7)  # Linux's /dev/null and /dev/full


def char_device(path: Path, device: int) -> Path:
    """A character device node of our own (never the machine's /dev)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, device)
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return path


def test_output_writes_through_a_symlink_and_keeps_the_link(tmp_path):
    (tmp_path / "target.json").write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to("target.json")
    write_report(link, "new")
    assert link.is_symlink() and os.readlink(link) == "target.json"
    assert (tmp_path / "target.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "target.json"]


def test_output_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("target.json")
    write_report(link, "new")
    assert link.is_symlink() and (tmp_path / "target.json").read_text() == "new"


def test_output_writes_into_a_fifo_without_replacing_it(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    read: list[str] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_text()))
    reader.start()
    write_report(fifo, "report\n")
    reader.join(timeout=60)
    assert read == ["report\n"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_writes_into_a_character_device_without_replacing_it(tmp_path):
    null = char_device(tmp_path / "null", NULL)
    write_report(null, "report\n")
    assert stat.S_ISCHR(null.stat().st_mode) and null.stat().st_rdev == NULL


def test_output_to_a_full_device_fails_and_keeps_the_device(tmp_path):
    # As root, `--output /dev/full` used to replace the device node by a regular file.
    full = char_device(tmp_path / "full", FULL)
    with pytest.raises(OSError):
        write_report(full, "report\n")
    assert stat.S_ISCHR(full.stat().st_mode) and full.stat().st_rdev == FULL


def test_output_replaces_a_regular_file_atomically_keeping_its_mode(tmp_path):
    report = tmp_path / "report.json"
    report.write_text("old")
    report.chmod(0o640)
    inode = report.stat().st_ino
    write_report(report, "new")
    assert report.read_text() == "new" and stat.S_IMODE(report.stat().st_mode) == 0o640
    assert report.stat().st_ino != inode  # a new file renamed over the old one
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left
