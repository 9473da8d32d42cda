"""The one IR: named equations in dependency order (like a jaxpr).

User nodes (`h2: 2*h1**2`) stay visible as named variables; each expression is
expanded into primitive equations whose temporaries are called `h2#1`, `h2#2`…
Lowering infers shapes and reports mismatches at the expression's offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from derivcheck import exprs
from derivcheck.errors import ExprError
from derivcheck.ops import ELEMENTWISE_BINARY, OPS, ShapeError, fmt_shape

ALIASES = {"tr": "trace"}


@dataclass(eq=False)
class Eqn:
    out: str
    op: str  # a row of OPS, or: const, fn (declared function), grad, hess, hessdiag, delta, index
    args: tuple
    params: dict
    shape: tuple


@dataclass
class Graph:
    """Inputs (name → shape) and equations in dependency order."""

    inputs: dict
    eqns: list = field(default_factory=list)
    shapes: dict = field(default_factory=dict)
    functions: frozenset = frozenset()
    dims: dict = field(default_factory=dict)
    node_names: list = field(default_factory=list)  # user nodes, in dependency order
    node_parents: dict = field(default_factory=dict)  # user node → the inputs/nodes its expression names
    node_text: dict = field(default_factory=dict)

    def __post_init__(self):
        self.shapes.update(self.inputs)

    def producer(self) -> dict:
        return {e.out: e for e in self.eqns}


class Lowerer:
    """Turns one Expr into equations appended to `eqns`, naming the result `target`."""

    def __init__(self, graph: Graph, target: str, *, known: dict, index_names=frozenset()):
        self.graph = graph
        self.target = target
        self.known = known  # name → shape of every name the expression may use
        self.index_names = index_names
        self.eqns: list[Eqn] = []
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"{self.target}#{self.counter}"

    def emit(self, op: str, args: tuple, params: dict, shape: tuple) -> str:
        name = self.fresh()
        self.eqns.append(Eqn(name, op, args, params, shape))
        self.graph.shapes[name] = shape
        return name

    def lower(self, expr) -> str:
        """Lower `expr`; the last equation is renamed to the target."""
        result = self.visit(expr)
        if self.eqns and self.eqns[-1].out == result:
            last = self.eqns[-1]
            del self.graph.shapes[last.out]
            last.out = self.target
        else:  # the expression is a bare name: an identity equation keeps the node visible
            self.eqns.append(Eqn(self.target, "copy", (result,), {}, self.graph.shapes[result]))
        self.graph.shapes[self.target] = self.eqns[-1].shape
        return self.target

    def op(self, name: str, args: tuple, pos: int, params=None) -> str:
        params = params or {}
        try:
            shape = OPS[name].shape([self.graph.shapes[a] for a in args], params)
        except ShapeError as exc:
            raise ExprError(str(exc), pos) from None
        return self.emit(name, args, params, shape)

    def const(self, kind: str, value, shape: tuple = ()) -> str:
        return self.emit("const", (), {"kind": kind, "value": value}, shape)

    def visit(self, node) -> str:
        method = getattr(self, "visit_" + type(node).__name__)
        return method(node)

    def visit_Num(self, node: exprs.Num) -> str:
        return self.const("num", node.value)

    def visit_Name(self, node: exprs.Name) -> str:
        if node.id in self.index_names:
            raise ExprError(f"index {node.id!r} can only be used inside x[...] or delta(...)", node.pos)
        if node.id not in self.known:
            raise ExprError(f"unknown name {node.id!r}{_suggest(node.id, self.known)}", node.pos)
        return node.id

    def visit_Neg(self, node: exprs.Neg) -> str:
        return self.op("neg", (self.visit(node.operand),), node.pos)

    def visit_Transpose(self, node: exprs.Transpose) -> str:
        return self.op("transpose", (self.visit(node.operand),), node.pos)

    def visit_Bin(self, node: exprs.Bin) -> str:
        if node.op == "**":
            _check_power(node)
        left, right = self.visit(node.left), self.visit(node.right)
        return self.op(ELEMENTWISE_BINARY[node.op], (left, right), node.pos)

    def visit_Index(self, node: exprs.Index) -> str:
        raise ExprError("indexing is only allowed in `entries` claims", node.pos)

    def visit_Call(self, node: exprs.Call) -> str:
        fn = ALIASES.get(node.fn, node.fn)
        if fn in self.graph.functions:
            return self.declared(node)
        if node.prime:
            raise ExprError(f"{fn!r} is not a declared function, so {fn}{chr(39) * node.prime}(...) means nothing", node.pos)
        builder = getattr(self, "call_" + fn, None)
        if builder is not None:
            return builder(node)
        if fn in OPS and OPS[fn].arity == 1:
            return self.op(fn, (self.one_arg(node),), node.pos)
        known = f" (a name of this problem, not a function: write {fn}*(...) to multiply)" if fn in self.known else ""
        raise ExprError(f"unknown function {fn!r}{known}", node.pos)

    def one_arg(self, node: exprs.Call) -> str:
        return self.args(node, 1)[0]

    def args(self, node: exprs.Call, count: int) -> list:
        if len(node.args) != count:
            raise ExprError(f"{node.fn} takes {count} argument{'s' * (count != 1)}, got {len(node.args)}", node.pos)
        return [self.visit(a) for a in node.args]

    def declared(self, node: exprs.Call) -> str:
        arg = self.one_arg(node)
        return self.emit("fn", (arg,), {"name": node.fn, "order": node.prime}, self.graph.shapes[arg])

    def call_sum(self, node: exprs.Call) -> str:
        arg = self.one_arg(node)
        if node.axis is None:
            return self.op("sum", (arg,), node.pos)
        return self.op("sum_axis", (arg,), node.pos, {"axis": node.axis})

    def call_mean(self, node: exprs.Call) -> str:
        arg = self.one_arg(node)
        size = 1
        for d in self.graph.shapes[arg]:
            size *= d
        total = self.op("sum", (arg,), node.pos)
        return self.op("div", (total, self.const("num", Fraction(size))), node.pos)

    def call_norm(self, node: exprs.Call) -> str:
        arg = self.one_arg(node)
        square = self.op("mul", (arg, arg), node.pos)
        return self.op("sqrt", (self.op("sum", (square,), node.pos),), node.pos)

    def call_dot(self, node: exprs.Call) -> str:
        u, v = self.args(node, 2)
        if self.graph.shapes[u] != self.graph.shapes[v] or len(self.graph.shapes[u]) != 1:
            raise ExprError(
                f"dot needs two vectors of the same length, got {fmt_shape(self.graph.shapes[u])} and {fmt_shape(self.graph.shapes[v])}",
                node.pos,
            )
        return self.op("sum", (self.op("mul", (u, v), node.pos),), node.pos)

    def call_outer(self, node: exprs.Call) -> str:
        u, v = self.args(node, 2)
        return self.op("matmul", (u, self.op("transpose", (v,), node.pos)), node.pos)

    def size_arg(self, node: exprs.Call) -> int:
        if len(node.args) != 1:
            raise ExprError(f"{node.fn} takes one size argument", node.pos)
        arg = node.args[0]
        if isinstance(arg, exprs.Num) and arg.value.denominator == 1 and 1 <= arg.value <= 10_000:
            return int(arg.value)
        if isinstance(arg, exprs.Name) and arg.id in self.graph.dims:
            return self.graph.dims[arg.id]
        raise ExprError(f"{node.fn}(n) needs a positive integer or a dim name", node.pos)

    def call_eye(self, node: exprs.Call) -> str:
        n = self.size_arg(node)
        return self.const("eye", n, (n, n))

    def call_ones(self, node: exprs.Call) -> str:
        n = self.size_arg(node)
        return self.const("ones", n, (n,))

    def call_delta(self, node: exprs.Call) -> str:
        raise ExprError("delta(i, j) is only allowed in `entries` claims", node.pos)

    def call_grad(self, node: exprs.Call) -> str:
        return self.derivative(node, "grad", 2)

    def call_hess(self, node: exprs.Call) -> str:
        return self.derivative(node, "hess", 3)

    def call_hessdiag(self, node: exprs.Call) -> str:
        return self.derivative(node, "hessdiag", 2)

    def derivative(self, node: exprs.Call, kind: str, count: int) -> str:
        if len(node.args) != count or not all(isinstance(a, exprs.Name) for a in node.args):
            usage = {"grad": "grad(f, v)", "hess": "hess(f, u, v)", "hessdiag": "hessdiag(f, v)"}[kind]
            raise ExprError(f"{kind} takes {count} names of the problem, as in {usage}", node.pos)
        names = [self.visit(a) for a in node.args]
        shapes = [self.graph.shapes[n] for n in names]
        if kind == "grad":
            shape = shapes[0] + shapes[1]
        elif kind == "hess":
            shape = shapes[0] + shapes[1] + shapes[2]
        else:
            if shapes[0] != ():
                raise ExprError("hessdiag(f, v) needs a scalar f", node.pos)
            shape = shapes[1]
        return self.emit(kind, tuple(names), {}, shape)


MAX_EXPONENT = 1000
MAX_LOG10 = 300


def _log10_bound(expr) -> float | None:
    """An upper bound of log10(1 + |value|) for a constant subexpression; None if it has names."""
    if isinstance(expr, exprs.Num):
        v = abs(expr.value)
        return max(v.numerator.bit_length() - v.denominator.bit_length() + 1, 0) * 0.30103
    if isinstance(expr, exprs.Neg):
        return _log10_bound(expr.operand)
    if isinstance(expr, exprs.Bin) and expr.op in "+-*/**":
        a, b = _log10_bound(expr.left), _log10_bound(expr.right)
        if a is None or b is None:
            return None
        if expr.op == "**":
            return a * 10 ** min(b, 12)
        return a + b + 0.31
    return None


def _check_power(node: exprs.Bin) -> None:
    """Reject power towers before sympy tries to compute them (2**10**10, ((9**9)**9999)**9999)."""
    exponent = _log10_bound(node.right)
    if exponent is not None and exponent > 3:
        raise ExprError(f"exponent too large (limit: |exponent| ≤ {MAX_EXPONENT}); this gate stops power bombs", node.pos)
    size = _log10_bound(node)
    if size is not None and size > MAX_LOG10:
        raise ExprError(f"constant too large (about 10^{size:.0f}; limit 10^{MAX_LOG10}); this gate stops power bombs", node.pos)


def _suggest(name: str, known) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def lower_into(graph: Graph, target: str, expr, *, known: dict, index_names=frozenset()) -> list:
    """Lower `expr` as variable `target`; returns the new equations (also appended to the graph)."""
    lowerer = Lowerer(graph, target, known=known, index_names=index_names)
    lowerer.lower(expr)
    graph.eqns.extend(lowerer.eqns)
    return lowerer.eqns
