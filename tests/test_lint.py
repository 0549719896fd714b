"""`specdsl lint`: exit codes, the IR dump, and the bad-input corpus (golden stderr)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from specdsl.commands.lint import run_lint

ROOT = Path(__file__).parents[1]
BAD = ROOT / "tests" / "data" / "bad"
CASES = sorted(p.stem for p in BAD.glob("*.expect"))


def _args(spec: Path) -> tuple[list[str], dict[str, int]]:
    """Options from a first line `// lint: --set NAME=VALUE ...`."""
    first = spec.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    if "// lint:" not in first:
        return [], {}
    words = shlex.split(first.split("// lint:", 1)[1])
    overrides = {}
    for flag, value in zip(words[::2], words[1::2]):
        assert flag == "--set"
        name, _, number = value.partition("=")
        overrides[name] = int(number)
    return words, overrides


@pytest.fixture
def symlink_loop():
    """Two links pointing at each other, for `import_symlink_loop` (made here: a checkout keeps no loop)."""
    a, b = BAD / "symlink_loop_a.sw", BAD / "symlink_loop_b.sw"
    a.symlink_to(b.name)
    b.symlink_to(a.name)
    yield
    a.unlink()
    b.unlink()


def test_every_bad_input_has_a_golden_file():
    helpers = {"import_cycle_helper"}
    assert {p.stem for p in BAD.glob("*.sw")} - helpers == set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name, monkeypatch, capsys, request):
    monkeypatch.chdir(ROOT)
    if name == "import_symlink_loop":
        request.getfixturevalue("symlink_loop")
    spec = BAD / f"{name}.sw"
    _, overrides = _args(spec)
    assert run_lint([f"tests/data/bad/{name}.sw"], overrides) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert "Traceback" not in out.err
    assert out.err == (BAD / f"{name}.expect").read_text(encoding="utf-8")


def test_good_specs_are_clean(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert run_lint(["tests/data/lost_update.sw", "tests/data/sleepy.sw"], {}) == 0
    assert capsys.readouterr().err == ""


def test_a_directory_checks_protocols_and_parses_libraries(tmp_path, capsys):
    (tmp_path / "lib.sw").write_text("var y: bool = false\ninvariant Uses: p at a or p at done\n")
    (tmp_path / "spec.sw").write_text('import "lib.sw"\nprocess p {\n  a:\n    y := true\n}\n')
    assert run_lint([str(tmp_path)], {}) == 0  # the library alone would not check; its importer does
    (tmp_path / "broken.sw").write_text("var y: bool =\n")
    assert run_lint([str(tmp_path)], {}) == 2
    assert "broken.sw:1:14: error: unexpected end of file: expected an expression" in capsys.readouterr().err


def test_missing_path(capsys):
    assert run_lint(["no/such/dir"], {}) == 2
    assert capsys.readouterr().err == "no/such/dir: error: no such file or directory\n"


def test_lint_reports_every_missing_path_not_only_the_first(capsys):
    assert run_lint(["no/such/dir", "nor/this.sw"], {}) == 2
    err = capsys.readouterr().err
    assert "no/such/dir: error: no such file or directory" in err
    assert "nor/this.sw: error: no such file or directory" in err


def test_dump_ir(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert run_lint(["tests/data/lost_update.sw"], {}, dump_ir=True) == 0
    out = capsys.readouterr().out
    assert out.startswith("system lost_update (tests/data/lost_update.sw)\n")
    assert "  inc_write(self in 1..2)  [inc.write, tests/data/lost_update.sw:12]\n" in out


def test_command_line():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "specdsl",
            "lint",
            "tests/data/bad/unknown_name.sw",
            "tests/data/lost_update.sw",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr == (BAD / "unknown_name.expect").read_text(encoding="utf-8")
