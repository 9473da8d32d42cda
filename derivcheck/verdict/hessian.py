"""`derivcheck hessian`: exact, Becker–LeCun and Gauss–Newton Hessian diagonals.

For a problem with a `network`, the weights, input and target are taken from the
first sample point; each diagonal is computed per layer by `mlp` (O(W) for
Becker–LeCun, O(W·width) for the exact recursion) and compared with the exact
diagonal, which is itself cross-checked against the engine's forward-over-reverse
Hessian (and brute-force Hessian-vector products while W is small).
"""

from __future__ import annotations

import time

import numpy as np

BRUTE_FORCE_LIMIT = 3000


def report(checker, of: str | None, wrt: str | None) -> dict:
    """The comparison `derivcheck hessian` shows: per layer for a network (without --wrt), else
    the diagonal of ∂²OF/∂WRT² from both witnesses. Raises LocatedError for a bad --of/--wrt."""
    from derivcheck.lang.errors import LocatedError

    if checker.model.problem.network is not None and wrt is None:
        return network_report(checker)
    of = of or checker.model.output
    if wrt is None or of is None:
        raise LocatedError("without a network, give --of and --wrt")
    for name in (of, wrt):
        if name not in checker.graph.shapes or "#" in name:
            raise LocatedError(f"{name!r} is not an input or node of the problem")
    if checker.graph.shapes[of] != ():
        raise LocatedError(f"--of {of!r} must be a scalar")
    return general_report(checker, of, wrt)


def _first_point(checker) -> dict:
    """The first valid sample point (the one `steps` and `graph` show), as printable numbers."""
    return next(checker.point(i) for i in range(50) if checker.engine_env(checker.point(i), 0) is not None)


def _shown(point: dict) -> dict:
    from derivcheck.verdict.steps import _num

    return {k: _num(np.asarray(v, dtype=object).astype(float)) for k, v in point.items()}


def _timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def network_report(checker) -> dict:
    from derivcheck.witness import mlp

    model = checker.model
    spec = model.problem.network
    point = _first_point(checker)
    value = lambda name: np.asarray(point[name], dtype=object).astype(float)  # noqa: E731
    layers = len(spec.sizes) - 1
    if spec.activation in checker.graph.functions:
        fn = checker.instances[0][spec.activation]
        activation = mlp.Activation(spec.activation, fn.numeric(0), fn.numeric(1), fn.numeric(2))
    else:
        activation = mlp.ACTIVATIONS[spec.activation]
    net = mlp.Network(tuple(value(f"W{l}") for l in range(1, layers + 1)),
                      tuple(value(f"b{l}") for l in range(1, layers + 1)) if spec.bias else None,
                      activation, spec.output_activation, spec.loss)
    x, t = value("x"), value("t")
    weights = mlp.num_weights(net)
    exact, t_exact = _timed(mlp.diag_exact_recursion, net, x, t)
    methods = {"exact (recursion, eqs. 8–9 + 5)": (exact, t_exact)}
    methods["Becker–LeCun (eq. 10 + 5)"] = _timed(mlp.diag_becker_lecun, net, x, t)
    methods["Gauss–Newton"] = _timed(mlp.diag_gauss_newton, net, x, t)
    _, t_grad = _timed(mlp.gradient, net, x, t)
    checks = []
    if weights <= BRUTE_FORCE_LIMIT:
        brute, t_brute = _timed(mlp.diag_bruteforce, net, x, t)
        methods["exact (brute force, Hessian-vector products)"] = (brute, t_brute)
    engine_diag = _engine_diagonal(checker, point, layers)
    if engine_diag is not None:
        checks.append(("engine (forward over reverse)", mlp.relative_error(engine_diag, exact)))
    rows = []
    for name, (diag, seconds) in methods.items():
        per_layer = [mlp.relative_error([d], [e]) for d, e in zip(diag, exact)]
        rows.append({"method": name, "seconds": seconds, "relative_error": mlp.relative_error(diag, exact),
                     "per_layer": per_layer, "diagonal": [d.tolist() for d in diag]})
    return {"file": model.problem.path, "point": _shown(point), "weights": weights, "gradient_seconds": t_grad, "methods": rows,
            "cross_checks": [{"witness": w, "relative_error": e} for w, e in checks]}


def _engine_diagonal(checker, point: dict, layers: int):
    """The exact diagonal from the engine's own second-order pass (small networks only)."""
    from derivcheck.witness.second_order import hessian

    if sum(int(np.prod(checker.graph.shapes[f"W{l}"])) for l in range(1, layers + 1)) > 200:
        return None
    env = checker.engine_env(point, 0)
    out = []
    for l in range(1, layers + 1):
        name = f"W{l}"
        n = int(np.prod(checker.graph.shapes[name]))
        full = hessian(checker.engines[0], env, "L", name, name).reshape(n, n)
        out.append(np.diagonal(full).reshape(checker.graph.shapes[name]))
    return out


def general_report(checker, of: str, wrt: str) -> dict:
    """Without a network: the exact Hessian diagonal of OF w.r.t. WRT, from both witnesses."""
    from derivcheck.witness.second_order import hessian

    point = _first_point(checker)
    env = checker.engine_env(point, 0)
    shape = checker.graph.shapes[wrt]
    n = int(np.prod(shape, dtype=int))
    (engine, seconds) = _timed(lambda: np.diagonal(hessian(checker.engines[0], env, of, wrt, wrt).reshape(n, n)))
    truth = checker.sym.total(checker.sym.derivative(of, wrt), wrt)
    diag = np.diagonal(truth.reshape(n, n))
    free, fn = checker.compile(diag.copy(), 0)
    values = checker.values_at(point, 0, 30)
    exact = np.array([float(v) for v in fn([values[s] for s in free], 30)])
    err = float(np.linalg.norm(engine - exact) / max(np.linalg.norm(exact), 1e-300))
    return {"file": checker.model.problem.path, "point": _shown(point), "of": of, "wrt": wrt, "engine_seconds": seconds,
            "diagonal": exact.reshape(shape).tolist(), "engine_vs_sympy_relative_error": err}
