"""The one IR: named equations in dependency order (like a jaxpr).

User nodes (`h2: 2*h1**2`) stay visible as named variables; each expression is
expanded into primitive equations whose temporaries are called `h2#1`, `h2#2`…
Lowering infers shapes and reports mismatches at the expression's offset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType

from derivcheck.lang import exprs
from derivcheck.lang.errors import ExprError, suggest
from derivcheck.lang.gates import MAX_TENSOR_ENTRIES, NODE, VARIABLE, Size, estimate
from derivcheck.ops import ELEMENTWISE, FUNCTIONS, OPERATORS, OPS, ShapeError, fmt_shape

ALIASES = {"tr": "trace"}


class ShapeMismatch(ExprError):
    """Operands whose shapes do not fit: in a claim this makes the claim wrong, not unreadable."""


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
    magnitudes: dict = field(default_factory=dict)  # node → Size: the static size estimate of its value

    def __post_init__(self):
        self.shapes.update(self.inputs)

    def scratch(self) -> "Graph":
        """A view of the graph whose shape table claims may extend without touching the model."""
        view = Graph(inputs=dict(self.inputs), functions=self.functions, dims=self.dims)
        view.shapes = dict(self.shapes)
        return view

    def freeze(self) -> "Graph":
        """Seal the built IR: claims lower into `scratch()` views, so a write into the model is a bug that fails."""
        self.eqns = tuple(self.eqns)
        self.node_names = tuple(self.node_names)
        self.node_parents = MappingProxyType({k: tuple(v) for k, v in self.node_parents.items()})
        for name in ("inputs", "shapes", "node_text", "magnitudes", "dims"):
            setattr(self, name, MappingProxyType(dict(getattr(self, name))))
        self._frozen = True
        return self

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(f"the IR is read-only once built (setting {name!r})")
        super().__setattr__(name, value)

    def producer(self) -> dict:
        return {e.out: e for e in self.eqns}

    def __str__(self) -> str:
        """The equations one per line, like a jaxpr: `h2#1:vector[3] = mul 2 h1`, inputs first."""
        inputs = " ".join(f"{name}:{fmt_shape(shape)}" for name, shape in self.inputs.items())
        lines = [f"{{ lambda {inputs} ;"]
        lines += [f"  {e.out}:{fmt_shape(e.shape)} = {_right_side(e)}" for e in self.eqns]
        lines.append(f"  in ({', '.join(self.node_names)}) }}")
        return "\n".join(lines)


def _right_side(e: Eqn) -> str:
    if e.op == "const" and e.params.get("kind") == "num":
        return str(e.params["value"])
    return f"{e.op}{_params_text(e.params)} {' '.join(e.args)}".rstrip()


def _params_text(params: dict) -> str:
    """An equation's parameters in brackets (`[axis=0]`), constants by their value."""
    if not params:
        return ""
    return "[" + " ".join(f"{k}={_param_value(v)}" for k, v in params.items()) + "]"


def _param_value(value) -> str:
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_param_value(v) for v in value) + ")"
    return str(value)


class Lowerer:
    """Turns one Expr into equations appended to `eqns`, naming the result `target`."""

    def __init__(self, graph: Graph, target: str, *, known: dict, index_names=frozenset()):
        self.graph = graph
        self.target = target
        self.known = known  # name → shape of every name the expression may use
        self.index_names = index_names
        self.eqns: list[Eqn] = []
        self.counter = 0
        self.sizes: dict = {}  # temporary → Size, for the static gates

    def size_of(self, name: str) -> Size:
        if name in self.sizes:
            return self.sizes[name]
        return self.graph.magnitudes.get(name, VARIABLE if name in self.graph.inputs else NODE)

    def fresh(self) -> str:
        self.counter += 1
        return f"{self.target}#{self.counter}"

    def emit(self, op: str, args: tuple, params: dict, shape: tuple, pos: int = 0) -> str:
        entries = math.prod(shape)
        if entries > MAX_TENSOR_ENTRIES:
            raise ExprError(f"this value would have shape {fmt_shape(shape)} ({entries} entries); the tensor-size gate "
                            f"allows at most {MAX_TENSOR_ENTRIES} entries per value", pos)
        size = estimate(op, [self.size_of(a) for a in args], [self.graph.shapes[a] for a in args], params, shape, pos)
        name = self.fresh()
        self.eqns.append(Eqn(name, op, args, params, shape))
        self.graph.shapes[name] = shape
        self.sizes[name] = size
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
        self.sizes[self.target] = self.size_of(result)
        return self.target

    def op(self, name: str, args: tuple, pos: int, params=None) -> str:
        params = params or {}
        try:
            shape = OPS[name].shape([self.graph.shapes[a] for a in args], params)
        except ShapeError as exc:
            raise ShapeMismatch(str(exc), pos) from None
        return self.emit(name, args, params, shape, pos)

    def const(self, kind: str, value, shape: tuple = ()) -> str:
        return self.emit("const", (), {"kind": kind, "value": value}, shape)

    def visit(self, node) -> str:
        method = getattr(self, "visit_" + type(node).__name__)
        return method(node)

    def visit_Num(self, node: exprs.Num) -> str:
        return self.const("num", node.value)

    def visit_Name(self, node: exprs.Name) -> str:
        if node.id == "pi":
            return self.const("pi", None)
        if node.id in self.index_names:
            raise ExprError(f"index {node.id!r} can only be used inside x[...] or delta(...)", node.pos)
        if node.id not in self.known and node.id in self.graph.dims:  # a dim name is an integer constant
            return self.const("num", Fraction(self.graph.dims[node.id]))
        if node.id not in self.known:
            raise ExprError(f"unknown name {node.id!r}{suggest(node.id, self.known)}", node.pos)
        return node.id

    def visit_Neg(self, node: exprs.Neg) -> str:
        return self.op("neg", (self.visit(node.operand),), node.pos)

    def visit_Transpose(self, node: exprs.Transpose) -> str:
        return self.op("transpose", (self.visit(node.operand),), node.pos)

    def visit_Bin(self, node: exprs.Bin) -> str:
        # iterative along the left spine: a flat sum of thousands of terms must not recurse
        spine = [node]
        while isinstance(spine[-1].left, exprs.Bin):
            spine.append(spine[-1].left)
        left = self.visit(spine[-1].left)
        for b in reversed(spine):
            right = self.visit(b.right)
            op = OPERATORS[b.op]
            if op == "matmul" and () in (self.graph.shapes[left], self.graph.shapes[right]):
                op = "mul"  # a 1×1 result is a scalar everywhere, also as an operand of @
            left = self.op(op, (left, right), b.pos)
        return left

    def index_value(self, node) -> int:
        """An index as written: an integer literal or a dim name (entries claims add index names)."""
        if isinstance(node, exprs.Num) and node.value.denominator == 1:
            return int(node.value)
        if isinstance(node, exprs.Name) and node.id in self.graph.dims and node.id not in self.known:
            return self.graph.dims[node.id]
        raise ExprError("an index is an integer (1-based), as in x[2] or W[1, 3]", node.pos)

    def visit_Index(self, node: exprs.Index) -> str:
        if node.of is not None:  # an entry of a derivative: grad(L, a3)[k] (solution sheets write these)
            base = self.visit(node.of)
        else:
            base = self.visit_Name(exprs.Name(node.base, node.pos))
        shape = self.graph.shapes[base]
        if len(node.indices) != len(shape):
            what = "a scalar" if not shape else f"{fmt_shape(shape)}, so it takes {len(shape)} ind{'ex' if len(shape) == 1 else 'ices'}"
            raise ExprError(f"{node.base} is {what}; got {len(node.indices)}", node.pos)
        at = []
        for k, (i, n) in enumerate(zip(node.indices, shape)):
            if isinstance(i, exprs.Colon):
                at.append(slice(None))
                continue
            value = self.index_value(i)
            if not 1 <= value <= n:
                raise ExprError(f"index {value} of {node.base} is out of range 1..{n} (indices start at 1)", i.pos)
            at.append(value - 1)
        return self.op("index", (base,), node.pos, {"at": tuple(at)})

    def visit_Literal(self, node: exprs.Literal) -> str:
        rows = node.rows if node.matrix else tuple((e,) for e in node.rows)
        parts = []
        for row in rows:
            for e in row:
                part = self.visit(e)
                if self.graph.shapes[part] != ():
                    raise ExprError(f"each entry of a literal is a scalar, got {fmt_shape(self.graph.shapes[part])}",
                                    getattr(e, "pos", node.pos))
                parts.append(part)
        shape = (len(rows), len(rows[0])) if node.matrix else (len(rows),)
        if shape == (1, 1):
            shape = ()
        return self.emit("stack", tuple(parts), {"shape": shape}, shape, node.pos)

    def visit_Call(self, node: exprs.Call) -> str:
        fn = ALIASES.get(node.fn, node.fn)
        if fn in self.graph.functions:
            return self.declared(node)
        if node.axis is not None and fn not in ("sum", "mean", "softmax", "logsumexp"):
            raise ExprError(f"{fn} takes no axis=", node.pos)
        if node.prime:
            if fn not in ELEMENTWISE:
                raise ExprError(f"{fn}{chr(39) * node.prime}(...) needs an elementwise function ({', '.join(ELEMENTWISE)}) "
                                f"or a declared one; {fn!r} is neither", node.pos)
            return self.op(fn + "'" * node.prime, (self.one_arg(node),), node.pos)
        builder = getattr(self, "call_" + fn, None)
        if builder is not None:
            return builder(node)
        row = OPS.get(fn)
        if row is not None and row.text == fn and row.arity in (1, 2):
            return self.op(fn, tuple(self.args(node, row.arity)), node.pos, _axis(node))
        if fn in self.known:
            raise ExprError(f"unknown function {fn!r} (a name of this problem, not a function: write {fn}*(...) "
                            "to multiply)", node.pos)
        raise ExprError(f"unknown function {fn!r}{suggest(fn, FUNCTIONS)}; the functions are "
                        f"{', '.join(sorted(FUNCTIONS))}, and those declared under `functions:`", node.pos)

    def one_arg(self, node: exprs.Call) -> str:
        return self.args(node, 1)[0]

    def args(self, node: exprs.Call, count: int) -> list:
        if len(node.args) != count:
            raise ExprError(f"{node.fn} takes {count} argument{'s' * (count != 1)}, got {len(node.args)}", node.pos)
        return [self.visit(a) for a in node.args]

    def declared(self, node: exprs.Call) -> str:
        arg = self.one_arg(node)
        return self.emit("fn", (arg,), {"name": node.fn, "order": node.prime}, self.graph.shapes[arg], node.pos)

    def call_mean(self, node: exprs.Call) -> str:
        arg = self.one_arg(node)
        total = self.op("sum", (arg,), node.pos, _axis(node))
        shape = self.graph.shapes[arg]
        size = math.prod(shape) if node.axis is None else shape[node.axis]
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

    def size_args(self, node: exprs.Call, most: int) -> tuple:
        if not 1 <= len(node.args) <= most:
            usage = f"{node.fn}(n)" if most == 1 else f"{node.fn}(n) or {node.fn}(m, n)"
            raise ExprError(f"{node.fn} takes sizes, as in {usage}", node.pos)
        out = []
        for arg in node.args:
            if isinstance(arg, exprs.Num) and arg.value.denominator == 1 and 1 <= arg.value <= 10_000:
                out.append(int(arg.value))
            elif isinstance(arg, exprs.Name) and arg.id in self.graph.dims:
                out.append(self.graph.dims[arg.id])
            else:
                raise ExprError(f"a size in {node.fn}(...) is a positive integer or a dim name", node.pos)
        return tuple(out)

    def call_eye(self, node: exprs.Call) -> str:
        (n,) = self.size_args(node, 1)
        return self.const("eye", n, (n, n))

    def call_ones(self, node: exprs.Call) -> str:
        shape = self.size_args(node, 2)
        return self.const("ones", shape, shape)

    def call_zeros(self, node: exprs.Call) -> str:
        shape = self.size_args(node, 2)
        return self.const("zeros", shape, shape)

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
        return self.emit(kind, tuple(names), {}, shape, node.pos)


def _axis(node: exprs.Call) -> dict:
    return {} if node.axis is None else {"axis": node.axis}


def lower_into(graph: Graph, target: str, expr, *, known: dict, index_names=frozenset()) -> list:
    """Lower `expr` as variable `target`; returns the new equations (also appended to the graph)."""
    lowerer = Lowerer(graph, target, known=known, index_names=index_names)
    lowerer.lower(expr)
    graph.eqns.extend(lowerer.eqns)
    graph.magnitudes[target] = lowerer.sizes[target]
    return lowerer.eqns
