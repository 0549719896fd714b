"""find_specs and load_system: paths, imports, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from specdsl.ir import BOOL
from specdsl.lang.errors import SpecError
from specdsl.lang.loader import SpecFile, find_specs, load_system, spec_files

ROOT = Path(__file__).parents[1]
PROC = "process p {\n  a:\n    skip\n}\n"


def messages(e: pytest.ExceptionInfo[SpecError]) -> list[str]:
    return [f"{Path(d.span.file).name}:{d.span.line}:{d.span.col}: {d.message}" for d in e.value.diagnostics]


def test_find_specs_skips_libraries_and_sorts(tmp_path):
    (tmp_path / "b.sw").write_text(PROC)
    (tmp_path / "a.sw").write_text('import "common.sw"\n' + PROC)
    (tmp_path / "common.sw").write_text("var x: bool = false\nenvironment env {\n  e:\n    skip\n}\n")
    (tmp_path / "notes.txt").write_text(PROC)
    assert find_specs([str(tmp_path)]) == [tmp_path / "a.sw", tmp_path / "b.sw"]
    assert find_specs([str(tmp_path / "common.sw")]) == [tmp_path / "common.sw"]  # named explicitly


def test_lint_and_check_find_the_same_files(tmp_path):
    """One discovery (`spec_files`) for every command: lint gets the libraries too, marked
    as such; check and gen get what find_specs keeps of the same list."""
    (tmp_path / "b.sw").write_text(PROC)
    (tmp_path / "common.sw").write_text("var x: bool = false\n")
    paths = [str(tmp_path), str(tmp_path / "common.sw")]
    found = spec_files(paths)
    assert found == [
        SpecFile(tmp_path / "b.sw", protocol=True, named=False),
        SpecFile(tmp_path / "common.sw", protocol=False, named=False),
        SpecFile(tmp_path / "common.sw", protocol=False, named=True),
    ]
    assert find_specs(paths) == [tmp_path / "b.sw", tmp_path / "common.sw"]


def test_find_specs_reports_missing_paths(tmp_path):
    with pytest.raises(SpecError) as e:
        find_specs([str(tmp_path / "nope"), str(tmp_path)])
    assert messages(e) == ["nope:0:0: no such file or directory"]


def test_find_specs_on_the_protocols():
    specs = find_specs([str(ROOT / "specs")])
    if not specs:
        pytest.skip("no protocols yet")
    assert all(p.stem != "swapin_common" for p in specs)


def test_load_system_names_and_params(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("specs").mkdir()
    Path("specs/x.sw").write_text("const A = 1\nconst B = A + 1\nvar v: 0..B = 0\n" + PROC)
    s = load_system("specs/x.sw", {"A": 3})
    assert (s.name, s.file, s.params) == ("x", "specs/x.sw", (("A", 3), ("B", 4)))
    assert s.var("v").span.file == "specs/x.sw"


def test_imports_are_relative_and_shared_files_read_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("d/lib").mkdir(parents=True)
    Path("d/lib/base.sw").write_text("var x: bool = false\n")
    Path("d/lib/left.sw").write_text('import "base.sw"\ninvariant L: not x or x\n')
    Path("d/lib/right.sw").write_text('import "base.sw"\ninvariant R: x or not x\n')
    Path("d/spec.sw").write_text(
        'import "lib/left.sw"\nimport "lib/right.sw"\n' + PROC + "invariant S: true\n"
    )
    s = load_system("d/spec.sw")
    assert [p.name for p in s.properties] == ["TypeOK", "L", "R", "S", "DeadlockFree"]
    assert s.var("x").span.file == "d/lib/base.sw"


def test_missing_import_and_cycle(tmp_path):
    (tmp_path / "a.sw").write_text('import "b.sw"\nimport "gone.sw"\n' + PROC)
    (tmp_path / "b.sw").write_text('import "a.sw"\nvar y: bool = true\n')
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "a.sw")
    cycle = " -> ".join(str(tmp_path / n) for n in ("a.sw", "b.sw", "a.sw"))
    gone = tmp_path / "gone.sw"
    assert messages(e) == [
        f"b.sw:1:8: import cycle: {cycle}",
        f"a.sw:2:8: cannot find the imported file `gone.sw` (looked for {gone})",
    ]


def test_unreadable_inputs(tmp_path):
    (tmp_path / "bin.sw").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin.sw").write_bytes(b"var x: bool = false\n// \xe9t\xe9\n")
    for name, message in [
        ("bin.sw", "bin.sw:0:0: not a text file (it contains NUL bytes)"),
        ("latin.sw", "latin.sw:2:4: the file is not valid UTF-8 (byte 0xe9)"),
        ("missing.sw", "missing.sw:0:0: cannot read the file: No such file or directory"),
    ]:
        with pytest.raises(SpecError) as e:
            load_system(tmp_path / name)
        assert messages(e) == [message]


def test_render_shows_the_line_and_a_caret(tmp_path):
    (tmp_path / "x.sw").write_text("var count: 0..3 = 0\nprocess p {\n  a:\n\tcount := cont\n}\n")
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "x.sw")
    assert e.value.render() == (
        f"{tmp_path / 'x.sw'}:4:11: error: unknown name `cont`; did you mean `count`?\n"
        "    \tcount := cont\n"
        "    \t         ^"
    )


def test_a_cr_only_file_is_a_protocol_not_one_long_comment(tmp_path):
    spec = "// a comment first\nvar x: 0..3 = 0\nprocess p {\n  a:\n    x := 1\n}\ninvariant Small: x < 2\n"
    (tmp_path / "lf.sw").write_bytes(spec.encode())
    (tmp_path / "cr.sw").write_bytes(spec.replace("\n", "\r").encode())
    (tmp_path / "crlf.sw").write_bytes(spec.replace("\n", "\r\n").encode())
    (tmp_path / "bom.sw").write_bytes(b"\xef\xbb\xbf" + spec.encode())
    assert [p.name for p in find_specs([str(tmp_path)])] == ["bom.sw", "cr.sw", "crlf.sw", "lf.sw"]
    systems = [load_system(tmp_path / f"{name}.sw") for name in ("lf", "cr", "crlf", "bom")]
    assert all(s.variables == systems[0].variables and s.actions == systems[0].actions for s in systems)
    assert [s.property("Small").span.line for s in systems] == [7, 7, 7, 7]


def test_errors_in_cr_only_and_bom_files_point_at_the_right_line_and_column(tmp_path):
    (tmp_path / "cr.sw").write_bytes(b"var x: 0..3 = 0\rprocess p {\r  a:\r    x := y\r}\r")
    bom_crlf = b"\xef\xbb\xbfvar x: 0..3 = z\r\nprocess p {\r\n  a:\r\n    skip\r\n}\r\n"
    (tmp_path / "bom.sw").write_bytes(bom_crlf)
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "cr.sw")
    assert e.value.render().splitlines()[1:] == ["        x := y", "             ^"]
    assert messages(e) == ["cr.sw:4:10: unknown name `y`"]
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "bom.sw")
    assert e.value.render().splitlines()[1:] == ["    var x: 0..3 = z", "                  ^"]


def test_a_utf16_file_is_refused_as_not_utf8(tmp_path):
    (tmp_path / "u16.sw").write_bytes("var x: bool = false\n".encode("utf-16"))
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "u16.sw")
    assert messages(e) == ["u16.sw:0:0: the file is UTF-16 text: save it as UTF-8"]


def _spec_importing(path: str) -> str:
    return f'import "{path}"\n' + PROC


def test_an_import_of_a_non_spec_file_never_shows_its_content(tmp_path):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / ".env").write_text("API_KEY=hunter2\n")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "direct.sw").write_text(_spec_importing("../secret/.env"))
    (tmp_path / "proj" / "link.sw").symlink_to(tmp_path / "secret" / ".env")
    (tmp_path / "proj" / "via_link.sw").write_text(_spec_importing("link.sw"))
    for name, problem in [
        ("direct", "cannot import `../secret/.env`: not a `.sw` file"),
        (
            "via_link",
            f"cannot import `link.sw`: a link to `{tmp_path / 'secret' / '.env'}`, which is not a `.sw` file",
        ),
    ]:
        with pytest.raises(SpecError) as e:
            load_system(tmp_path / "proj" / f"{name}.sw", allow_import_outside=True)
        assert messages(e) == [f"{name}.sw:1:8: {problem}"]
        assert "hunter2" not in e.value.render()


def test_a_non_spec_file_named_as_the_spec_is_not_parsed(tmp_path):
    (tmp_path / ".env").write_text("API_KEY=hunter2\n")
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / ".env")
    assert messages(e) == [".env:0:0: not a `.sw` file"]


def test_an_import_outside_the_spec_directory_is_refused_unless_allowed(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "common.sw").write_text("var y: bool = false\n")
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    (tmp_path / "proj" / "sub" / "inner.sw").write_text('import "../../lib/common.sw"\n')
    (tmp_path / "proj" / "spec.sw").write_text(_spec_importing("sub/inner.sw"))
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "proj" / "spec.sw")
    where = tmp_path / "proj"
    assert messages(e) == [
        f"inner.sw:1:8: cannot import `../../lib/common.sw`: it is outside `{where}`, the directory of the"
        " spec being checked (pass --allow-import-outside to allow that)"
    ]
    assert load_system(tmp_path / "proj" / "spec.sw", allow_import_outside=True).var("y").type == BOOL
    (tmp_path / "proj" / "sub" / "inner.sw").write_text("var y: bool = false\n")  # inside the tree: fine
    assert load_system(tmp_path / "proj" / "spec.sw").var("y").type == BOOL


def test_a_symlink_loop_in_an_import_is_an_error_at_the_import_not_an_internal_error(tmp_path):
    (tmp_path / "a.sw").symlink_to(tmp_path / "b.sw")
    (tmp_path / "b.sw").symlink_to(tmp_path / "a.sw")
    (tmp_path / "spec.sw").write_text(_spec_importing("a.sw"))
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "spec.sw")
    assert messages(e) == ["spec.sw:1:8: cannot import `a.sw`: Too many levels of symbolic links"]
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "a.sw")
    assert messages(e) == ["a.sw:0:0: cannot read the file: Too many levels of symbolic links"]


def test_an_unreadable_or_empty_import_is_an_error_at_the_import(tmp_path, monkeypatch):
    (tmp_path / "dir.sw").mkdir()
    (tmp_path / "empty.sw").write_text("// nothing\n")
    (tmp_path / "locked.sw").write_text("var y: bool = false\n")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.sw":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (tmp_path / "spec.sw").write_text('import "dir.sw"\nimport "empty.sw"\nimport "locked.sw"\n' + PROC)
    with pytest.raises(SpecError) as e:
        load_system(tmp_path / "spec.sw")
    assert messages(e) == [
        "spec.sw:1:8: cannot import `dir.sw`: a directory, not a file",
        "spec.sw:2:8: imported file `empty.sw`: the file is empty: nothing is declared",
        "spec.sw:3:8: imported file `locked.sw`: cannot read the file: Permission denied",
    ]
