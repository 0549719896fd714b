"""TLA+ names: a spec's module name (`module_name`)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ir_examples import lost_update

from specdsl.engine import EngineOptions
from specdsl.tla.emit import emit
from specdsl.tla.engine import TlcEngine
from specdsl.tla.names import LIBRARY_MODULES, ModuleName, module_name
from specdsl.tla.run import ToolError, find_jar, locate

TLA_NAME = re.compile(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*")


def test_an_ordinary_spec_name_is_its_module_name():
    assert module_name("pte_marker_locked") == ModuleName("pte_marker_locked", "")


@pytest.mark.parametrize(
    "spec, module",
    [
        ("Naturals", "Naturals_spec"),
        ("TLC", "TLC_spec"),
        ("naturals", "naturals_spec"),
        ("IOUtils", "IOUtils_spec"),
    ],
)
def test_a_spec_named_like_a_library_module_does_not_shadow_it(spec, module):
    name = module_name(spec)
    assert name.name == module and "would shadow the library module" in name.why


def test_every_standard_module_of_the_bundled_tlc_is_reserved():
    with zipfile.ZipFile(find_jar()) as jar:
        standard = {
            n.removeprefix("tla2sany/StandardModules/").removesuffix(".tla")
            for n in jar.namelist()
            if n.startswith("tla2sany/StandardModules/") and n.endswith(".tla")
        }
    assert standard and standard <= LIBRARY_MODULES


@given(st.text(max_size=20))
def test_illegal_characters_in_a_file_stem_never_reach_the_module_name(stem):
    name = module_name(stem)
    assert TLA_NAME.fullmatch(name.name), name
    assert not name.name.startswith(("WF_", "SF_"))  # prefix tokens of TLA+'s lexer
    assert name.name.casefold() not in {m.casefold() for m in LIBRARY_MODULES}
    assert (name.why == "") == (name.name == stem)


def test_the_module_is_named_by_module_name_and_says_why():
    emitted = emit(replace(lost_update(), name="a-b"))
    assert emitted.module == module_name("a-b").name == "a_b"
    assert "\\* The module is named a_b: `a-b` is not a TLA+ identifier.\n" in emitted.text


def test_a_spec_named_tlc_is_checked_by_the_tlc_engine():
    """The engine's wrapper module extends TLC: a spec module named TLC beside it shadowed the
    standard module, and SANY rejected the run."""
    try:
        locate(None)
    except ToolError as e:
        pytest.skip(str(e))
    options = EngineOptions(workers=1, timeout=120)
    verdicts = {}
    for name in ("lost_update", "TLC"):
        system = replace(lost_update(), name=name)
        results = TlcEngine().check(system, system.properties, options)
        assert not [r.message for r in results if r.verdict == "error"]
        verdicts[name] = {r.property: r.verdict for r in results}
    assert verdicts["TLC"] == verdicts["lost_update"]
