"""Exact derivatives with sympy, derived at the level of the DAG.

Every input entry and every user node gets a real Symbol. A node's *local*
expression is written in the symbols of the names it uses, so derivatives are
local partials combined in reverse order with node names kept as symbols
(∂l/∂x = (h3·4h1 + h2·1)·2), and are substituted down to the inputs only where a
proof or a printout needs it. sympy's own matrix-expression calculus is never
used; values are numpy object arrays of sympy expressions. Never imports the engine.
"""

from __future__ import annotations

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
    for i in np.ndindex(*expr.shape):
        for j in np.ndindex(*symbols.shape):
            out[i + j] = sp.diff(expr[i], symbols[j])
    return out


def replace(expr, values: dict):
    """Substitute symbols; `subs` where a derivative's variable is replaced (it becomes a Subs)."""
    expr = sp.sympify(expr)
    if expr.has(sp.Derivative):
        return expr.subs(values)
    return expr.xreplace(values)


MAX_EXPANDED = 5_000


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
        self.local: dict[str, np.ndarray] = {}
        self._evaluate(graph.eqns, self.local, keep=set(graph.node_names))
        self.parents = graph.node_parents
        self.owner = {s: node for node in graph.node_names for s in self.symbols[node].flat}
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
        return np.asarray(OPS[eqn.op].symbolic(sp, eqn.params, *args), dtype=object)

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
            self._jac[key] = jacobian(self.local[node], self.symbols[parent])
        return self._jac[key]

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
        free = free_symbols(expr.flat) if expr.size else set()

        def seed(name):
            syms = self.symbols[name]
            if not free.intersection(syms.flat):
                return None
            return jacobian(expr, syms)

        adjoint = {name: seed(name) for name in below + [v]}
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

    def expanded_size(self, expr: np.ndarray) -> int:
        """How many tree nodes expr would have written in the inputs (a DAG walk, never the tree)."""
        if self._sizes is None:
            self._sizes = {}
            for node in self.graph.node_names:
                for index in np.ndindex(*self.local[node].shape):
                    self._sizes[self.symbols[node][index]] = tree_size(self.local[node][index], self._sizes)
        return sum(tree_size(e, self._sizes) for e in np.asarray(expr, dtype=object).flat)

    def substitutable(self, expr: np.ndarray) -> bool:
        return self.expanded_size(expr) <= MAX_EXPANDED

    def substitute(self, expr: np.ndarray) -> np.ndarray:
        """expr written in input symbols only; left in node symbols when that would be too large
        (a deep DAG whose nodes are used twice grows exponentially when substituted)."""
        if not self.substitutable(expr):
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
