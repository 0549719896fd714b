"""The Markdown report: a table for a pull-request comment."""

from __future__ import annotations

from dataclasses import replace

from driver_fakes import FakeEngine, run_matrix
from ir_examples import lost_update

from specdsl.report.markdown import render
from specdsl.verdicts import Interruption


def table_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_the_table_shape():
    systems = [lost_update(), replace(lost_update(), name="other")]
    text = render(run_matrix(systems, tlc=FakeEngine("tlc"), z3=FakeEngine("z3", bound=9)), diagrams=False)
    rows = table_rows(text)
    assert rows[0] == ["fix", "TypeOK", "Final", "DeadlockFree", "BothRead", "Terminates"]
    assert set(rows[1]) == {"---"}
    assert [r[0] for r in rows[2:]] == ["lost_update", "other"]
    assert all(len(r) == 6 for r in rows)
    assert rows[2][2] == "✅ tlc violated @4<br>✅ z3 violated @4"
    assert rows[2][1] == "✅ tlc holds (complete)<br>✅ z3 holds (bounded ≤9)"
    assert text.startswith("### specdsl check: FAILED")  # Terminates has no result
    assert "<details>" not in text


def test_unexpected_results_are_listed_and_counterexamples_folded():
    system = replace(lost_update(), expectations=())
    text = render(run_matrix([system], ["Final"], tlc=FakeEngine("tlc")), diagrams=True)
    rows = table_rows(text)
    assert rows[0] == ["fix", "Final"] and rows[2] == ["lost_update", "❌ violated @4"]
    assert "- ❌ lost_update · Final · tlc: violated @4, expected holds" in text
    assert "<details><summary>lost_update · Final: violated @4 (tlc)</summary>" in text
    assert "```text\nlost_update: a 4-step trace that violates Final" in text


def test_a_disagreement_is_marked_and_shows_the_trace():
    run = run_matrix(names=["Final"], tlc=FakeEngine("tlc"), z3=FakeEngine("z3", verdicts={"Final": "holds"}))
    text = render(run, diagrams=False)
    assert table_rows(text)[2][1] == "⚠️ tlc violated @4<br>⚠️ z3 holds (complete)"
    assert "⚠️ lost_update · Final: tlc says violated, z3 says holds (both complete)" in text
    assert "found by tlc" in text


def test_the_inductive_invariant_of_a_proof_is_folded_under_the_table():
    lemmas = ("not (inc_pc[1] == write and x == 2)", "not (x == 3)")
    text = render(run_matrix(names=["TypeOK", "Final"], z3=FakeEngine("z3", lemmas=lemmas)), diagrams=False)
    title = "lost_update: TypeOK proved by an inductive invariant of 2 lemmas (z3)"
    assert f"<details><summary>{title}</summary>\n\n```text\n{lemmas[0]}\n{lemmas[1]}\n```" in text


def test_an_interrupted_run_says_it_is_incomplete():
    run = run_matrix(names=["Final"], tlc=FakeEngine("tlc"))
    text = render(replace(run, interruption=Interruption(2, 1, 3)), diagrams=False)
    assert "**INCOMPLETE: interrupted (SIGINT): 1 of 3 jobs done;" in text
