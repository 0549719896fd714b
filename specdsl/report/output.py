"""Where `--output` writes the report: whatever the path names keeps being what it was.

A symlink stays a symlink: its target is written.  A FIFO, a character device
(`/dev/stdout`, `/dev/null`) or any other file that is not a regular file is
opened and written, never replaced (as root, replacing `/dev/full` by a regular
file would destroy the device node).  A regular file, or a new one, is replaced
atomically (a reader sees the old report or the new one, never half of it),
keeping the old file's permissions.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from specdsl.atomic import write_atomic


def write_report(path: Path, text: str) -> None:
    target = Path(os.path.realpath(path))  # through every symlink, to the file it names
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        write_atomic(target, text)
        return
    if stat.S_ISREG(mode):
        write_atomic(target, text, stat.S_IMODE(mode))
        return
    with open(target, "w", encoding="utf-8") as f:  # a FIFO, a device; a directory fails here
        f.write(text)
