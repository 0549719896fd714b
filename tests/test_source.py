"""Spec text from bytes: line endings and byte-order marks."""

from __future__ import annotations

from specdsl.lang.source import decode

LF = b"var x: 0..3 = 0\nprocess p {\n  a:\n    x := 1\n}\n"


def test_cr_only_crlf_and_lf_files_read_the_same():
    assert decode(LF.replace(b"\n", b"\r")) == decode(LF)
    assert decode(LF.replace(b"\n", b"\r\n")) == decode(LF)
    assert decode(b"a\r\rb\r\n\r\nc") == "a\n\nb\n\nc"  # CR CR is two line ends, CR LF one


def test_a_utf8_byte_order_mark_is_dropped():
    assert decode(b"\xef\xbb\xbf" + LF) == decode(LF)


def test_undecodable_bytes_are_replaced_only_when_asked():
    assert decode(b"caf\xe9", errors="replace") == "caf\ufffd"
