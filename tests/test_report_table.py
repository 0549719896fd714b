"""The terminal report: the matrix, the notes and the diagrams."""

from __future__ import annotations

from dataclasses import replace

from driver_fakes import FakeEngine, run_matrix
from ir_examples import lost_update

from specdsl.report.table import render, summary
from specdsl.verdicts import Interruption, Result, verdict_text


def test_verdict_strength():
    r = Result("s", "P", "invariant", "z3", "bmc", "holds")
    assert verdict_text(r) == "holds (complete)"
    assert verdict_text(r.with_(bound=30)) == "holds (bounded ≤30)"
    assert verdict_text(r.with_(method="k-induction")) == "holds (proved: k-induction)"
    assert verdict_text(r.with_(method="strengthening")) == "holds (proved: strengthening)"
    assert verdict_text(r.with_(method="pdr")) == "holds (proved: pdr)"
    assert verdict_text(r.with_(verdict="unreachable", bound=5)) == "unreachable (bounded ≤5)"
    assert verdict_text(r.with_(verdict="unknown")) == "unknown"


def table_rows(text: str) -> list[list[str]]:
    """The cells of the matrix's one-line rows."""
    rows = [line.strip("│ ").split("│") for line in text.splitlines() if line.startswith("│")]
    return [[cell.strip() for cell in row] for row in rows]


def test_matrix_rows_are_fixes_and_columns_properties():
    systems = [lost_update(), replace(lost_update(), name="other", properties=lost_update().properties[:2])]
    text = render(run_matrix(systems, tlc=FakeEngine("tlc")), diagrams=False, color=False, width=200)
    rows = {cells[0]: cells[1:] for cells in table_rows(text)}
    assert rows["fix"] == ["TypeOK", "Final", "DeadlockFree", "BothRead", "Terminates"]
    assert rows["other"] == ["holds (complete)", "violated @4", "—", "—", "—"]  # other declares two
    assert "\x1b[" not in text  # no colour codes when not on a terminal


def test_one_engine_omits_engine_names_and_two_show_both():
    one = render(run_matrix(names=["TypeOK"], tlc=FakeEngine("tlc")), diagrams=False, color=False, width=120)
    assert "holds (complete)" in one and "tlc holds" not in one
    two = run_matrix(names=["TypeOK"], tlc=FakeEngine("tlc"), z3=FakeEngine("z3", method="pdr"))
    text = render(two, diagrams=False, color=False, width=120)
    assert "tlc holds (complete)" in text and "z3 holds (proved: pdr)" in text


def test_summary_counts():
    run = run_matrix(tlc=FakeEngine("tlc"))
    assert summary(run).startswith(
        "1 spec(s), 5 properties, 5 results: 4 as expected, 0 unexpected, 0 disagreeing, 1 unknown, 0 error ("
    )
    assert summary(run).endswith("; unknown or error: lost_update: Terminates (tlc unknown)")


def counts(text: str) -> dict[str, int]:
    """The summary's count of each category, and its number of results."""
    head = text.split(" (")[0]
    results = int(head.split(" results: ")[0].split(", ")[-1])
    pairs = [part.split(" ", 1) for part in head.split(" results: ")[1].split(", ")]
    return {"results": results, **{kind: int(n) for n, kind in pairs}}


def test_summary_counts_an_unknown_cell_whose_twin_decided_the_property():
    # Terminates: tlc unknown, z3 holds; it used to be counted nowhere (4 + 0 for 10 results).
    run = run_matrix(tlc=FakeEngine("tlc"), z3=FakeEngine("z3", verdicts={"Terminates": "holds"}))
    found = counts(summary(run))
    assert found == {
        "results": 10, "as expected": 9, "unexpected": 0, "disagreeing": 0, "unknown": 1, "error": 0,
    }  # fmt: skip
    assert summary(run).endswith("; unknown or error: lost_update: Terminates (tlc unknown)")


def test_summary_counts_every_cell_once():
    system = replace(lost_update(), expectations=(("Final", "violated"), ("DeadlockFree", "violated")))
    tlc = FakeEngine("tlc", verdicts={"TypeOK": "error", "Terminates": "holds"})
    z3 = FakeEngine("z3", verdicts={"Final": "holds", "Terminates": "holds"})
    found = counts(summary(run_matrix([system], tlc=tlc, z3=z3)))
    # TypeOK: tlc error, z3 as expected; Final: disagreeing twice; DeadlockFree (holds): unexpected
    # twice; BothRead (a witness, reached): as expected twice; Terminates: as expected twice.
    assert found == {
        "results": 10, "as expected": 5, "unexpected": 2, "disagreeing": 2, "unknown": 0, "error": 1,
    }  # fmt: skip


def test_summary_names_the_properties_without_a_verdict_from_every_engine():
    tlc = FakeEngine("tlc", verdicts={"TypeOK": "error", "Final": "error", "Terminates": "unknown"})
    z3 = FakeEngine("z3", verdicts={"Final": "unknown", "Terminates": "holds"})
    text = summary(run_matrix(tlc=tlc, z3=z3))
    assert text.endswith(
        "; unknown or error: lost_update: TypeOK (tlc error), Final (tlc error, z3 unknown), "
        "Terminates (tlc unknown)"
    )
    everything = {p.name: "error" for p in lost_update().properties}
    text = summary(run_matrix(tlc=FakeEngine("tlc", verdicts=everything)))
    assert text.endswith("; unknown or error: lost_update: every property (tlc error)")


def test_diagrams_follow_the_matrix_one_per_property():
    run = run_matrix(names=["Final", "BothRead"], tlc=FakeEngine("tlc"), z3=FakeEngine("z3"))
    text = render(run, diagrams=True, color=False, width=120)
    assert text.count("a 4-step trace that violates Final") == 1  # the shortest of the two
    assert "reaches BothRead" not in text  # a reached witness is not a counterexample
    assert text.index("violated @4") < text.index("4-step trace")


def test_colour_on_a_terminal():
    text = render(run_matrix(names=["Final"], tlc=FakeEngine("tlc")), diagrams=False, color=True, width=100)
    assert "\x1b[" in text


def test_one_diagram_for_properties_refuted_by_the_same_trace():
    system = lost_update()
    again = replace(system.property("Final"), name="FinalAgain")
    system = replace(system, properties=(*system.properties, again), expectations=(("Final", "violated"),))
    text = render(run_matrix([system], tlc=FakeEngine("tlc")), diagrams=True, color=False, width=160)
    assert text.count("4-step trace") == 1
    assert "lost_update · Final: violated @4 (tlc); the same trace refutes FinalAgain" in text


def test_a_proof_by_an_inductive_invariant_is_named_after_the_matrix():
    run = run_matrix(names=["TypeOK", "Final"], z3=FakeEngine("z3", lemmas=("not (x == 3)",)))
    text = render(run, diagrams=False, color=False, width=200)
    assert (
        "lost_update: TypeOK proved by an inductive invariant of 1 lemma (z3); --format markdown lists them"
        in text
    )
    assert "inductive invariant" not in render(
        run_matrix(names=["TypeOK"], z3=FakeEngine("z3")), diagrams=False, color=False, width=200
    )


def test_an_interrupted_run_says_it_is_incomplete():
    run = run_matrix(names=["Final"], tlc=FakeEngine("tlc"))
    assert "INCOMPLETE" not in render(run, diagrams=False, color=False, width=120)
    text = render(replace(run, interruption=Interruption(2, 1, 3)), diagrams=False, color=False, width=120)
    assert "INCOMPLETE: interrupted (SIGINT): 1 of 3 jobs done; the specs and engines" in text
    empty = replace(run, specs=(), interruption=Interruption(15, 0, 3))  # nothing finished
    assert "INCOMPLETE: interrupted (SIGTERM): 0 of 3 jobs done" in render(
        empty, diagrams=False, color=False, width=120
    )
