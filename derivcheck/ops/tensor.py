"""Rows of the tensor functions (sum, trace, det, inv, softmax, ...) and of the plumbing ops that
lowering emits (copy, neg, transpose, indexing, stacking literals)."""

from __future__ import annotations

from derivcheck.ops.base import Op, ShapeError, as_2d, call, fmt_shape, np, obj, transpose
from derivcheck.ops.dual import linalg as dual_linalg


def _same_shape(shapes, params):
    return shapes[0]


def _scalar_shape(shapes, params):
    return ()


def _square_scalar(shapes, params):
    _square(shapes, params)
    return ()


def _square(shapes, params):
    s = shapes[0]
    if len(s) != 2 or s[0] != s[1]:
        raise ShapeError(f"needs a square matrix, got {fmt_shape(s)}")
    return s


def _transpose_shape(shapes, params):
    s = shapes[0]
    if len(s) > 2:
        raise ShapeError(f"transpose needs a vector or matrix, got {fmt_shape(s)}")
    return transpose(np.empty(s)).shape


def _axis_shape(what):
    """Shape rule of a reduction along `axis` (None: of a vector, or of everything for `sum`)."""

    def shape(shapes, params):
        s, axis = shapes[0], params.get("axis")
        if axis is None:
            if what in ("softmax", "logsumexp") and len(s) == 2:
                raise ShapeError(f"{what} of a matrix ({fmt_shape(s)}) needs axis=0 (each column) or axis=1 (each row)")
            if what == "softmax" and len(s) != 1:
                raise ShapeError(f"softmax needs a vector, got {fmt_shape(s)}")
            return s if what == "softmax" else ()
        if len(s) != 2:
            raise ShapeError(f"{what}(X, axis=...) needs a matrix, got {fmt_shape(s)}")
        if what == "softmax":
            return s
        return (s[1],) if axis == 0 else (s[0],)

    return shape


def _diag_shape(shapes, params):
    s = shapes[0]
    if len(s) == 1:
        return (s[0], s[0])
    if len(s) == 2 and s[0] == s[1]:
        return (s[0],)
    raise ShapeError(f"diag needs a vector or a square matrix, got {fmt_shape(s)}")


def _linalg(name: str, a):
    """np.linalg for floats; matrices of dual numbers (second order) by their closed forms."""
    if a.dtype == object:
        return dual_linalg(name, a)
    if name == "logdet":
        return np.asarray(np.linalg.slogdet(a)[1])
    return np.asarray(getattr(np.linalg, name)(a))


def _sym_matrix(sp, a):
    return sp.Matrix(as_2d(a).tolist())


def _sym_det(sp, a):
    return _sym_matrix(sp, a).det(method="berkowitz")


def _sym_inv(sp, a):
    m = _sym_matrix(sp, a)
    return np.array(m.adjugate(method="berkowitz") / m.det(method="berkowitz"), dtype=object)


def _keep(p):
    """The reduced axis kept (size 1), so a reduction's result broadcasts back over its input."""
    return {} if p.get("axis") is None else {"axis": p["axis"], "keepdims": True}


def _expand(x, p):
    return x if p.get("axis") is None else np.expand_dims(x, p["axis"])


def _softmax(p, a):
    e = np.asarray(call("exp", a - a.max(**_keep(p))))
    return e / e.sum(**_keep(p))


def _logsumexp(p, a):
    m = a.max(**_keep(p))
    out = m + call("log", np.asarray(call("exp", a - m)).sum(**_keep(p)))
    return np.asarray(out).reshape(()) if p.get("axis") is None else out.squeeze(p["axis"])


def _lines(a, p):
    """The vectors a reduction along `axis` works on: a's columns (axis 0) or rows (axis 1)."""
    return [a] if p.get("axis") is None else list(a.T if p["axis"] == 0 else a)


def _sym_softmax(sp, p, a):
    def one(v):
        exps = [sp.exp(x) for x in v]
        total = sp.Add(*exps)
        return [e / total for e in exps]

    out = np.array([one(v) for v in _lines(a, p)], dtype=object)
    return out[0] if p.get("axis") is None else (out.T if p["axis"] == 0 else out)


def _sym_logsumexp(sp, p, a):
    values = [sp.log(sp.Add(*[sp.exp(x) for x in v.flatten()])) for v in _lines(a, p)]
    return obj(values[0]) if p.get("axis") is None else np.array(values, dtype=object)


def _sym_sum(sp, p, a):
    if p.get("axis") is None:
        return obj(sp.Add(*a.flatten().tolist()))
    return np.array([sp.Add(*line) for line in _lines(a, p)], dtype=object)


def _sym_diag(sp, p, a):
    if a.ndim == 1:
        out = np.full((a.shape[0], a.shape[0]), sp.Integer(0), dtype=object)
        np.fill_diagonal(out, a)
        return out
    return np.diagonal(a).copy()


def _diag_forward(p, a):
    return np.diag(a).copy()


def _sum_forward(p, a):
    return np.asarray(a.sum()) if p.get("axis") is None else a.sum(axis=p["axis"])


def _sum_vjp(g, out, p, a):
    return (np.broadcast_to(_expand(np.asarray(g), p), a.shape).copy(),)


def _index_shape(shapes, params):
    s, at = shapes[0], params["at"]
    return tuple(n for n, i in zip(s, at) if isinstance(i, slice))


def _index_vjp(g, out, p, a):
    grad = np.zeros(a.shape, dtype=np.asarray(g).dtype)
    grad[p["at"]] = g
    return (grad,)


def _stack_forward(p, *parts):
    values = [np.asarray(v)[()] for v in parts]
    return np.array(values, dtype=object if any(np.asarray(v).dtype == object for v in parts) else float
                    ).reshape(p["shape"])


def _stack_vjp(g, out, p, *parts):
    return tuple(np.asarray(v) for v in np.asarray(g).reshape(-1))


TENSOR = [
    Op("copy", 1, _same_shape, lambda p, a: a, lambda g, out, p, a: (g,), lambda sp, p, a: a, "ā += ḡ",
       floats=(lambda a: a, lambda g, o, a: (g,))),
    Op("neg", 1, _same_shape, lambda p, a: -a, lambda g, out, p, a: (-g,),
       lambda sp, p, a: np.negative(a, dtype=object), "ā −= ḡ", floats=(lambda a: -a, lambda g, o, a: (-g,))),
    Op("transpose", 1, _transpose_shape, lambda p, a: transpose(a),
       lambda g, out, p, a: (transpose(g).reshape(a.shape),),
       lambda sp, p, a: transpose(a), "Ā += Ḡᵀ", text="transpose", doc="transpose (also written X.T)"),
    Op("sum", 1, _axis_shape("sum"), _sum_forward, _sum_vjp, _sym_sum, "ā_i += ḡ (along the summed axis)",
       text="sum", doc="sum of all entries; sum(X, axis=0) sums each column, axis=1 each row"),
    Op("trace", 1, _square_scalar, lambda p, a: np.asarray(np.trace(a)),
       lambda g, out, p, a: (g * np.eye(a.shape[0]),),
       lambda sp, p, a: obj(sp.Add(*np.diagonal(a).tolist())), "Ā += ḡ I", text="trace",
       latex=r"\operatorname{tr}", doc="trace of a square matrix (alias tr)"),
    Op("det", 1, _square_scalar, lambda p, a: _linalg("det", a),
       lambda g, out, p, a: (g * out * _linalg("inv", a).T,),
       lambda sp, p, a: obj(_sym_det(sp, a)), "Ā += ḡ det(A) A⁻ᵀ", text="det", latex=r"\det",
       doc="determinant", kept_vjp=lambda g, out, inverse: g * out * inverse.T),
    Op("logdet", 1, _square_scalar,
       lambda p, a: _linalg("logdet", a), lambda g, out, p, a: (g * _linalg("inv", a).T,),
       lambda sp, p, a: obj(sp.log(sp.Abs(_sym_det(sp, a)))), "Ā += ḡ A⁻ᵀ", text="logdet",
       doc="log |det X|"),
    Op("inv", 1, _square, lambda p, a: _linalg("inv", a), lambda g, out, p, a: (-out.T @ g @ out.T,),
       lambda sp, p, a: _sym_inv(sp, a), "Ā −= A⁻ᵀ Ḡ A⁻ᵀ", text="inv", doc="matrix inverse",
       kept_vjp=lambda g, out, inverse: -(inverse.T @ g @ inverse.T)),
    Op("diag", 1, _diag_shape, _diag_forward, lambda g, out, p, a: (_diag_forward(p, g),), _sym_diag,
       "ā += diag(Ḡ) / Ā += diag(ḡ)", text="diag",
       doc="diag(v): the diagonal matrix of a vector; diag(X): the diagonal of a square matrix"),
    Op("softmax", 1, _axis_shape("softmax"), _softmax,
       lambda g, out, p, a: (out * (g - np.sum(g * out, **_keep(p))),), _sym_softmax, "ā += s ⊙ (ḡ − sᵀḡ)",
       text="softmax", doc="softmax of a vector; of a matrix with axis=0 (each column) or axis=1 (each row)",
       bounded=True),
    Op("logsumexp", 1, _axis_shape("logsumexp"), _logsumexp,
       lambda g, out, p, a: (_expand(np.asarray(g), p) * call("exp", a - _expand(np.asarray(out), p)),),
       _sym_logsumexp, "Ā += ḡ softmax(A)", text="logsumexp",
       doc="log of the sum of exp; of a matrix with axis=0 (each column) or axis=1 (each row)"),
    Op("index", 1, _index_shape, lambda p, a: np.asarray(a[p["at"]]), _index_vjp,
       lambda sp, p, a: np.asarray(a[p["at"]], dtype=object), "ā[at] += ḡ"),
    Op("stack", -1, lambda s, p: p["shape"], _stack_forward, _stack_vjp,
       lambda sp, p, *parts: np.array([v[()] for v in parts], dtype=object).reshape(p["shape"]),
       "each entry's adjoint is its slice of Ḡ"),
]
