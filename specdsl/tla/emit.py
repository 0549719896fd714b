"""IR -> one readable TLA+ module per spec, plus TLC configurations.

Layout of a module: the named sets of the spec's types (with constructor
operators for tagged values with payloads), the variables, `vars`, `Init`, one
operator per IR action (parameters: `self`, then the `pick` parameters; a
comment names the `.sw` line), one operator per process (the disjunction of
its actions), `Terminated` (the intended terminal states, as a stuttering
step, so that TLC's own deadlock check reports exactly the unintended
deadlocks), `Next` and `Spec` with the base model's fairness, then
`Next_<model>`/`Spec_<model>` for each scheduling model (its step constraints
conjoined to the constrained process's actions, its fairness over the
constrained actions), and every property as a named definition.  A witness
`reach W: e` is checked by TLC as the invariant `W_unreached == ~W`: a
violation is a trace that reaches it.  No CONSTANTS (parameters are folded by
the front end) and no CONSTRAINT (it would make liveness checking vacuous).

The module and configurations are what `specdsl gen` commits, for people and
the Toolbox.  The engine's TLC runs check instead a private wrapper module
that extends it (`render_wrapper`), written next to each run's configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain

import jinja2

from specdsl.ir import (
    NO_SPAN,
    TRUE,
    Action,
    Always,
    Binary,
    Eventually,
    Expr,
    LeadsTo,
    Model,
    Process,
    Property,
    RecordType,
    System,
    TaggedType,
    TAnd,
    Temporal,
    TNot,
    TOr,
    TState,
    Type,
    Var,
)
from specdsl.tla.expr import POSTFIX, Printer, Scope, component_types, expr_types, has_payloads
from specdsl.tla.names import Namer, identifier, module_name
from specdsl.tla.temporal import fold, split

FIXED = ("vars", "Init", "Next", "Spec", "Terminated")
BASE_MODEL = "fair"


@dataclass(frozen=True)
class Definition:
    """`head == body` (one line, or indented lines), with comment lines above;
    a definition without a head is printed verbatim (VARIABLES)."""

    head: str | None
    lines: tuple[str, ...]
    comment: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    defs: tuple[Definition, ...]


@dataclass(frozen=True)
class Names:
    """How IR names appear in the module: what the runner writes into
    configurations and the output parser reads back."""

    module: str
    variables: dict[str, str]  # IR variable -> TLA+ variable
    fields: dict[tuple[RecordType, str], str]  # (record type, IR field) -> TLA+ field
    checks: dict[str, str]  # property -> operator a configuration names (not for deadlock)
    specs: dict[str, str]  # model -> its Spec operator
    # in the wrapper module of a run (`render_wrapper`):
    once: dict[str, str]  # invariant, witness or temporal property -> its first-failure-only invariant
    rest: dict[str, str]  # temporal property -> its conjuncts for the liveness checker (`temporal.split`)


@dataclass(frozen=True)
class Config:
    filename: str
    text: str


@dataclass(frozen=True)
class Emitted:
    module: str
    text: str
    configs: tuple[Config, ...]
    names: Names
    printer: Printer = field(compare=False, repr=False)  # prints the wrapper's parts of properties

    @property
    def filename(self) -> str:
        return f"{self.module}.tla"

    @property
    def wrapper(self) -> str:
        """The name of the private wrapper module of a TLC run (`render_wrapper`)."""
        return f"MC_{self.module}"

    def files(self) -> dict[str, str]:
        """Every generated file: name -> content."""
        return {self.filename: self.text, **{c.filename: c.text for c in self.configs}}


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("specdsl.tla", "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["comment"] = comment_text
    return env


def comment_text(text: str) -> str:
    """`text` fit for a `\\*` comment line: a character that is not printable (a line break in a
    file name) would end the comment and put the rest into the module as TLA+ text, so it is
    written as its Python escape."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def base_model(system: System) -> Model:
    return next((m for m in system.models if m.name == BASE_MODEL), system.models[0])


def render_config(
    comment: str, spec: str, invariants: Sequence[str], properties: Sequence[str], deadlock: bool
) -> str:
    return (
        _templates()
        .get_template("config.cfg.j2")
        .render(
            comment=comment,
            spec=spec,
            invariants=list(invariants),
            properties=list(properties),
            deadlock=deadlock,
        )
    )


def render_wrapper(emitted: Emitted, checks: Sequence[Property]) -> str:
    """The private module a TLC run checks (like the Toolbox's MC.tla): it
    extends the spec's module with one first-failure-only invariant per
    invariant or witness of the run, named by `Names.once`, so that TLC run
    with `-continue` prints one trace per violated check instead of one per
    violating state.  A temporal property is split as TLC would split it
    (`temporal.split`): its conjuncts `[]S` and its state predicates I become
    such an invariant, `S /\\ (Init => I)` (the states that satisfy Init are
    the initial states: TLC would check I on them, and stop at a failure); the
    rest, for the liveness checker, a property named by `Names.rest`."""
    names = emitted.names
    p = emitted.printer
    invariants = []
    properties = []
    for prop in checks:
        if prop.kind != "temporal":
            what = "witness (violated where reached)" if prop.kind == "witness" else prop.kind
            invariants.append((f"{what} {prop.name}", names.once[prop.name], names.checks[prop.name]))
            continue
        assert prop.formula is not None
        parts = split(fold(prop.formula))
        safety = [_temporal_operand(p, f) for f in parts.always]
        safety += [f"(Init => {_temporal_operand(p, f)})" for f in parts.initially]
        if safety:
            body = safety[0] if len(safety) == 1 else "(" + " /\\ ".join(safety) + ")"
            invariants.append((f"property {prop.name}: its safety part", names.once[prop.name], body))
        if parts.live:
            body = " /\\ ".join(_temporal_operand(p, f) for f in parts.live)
            comment = f"property {prop.name}" + (": the rest" if safety else "")
            properties.append((comment, names.rest[prop.name], body))
    return (
        _templates()
        .get_template("wrapper.tla.j2")
        .render(
            dashes="-" * 4,
            module=emitted.wrapper,
            base=emitted.module,
            checks=invariants,
            properties=properties,
        )
    )


def emit(system: System) -> Emitted:
    return _Emitter(system).run()


def _where(span_holder: Action | Process | Property | Model) -> str:
    return "" if span_holder.span == NO_SPAN else f"{span_holder.span}  "


def _bullets(symbol: str, items: Sequence[str]) -> tuple[str, ...]:
    if len(items) == 1:
        return (items[0],)
    return tuple(f"{symbol} {item}" for item in items)


class _Emitter:
    def __init__(self, system: System) -> None:
        self.system = system
        self.base = base_model(system)
        self.namer = Namer(FIXED)
        self.module_name = module_name(system.name)
        self.module = self.module_name.name
        variables = {v.name: (self.namer.claim(v.name), v.type) for v in system.variables}
        self.named_types = self._named_types()
        constructors = {
            (t, v.tag): self.namer.claim(v.tag, t.name)
            for t in self.named_types
            if isinstance(t, TaggedType) and has_payloads(t)
            for v in t.variants
        }
        type_names = {t: self.namer.claim(t.name, "type") for t in self.named_types}
        fields: dict[tuple[RecordType, str], str] = {}
        for t in self.named_types:
            if isinstance(t, RecordType):
                record_namer = Namer()
                fields.update({(t, n): record_namer.claim(n) for n, _ in t.fields})
        self.actions = {a.name: self.namer.claim(a.name, "action") for a in system.actions}
        self.process_ops = {p.name: self.namer.claim(p.name, "step") for p in system.processes}
        self.checks: dict[str, str] = {}
        self.property_ops: dict[str, str] = {}
        for prop in system.properties:
            if prop.kind == "deadlock":
                continue
            op = self.namer.claim(prop.name)
            self.property_ops[prop.name] = op
            self.checks[prop.name] = self.namer.claim(f"{op}_unreached") if prop.kind == "witness" else op
        self.specs = {self.base.name: "Spec"}
        self.nexts = {self.base.name: "Next"}
        self.constrained: dict[tuple[str, str], str] = {}
        for m in system.models:
            if m is self.base:
                continue
            for p in system.processes:
                if any(c.process == p.name for c in m.constraints):
                    self.constrained[m.name, p.name] = self.namer.claim(
                        f"{self.process_ops[p.name]}_{m.name}"
                    )
            if m.constraints:
                self.nexts[m.name] = self.namer.claim(f"Next_{m.name}")
            self.specs[m.name] = self.namer.claim(f"Spec_{m.name}")
        self.printer = Printer(variables, type_names, constructors, fields, self.namer)
        self.variables = {n: tla for n, (tla, _) in variables.items()}
        self.fields = fields

    # -- naming --------------------------------------------------------------

    def _named_types(self) -> list[TaggedType | RecordType]:
        """Tagged and record types, components before the types built from
        them, in order of first mention (variables, parameters, expressions)."""
        s = self.system
        exprs: list[Expr] = [a.guard for a in s.actions]
        exprs += [u.value for a in s.actions for u in a.updates]
        exprs += [p.runnable for p in s.processes]
        exprs += [c.allowed for m in s.models for c in m.constraints]
        exprs += [p.expr for p in s.properties if p.expr is not None]
        exprs += [x for p in s.properties if p.formula is not None for x in _state_exprs(p.formula)]
        mentioned = chain(
            (v.type for v in s.variables),
            (b.type for a in s.actions for b in a.params),
            (p.id_type for p in s.processes if p.id_type is not None),
            (t for e in exprs for t in expr_types(e)),
        )
        found: dict[Type, None] = {}
        for t in mentioned:
            for c in component_types(t):
                if isinstance(c, TaggedType | RecordType):
                    found.setdefault(c)
        return list(found)  # type: ignore[arg-type]

    # -- sections ------------------------------------------------------------

    def run(self) -> Emitted:
        sections = [
            self._types(),
            self._state(),
            *(self._process(p) for p in self.system.processes),
            self._next_and_spec(self.base),
            *(self._next_and_spec(m) for m in self.system.models if m is not self.base),
            self._properties(),
        ]
        text = (
            _templates()
            .get_template("module.tla.j2")
            .render(
                dashes="-" * 4,
                module=self.module,
                renamed=self.module_name.why,
                source=self.system.file,
                params=", ".join(f"{n} = {v}" for n, v in self.system.params),
                extends=", ".join(self._extends()),
                sections=[s for s in sections if s.defs],
            )
        )
        # claimed last, so that they cannot change a name in the module
        checked = [p for p in self.system.properties if p.kind != "deadlock"]
        once = {p.name: self.namer.claim(f"{self.property_ops[p.name]}_once") for p in checked}
        rest = {
            p.name: self.namer.claim(f"{self.property_ops[p.name]}_rest")
            for p in checked
            if p.kind == "temporal"
        }
        names = Names(self.module, self.variables, self.fields, self.checks, self.specs, once, rest)
        return Emitted(self.module, text, self._configs(), names, self.printer)

    def _extends(self) -> list[str]:
        f = self.printer.features
        mods = ["Integers" if f.integers else "Naturals"]
        if f.finite_sets:
            mods.append("FiniteSets")
        if f.tlc:
            mods.append("TLC")
        return mods

    def _types(self) -> Section:
        p = self.printer
        defs: list[Definition] = []
        for t in self.named_types:
            comment = (f"type {t.name}",)
            if isinstance(t, TaggedType) and has_payloads(t):
                for v in t.variants:
                    ctor = p.constructors[t, v.tag]
                    if v.payload is None:
                        defs.append(Definition(ctor, (f'[tag |-> "{v.tag}"]',), comment))
                    else:
                        x, _ = p.bind(Scope(), "x", v.payload)
                        defs.append(
                            Definition(f"{ctor}({x})", (f'[tag |-> "{v.tag}", val |-> {x}]',), comment)
                        )
                    comment = ()
            defs.append(Definition(p.type_names[t], (p.type_definition(t),), comment))
        return Section("types", tuple(defs))

    def _state(self) -> Section:
        p = self.printer
        names = [tla for tla, _ in p.variables.values()]
        inits = []
        for v in self.system.variables:
            if len(v.init) == 1:
                inits.append(f"{p.variables[v.name][0]} = {p.value(v.init[0], v.type)}")
            else:
                choices = ", ".join(p.value(x, v.type) for x in v.init)
                inits.append(f"{p.variables[v.name][0]} \\in {{{choices}}}")
        return Section(
            "state",
            (
                Definition(None, ("VARIABLES " + ", ".join(names),)),
                Definition("vars", ("<<" + ", ".join(names) + ">>",)),
                Definition("Init", _bullets("/\\", inits)),
            ),
        )

    def _process(self, proc: Process) -> Section:
        kind = "environment" if proc.environment else "process"
        ident = "" if proc.id_type is None else f"[{proc.id_name} \\in {self.printer.type_set(proc.id_type)}]"
        actions = [a for a in self.system.actions if a.process == proc.name]
        defs = [self._action(a) for a in actions]
        scope, head = self._process_head(proc, self.process_ops[proc.name])
        calls = [self._call(a, scope) for a in actions]
        defs.append(Definition(head, _bullets("\\/", calls), (f"{_where(proc)}every step of {proc.name}",)))
        return Section(f"{kind} {proc.name}{ident} (fairness: {proc.fairness})", tuple(defs))

    def _process_head(self, proc: Process, op: str) -> tuple[Scope, str]:
        if proc.id_type is None:
            return Scope(), op
        self_name, scope = self.printer.bind(Scope(), "self", proc.id_type)
        return scope, f"{op}({self_name})"

    def _action(self, a: Action) -> Definition:
        p = self.printer
        scope = Scope()
        params = []
        for b in a.params:
            name, scope = p.bind(scope, b.name, b.type)
            params.append(name)
        head = self.actions[a.name] + (f"({', '.join(params)})" if params else "")
        lines = [self._item(c, scope) for c in p.conjuncts(a.guard) if c != TRUE]
        updated = {u.var for u in a.updates}
        lines += [f"{p.variables[u.var][0]}' = {p.rhs(u.value, scope)}" for u in a.updates]
        unchanged = [p.variables[v.name][0] for v in self.system.variables if v.name not in updated]
        if not a.updates:
            lines.append("UNCHANGED vars")
        elif len(unchanged) == 1:
            lines.append(f"UNCHANGED {unchanged[0]}")
        elif unchanged:
            lines.append(f"UNCHANGED <<{', '.join(unchanged)}>>")
        return Definition(head, _bullets("/\\", lines), (f"{_where(a)}{a.process}.{a.label}",))

    def _item(self, e: Expr, scope: Scope) -> str:
        """A junction-list item: nested conjunctions/disjunctions keep parentheses."""
        return self.printer.operand(e, scope, 4) if _is_junction(e) else self.printer.expr(e, scope)

    def _call(self, a: Action, scope: Scope) -> str:
        """`fault_read(self)`, or `\\E s \\in 0..1 : fault_pick(self, s)`."""
        p = self.printer
        args = []
        picks = []
        for b in a.params:
            if b.name == "self" and b is a.params[0]:
                args.append(scope.bound["self"][0])
                continue
            name, scope = p.bind(scope, b.name, b.type)
            args.append(name)
            picks.append(f"{name} \\in {p.type_set(b.type)}")
        call = self.actions[a.name] + (f"({', '.join(args)})" if args else "")
        return f"\\E {', '.join(picks)} : {call}" if picks else call

    def _instances(self, proc: Process, op: str) -> str:
        """`\\E self \\in T : op(self)` for a family, `op` for a singleton."""
        if proc.id_type is None:
            return op
        self_name, _ = self.printer.bind(Scope(), "self", proc.id_type)
        return f"\\E {self_name} \\in {self.printer.type_set(proc.id_type)} : {op}({self_name})"

    def _next_and_spec(self, m: Model) -> Section:
        p = self.printer
        defs: list[Definition] = []
        for proc in self.system.processes:
            op = self.constrained.get((m.name, proc.name))
            if op is None:
                continue
            scope, head = self._process_head(proc, op)
            guards = []
            for c in m.constraints:
                if c.process != proc.name:
                    continue
                if c.instance is None or proc.id_type is None:
                    guards.append(self._item(c.allowed, scope))
                else:
                    who = f"{scope.bound['self'][0]} = {p.value(c.instance, proc.id_type)}"
                    guards.append(f"({who} => {p.operand(c.allowed, scope, 2)})")
            call = head.replace(op, self.process_ops[proc.name], 1)
            defs.append(
                Definition(
                    head,
                    _bullets("/\\", [*guards, call]),
                    (f"{proc.name} under the constraints of {m.name}",),
                )
            )
        if m.name in self.nexts and m is not self.base:
            steps = [self._instances(proc, self._op(m, proc)) for proc in self.system.processes]
            if self._deadlock() is not None:
                steps.append("Terminated")
            defs.append(Definition(self.nexts[m.name], _bullets("\\/", steps)))
        elif m is self.base:
            deadlock = self._deadlock()
            if deadlock is not None:
                terminal = p.operand(deadlock.expr, Scope(), 4)  # type: ignore[arg-type]
                defs.append(
                    Definition(
                        "Terminated",
                        (f"{terminal} /\\ UNCHANGED vars",),
                        (
                            f"{_where(deadlock)}intended terminal states: this stuttering step keeps them",
                            "from being reported as deadlocks by TLC's deadlock check",
                        ),
                    )
                )
            steps = [self._instances(proc, self.process_ops[proc.name]) for proc in self.system.processes]
            if deadlock is not None:
                steps.append("Terminated")
            defs.append(Definition("Next", _bullets("\\/", steps)))
        next_op = self.nexts.get(m.name, "Next")
        spec = [f"Init /\\ [][{next_op}]_vars", *self._fairness(m)]
        comment = (f"{_where(m)}{m.description or m.name}",) if m is not self.base else ()
        defs.append(Definition(self.specs[m.name], _bullets("/\\", spec), comment))
        title = "the base model" if m is self.base else f"model {m.name}"
        return Section(title, tuple(defs))

    def _op(self, m: Model, proc: Process) -> str:
        return self.constrained.get((m.name, proc.name), self.process_ops[proc.name])

    def _fairness(self, m: Model) -> list[str]:
        out = []
        for rule in m.fairness:
            if rule.kind == "none":
                continue
            proc = self.system.process(rule.process)
            op = self._op(m, proc)
            wf = "WF_vars" if rule.kind == "weak" else "SF_vars"
            if proc.id_type is None:
                out.append(f"{wf}({op})")
            elif rule.instance is None:
                self_name, _ = self.printer.bind(Scope(), "self", proc.id_type)
                out.append(
                    f"\\A {self_name} \\in {self.printer.type_set(proc.id_type)} : {wf}({op}({self_name}))"
                )
            else:
                out.append(f"{wf}({op}({self.printer.value(rule.instance, proc.id_type)}))")
        return out

    def _deadlock(self) -> Property | None:
        return next((p for p in self.system.properties if p.kind == "deadlock" and p.expr is not None), None)

    def _properties(self) -> Section:
        p = self.printer
        defs: list[Definition] = []
        for prop in self.system.properties:
            if prop.kind == "deadlock":
                continue
            op = self.property_ops[prop.name]
            where = _where(prop)
            if prop.kind == "temporal":
                assert prop.formula is not None
                under = "" if prop.model == self.base.name else f" (checked under {self.specs[prop.model]})"
                folded = fold(prop.formula)  # TLC 2.15 mis-checks constant subformulas (see `fold`)
                body = (str(folded).upper(),) if isinstance(folded, bool) else _temporal_lines(p, folded)
                defs.append(Definition(op, body, (f"{where}property {prop.name}{under}",)))
                continue
            assert prop.expr is not None
            lines = tuple(_bullets("/\\", [self._item(c, Scope()) for c in p.conjuncts(prop.expr)]))
            if prop.kind == "witness":
                comment = (
                    f"{where}witness {prop.name}: must be reachable; TLC checks the invariant",
                    f"{self.checks[prop.name]}, whose violation is a trace that reaches it",
                )
                defs.append(Definition(op, lines, comment))
                defs.append(Definition(self.checks[prop.name], (f"~{op}",)))
            else:
                defs.append(Definition(op, lines, (f"{where}invariant {prop.name}",)))
        return Section("properties", tuple(defs))

    # -- configurations ------------------------------------------------------

    def _configs(self) -> tuple[Config, ...]:
        s = self.system
        source = f"specdsl gen from {s.file}"
        invariants = [self.checks[p.name] for p in s.properties if p.kind == "invariant"]
        witnesses = [self.checks[p.name] for p in s.properties if p.kind == "witness"]
        deadlock = self._deadlock() is not None or any(p.kind == "deadlock" for p in s.properties)
        out = [
            Config(
                f"{self.module}.cfg",
                render_config(f"{source}: invariants and deadlock freedom", "Spec", invariants, (), deadlock),
            )
        ]
        if witnesses:
            out.append(
                Config(
                    f"{self.module}_reach.cfg",
                    render_config(
                        f"{source}: witnesses (each violation reaches one; no error means unreachable)",
                        "Spec",
                        witnesses,
                        (),
                        False,
                    ),
                )
            )
        for m in s.models:
            temporal = [
                self.checks[p.name] for p in s.properties if p.kind == "temporal" and p.model == m.name
            ]
            if temporal:
                out.append(
                    Config(
                        f"{self.module}_live_{identifier(m.name)}.cfg",
                        render_config(
                            f"{source}: temporal properties of model {m.name}",
                            self.specs[m.name],
                            (),
                            temporal,
                            False,
                        ),
                    )
                )
        return tuple(out)


def _is_junction(e: Expr) -> bool:
    return isinstance(e, Binary) and e.op in ("and", "or")


def _state_exprs(f: Temporal) -> list[Expr]:
    if isinstance(f, TState):
        return [f.expr]
    if isinstance(f, Always | Eventually | TNot):
        return _state_exprs(f.arg)
    if isinstance(f, LeadsTo):
        return _state_exprs(f.lhs) + _state_exprs(f.rhs)
    return [x for a in f.args for x in _state_exprs(a)]


def _temporal(p: Printer, f: Temporal) -> str:
    """A temporal formula; operands of temporal operators are parenthesised
    unless they are prefix forms (`[]`, `<>`, `~`) or atoms."""
    if isinstance(f, TState):
        return p.expr(f.expr, Scope())
    if isinstance(f, Always):
        return f"[]{_temporal_operand(p, f.arg)}"
    if isinstance(f, Eventually):
        return f"<>{_temporal_operand(p, f.arg)}"
    if isinstance(f, TNot):
        return f"~{_temporal_operand(p, f.arg)}"
    if isinstance(f, LeadsTo):
        return f"{_temporal_operand(p, f.lhs)} ~> {_temporal_operand(p, f.rhs)}"
    symbol = " /\\ " if isinstance(f, TAnd) else " \\/ "
    return symbol.join(_temporal_operand(p, a) for a in f.args)


def _temporal_operand(p: Printer, f: Temporal) -> str:
    if isinstance(f, TState):
        return p.operand(f.expr, Scope(), POSTFIX)
    text = _temporal(p, f)
    return text if isinstance(f, Always | Eventually | TNot) else f"({text})"


def _temporal_lines(p: Printer, f: Temporal) -> tuple[str, ...]:
    """A property's body; a top-level conjunction or disjunction as a junction list."""
    if isinstance(f, TAnd | TOr) and len(f.args) > 1:
        symbol = "/\\" if isinstance(f, TAnd) else "\\/"
        operand = _conjunct if isinstance(f, TAnd) else _temporal_operand
        return _bullets(symbol, [operand(p, a) for a in f.args])
    return (_conjunct(p, f) if _bare_variable(f) else _temporal(p, f),)


def _conjunct(p: Printer, f: Temporal) -> str:
    """A top-level conjunct of a property.  TLC takes a property's conjuncts
    apart and rejects one that is a bare variable ("cannot be used as a
    property"): `x = TRUE` is the same predicate."""
    return f"{_temporal(p, f)} = TRUE" if _bare_variable(f) else _temporal_operand(p, f)


def _bare_variable(f: Temporal) -> bool:
    return isinstance(f, TState) and isinstance(f.expr, Var)
