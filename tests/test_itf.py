"""ITF traces (`specdsl.report.itf`)."""

from __future__ import annotations

import json

from driver_fakes import shortest_trace
from ir_examples import lost_update
from oracle import explore

from specdsl.ir import MapVal, Rec, Tag
from specdsl.report import itf
from specdsl.trace import build_trace
from specdsl.verdicts import Result


def test_value_encoding():
    assert itf.encode_value(True) is True
    assert itf.encode_value(-3) == {"#bigint": "-3"}
    assert itf.encode_value(Tag("None")) == {"tag": "None", "value": {"#tup": []}}
    assert itf.encode_value(Tag("Swap", 0)) == {"tag": "Swap", "value": {"#bigint": "0"}}
    record = Rec((("count", 1), ("cached", False)))
    assert itf.encode_value(record) == {"count": {"#bigint": "1"}, "cached": False}
    assert itf.encode_value(MapVal(((0, 2),))) == {"#map": [[{"#bigint": "0"}, {"#bigint": "2"}]]}
    assert itf.encode_value(frozenset({2, 1})) == {"#set": [{"#bigint": "1"}, {"#bigint": "2"}]}


def test_a_trace_document():
    system = lost_update()
    trace = shortest_trace(explore(system), system.property("Final"))
    result = Result(system.name, "Final", "invariant", "z3", "bmc", "violated", trace=trace)
    doc = json.loads(itf.dumps(system, result))
    assert doc["#meta"]["format"] == "ITF"
    assert doc["vars"] == ["x", "inc_tmp", "inc_pc"]
    assert [s["#meta"]["index"] for s in doc["states"]] == [0, 1, 2, 3, 4]
    assert "action" not in doc["states"][0]["#meta"]
    assert doc["states"][1]["#meta"]["action"] == "inc[1].read"
    assert doc["states"][4]["x"] == {"#bigint": "1"}
    assert set(doc["states"][0]) == {"#meta", *doc["vars"]}
    assert "loop" not in doc
    assert itf.file_name(system, result) == "lost_update.Final.z3.itf.json"


def test_a_lasso_has_a_loop_index():
    system = lost_update()
    trace = shortest_trace(explore(system), system.property("Final"))
    done = trace.steps[-1].state
    lasso = build_trace(system, [s.state for s in trace.steps] + [done], loop_start=5)
    result = Result(system.name, "Terminates", "temporal", "tlc", "explicit", "violated", trace=lasso)
    assert itf.to_itf(system, result)["loop"] == 5
