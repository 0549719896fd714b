"""`specdsl gen`: atomic writes, `--check` and its exit codes, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from ir_examples import lost_update

from specdsl import loader
from specdsl.cli import main
from specdsl.errors import Diagnostic, SpecError
from specdsl.ir import Span
from specdsl.tla.emit import emit

SPECS = Path(__file__).parent.parent / "specs"


@pytest.fixture
def fake_front_end(monkeypatch):
    """`x.sw` loads as lost_update (the generator only needs the IR)."""
    monkeypatch.setattr(loader, "find_specs", lambda paths: [Path("x.sw")])
    monkeypatch.setattr(loader, "load_system", lambda path, overrides, **options: lost_update())


def test_gen_writes_every_file_then_check_is_clean(tmp_path, fake_front_end, capsys):
    out = tmp_path / "generated"
    assert main(["gen", "x.sw", "-o", str(out)]) == 0
    expected = emit(lost_update()).files()
    assert {p.name: p.read_text() for p in out.iterdir()} == expected
    assert sorted(capsys.readouterr().out.split()) == sorted(str(out / n) for n in expected)
    assert main(["gen", "x.sw", "-o", str(out), "--check"]) == 0


def test_check_lists_stale_and_missing_files(tmp_path, fake_front_end, capsys):
    out = tmp_path / "generated"
    main(["gen", "x.sw", "-o", str(out)])
    (out / "lost_update.tla").write_text("old\n")
    (out / "lost_update.cfg").unlink()
    capsys.readouterr()
    assert main(["gen", "x.sw", "-o", str(out), "--check"]) == 1
    err = capsys.readouterr().err
    assert f"{out / 'lost_update.tla'}: stale" in err and f"{out / 'lost_update.cfg'}: missing" in err
    assert (out / "lost_update.tla").read_text() == "old\n"  # --check writes nothing


def test_unchanged_files_are_left_alone_and_no_temporary_files_remain(tmp_path, fake_front_end, capsys):
    out = tmp_path / "generated"
    main(["gen", "x.sw", "-o", str(out)])
    module = out / "lost_update.tla"
    before = module.stat().st_mtime_ns
    (out / "lost_update.cfg").write_text("old\n")
    capsys.readouterr()
    assert main(["gen", "x.sw", "-o", str(out)]) == 0
    assert capsys.readouterr().out.split() == [str(out / "lost_update.cfg")]
    assert module.stat().st_mtime_ns == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert oct(module.stat().st_mode & 0o777) == oct(0o644)


def test_bad_input_exits_2_with_the_rendered_error(tmp_path, monkeypatch, capsys):
    def fail(path, overrides, **options):
        raise SpecError([Diagnostic(Span("x.sw", 0, 0), "something is wrong")])

    monkeypatch.setattr(loader, "find_specs", lambda paths: [Path("x.sw")])
    monkeypatch.setattr(loader, "load_system", fail)
    assert main(["gen", "x.sw", "-o", str(tmp_path), "--check"]) == 2
    assert capsys.readouterr().err.strip() == "x.sw: error: something is wrong"


def test_missing_path_exits_2(tmp_path, capsys):
    assert main(["gen", str(tmp_path / "nope.sw"), "-o", str(tmp_path)]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_unwritable_output_exits_2(tmp_path, fake_front_end, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["gen", "x.sw", "-o", str(blocker / "sub")]) == 2
    assert capsys.readouterr().err.startswith("specdsl gen: cannot write")


def test_committed_generated_files_are_fresh(monkeypatch):
    """The contract: generated/ is what `specdsl gen specs` writes (from the
    repository's root: the modules name their sources by the paths given)."""
    monkeypatch.chdir(SPECS.parent)
    generated = SPECS.parent / "generated"
    try:
        specs = loader.find_specs([str(SPECS)])
        for spec in specs:
            loader.load_system(spec, {})
    except SpecError as e:
        pytest.skip(f"the specs do not load yet: {e}")
    if not any(generated.glob("*.tla")):
        pytest.skip("generated/ has not been committed yet")
    assert main(["gen", "specs", "-o", "generated", "--check"]) == 0


def test_files_no_spec_generates_any_more_are_reported_then_removed(tmp_path, fake_front_end, capsys):
    out = tmp_path / "generated"
    main(["gen", "x.sw", "-o", str(out)])
    (out / "lost_update_live_Gone.cfg").write_text("old\n")  # a model the spec no longer has
    (out / "other_spec.tla").write_text("old\n")  # another spec's: kept, x.sw is not every spec
    (out / "notes.txt").write_text("mine\n")
    capsys.readouterr()
    assert main(["gen", "x.sw", "-o", str(out), "--check"]) == 1
    assert "lost_update_live_Gone.cfg: orphaned" in capsys.readouterr().err
    assert main(["gen", "x.sw", "-o", str(out)]) == 0
    assert capsys.readouterr().out.split() == ["removed", str(out / "lost_update_live_Gone.cfg")]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("lost_update")) == [
        "notes.txt",
        "other_spec.tla",
    ]
    assert main(["gen", "x.sw", "-o", str(out), "--check"]) == 0


def test_with_a_spec_directory_the_files_of_a_deleted_spec_are_orphaned(tmp_path, fake_front_end, capsys):
    out = tmp_path / "generated"
    main(["gen", "x.sw", "-o", str(out)])
    (out / "deleted_spec.tla").write_text("old\n")
    capsys.readouterr()
    assert main(["gen", str(tmp_path), "-o", str(out), "--check"]) == 1
    assert "deleted_spec.tla: orphaned" in capsys.readouterr().err
