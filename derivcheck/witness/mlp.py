"""Second-order quantities of a feed-forward network, in pure numpy.

Notation (SPEC section 1.6 and the seed sheet, Solution 2), batch of one:

    z_0 = x                                  shape (d_0,)
    a_l = W_l @ z_{l-1} (+ b_l)              W_l has shape (d_l, d_{l-1})
    z_l = h(a_l)                             hidden layers, l = 1 .. L-1
    y   = z_L = output_activation(a_L)       identity | sigmoid | tanh | softmax
    L   = sum((y - t)**2) / 2                loss 'sse'
    L   = -sum(t * log(y))                   loss 'cross_entropy' (softmax output only)

The parameters are the weights W_1 .. W_L.  Biases, when present, shift the
pre-activations but are held fixed: every gradient, Hessian-vector product and
Hessian diagonal below is with respect to the weights only.  (For a bias the
seed's equation 5 degenerates to d2L/db_j^2 = d2L/da_j^2, the pre-activation
diagonal returned by the ``preactivation_*`` functions.)

What is computed and at what cost (W = number of weights, n = widest layer):

==============================  ======================================  ===============
function                        what                                    cost
==============================  ======================================  ===============
gradient                        dL/dW_l, backprop                       O(W)
hvp                             exact H v, Pearlmutter's R-operator     O(W)
diag_bruteforce                 exact diag(H), one H e_k per weight     O(W^2)
diag_exact_recursion            exact diag(H), eqs 8-9 then eq 5       O(W n)
diag_becker_lecun               eq 10 (off-diagonals dropped), eq 5     O(W), one pass
diag_gauss_newton               exact diag(J^T H_out J)                 O(W d_L)
preactivation_hessian_exact     d2L/da_l da_l^T per layer (eqs 8-9)     O(W n)
preactivation_hessian_diag_bl   the eq-10 vectors d2L/da_l^2            O(W)
==============================  ======================================  ===============

The output layer is always treated exactly: H_L = d2L/da_L da_L^T is formed in
closed form for every (output_activation, loss) pair (``_output_terms``), and
equation 10 starts from its exact diagonal.

When is Becker-LeCun exact?  Equation 10 drops the off-diagonal entries of
H_l = d2L/da_l da_l^T when it moves to layer l-1.  The dropped amount for unit
j of layer l-1 is h'(a_j)^2 * sum_{k != k'} w_kj w_k'j (H_l)_kk'.  So the
diagonal of layer l-1 is exact when H_l is diagonal (and is then exact for
every j, whatever the weights).  H_L is diagonal for the 'sse' loss with an
elementwise output (identity: H_L = I; sigmoid/tanh: diag(f'^2 + f'' (y-t))),
hence on a two-layer network with sse loss and identity, sigmoid or tanh
outputs Becker-LeCun equals the exact diagonal for any number of outputs
(the tests check this).  With a softmax output H_L = diag(y) - y y^T is not
diagonal (unless d_L = 1) and the first layer is approximate; with three or
more layers H_{L-1} = D W_L^T H_L W_L D + diag(...) is generally dense and the
layers below L-1 are approximate.  The last layer's weight diagonal is always
exact (eq 5 with the exact H_L).

ReLU: relu'(0) is taken as 0 and relu'' as 0 everywhere (the distributional
second derivative, a Dirac at 0, is ignored), so ReLU networks have no h''
terms and every result is the one of the piecewise-linear function away from
kinks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

__all__ = [
    "Activation",
    "ACTIVATIONS",
    "OUTPUT_ACTIVATIONS",
    "LOSSES",
    "Network",
    "Forward",
    "forward",
    "gradient",
    "hvp",
    "diag_bruteforce",
    "diag_exact_recursion",
    "diag_becker_lecun",
    "diag_gauss_newton",
    "preactivation_hessian_diag_bl",
    "preactivation_hessian_exact",
    "random_network",
    "relative_error",
    "num_weights",
]


# ---------------------------------------------------------------------------
# activations


@dataclass(frozen=True)
class Activation:
    """An elementwise activation h with its first and second derivatives."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    d2f: Callable[[np.ndarray], np.ndarray]


def _sigmoid(x):
    # 0.5 * (1 + tanh(x/2)) is sigmoid without overflow for any x
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _dsigmoid(x):
    s = _sigmoid(x)
    return s * (1.0 - s)


def _d2sigmoid(x):
    s = _sigmoid(x)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _dtanh(x):
    c = np.tanh(x)
    return 1.0 - c * c


def _d2tanh(x):
    c = np.tanh(x)
    return -2.0 * c * (1.0 - c * c)


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda x: x, np.ones_like, np.zeros_like),
    "tanh": Activation("tanh", np.tanh, _dtanh, _d2tanh),
    "sigmoid": Activation("sigmoid", _sigmoid, _dsigmoid, _d2sigmoid),
    # relu'(0) = 0 and relu'' = 0 by convention (see the module docstring)
    "relu": Activation(
        "relu",
        lambda x: np.maximum(x, 0.0),
        lambda x: (x > 0).astype(float),
        np.zeros_like,
    ),
    "softplus": Activation("softplus", lambda x: np.logaddexp(0.0, x), _sigmoid, _dsigmoid),
    "sin": Activation("sin", np.sin, np.cos, lambda x: -np.sin(x)),
    "cos": Activation("cos", np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)),
    "exp": Activation("exp", np.exp, np.exp, np.exp),
}

OUTPUT_ACTIVATIONS = ("identity", "sigmoid", "tanh", "softmax")
LOSSES = ("sse", "cross_entropy")


# ---------------------------------------------------------------------------
# network


@dataclass(frozen=True, eq=False)
class Network:
    """A feed-forward network; ``weights[l-1]`` is W_l of shape (d_l, d_{l-1})."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...] | None
    activation: Activation
    output_activation: str
    loss: str

    def __post_init__(self):
        ws = tuple(np.asarray(w, dtype=float) for w in self.weights)
        if not ws:
            raise ValueError("a network needs at least one weight matrix")
        for l, w in enumerate(ws, start=1):
            if w.ndim != 2:
                raise ValueError(f"W{l} must be a matrix, got shape {w.shape}")
            if l > 1 and w.shape[1] != ws[l - 2].shape[0]:
                raise ValueError(
                    f"W{l} has shape {w.shape} but layer {l - 1} has {ws[l - 2].shape[0]} units"
                )
        object.__setattr__(self, "weights", ws)
        if self.biases is not None:
            bs = tuple(np.asarray(b, dtype=float).reshape(-1) for b in self.biases)
            if len(bs) != len(ws):
                raise ValueError(f"{len(ws)} weight matrices but {len(bs)} bias vectors")
            for l, (w, b) in enumerate(zip(ws, bs), start=1):
                if b.shape != (w.shape[0],):
                    raise ValueError(f"b{l} must have shape ({w.shape[0]},), got {b.shape}")
            object.__setattr__(self, "biases", bs)
        act = self.activation
        if isinstance(act, str):
            if act not in ACTIVATIONS:
                raise ValueError(f"unknown activation {act!r}; known: {sorted(ACTIVATIONS)}")
            object.__setattr__(self, "activation", ACTIVATIONS[act])
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"unknown output_activation {self.output_activation!r}; "
                f"known: {', '.join(OUTPUT_ACTIVATIONS)}"
            )
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; known: {', '.join(LOSSES)}")
        if self.loss == "cross_entropy" and self.output_activation != "softmax":
            raise ValueError("loss 'cross_entropy' requires output_activation 'softmax'")

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    @property
    def num_layers(self) -> int:
        return len(self.weights)


def num_weights(net: Network) -> int:
    """W, the total number of weights (biases not counted)."""
    return sum(w.size for w in net.weights)


@dataclass
class Forward:
    """The forward pass: ``a[l-1]`` is a_l, ``z[l]`` is z_l (``z[0]`` is x)."""

    a: list
    z: list
    y: np.ndarray
    loss: float
    t: np.ndarray = field(repr=False, default=None)


def _softmax(a):
    e = np.exp(a - np.max(a))
    return e / e.sum()


def _output(name, a):
    if name == "softmax":
        return _softmax(a)
    return ACTIVATIONS[name].f(a)


def forward(net: Network, x, t) -> Forward:
    x = np.asarray(x, dtype=float).reshape(-1)
    t = np.asarray(t, dtype=float).reshape(-1)
    if x.shape[0] != net.sizes[0]:
        raise ValueError(f"x has {x.shape[0]} entries, the network expects {net.sizes[0]}")
    if t.shape[0] != net.sizes[-1]:
        raise ValueError(f"t has {t.shape[0]} entries, the network outputs {net.sizes[-1]}")
    h = net.activation.f
    L = net.num_layers
    a_list, z_list = [], [x]
    z = x
    for l, w in enumerate(net.weights):
        a = w @ z
        if net.biases is not None:
            a = a + net.biases[l]
        a_list.append(a)
        z = h(a) if l < L - 1 else _output(net.output_activation, a)
        z_list.append(z)
    y = z
    aL = a_list[-1]
    if net.loss == "sse":
        r = y - t
        loss = 0.5 * float(r @ r)
    else:  # cross_entropy with softmax: -sum t * log softmax(a), via logsumexp
        m = np.max(aL)
        lse = m + np.log(np.sum(np.exp(aL - m)))
        loss = float(-(t @ (aL - lse)))
    return Forward(a=a_list, z=z_list, y=y, loss=loss, t=t)


# ---------------------------------------------------------------------------
# the output layer, exactly


def _output_terms(net: Network, fw: Forward, full: bool = True):
    """(g_L, H_L) with g_L = dL/da_L and H_L = d2L/da_L da_L^T.

    With ``full=False`` H_L is returned as its diagonal only (a vector), so the
    O(W) methods never form a d_L x d_L matrix.  Closed forms (r = y - t):

    * sse + identity:     g = r,                 H = I
    * sse + sigmoid/tanh: g = f'(a) r,           H = diag(f'(a)^2 + f''(a) r)
    * sse + softmax:      g = J r, J = diag(y) - y y^T,
                          H = J J + diag(g) - g y^T - y g^T
    * cross_entropy + softmax (s = sum t):
                          g = s y - t,           H = s (diag(y) - y y^T)
    """
    aL, y, t = fw.a[-1], fw.y, fw.t
    name, loss = net.output_activation, net.loss
    if loss == "cross_entropy":
        s = float(t.sum())
        g = s * y - t
        if full:
            H = s * (np.diag(y) - np.outer(y, y))
        else:
            H = s * (y - y * y)
        return g, H
    r = y - t
    if name == "identity":
        g = r
        H = np.eye(len(y)) if full else np.ones_like(y)
    elif name in ("sigmoid", "tanh"):
        act = ACTIVATIONS[name]
        d1, d2 = act.df(aL), act.d2f(aL)
        g = d1 * r
        hd = d1 * d1 + d2 * r
        H = np.diag(hd) if full else hd
    else:  # softmax + sse
        g = y * (r - y @ r)
        if full:
            J = np.diag(y) - np.outer(y, y)
            H = J @ J + np.diag(g) - np.outer(g, y) - np.outer(y, g)
        else:
            # diag(J J)_i = y_i^2 (1 - y_i)^2 + y_i^2 (sum_k y_k^2 - y_i^2)
            yy = y * y
            H = yy * (1.0 - y) ** 2 + yy * (yy.sum() - yy) + g - 2.0 * g * y
    return g, H


def _output_loss_hessian_wrt_y(net: Network, fw: Forward):
    """(F, H_y): F = dy/da_L^T (d_L x d_L) and H_y = d2L/dy dy^T."""
    aL, y, t = fw.a[-1], fw.y, fw.t
    name = net.output_activation
    if name == "softmax":
        F = np.diag(y) - np.outer(y, y)
    else:
        F = np.diag(ACTIVATIONS[name].df(aL))
    if net.loss == "sse":
        Hy = np.eye(len(y))
    else:
        Hy = np.diag(t / (y * y))
    return F, Hy


# ---------------------------------------------------------------------------
# first order


def _backprop(net: Network, fw: Forward, gL: np.ndarray) -> list[np.ndarray]:
    """The pre-activation gradients g_l = dL/da_l, l = 1..L (list index l-1)."""
    dh = net.activation.df
    L = net.num_layers
    g = [None] * L
    g[-1] = gL
    for l in range(L - 1, 0, -1):  # g_l from g_{l+1}; weights[l] is W_{l+1}
        g[l - 1] = dh(fw.a[l - 1]) * (g[l] @ net.weights[l])
    return g


def gradient(net: Network, x, t) -> list[np.ndarray]:
    """dL/dW_l (shape of W_l) by backpropagation: dL/dW_l = g_l z_{l-1}^T."""
    fw = forward(net, x, t)
    gL, _ = _output_terms(net, fw, full=False)
    g = _backprop(net, fw, gL)
    return [np.outer(g[l], fw.z[l]) for l in range(net.num_layers)]


# ---------------------------------------------------------------------------
# Hessian-vector products (Pearlmutter's R-operator)


def _rop(net: Network, fw: Forward, V: Sequence[np.ndarray], HL: np.ndarray) -> list[np.ndarray]:
    """H v for a batch of directions at once.

    ``V[l-1]`` has shape (B, d_l, d_{l-1}); returns the same shapes.  R{.} is
    the directional derivative along V:

        R{a_l} = V_l z_{l-1} + W_l R{z_{l-1}},   R{z_0} = 0,   R{z_l} = h'(a_l) R{a_l}
        R{g_L} = H_L R{a_L}
        R{g_l} = h''(a_l) R{a_l} (W_{l+1}^T g_{l+1})
                 + h'(a_l) (V_{l+1}^T g_{l+1} + W_{l+1}^T R{g_{l+1}})
        R{dL/dW_l} = R{g_l} z_{l-1}^T + g_l R{z_{l-1}}^T
    """
    act = net.activation
    L = net.num_layers
    W = net.weights
    B = V[0].shape[0]
    gL, _ = _output_terms(net, fw, full=False)
    g = _backprop(net, fw, gL)
    # forward R pass
    Ra = [None] * L
    Rz = [np.zeros((B, W[0].shape[1]))]
    for l in range(L):
        ra = V[l] @ fw.z[l] + Rz[l] @ W[l].T
        Ra[l] = ra
        if l < L - 1:
            Rz.append(act.df(fw.a[l]) * ra)
    # backward R pass
    Rg = [None] * L
    Rg[-1] = Ra[-1] @ HL  # H_L is symmetric
    for l in range(L - 1, 0, -1):
        a = fw.a[l - 1]
        back = g[l] @ W[l]  # W_{l+1}^T g_{l+1}
        vt_g = np.einsum("bji,j->bi", V[l], g[l])
        Rg[l - 1] = act.d2f(a) * Ra[l - 1] * back + act.df(a) * (vt_g + Rg[l] @ W[l])
    return [
        Rg[l][:, :, None] * fw.z[l][None, None, :] + g[l][None, :, None] * Rz[l][:, None, :]
        for l in range(L)
    ]


def hvp(net: Network, x, t, v: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Exact Hessian-vector product (d2L/dW dW^T) v; ``v[l-1]`` has the shape of W_l.

    Pearlmutter's R-operator (forward-mode derivative of backprop): two
    forward and two backward passes, O(W)."""
    fw = forward(net, x, t)
    if len(v) != net.num_layers:
        raise ValueError(f"v has {len(v)} blocks, the network has {net.num_layers} weight matrices")
    V = []
    for l, (vl, w) in enumerate(zip(v, net.weights), start=1):
        vl = np.asarray(vl, dtype=float)
        if vl.shape != w.shape:
            raise ValueError(f"v[{l - 1}] has shape {vl.shape}, W{l} has {w.shape}")
        V.append(vl[None])
    _, HL = _output_terms(net, fw, full=True)
    return [r[0] for r in _rop(net, fw, V, HL)]


def diag_bruteforce(net: Network, x, t, chunk: int | None = None) -> list[np.ndarray]:
    """Exact diag(d2L/dW^2) by one Hessian-vector product per weight: O(W^2).

    The products H e_k are evaluated ``chunk`` directions at a time (one
    batched R-operator pass per chunk), keeping entry k of H e_k.  This is the
    reference for small networks; it never uses equation 5 or 8-10."""
    fw = forward(net, x, t)
    _, HL = _output_terms(net, fw, full=True)
    shapes = [w.shape for w in net.weights]
    sizes = [w.size for w in net.weights]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    Wn = int(offsets[-1])
    if chunk is None:
        chunk = max(1, min(Wn, (1 << 21) // max(Wn, 1)))
    out = np.empty(Wn)
    for start in range(0, Wn, chunk):
        stop = min(Wn, start + chunk)
        B = stop - start
        V = []
        for l, shp in enumerate(shapes):
            blk = np.zeros((B, sizes[l]))
            lo, hi = max(start, offsets[l]), min(stop, offsets[l + 1])
            if lo < hi:
                k = np.arange(lo, hi)
                blk[k - start, k - offsets[l]] = 1.0
            V.append(blk.reshape((B,) + shp))
        Hv = np.concatenate([r.reshape(B, -1) for r in _rop(net, fw, V, HL)], axis=1)
        out[start:stop] = Hv[np.arange(B), np.arange(start, stop)]
    return [out[offsets[l] : offsets[l + 1]].reshape(shapes[l]) for l in range(len(shapes))]


# ---------------------------------------------------------------------------
# pre-activation Hessians and the seed's equations


def preactivation_hessian_exact(net: Network, x, t) -> list[np.ndarray]:
    """Exact H_l = d2L/da_l da_l^T, l = 1..L (list index l-1), by eqs 8-9.

    In matrix form, with D_l = diag(h'(a_l)) and g_l = dL/da_l:

        H_l = D_l W_{l+1}^T H_{l+1} W_{l+1} D_l + diag(h''(a_l) * (W_{l+1}^T g_{l+1}))

    starting from the exact output-layer H_L.  Cost O(sum_l d_l d_{l+1} (d_l + d_{l+1}))
    = O(W n)."""
    fw = forward(net, x, t)
    return _preact_exact(net, fw)


def _preact_exact(net: Network, fw: Forward, first_diag_only: bool = False) -> list[np.ndarray]:
    """Eqs 8-9 in matrix form.  With ``first_diag_only`` the first layer's entry is
    only the diagonal of H_1 (a vector; nothing below needs the full matrix), which
    saves one of the two d_1 x d_2 x d_2-sized products of the last step."""
    act = net.activation
    L = net.num_layers
    gL, HL = _output_terms(net, fw, full=True)
    H = [None] * L
    H[-1] = HL
    g = gL
    for l in range(L - 1, 0, -1):
        a = fw.a[l - 1]
        W = net.weights[l]
        d1 = act.df(a)
        back = g @ W  # W_{l+1}^T g_{l+1}
        HW = H[l] @ W
        if first_diag_only and l == 1:
            # diag(D W^T H W D)_j = h'(a_j)^2 sum_k w_kj (H W)_kj
            H[0] = d1 * d1 * np.einsum("kj,kj->j", W, HW) + act.d2f(a) * back
            break
        M = W.T @ HW  # W^T H W, symmetric
        M *= d1[:, None]
        M *= d1[None, :]
        M[np.diag_indices_from(M)] += act.d2f(a) * back
        H[l - 1] = M
        g = d1 * back
    return H


def _eq5(net: Network, fw: Forward, hdiag: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Equation 5: d2L/dw_ji^2 = d2L/da_j^2 * z_i^2 (exact for the given h)."""
    return [np.outer(hdiag[l], fw.z[l] * fw.z[l]) for l in range(net.num_layers)]


def diag_exact_recursion(net: Network, x, t) -> list[np.ndarray]:
    """Exact diag(d2L/dW^2): the full pre-activation Hessians by eqs 8-9
    (``preactivation_hessian_exact``), then equation 5.  O(W n) time, O(n^2) memory."""
    fw = forward(net, x, t)
    H = _preact_exact(net, fw, first_diag_only=True)
    return _eq5(net, fw, [h if h.ndim == 1 else np.diagonal(h) for h in H])


def _preact_bl(net: Network, fw: Forward) -> list[np.ndarray]:
    act = net.activation
    L = net.num_layers
    gL, dL_ = _output_terms(net, fw, full=False)
    d = [None] * L
    d[-1] = dL_
    g = gL
    for l in range(L - 1, 0, -1):
        a = fw.a[l - 1]
        W = net.weights[l]
        d1 = act.df(a)
        back = g @ W  # W^T g_{l+1}
        d2w = d[l] @ (W * W)  # sum_k w_kj^2 d2L/da_k^2
        d[l - 1] = d1 * d1 * d2w + act.d2f(a) * back
        g = d1 * back
    return d


def preactivation_hessian_diag_bl(net: Network, x, t) -> list[np.ndarray]:
    """The Becker-LeCun vectors d2L/da_l^2 of equation 10, l = 1..L:

        d_l = h'(a_l)^2 * ((W_{l+1}**2)^T d_{l+1}) + h''(a_l) * (W_{l+1}^T g_{l+1}),

    with d_L the exact diagonal of H_L.  One backward pass, O(W)."""
    fw = forward(net, x, t)
    return _preact_bl(net, fw)


def diag_becker_lecun(net: Network, x, t) -> list[np.ndarray]:
    """Becker-LeCun approximate diag(d2L/dW^2): equation 10 then equation 5.

    O(W) time and memory, one forward and one backward pass (the gradient
    backprop and the diagonal backprop run together)."""
    fw = forward(net, x, t)
    return _eq5(net, fw, _preact_bl(net, fw))


def diag_gauss_newton(net: Network, x, t, split: str = "preactivation") -> list[np.ndarray]:
    """Exact diagonal of the Gauss-Newton matrix G = J^T H_out J.

    ``split='preactivation'`` (default): J = da_L/dW and H_out = d2L/da_L^2,
    the exact output-layer Hessian (the output nonlinearity belongs to the
    loss; for softmax + cross-entropy and identity + sse this is the usual
    generalised Gauss-Newton, positive semi-definite).  ``split='output'``:
    J = dy/dW and H_out = d2L/dy^2 (classical Gauss-Newton of least squares:
    H_out = I for sse, so G is PSD for every output activation).

    How: G's weight diagonal factors like equation 5 because d a_L / d w_ji =
    (d a_L / d a_j) z_i.  Let B_l = d a_L / d a_l^T (d_L x d_l), obtained by
    backpropagating the d_L unit vectors together through the linearised
    network: B_L = I, B_{l-1} = (B_l W_l) diag(h'(a_{l-1})) -- no h'' terms.
    Then diag(G) for W_l is diag(B_l^T H_out B_l)[:, None] * z_{l-1}^2[None, :].
    Cost: O(W d_L + n d_L^2) time, O(n d_L) extra memory -- d_L backward
    passes batched as matrix products; no approximation.  With split
    'preactivation' the last layer's entries equal the exact diagonal."""
    fw = forward(net, x, t)
    if split == "preactivation":
        _, Hout = _output_terms(net, fw, full=True)
    elif split == "output":
        F, Hy = _output_loss_hessian_wrt_y(net, fw)
        Hout = F.T @ Hy @ F
    else:
        raise ValueError(f"split must be 'preactivation' or 'output', got {split!r}")
    act = net.activation
    L = net.num_layers
    Bm = np.eye(len(fw.y))  # B_L, d_L x d_L
    diags = [None] * L
    for l in range(L - 1, -1, -1):
        diags[l] = np.einsum("kj,kj->j", Hout @ Bm, Bm)
        if l > 0:
            Bm = (Bm @ net.weights[l]) * act.df(fw.a[l - 1])[None, :]
    return _eq5(net, fw, diags)


# ---------------------------------------------------------------------------
# helpers


def random_network(
    sizes: Sequence[int],
    activation: str | Activation = "tanh",
    output_activation: str = "identity",
    loss: str = "sse",
    bias: bool = False,
    seed: int = 0,
):
    """A random network with input and target: returns (net, x, t).

    Weights ~ N(0, 1/d_{l-1}) (so pre-activations stay O(1) at any width),
    biases ~ N(0, 0.1^2), x ~ N(0, 1); t ~ N(0, 1) for sse, except with a
    sigmoid output (t uniform in (0, 1)); t one-hot for cross_entropy."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two positive layer widths, got {sizes}")
    rng = np.random.default_rng(seed)
    weights = tuple(
        rng.standard_normal((sizes[l + 1], sizes[l])) / np.sqrt(sizes[l])
        for l in range(len(sizes) - 1)
    )
    biases = (
        tuple(0.1 * rng.standard_normal(sizes[l + 1]) for l in range(len(sizes) - 1))
        if bias
        else None
    )
    act = ACTIVATIONS[activation] if isinstance(activation, str) else activation
    net = Network(weights, biases, act, output_activation, loss)
    x = rng.standard_normal(sizes[0])
    if loss == "cross_entropy":
        t = np.zeros(sizes[-1])
        t[rng.integers(sizes[-1])] = 1.0
    elif output_activation == "sigmoid":
        t = rng.uniform(0.05, 0.95, sizes[-1])
    else:
        t = rng.standard_normal(sizes[-1])
    return net, x, t


def relative_error(approx: Sequence[np.ndarray], exact: Sequence[np.ndarray]) -> float:
    """||approx - exact||_F / ||exact||_F over all layers together.

    0.0 when both are zero; inf when only ``exact`` is zero."""
    if len(approx) != len(exact):
        raise ValueError(f"{len(approx)} blocks vs {len(exact)} blocks")
    num = 0.0
    den = 0.0
    for p, q in zip(approx, exact):
        p = np.asarray(p, dtype=float)
        q = np.asarray(q, dtype=float)
        if p.shape != q.shape:
            raise ValueError(f"shape mismatch {p.shape} vs {q.shape}")
        num += float(np.sum((p - q) ** 2))
        den += float(np.sum(q * q))
    if den == 0.0:
        return 0.0 if num == 0.0 else float("inf")
    return float(np.sqrt(num / den))
