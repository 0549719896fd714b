"""Spec text from bytes: the one rule for what a `.sw` file says.

The parser (through `imports.read_source`) and the diagnostics' excerpts
(`errors`) both decode files here, so line and column numbers agree whatever
the file's line endings: LF, CRLF and CR-only (a CR-only file would otherwise
be one long line, its first comment swallowing the rest of the spec).  A UTF-8
byte-order mark is dropped.
"""

from __future__ import annotations


def decode(data: bytes, errors: str = "strict") -> str:
    """UTF-8 text with every line ending made `\\n` and no byte-order mark."""
    text = data.decode("utf-8-sig", errors)
    return text.replace("\r\n", "\n").replace("\r", "\n")
