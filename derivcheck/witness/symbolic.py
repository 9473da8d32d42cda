"""Exact derivatives with sympy, derived at the level of the DAG.

Every input entry and every user node gets a real Symbol. A node's *local*
expression is written in the symbols of the names it uses, so derivatives are
local partials combined in reverse order with node names kept as symbols
(∂l/∂x = (h3·4h1 + h2·1)·2), and are substituted down to the inputs only where a
proof or a printout needs it. sympy's own matrix-expression calculus is never
used; values are numpy object arrays of sympy expressions. Never imports the engine.

Never expand what does not need expanding: the ops whose entry-wise form blows up (a row
with `kept_vjp`: inv and det of an n×n argument, n ≥ KEEP_FROM) are *kept nodes*, in the
DAG and inside claims alike (logdet X is log|d| of the kept node d = det X). Their output
gets entry symbols of its own (inv(X)[1,2], det(X)); their derivative is the row's VJP
written in those symbols (Ā = −YᵀȲYᵀ for Y = A⁻¹), chained by sympy into their argument.
Their values at a point come from exact rational linear algebra (verdict/identity.py,
verdict/numeval.py), never from an expanded inverse; the same argument gives the same kept
node, so a claim's inv(X) is the DAG's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derivcheck.ops import OPS, obj


def entry_symbols(name: str, shape: tuple, **assumptions) -> np.ndarray:
    """Symbols for every entry of a named value: x, x[2], W[1,2] (1-based, as on paper)."""
    if shape == ():
        return obj(sp.Symbol(name, real=True, **assumptions))
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        label = ",".join(str(i + 1) for i in index)
        out[index] = sp.Symbol(f"{name}[{label}]", real=True, **assumptions)
    return out


def const_value(params: dict) -> np.ndarray:
    kind, value = params["kind"], params["value"]
    if kind == "num":
        return obj(sp.Rational(value.numerator, value.denominator))
    if kind == "pi":
        return obj(sp.pi)
    if kind == "eye":
        return np.array(sp.eye(value).tolist(), dtype=object)
    shape = value if isinstance(value, tuple) else (value,)
    return np.full(shape, sp.Integer(1 if kind == "ones" else 0), dtype=object)


def zeros(shape: tuple) -> np.ndarray:
    return np.full(shape, sp.Integer(0), dtype=object) if shape else obj(sp.Integer(0))


def tensordot(a: np.ndarray, b: np.ndarray, axes: int) -> np.ndarray:
    """Contract the last `axes` axes of a with the first of b, for object arrays (scalars included)."""
    out = np.multiply.outer(a, b) if axes == 0 else np.tensordot(a, b, axes=axes)
    if not isinstance(out, np.ndarray):
        return obj(out)
    return out.astype(object) if out.dtype != object else out


def jacobian(expr: np.ndarray, symbols: np.ndarray) -> np.ndarray:
    """Component-wise derivative of every entry of expr by every entry of symbols: shape E + V.

    With symengine installed (the `fast` extra) derivcheck.witness.fastdiff takes the derivatives;
    DERIVCHECK_SYMBOLIC=sympy keeps them in sympy."""
    from derivcheck.witness import fastdiff

    if fastdiff.backend() == "symengine":
        return fastdiff.jacobian(expr, symbols)
    out = np.empty(expr.shape + symbols.shape, dtype=object)
    free: dict = {}
    for j in np.ndindex(*symbols.shape):
        done: dict = {}  # per symbol: a subexpression shared by entries is differentiated once
        for i in np.ndindex(*expr.shape):
            try:
                out[i + j] = _diff(sp.sympify(expr[i]), symbols[j], free, done)
            except RecursionError:
                out[i + j] = sp.diff(expr[i], symbols[j])
    return out


def _symbols_in(node, free: dict) -> frozenset:
    if node not in free:
        free[node] = frozenset({node}) if node.is_Symbol else \
            frozenset().union(*(_symbols_in(a, free) for a in node.args)) if node.args else frozenset()
    return free[node]


def _diff(node, s, free: dict, done: dict):
    """sympy's own rules for +, ·, constant powers (the same expression sp.diff gives), memoised
    over the shared subexpressions and skipping those without s; sp.diff for everything else."""
    if node in done:
        return done[node]
    if s not in _symbols_in(node, free):
        out = sp.S.Zero
    elif node.is_Symbol:
        out = sp.S.One
    elif node.is_Add:
        out = sp.Add(*[_diff(a, s, free, done) for a in node.args])
    elif node.is_Mul:  # the Leibniz rule as Mul._eval_derivative_n_times writes it
        args = list(node.args)
        out = sp.Add(*[sp.Mul(*(args[:k] + [_diff(a, s, free, done)] + args[k + 1:])) for k, a in enumerate(args)])
    elif node.is_Pow and s not in _symbols_in(node.exp, free):
        out = node * (_diff(node.base, s, free, done) * node.exp / node.base)
    else:
        out = sp.diff(node, s)
    done[node] = out
    return out


def replace(expr, values: dict):
    """Substitute symbols; `subs` where a derivative's variable is replaced (it becomes a Subs)."""
    expr = sp.sympify(expr)
    if expr.has(sp.Derivative):
        return expr.subs(values)
    return expr.xreplace(values)


MAX_EXPANDED = 5_000
PROOF_EXPANDED = 15_000  # all entries of a difference a proof substitutes into the inputs


def tree_size(expr, leaves: dict) -> int:
    """Tree nodes of expr, where a symbol in `leaves` counts as that many; memoised per subexpression."""
    sizes: dict = {}
    stack = [sp.sympify(expr)]
    while stack:
        node = stack[-1]
        if node in sizes:
            stack.pop()
            continue
        pending = [a for a in node.args if a not in sizes]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        sizes[node] = leaves.get(node, 1) if not node.args else 1 + sum(sizes[a] for a in node.args)
    return sizes[sp.sympify(expr)]


def free_symbols(expressions) -> set:
    """The symbols in expressions, visiting each distinct subexpression once (tree walks are exponential on DAGs)."""
    seen, found = set(), set()
    stack = [sp.sympify(e) for e in expressions]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.is_Symbol:
            found.add(node)
        stack.extend(node.args)
    return found


KEEP_FROM = 3  # a 2×2 inverse or determinant written out is smaller than its node
KEPT = frozenset({"logdet"} | {name for name, row in OPS.items() if row.kept_vjp is not None})


@dataclass(eq=False)
class Kept:
    """A kept node: op(arg) with entry symbols of its own."""

    op: str
    arg: np.ndarray  # the n×n argument, in the symbols of inputs, nodes and earlier kept nodes
    symbols: np.ndarray  # the output's entry symbols (0-d for det and logdet)
    parents: list  # the inputs, nodes and kept nodes whose symbols arg reads
    label: str  # what the argument is called in the node's name: X in inv(X)


def _same(arg: np.ndarray, symbols: np.ndarray) -> bool:
    return arg.shape == symbols.shape and all(a is s for a, s in zip(arg.flat, symbols.flat))


ASSUMPTIONS = {"positive": {"positive": True}, "negative": {"negative": True}, "nonzero": {"nonzero": True}}


class Symbolic:
    """Local expressions of every user node, and total derivatives through the DAG."""

    def __init__(self, graph, domains: dict):
        self.graph = graph
        self.symbols: dict[str, np.ndarray] = {}
        for name, shape in graph.inputs.items():
            domain = domains.get(name, "real")
            self.symbols[name] = entry_symbols(name, shape, **ASSUMPTIONS.get(domain if isinstance(domain, str) else "", {}))
        for name in graph.node_names:
            self.symbols[name] = entry_symbols(name, graph.shapes[name])
        self.functions = {f: sp.Function(f) for f in graph.functions}
        self.owner = {s: node for node in graph.node_names for s in self.symbols[node].flat}
        self.source = {s: name for name in self.symbols for s in self.symbols[name].flat}  # and kept nodes'
        self.kept: dict[str, Kept] = {}  # in creation order: a kept node reads only earlier ones
        self._kept_keys: dict = {}
        self.order: list = []  # nodes and kept nodes in evaluation order
        self.local: dict[str, np.ndarray] = {}
        self._evaluate(graph.eqns, self.local, keep=set(graph.node_names))
        self.parents = graph.node_parents
        self._reads: dict = {}
        self._jac: dict = {}
        self._full: dict = {}
        self._sizes: dict | None = None

    # --- evaluation -------------------------------------------------------
    def _evaluate(self, eqns, into: dict, keep: set) -> None:
        env = dict(self.symbols)
        for eqn in eqns:
            value = self.apply(eqn, env)
            if eqn.out in keep:
                into[eqn.out] = value
                self.order.append(eqn.out)
            else:
                env[eqn.out] = value

    def apply(self, eqn, env: dict) -> np.ndarray:
        args = [env[a] for a in eqn.args]
        if eqn.op == "const":
            return const_value(eqn.params)
        if eqn.op == "fn":
            return self.declared(eqn.params["name"], eqn.params["order"], args[0])
        if eqn.op == "grad":
            return self.total(self.symbols[eqn.args[0]] if eqn.args[0] in self.symbols else env[eqn.args[0]], eqn.args[1])
        if eqn.op in ("hess", "hessdiag"):
            return self.second(eqn)
        if eqn.op in KEPT and args[0].ndim == 2 and args[0].shape[0] >= KEEP_FROM:
            if eqn.op == "logdet":
                return obj(sp.log(sp.Abs(self.keep("det", args[0], eqn.args[0])[()])))
            return self.keep(eqn.op, args[0], eqn.args[0])
        return np.asarray(OPS[eqn.op].symbolic(sp, eqn.params, *args), dtype=object)

    def keep(self, op: str, arg: np.ndarray, label: str = "") -> np.ndarray:
        """The symbols of op(arg) as a kept node (the same node for the same op and argument)."""
        arg = np.asarray(arg, dtype=object)
        key = (op, tuple(arg.flat))
        if key in self._kept_keys:
            return self.kept[self._kept_keys[key]].symbols
        named = [n for n, syms in self.symbols.items() if _same(arg, syms)]
        label = named[0] if named else label or str(len(self.kept) + 1)
        name = f"{op}({label})"
        while name in self.symbols:
            name += "'"
        symbols = entry_symbols(name, arg.shape if op == "inv" else ())
        reads = {self.source[s] for s in free_symbols(arg.flat) if s in self.source}
        self.kept[name] = Kept(op, arg, symbols, [n for n in self.symbols if n in reads], label)
        self._kept_keys[key] = name
        self.symbols[name] = symbols
        self.source.update((s, name) for s in symbols.flat)
        self.order.append(name)
        return symbols

    def reads(self, name: str) -> list:
        """The nodes and kept nodes whose symbols the definition of `name` reads."""
        if name in self.kept:
            return self.kept[name].parents
        if name not in self._reads:
            used = {self.source[s] for s in free_symbols(self.local[name].flat) if s in self.source}
            self._reads[name] = [n for n in self.order if n in used or n in self.parents[name]]
        return self._reads[name]

    def needed(self, free) -> list:
        """The nodes and kept nodes that valuing the symbols `free` needs, in evaluation order."""
        wanted = {self.source[s] for s in free if s in self.source} - set(self.graph.inputs)
        for name in reversed(self.order):
            if name in wanted:
                wanted.update(self.reads(name))
        return [n for n in self.order if n in wanted]

    def declared(self, name: str, order: int, arg: np.ndarray) -> np.ndarray:
        fn = self.functions[name]
        t = sp.Dummy("t", real=True)

        def one(u):
            if order == 0:
                return fn(u)
            if isinstance(u, sp.Symbol):
                return sp.Derivative(fn(u), (u, order))
            return sp.Subs(sp.Derivative(fn(t), (t, order)), t, u)

        return np.vectorize(one, otypes=[object])(arg) if arg.ndim else obj(one(arg[()]))

    def evaluate(self, eqns, target: str) -> np.ndarray:
        """The value of `target` among extra equations (a claim), in input and node symbols."""
        env = dict(self.symbols)
        for eqn in eqns:
            env[eqn.out] = self.apply(eqn, env)
        return env[target]

    # --- derivatives ------------------------------------------------------
    def local_jacobian(self, node: str, parent: str) -> np.ndarray:
        key = (node, parent)
        if key not in self._jac:
            local = self.local[node]
            wanted = set(self.parents[node]) | {parent}
            found = self.seeds(local, wanted)
            for name in wanted:
                self._jac[node, name] = found[name] if name in found else \
                    zeros(local.shape + self.symbols[name].shape)
        return self._jac[key]

    def seeds(self, expr: np.ndarray, wanted: set) -> dict:
        """name → ∂expr/∂name (shape E + V) for the names in `wanted` whose symbols expr reads, directly
        or through kept nodes (their row's VJP, then sympy's derivative of their argument)."""
        free = free_symbols(expr.flat) if expr.size else set()
        out: dict = {}
        for name in wanted:
            if free.intersection(self.symbols[name].flat):
                out[name] = jacobian(expr, self.symbols[name])
        pending: dict = {}
        for name in reversed(list(self.kept)):
            kept = self.kept[name]
            adjoint = pending.pop(name, None)
            if free.intersection(kept.symbols.flat):
                direct = jacobian(expr, kept.symbols)
                if kept.op == "det":  # ∂log|d|/∂d = sign(d)/|d| is 1/d wherever d·A⁻ᵀ is defined
                    d = kept.symbols[()]
                    direct = np.vectorize(lambda e: sp.sympify(e).xreplace({sp.sign(d): d / sp.Abs(d)}),
                                          otypes=[object])(direct) if direct.ndim else \
                        obj(sp.sympify(direct[()]).xreplace({sp.sign(d): d / sp.Abs(d)}))
                adjoint = direct if adjoint is None else adjoint + direct
            if adjoint is None:
                continue
            through = self.kept_vjp(kept, adjoint, expr.shape)
            for parent in kept.parents:
                if parent not in self.kept and parent not in wanted:
                    continue
                syms = self.symbols[parent]
                term = through if _same(kept.arg, syms) else tensordot(through, jacobian(kept.arg, syms), 2)
                table = pending if parent in self.kept else out
                table[parent] = term if parent not in table else table[parent] + term
        return out

    def kept_vjp(self, kept: Kept, adjoint: np.ndarray, lead: tuple) -> np.ndarray:
        """The adjoint of a kept node's argument (shape lead + n×n) by its row's rule."""
        rule = OPS[kept.op].kept_vjp
        inverse = kept.symbols if kept.op == "inv" else self.keep("inv", kept.arg, kept.label)
        out_value = kept.symbols if kept.symbols.ndim else kept.symbols[()]
        out = np.empty(lead + kept.arg.shape, dtype=object)
        for index in np.ndindex(*lead):
            out[index] = np.asarray(rule(adjoint[index], out_value, inverse), dtype=object)
        return out

    def descendants(self, v: str) -> list:
        """User nodes whose value depends on v, in dependency order."""
        reached = {v}
        out = []
        for node in self.graph.node_names:
            if any(p in reached for p in self.parents[node]):
                reached.add(node)
                out.append(node)
        return out

    def total(self, expr: np.ndarray, v: str) -> np.ndarray:
        """Total derivative of expr (in input and node symbols) w.r.t. v: shape E + V.

        Reverse accumulation over the user nodes that depend on v; v's own parents
        are held fixed, which is the backprop-adjoint meaning of SPEC §1.5.
        """
        below = self.descendants(v)
        vshape = self.symbols[v].shape
        found = self.seeds(expr, set(below + [v]))
        adjoint = {name: found.get(name) for name in below + [v]}
        for node in reversed(below):
            adj = adjoint[node]
            if adj is None:
                continue
            for parent in self.parents[node]:
                if parent in adjoint:
                    term = tensordot(adj, self.local_jacobian(node, parent), self.symbols[node].ndim)
                    adjoint[parent] = term if adjoint[parent] is None else adjoint[parent] + term
        result = adjoint[v]
        return zeros(expr.shape + vshape) if result is None else np.asarray(result, dtype=object)

    def derivative(self, f: str, v: str) -> np.ndarray:
        return self.total(self.symbols[f], v)

    def second(self, eqn) -> np.ndarray:
        f, u = eqn.args[0], eqn.args[1]
        v = eqn.args[2] if eqn.op == "hess" else u
        full = self.total(self.derivative(f, u), v)
        if eqn.op == "hess":
            return full
        n = int(np.prod(self.symbols[v].shape, dtype=int))
        return np.diagonal(full.reshape(n, n)).reshape(self.symbols[v].shape).copy()

    # --- substitution -----------------------------------------------------
    def node_values(self, needed=None) -> dict:
        """Node symbols → their expressions in input symbols, substituted in dependency order;
        only the nodes that `needed` (node names, default all) depend on are computed."""
        wanted = set(self.graph.node_names if needed is None else needed)
        for node in reversed(self.graph.node_names):
            if node in wanted:
                wanted.update(p for p in self.parents[node] if p in self.local)
        for node in self.graph.node_names:
            if node not in wanted or self.symbols[node].flat[0] in self._full:
                continue
            value = self.local[node]
            for index in np.ndindex(*value.shape):
                self._full[self.symbols[node][index]] = replace(value[index], self._full)
        return self._full

    def entry_sizes(self, expr: np.ndarray) -> list:
        """How many tree nodes each entry of expr would have written in the inputs (a DAG walk, never the tree)."""
        if self._sizes is None:
            self._sizes = {}
            for node in self.graph.node_names:
                for index in np.ndindex(*self.local[node].shape):
                    self._sizes[self.symbols[node][index]] = tree_size(self.local[node][index], self._sizes)
        return [tree_size(e, self._sizes) for e in np.asarray(expr, dtype=object).flat]

    def expanded_size(self, expr: np.ndarray) -> int:
        return sum(self.entry_sizes(expr))

    def substitutable(self, expr: np.ndarray, each: bool = False) -> bool:
        """Small enough written in the inputs: in all, or (`each`, for proofs, which go entry by entry)
        every entry within the limit and all of them within a few times it."""
        sizes = self.entry_sizes(expr)
        if each:
            return max(sizes, default=0) <= MAX_EXPANDED and sum(sizes) <= PROOF_EXPANDED
        return sum(sizes) <= MAX_EXPANDED

    def substitute(self, expr: np.ndarray, each: bool = False) -> np.ndarray:
        """expr written in input symbols only; left in node symbols when that would be too large
        (a deep DAG whose nodes are used twice grows exponentially when substituted)."""
        if not self.substitutable(expr, each):
            return expr
        owner = self.owner
        values = self.node_values({owner[s] for s in free_symbols(np.asarray(expr, dtype=object).flat) if s in owner})
        return np.vectorize(lambda e: replace(e, values), otypes=[object])(expr) if expr.ndim \
            else obj(replace(expr[()], values))


def paths(sym: Symbolic, f: str, v: str, limit: int = 64) -> list:
    """Every path v → … → f through the user DAG with its term (product of local Jacobians);
    [] when there are more than `limit` (the search only walks nodes that lead to f)."""
    above = {f}
    for node in reversed(sym.graph.node_names):
        if node in above:
            above.update(sym.parents[node])
    children: dict = {}
    for node in sym.graph.node_names:
        for parent in sym.parents[node]:
            if node in above:
                children.setdefault(parent, []).append(node)
    found, stack, visited = [], [(v, [v])], 0
    while stack and len(found) <= limit:
        visited += 1
        if visited > 100 * limit:
            return []
        name, path = stack.pop()
        if name == f:
            found.append(path)
            continue
        for child in children.get(name, []):
            stack.append((child, path + [child]))
    if len(found) > limit:
        return []
    out = []
    for path in found:
        term = None
        for lower, upper in zip(reversed(path[:-1]), reversed(path[1:])):
            jac = sym.local_jacobian(upper, lower)
            term = jac if term is None else tensordot(term, jac, sym.symbols[upper].ndim)
        out.append((path, term))
    return out
