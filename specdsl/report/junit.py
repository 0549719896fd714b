"""The JUnit XML report: one test suite per spec, one test case per
(property, engine).  An unexpected verdict or a disagreement is a failure
carrying the counterexample diagram(s); an engine's error, and a property no
engine could decide, is an error (as for the exit code, 3); an engine's unknown
on a property another engine decided is skipped.  Expected counterexamples are attached as system-out.  An
interrupted run's report has a test case in error saying so."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from specdsl.report import diagram
from specdsl.report.table import incomplete_note
from specdsl.verdicts import CheckRun, Judged, SpecOutcome, verdict_text


def render(run: CheckRun) -> str:
    root = ET.Element("testsuites", name="specdsl", time=f"{run.seconds:.3f}")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    suites = [_suite(spec) for spec in run.specs]
    incomplete = incomplete_note(run)
    if incomplete:  # a test case in error, so that CI shows it
        suites.insert(0, _incomplete(incomplete))
    for suite in suites:
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, n in totals.items():
        root.set(key, str(n))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _incomplete(note: str) -> ET.Element:
    suite = ET.Element("testsuite", name="specdsl", tests="1", failures="0", errors="1", skipped="0")
    case = ET.SubElement(suite, "testcase", classname="specdsl", name="the run finished", time="0.000")
    ET.SubElement(case, "error", message=note, type="interrupted")
    return suite


def _suite(spec: SpecOutcome) -> ET.Element:
    system = spec.system
    suite = ET.Element("testsuite", name=system.name, file=system.file)
    props = ET.SubElement(suite, "properties")
    for name, value in system.params:
        ET.SubElement(props, "property", name=f"param.{name}", value=str(value))
    counts = dict.fromkeys(("failures", "errors", "skipped"), 0)
    unresolved = set(spec.unresolved)
    for j in spec.judged:
        case = _case(spec, j, unresolved)
        suite.append(case)
        for tag, key in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            counts[key] += case.find(tag) is not None
    suite.set("tests", str(len(spec.judged)))
    for key, n in counts.items():
        suite.set(key, str(n))
    suite.set("time", f"{sum(j.result.seconds for j in spec.judged):.3f}")
    return suite


def _case(spec: SpecOutcome, j: Judged, unresolved: set[str]) -> ET.Element:
    r = j.result
    case = ET.Element(
        "testcase",
        classname=f"specdsl.{spec.system.name}",
        name=f"{r.property} [{r.engine}]",
        file=spec.system.file,
        time=f"{r.seconds:.3f}",
    )
    d = spec.disagreement_for(r.property)
    summary = f"{verdict_text(r)} ({r.method}), expected {j.wanted}"
    if d is not None:
        failure = ET.SubElement(case, "failure", message=f"engines disagree: {d.reason}", type="disagreement")
        failure.text = "\n".join(diagram.render(spec.system, x) for x in (d.first, d.second) if x.trace)
    elif j.status == "unexpected":
        failure = ET.SubElement(case, "failure", message=summary, type="unexpected")
        failure.text = diagram.render(spec.system, r) if r.trace is not None else r.message
    elif j.status == "no result":
        tag = "error" if r.property in unresolved or r.verdict == "error" else "skipped"
        ET.SubElement(case, tag, message=f"{r.verdict}: {r.message}", type=r.verdict)
    elif r.trace is not None:  # an expected violation, or a witness reached
        summary += "\n\n" + diagram.render(spec.system, r)
    ET.SubElement(case, "system-out").text = summary
    return case
