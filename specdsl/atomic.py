"""Writing a file so that a reader sees its old content or its new content, never a part.

The text goes to a new temporary file in the target's directory (so that
`os.replace` is a rename within one file system), which then replaces the
target.  The temporary file is created with mode 0666 and the kernel applies
the umask, as for any file the user creates: not `mkstemp`'s 0600, which would
hide a report or a generated module from the other users of a checkout, and
without reading the umask (`os.umask` sets it, for every thread at once).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Replace `path` by a file holding `text`, with permissions `mode` (default: a new
    file's; a report written over an existing file keeps that file's mode)."""
    fd, tmp = _create_temporary(path)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _create_temporary(path: Path) -> tuple[int, Path]:
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
