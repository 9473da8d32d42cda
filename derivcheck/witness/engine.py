"""derivcheck's own reverse-mode engine on numpy float64 arrays.

Evaluation is a loop over the equations; backprop is the same loop reversed,
adding into adjoints (a variable used twice gets two contributions). It reads
only `forward`, `vjp` (and its per-argument split `vjp_args`) and the float
rules of the op table, and never imports sympy. On dual numbers (`number`, second_order.py) the
same loops differentiate the backward pass itself.

Speed (bench/README.md, "Engine vs peers"): the equations are compiled once
into a `Tape` (integer slots instead of names, each row's rules looked up once,
constants evaluated once); a backward pass visits only the equations on a path
from the wanted variables to the output and computes only wanted adjoints (no
x̄ = Wᵀḡ when only W̄ is asked for); a graph of scalars runs on Python floats
with the table's float rules instead of 0-d numpy arrays.
"""

from __future__ import annotations

import math

import numpy as np

from derivcheck.ops import OPS

DERIVATIVE_OPS = ("grad", "hess", "hessdiag")
FLOAT = np.dtype(float)


def const_value(params: dict) -> np.ndarray:
    kind, value = params["kind"], params["value"]
    if kind == "num":
        return np.asarray(float(value))
    if kind == "pi":
        return np.asarray(math.pi)
    if kind == "eye":
        return np.eye(value)
    return (np.ones if kind == "ones" else np.zeros)(value)


class Tape:
    """The equations with integer slots (inputs first, then one per equation) and their rules."""

    def __init__(self, eqns: list):
        produced = {e.out for e in eqns}
        self.inputs = list(dict.fromkeys(a for e in eqns for a in e.args if a not in produced))
        self.names = self.inputs + [e.out for e in eqns]
        self.slot = {name: i for i, name in enumerate(self.names)}
        self.eqns = eqns
        self.outs = [self.slot[e.out] for e in eqns]
        self.args = [tuple(self.slot[a] for a in e.args) for e in eqns]
        self.rows = [OPS.get(e.op) for e in eqns]  # None for const, fn and derivative ops
        self.floats = [row.floats if row is not None else None for row in self.rows]
        self.consts = [i for i, e in enumerate(eqns) if e.op == "const"]
        # (index, out slot, arg slots, float rule, equation) of every equation that computes something;
        # a declared function's float rule is None, so calling it raises TypeError: its numpy row runs
        self.steps = [(i, self.outs[i], self.args[i], self.floats[i] or (None, None), e)
                      for i, e in enumerate(eqns) if e.op != "const"]
        self.scalar = all(e.shape == () and (f is not None or e.op in ("const", "fn")) for e, f in zip(eqns, self.floats))
        self._active: dict = {}

    def active(self, f: str, wanted: frozenset | None, stop: str | None) -> list:
        """The equations that carry f's adjoint to a wanted variable, in reverse order, each as
        (index, out slot, arg slots, needed) with needed = ((position, arg slot), ...) for the
        args that need an adjoint. `wanted` None: every adjoint."""
        key = (f, wanted, stop)
        if key not in self._active:
            needed = None
            if wanted is not None:  # the wanted variables and everything computed from them
                needed = set(wanted)
                for e in self.eqns:
                    if e.out not in wanted and any(a in needed for a in e.args):
                        needed.add(e.out)
            above = {f}  # variables whose adjoint is reached from f (not through stop)
            steps = []
            for i in range(len(self.eqns) - 1, -1, -1):
                e = self.eqns[i]
                if e.out not in above or e.op == "const" or e.out == stop:
                    continue
                wants = tuple((k, self.args[i][k]) for k, a in enumerate(e.args) if needed is None or a in needed)
                if wants:
                    above.update(e.args[k] for k, _ in wants)
                    steps.append((i, self.outs[i], self.args[i], wants))
            self._active[key] = steps
        return self._active[key]


class Engine:
    """Evaluates and differentiates equation lists; `functions` maps declared names to SmoothFunctions."""

    def __init__(self, eqns: list, functions: dict | None = None, number=None):
        self.eqns = eqns
        self.functions = functions or {}
        self.number = number  # None: float64; else a number class (dual numbers) held in object arrays
        self.dtype = float if number is None else object
        self._tape: Tape | None = None
        self._consts: dict = {}

    @property
    def tape(self) -> Tape:
        if self._tape is None or len(self._tape.eqns) != len(self.eqns):  # rebuilt if equations were appended
            self._tape = Tape(list(self.eqns))
            self._consts = {}
        return self._tape

    def array(self, value) -> np.ndarray:
        out = np.asarray(value, dtype=self.dtype)
        if self.number is not None and out.ndim == 0 and not isinstance(out[()], self.number):
            lifted = np.empty((), dtype=object)
            lifted[()] = self.number.lift(out[()])
            return lifted
        return out

    # --- forward ----------------------------------------------------------------
    def forward(self, env: dict) -> dict:
        floats = self._floats(env)
        with np.errstate(all="ignore"):
            values = self._forward(env, floats)
        tape = self.tape
        out = dict(env)
        for name, value in zip(tape.names[len(tape.inputs):], values[len(tape.inputs):]):
            out[name] = np.array(value) if floats else value
        return out

    def _floats(self, env: dict) -> bool:
        """Whether to run on Python floats: every value a scalar, every op with a float rule."""
        if self.dtype is not float or not self.tape.scalar:
            return False
        return all((v.ndim if type(v) is np.ndarray else np.ndim(v)) == 0 for v in (env[n] for n in self.tape.inputs))

    def _forward(self, env: dict, floats: bool) -> list:
        """The value of every slot: floats on the float path, arrays otherwise (callers set np.errstate)."""
        tape = self.tape
        values = [float(env[n]) if floats else env[n] for n in tape.inputs] + [None] * len(self.eqns)
        for i in tape.consts:
            values[tape.outs[i]] = self._const(self.eqns[i], floats)
        if floats:
            for i, out, args, rule, eqn in tape.steps:
                try:
                    values[out] = rule[0](*[values[a] for a in args])
                except (ArithmeticError, ValueError, TypeError):  # log 0, 1/0, fn: numpy's row decides
                    values[out] = self._float_forward(i, [values[a] for a in args])
            return values
        fast = self.dtype is float
        rows = tape.rows
        for i, out, args, rule, eqn in tape.steps:
            row = rows[i]
            if row is not None:
                value = row.forward(eqn.params, *[values[a] for a in args])
                values[out] = value if fast and type(value) is np.ndarray and value.dtype is FLOAT else self.array(value)
            else:  # declared functions and grad/hess ops (which need the whole environment)
                values[out] = self.apply(eqn, {**env, **{n: v for n, v in zip(tape.names, values) if v is not None}})
        return values

    def _float_forward(self, i: int, args: list) -> float:
        """One equation on numpy float64 scalars: where a float rule raised, or a declared function."""
        eqn = self.eqns[i]
        return float(self.apply(eqn, {n: np.float64(v) for n, v in zip(eqn.args, args)}))

    def _const(self, eqn, floats: bool):
        if eqn.out not in self._consts:
            value = self.array(const_value(eqn.params))
            self._consts[eqn.out] = (value, float(value) if value.ndim == 0 and self.dtype is float else None)
        array, number = self._consts[eqn.out]
        return number if floats else array

    def apply(self, eqn, env: dict) -> np.ndarray:
        if eqn.op == "const":
            return const_value(eqn.params)
        if eqn.op == "fn":
            fn = self.functions[eqn.params["name"]].numeric(eqn.params["order"])
            return self.array(fn(env[eqn.args[0]]))
        if eqn.op in DERIVATIVE_OPS:
            return self.derivative_op(eqn, env)
        return self.array(OPS[eqn.op].forward(eqn.params, *(env[a] for a in eqn.args)))

    # --- backward ---------------------------------------------------------------
    def vjp(self, eqn, g: np.ndarray, env: dict) -> tuple:
        args = [env[a] for a in eqn.args]
        if eqn.op == "fn":
            slope = self.functions[eqn.params["name"]].numeric(eqn.params["order"] + 1)
            return (g * slope(args[0]),)
        return OPS[eqn.op].vjp(g, env[eqn.out], eqn.params, *args)

    def backward(self, env: dict, seeds: dict, stop: str | None = None) -> dict:
        """Adjoints of every variable given adjoints `seeds` of some; does not pass through `stop`."""
        floats = self._floats(env)
        with np.errstate(all="ignore"):
            return self._backward(self._values(env, floats), floats, seeds, stop, None)

    def _values(self, env: dict, floats: bool) -> list:
        """The slots' values, taken from an environment that `forward` returned."""
        values = [None] * len(self.tape.names)
        for name, s in self.tape.slot.items():
            if name in env:
                values[s] = float(env[name]) if floats else env[name]
        return values

    def _backward(self, values: list, floats: bool, seeds: dict, stop: str | None, wanted: frozenset | None) -> dict:
        """Adjoints as arrays; with `wanted`, only theirs, visiting only the equations between them and
        the seeds (callers set np.errstate)."""
        tape = self.tape
        adjoints: list = [None] * len(tape.names)
        out = {}
        for name, value in seeds.items():
            seed = np.array(value, dtype=self.dtype)
            if name in tape.slot:
                adjoints[tape.slot[name]] = float(seed) if floats else seed
            elif wanted is None or name in wanted:
                out[name] = seed
        steps = [step for f in seeds if f in tape.slot for step in tape.active(f, wanted, stop)]
        if len(seeds) > 1:  # several seeds: each equation once, in reverse order
            steps = sorted({step[0]: step for step in steps}.values(), key=lambda step: -step[0])
        (self._reverse_floats if floats else self._reverse_arrays)(steps, values, adjoints)
        for name in tape.slot if wanted is None else [n for n in wanted if n in tape.slot]:
            adjoint = adjoints[tape.slot[name]]
            if adjoint is not None:
                out[name] = np.array(adjoint) if floats else adjoint
        return out

    def _reverse_arrays(self, steps: list, values: list, adjoints: list) -> None:
        rows, fast = self.tape.rows, self.dtype is float
        for i, out, args, wants in steps:
            g = adjoints[out]
            if g is None:
                continue
            eqn, row, arrays = self.eqns[i], rows[i], [values[a] for a in args]
            if row is not None and row.vjp_args is not None:  # only the wanted parts of the rule
                parts = row.vjp_args
                contributions = [(a, parts[k](g, values[out], eqn.params, *arrays)) for k, a in wants]
            else:
                every = (row.vjp(g, values[out], eqn.params, *arrays) if row is not None
                         else self.vjp(eqn, g, {**dict(zip(eqn.args, arrays)), eqn.out: values[out]}))
                contributions = [(a, every[k]) for k, a in wants]
            for a, c in contributions:
                if not (fast and type(c) is np.ndarray and c.dtype is FLOAT):
                    c = self.array(c)
                shape = values[a].shape if type(values[a]) is np.ndarray else np.shape(values[a])
                if c.shape != shape:
                    c = c.reshape(shape)
                adjoints[a] = c if adjoints[a] is None else adjoints[a] + c

    def _reverse_floats(self, steps: list, values: list, adjoints: list) -> None:
        rules = self.tape.floats
        for i, out, args, wants in steps:
            g = adjoints[out]
            if g is None:
                continue
            try:
                contributions = rules[i][1](g, values[out], *[values[a] for a in args])
            except (ArithmeticError, ValueError, TypeError):  # 1/0, overflow, fn: numpy's row decides
                contributions = self._float_vjp(i, g, values[out], [values[a] for a in args])
            for k, a in wants:
                adjoints[a] = contributions[k] if adjoints[a] is None else adjoints[a] + contributions[k]

    def _float_vjp(self, i: int, g: float, out: float, args: list) -> list:
        eqn = self.eqns[i]
        env = {n: np.float64(v) for n, v in zip(eqn.args, args)}
        env[eqn.out] = np.float64(out)
        return [float(c) for c in self.vjp(eqn, np.float64(g), env)]

    # --- derivatives ------------------------------------------------------------
    def gradient(self, env: dict, f: str, wrt: list) -> tuple:
        """(scalar f, {v: ∂f/∂v for v in wrt}): one forward pass and one backward pass that
        visits only the equations between `wrt` and f (what a training step needs)."""
        tape = self.tape
        floats = self._floats(env)
        with np.errstate(all="ignore"):
            values = self._forward(env, floats)
            adjoints = self._backward(values, floats, {f: 1.0}, None, frozenset(wrt))
        for v in wrt:
            if v not in adjoints:
                adjoints[v] = np.zeros(np.shape(values[tape.slot[v]] if v in tape.slot else env[v]))
        return np.asarray(values[tape.slot[f]]), adjoints

    def jacobian(self, env: dict, f: str, v: str) -> np.ndarray:
        """∂f/∂v with shape S + T: one backward pass per entry of f (v's own parents held fixed)."""
        fshape, vshape = np.shape(env[f]), np.shape(env[v])
        out = np.zeros(fshape + vshape)
        floats = self._floats(env)
        values = self._values(env, floats)
        for index in np.ndindex(*fshape):
            seed = np.zeros(fshape)
            seed[index] = 1.0
            with np.errstate(all="ignore"):
                adj = self._backward(values, floats, {f: seed}, v, frozenset([v]))
            out[index] = adj.get(v, np.zeros(vshape))
        return out

    def derivative_op(self, eqn, env: dict) -> np.ndarray:
        if eqn.op == "grad":
            return self.jacobian(env, *eqn.args)
        from derivcheck.witness.second_order import hessian

        f, u, v = eqn.args if eqn.op == "hess" else (eqn.args[0], eqn.args[1], eqn.args[1])
        full = hessian(self, env, f, u, v)
        if eqn.op == "hess":
            return full
        n = int(np.prod(np.shape(env[v]), dtype=int))
        return np.diagonal(full.reshape(n, n)).reshape(np.shape(env[v])).copy()
