"""Traces in the Informal Trace Format (ITF) of Apalache and Quint.

https://apalache-mc.org/docs/adr/015adr-trace.html.  Encoding of IR values:

- `bool`: a JSON boolean; an integer: `{"#bigint": "3"}`;
- a map: `{"#map": [[key, value], ...]}` in the key type's domain order;
- a set: `{"#set": [...]}` sorted by the DSL text of the elements;
- a record: a JSON object with its fields;
- a tagged value: `{"tag": "Swap", "value": payload}`, the variant encoding
  Quint and Apalache use; a variant without payload (`None`, an enumeration
  constant, a label) carries the empty tuple `{"#tup": []}`, Quint's unit.

Each state's `#meta` carries, besides `index`, the step that led to it
(`action`, as `fault[1].read`, and `source`, as `file:line`); a lasso sets
`loop` to the index of the state the last state steps back to.
"""

from __future__ import annotations

import json
from typing import Any

from specdsl import __version__
from specdsl.interp import describe
from specdsl.ir import MapVal, Rec, System, Tag, Value
from specdsl.values import format_value
from specdsl.verdicts import Result

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


def encode_value(v: Value) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return {"#bigint": str(v)}
    if isinstance(v, Tag):
        return {"tag": v.tag, "value": {"#tup": []} if v.payload is None else encode_value(v.payload)}
    if isinstance(v, Rec):
        return {name: encode_value(x) for name, x in v.fields}
    if isinstance(v, MapVal):
        return {"#map": [[encode_value(k), encode_value(x)] for k, x in v.items]}
    if isinstance(v, frozenset):
        return {"#set": [encode_value(e) for e in sorted(v, key=format_value)]}
    raise TypeError(v)


def to_itf(system: System, result: Result) -> dict[str, Any]:
    """The ITF object for `result.trace` (which must be set)."""
    trace = result.trace
    assert trace is not None, "only results with a trace have an ITF form"
    states = []
    for ts in trace.steps:
        meta: dict[str, Any] = {"index": ts.index}
        if ts.step is not None:
            meta["action"] = describe(ts.step)
            meta["source"] = str(ts.step.action.span)
        states.append({"#meta": meta, **{n: encode_value(v) for n, v in ts.state.items()}})
    doc: dict[str, Any] = {
        "#meta": {
            "format": "ITF",
            "format-description": FORMAT_DESCRIPTION,
            "source": system.file,
            "description": f"{system.name}: {result.property} {result.verdict} (found by {result.engine})",
            "generator": f"specdsl {__version__}",
            "params": dict(system.params),  # constants, not ITF trace parameters
        },
        "vars": [v.name for v in system.variables],
        "states": states,
    }
    if trace.loop_start is not None:
        doc["loop"] = trace.loop_start
    return doc


def file_name(system: System, result: Result) -> str:
    return f"{system.name}.{result.property}.{result.engine}.itf.json"


def dumps(system: System, result: Result) -> str:
    return json.dumps(to_itf(system, result), indent=1) + "\n"
