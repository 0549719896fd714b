"""The JUnit report, parsed back with xml.etree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from driver_fakes import FakeEngine, run_matrix
from ir_examples import lost_update

from specdsl.report.junit import render
from specdsl.verdicts import Interruption


def parse(run) -> ET.Element:
    return ET.fromstring(render(run))


def counts(element: ET.Element) -> dict[str, str | None]:
    return {key: element.get(key) for key in ("tests", "failures", "errors", "skipped")}


def test_one_testcase_per_spec_property_and_engine():
    root = parse(run_matrix(tlc=FakeEngine("tlc"), z3=FakeEngine("z3", verdicts={"Terminates": "holds"})))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "lost_update"
    names = [case.get("name") for case in suite.findall("testcase")]
    assert names[:4] == ["TypeOK [tlc]", "TypeOK [z3]", "Final [tlc]", "Final [z3]"] and len(names) == 10
    assert {case.get("classname") for case in suite.findall("testcase")} == {"specdsl.lost_update"}
    # Terminates: tlc unknown, but z3 decided it: skipped, not an error.
    assert counts(root) == {"tests": "10", "failures": "0", "errors": "0", "skipped": "1"}
    final = suite.find("testcase[@name='Final [tlc]']")
    assert final is not None and final.find("failure") is None
    assert "a 4-step trace that violates Final" in final.findtext("system-out")


def test_an_unexpected_verdict_is_a_failure_carrying_the_diagram():
    system = replace(lost_update(), expectations=())
    root = parse(run_matrix([system], ["Final"], tlc=FakeEngine("tlc")))
    failure = root.find(".//testcase[@name='Final [tlc]']/failure")
    assert failure is not None and failure.get("type") == "unexpected"
    assert failure.get("message") == "violated @4 (explicit), expected holds"
    assert "inc[1]" in failure.text and "✗ Final is false in state 4" in failure.text
    assert root.get("failures") == "1"


def test_a_disagreement_fails_both_testcases_with_both_traces():
    z3 = FakeEngine("z3", verdicts={"Final": "holds"})
    root = parse(run_matrix(names=["Final"], tlc=FakeEngine("tlc"), z3=z3))
    failures = root.findall(".//failure")
    assert len(failures) == 2 and {f.get("type") for f in failures} == {"disagreement"}
    assert "z3 says holds" in failures[0].get("message")
    assert "found by tlc" in failures[1].text


def test_an_engine_error_is_an_error_even_when_the_other_engine_decided():
    tlc = FakeEngine("tlc", verdicts={"Final": "error"})
    root = parse(run_matrix(names=["Final"], tlc=tlc, z3=FakeEngine("z3")))
    error = root.find(".//testcase[@name='Final [tlc]']/error")
    assert error is not None and error.get("message") == "error: forced error second line"
    assert root.get("errors") == "1"


def test_a_property_without_any_result_is_an_error():
    root = parse(run_matrix(names=["Terminates"], tlc=FakeEngine("tlc")))
    error = root.find(".//testcase/error")
    assert error is not None and error.get("type") == "unknown"
    assert root.get("errors") == "1"


def test_an_interrupted_run_is_an_error_test_case():
    run = run_matrix(names=["Final"], tlc=FakeEngine("tlc"))
    root = parse(replace(run, interruption=Interruption(15, 1, 3)))
    error = root.find("testsuite[@name='specdsl']/testcase/error")
    assert error is not None and error.get("message").startswith("INCOMPLETE: interrupted (SIGTERM): 1 of 3")
    assert root.get("errors") == "1" and root.get("tests") == "2"  # Final [tlc] and the run
