"""Tests for derivcheck.witness.mlp: gradients, Hessian-vector products and Hessian diagonals
(seed sheet, Solution 2: equations 5, 8, 9, 10)."""

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from derivcheck.witness import mlp
from derivcheck.witness.mlp import (
    ACTIVATIONS,
    Activation,
    Network,
    diag_becker_lecun,
    diag_bruteforce,
    diag_exact_recursion,
    diag_gauss_newton,
    forward,
    gradient,
    hvp,
    preactivation_hessian_diag_bl,
    preactivation_hessian_exact,
    random_network,
    relative_error,
)

SETTINGS = settings(deadline=None, max_examples=4, derandomize=True, database=None)
MORE = settings(deadline=None, max_examples=15, derandomize=True, database=None)

OUTPUT_LOSS = [
    ("identity", "sse"),
    ("sigmoid", "sse"),
    ("tanh", "sse"),
    ("softmax", "sse"),
    ("softmax", "cross_entropy"),
]

layer = st.integers(min_value=1, max_value=4)
sizes_st = st.lists(layer, min_size=2, max_size=4)  # 1 to 3 weight layers
seed_st = st.integers(min_value=0, max_value=2**31 - 1)


def with_weights(net, ws):
    return dataclasses.replace(net, weights=tuple(ws))


def flat(blocks):
    return np.concatenate([np.ravel(b) for b in blocks])


def unflat(vec, like):
    out, k = [], 0
    for b in like:
        out.append(vec[k : k + b.size].reshape(b.shape))
        k += b.size
    return out


def loss_at(net, ws, x, t):
    return forward(with_weights(net, ws), x, t).loss


def close(a, b, rtol, atol_scale=1e-9, scale=0.0):
    """Scaled comparison over whole lists of blocks.

    ``scale`` is the size of the function whose differences were taken: central
    differences of it carry a rounding error of about 1e-16 * scale / eps."""
    a, b = flat(a), flat(b)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), scale, 1e-300)
    return np.allclose(a, b, rtol=rtol, atol=atol_scale * scale)


def fd_gradient(net, x, t, eps=1e-6):
    w0 = flat(net.weights)
    g = np.empty_like(w0)
    for k in range(w0.size):
        wp, wm = w0.copy(), w0.copy()
        wp[k] += eps
        wm[k] -= eps
        g[k] = (loss_at(net, unflat(wp, net.weights), x, t) - loss_at(net, unflat(wm, net.weights), x, t)) / (2 * eps)
    return unflat(g, net.weights)


# ---------------------------------------------------------------------------
# first and second order against finite differences


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
@pytest.mark.parametrize("out,loss", OUTPUT_LOSS)
@pytest.mark.parametrize("bias", [False, True])
@SETTINGS
@given(sizes=sizes_st, seed=seed_st)
@example(sizes=[1, 2, 3, 4], seed=56575)  # a saturated softmax: loss 1.5e-11
def test_gradient_and_hvp_match_finite_differences(act, out, loss, bias, sizes, seed):
    net, x, t = random_network(sizes, act, out, loss, bias=bias, seed=seed)
    g = gradient(net, x, t)
    assert [b.shape for b in g] == [w.shape for w in net.weights]
    lossval = forward(net, x, t).loss
    # a softmax output is rounded relative to its O(1) terms: saturated, the loss and the gradient are
    # far smaller than their rounding, which finite differences then amplify by 1/eps
    floor = 1.0 if out == "softmax" else 0.0
    rounding = max(abs(lossval), floor)
    assert close(g, fd_gradient(net, x, t), rtol=1e-5, atol_scale=1e-7, scale=rounding)

    rng = np.random.default_rng(seed)
    v = [rng.standard_normal(w.shape) for w in net.weights]
    eps = 1e-5
    plus = with_weights(net, [w + eps * d for w, d in zip(net.weights, v)])
    minus = with_weights(net, [w - eps * d for w, d in zip(net.weights, v)])
    fd = [(p - m) / (2 * eps) for p, m in zip(gradient(plus, x, t), gradient(minus, x, t))]
    hv = hvp(net, x, t, v)
    assert [b.shape for b in hv] == [w.shape for w in net.weights]
    assert close(hv, fd, rtol=1e-5, atol_scale=1e-7, scale=max(np.abs(flat(g)).max(), floor))

    # the Hessian is symmetric: u^T H v == v^T H u
    u = [rng.standard_normal(w.shape) for w in net.weights]
    uHv = flat(u) @ flat(hv)
    vHu = flat(v) @ flat(hvp(net, x, t, u))
    assert np.isclose(uHv, vHu, rtol=1e-10, atol=1e-12 * (abs(uHv) + abs(vHu) + 1e-300))


def test_forward_notation_and_losses():
    net, x, t = random_network([3, 4, 2], "tanh", "softmax", "cross_entropy", bias=True, seed=3)
    fw = forward(net, x, t)
    assert fw.z[0] is not None and np.array_equal(fw.z[0], x)
    assert len(fw.a) == 2 and len(fw.z) == 3
    np.testing.assert_allclose(fw.a[0], net.weights[0] @ x + net.biases[0])
    np.testing.assert_allclose(fw.z[1], np.tanh(fw.a[0]))
    np.testing.assert_allclose(fw.y.sum(), 1.0)
    assert np.isclose(fw.loss, -np.sum(t * np.log(fw.y)))
    net2, x2, t2 = random_network([3, 2], "tanh", "identity", "sse", seed=4)
    fw2 = forward(net2, x2, t2)
    assert np.isclose(fw2.loss, np.sum((fw2.y - t2) ** 2) / 2)


def test_user_supplied_activation():
    cube = Activation("cube", lambda a: a**3 / 3 + a, lambda a: a**2 + 1, lambda a: 2 * a)
    net, x, t = random_network([2, 3, 3, 2], cube, "tanh", "sse", bias=True, seed=11)
    assert net.activation is cube
    assert close(gradient(net, x, t), fd_gradient(net, x, t), rtol=1e-5, atol_scale=1e-7)
    assert relative_error(diag_exact_recursion(net, x, t), diag_bruteforce(net, x, t)) < 1e-10


def test_relu_convention():
    relu = ACTIVATIONS["relu"]
    z = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(relu.df(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(relu.d2f(z), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives(name):
    act = ACTIVATIONS[name]
    z = np.array([-2.3, -0.7, 0.4, 1.9])
    eps = 1e-6
    np.testing.assert_allclose(act.df(z), (act.f(z + eps) - act.f(z - eps)) / (2 * eps), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(act.d2f(z), (act.df(z + eps) - act.df(z - eps)) / (2 * eps), rtol=1e-7, atol=1e-9)


def test_network_validation():
    w = (np.ones((2, 3)),)
    with pytest.raises(ValueError, match="requires output_activation 'softmax'"):
        Network(w, None, ACTIVATIONS["tanh"], "identity", "cross_entropy")
    with pytest.raises(ValueError, match="output_activation"):
        Network(w, None, ACTIVATIONS["tanh"], "relu", "sse")
    with pytest.raises(ValueError, match="W2"):
        Network((np.ones((2, 3)), np.ones((2, 4))), None, ACTIVATIONS["tanh"], "identity", "sse")


# ---------------------------------------------------------------------------
# exact diagonals


@MORE
@given(sizes=st.lists(st.integers(1, 6), min_size=4, max_size=4), seed=seed_st, bias=st.booleans())
def test_exact_recursion_equals_bruteforce_3_layer_tanh(sizes, seed, bias):
    net, x, t = random_network(sizes, "tanh", "identity", "sse", bias=bias, seed=seed)
    assert relative_error(diag_exact_recursion(net, x, t), diag_bruteforce(net, x, t)) < 1e-8


@pytest.mark.parametrize("out,loss", OUTPUT_LOSS)
@pytest.mark.parametrize("nlayers", [1, 2, 4])
def test_all_diagonals_any_depth(out, loss, nlayers):
    net, x, t = random_network([3] + [4] * nlayers, "tanh", out, loss, bias=True, seed=nlayers)
    exact = diag_bruteforce(net, x, t)
    assert relative_error(diag_exact_recursion(net, x, t), exact) < 1e-8
    assert [d.shape for d in diag_becker_lecun(net, x, t)] == [w.shape for w in net.weights]
    assert [d.shape for d in diag_gauss_newton(net, x, t)] == [w.shape for w in net.weights]
    if nlayers == 1:  # no hidden layer: every method is exact (GN too, H_out = H_L)
        assert relative_error(diag_becker_lecun(net, x, t), exact) < 1e-12
        assert relative_error(diag_gauss_newton(net, x, t), exact) < 1e-12


@pytest.mark.parametrize("act", ["sigmoid", "softplus", "sin", "relu"])
@pytest.mark.parametrize("out,loss", OUTPUT_LOSS)
def test_exact_recursion_equals_bruteforce_all_outputs(act, out, loss):
    net, x, t = random_network([3, 5, 4, 3], act, out, loss, bias=True, seed=7)
    assert relative_error(diag_exact_recursion(net, x, t), diag_bruteforce(net, x, t)) < 1e-8


def test_bruteforce_is_diagonal_of_explicit_hessian():
    net, x, t = random_network([2, 3, 2], "tanh", "softmax", "cross_entropy", seed=5)
    n = mlp.num_weights(net)
    H = np.stack([flat(hvp(net, x, t, unflat(e, net.weights))) for e in np.eye(n)])
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(flat(diag_bruteforce(net, x, t, chunk=4)), np.diag(H), rtol=1e-12, atol=1e-15)


def _loss_from_layer(net, l, a_l, t):
    """The loss as a function of the pre-activation a_l (1-based l), the layers below fixed."""
    W, L = net.weights, net.num_layers
    a = a_l
    for k in range(l, L + 1):
        if k > l:
            a = W[k - 1] @ z
            if net.biases is not None:
                a = a + net.biases[k - 1]
        if k < L:
            z = net.activation.f(a)
    # reuse forward's output/loss code on a one-layer identity network
    one = Network((np.eye(len(a)),), None, net.activation, net.output_activation, net.loss)
    return forward(one, a, t).loss


@pytest.mark.parametrize("out,loss", OUTPUT_LOSS)
@SETTINGS
@given(seed=seed_st, bias=st.booleans())
def test_preactivation_hessian_exact_and_equation_5(out, loss, seed, bias):
    net, x, t = random_network([3, 4, 3, 3], "tanh", out, loss, bias=bias, seed=seed)
    fw = forward(net, x, t)
    H = preactivation_hessian_exact(net, x, t)
    assert [h.shape for h in H] == [(d, d) for d in net.sizes[1:]]
    # eqs 8-9 against second differences of the loss as a function of a_l
    h = 1e-4
    for l in range(1, net.num_layers + 1):
        a0 = fw.a[l - 1]
        d = len(a0)
        num = np.empty((d, d))
        for i, j in itertools.product(range(d), repeat=2):
            ei, ej = np.eye(d)[i] * h, np.eye(d)[j] * h
            f = lambda s, r: _loss_from_layer(net, l, a0 + s * ei + r * ej, t)
            num[i, j] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h * h)
        np.testing.assert_allclose(H[l - 1], num, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(num).max()))
    # equation 5: d2L/dw_ji^2 = d2L/da_j^2 * z_i^2, with the exact d2L/da_j^2
    eq5 = [np.outer(np.diag(H[l]), fw.z[l] ** 2) for l in range(net.num_layers)]
    assert relative_error(eq5, diag_bruteforce(net, x, t)) < 1e-10


# ---------------------------------------------------------------------------
# Becker-LeCun (equation 10)


@pytest.mark.parametrize("out", ["identity", "sigmoid", "tanh"])
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "sin", "exp"])
@MORE
@given(d0=layer, d1=st.integers(1, 6), d2=st.integers(1, 5), seed=seed_st, bias=st.booleans())
def test_becker_lecun_exact_on_two_layers_sse(out, act, d0, d1, d2, seed, bias):
    # H_L = d2L/da_L^2 is diagonal for sse with an elementwise output, so eq 10 drops
    # nothing at the only hidden layer: exact for any number of outputs d2.
    net, x, t = random_network([d0, d1, d2], act, out, "sse", bias=bias, seed=seed)
    exact = diag_bruteforce(net, x, t)
    assert relative_error(diag_becker_lecun(net, x, t), exact) < 1e-12
    Hd = [np.diag(h) for h in preactivation_hessian_exact(net, x, t)]
    assert relative_error(preactivation_hessian_diag_bl(net, x, t), Hd) < 1e-12


def test_becker_lecun_not_exact_on_two_layers_softmax():
    # With a softmax output H_L = s (diag(y) - y y^T) has off-diagonal entries, which eq 10
    # drops: the first layer's diagonal is then approximate even with two layers.
    net, x, t = random_network([3, 4, 3], "tanh", "softmax", "cross_entropy", seed=2)
    exact = diag_bruteforce(net, x, t)
    bl = diag_becker_lecun(net, x, t)
    assert relative_error(bl[:1], exact[:1]) > 1e-6
    assert relative_error(bl[1:], exact[1:]) < 1e-12  # the last layer is always exact


@MORE
@given(seed=seed_st, bias=st.booleans())
def test_becker_lecun_differs_on_three_layer_tanh(seed, bias):
    net, x, t = random_network([3, 5, 5, 3], "tanh", "identity", "sse", bias=bias, seed=seed)
    exact = diag_exact_recursion(net, x, t)
    bl = diag_becker_lecun(net, x, t)
    err = relative_error(bl, exact)
    assert err > 1e-6
    manual = np.sqrt(sum(np.sum((p - q) ** 2) for p, q in zip(bl, exact)) / sum(np.sum(q**2) for q in exact))
    assert np.isclose(err, manual, rtol=1e-12)
    # the error sits in the first layer; layers 2 and 3 are exact (H_3 = I is diagonal)
    assert relative_error(bl[0:1], exact[0:1]) > 1e-6
    assert relative_error(bl[1:], exact[1:]) < 1e-12


@pytest.mark.parametrize("out,loss", OUTPUT_LOSS)
def test_becker_lecun_last_layer_uses_exact_output_diagonal(out, loss):
    net, x, t = random_network([3, 4, 4, 5], "softplus", out, loss, bias=True, seed=9)
    d = preactivation_hessian_diag_bl(net, x, t)
    H = preactivation_hessian_exact(net, x, t)
    np.testing.assert_allclose(d[-1], np.diag(H[-1]), rtol=1e-12, atol=1e-15)
    assert [v.shape for v in d] == [(n,) for n in net.sizes[1:]]


def test_becker_lecun_matches_equation_10_by_loops():
    net, x, t = random_network([2, 3, 4, 2], "sigmoid", "softmax", "sse", bias=True, seed=13)
    fw = forward(net, x, t)
    H = preactivation_hessian_exact(net, x, t)
    # g_l by the chain rule, unit by unit, and eq 10 written with explicit sums
    gL = np.linalg.solve(np.eye(2), mlp._output_terms(net, fw)[0])
    g = [None, None, gL]
    d = [None, None, np.diag(H[-1]).copy()]
    h = net.activation
    for l in (1, 0):
        W = net.weights[l + 1]
        a = fw.a[l]
        g[l] = np.array([h.df(a[j]) * sum(W[k, j] * g[l + 1][k] for k in range(W.shape[0])) for j in range(len(a))])
        d[l] = np.array([
            h.df(a[j]) ** 2 * sum(W[k, j] ** 2 * d[l + 1][k] for k in range(W.shape[0]))
            + h.d2f(a[j]) * sum(W[k, j] * g[l + 1][k] for k in range(W.shape[0]))
            for j in range(len(a))
        ])
    for got, want in zip(preactivation_hessian_diag_bl(net, x, t), d):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------
# Gauss-Newton


@MORE
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4), seed=seed_st, bias=st.booleans())
def test_gauss_newton_exact_for_linear_network(sizes, seed, bias):
    net, x, t = random_network(sizes, "identity", "identity", "sse", bias=bias, seed=seed)
    exact = diag_bruteforce(net, x, t)
    assert relative_error(diag_gauss_newton(net, x, t), exact) < 1e-12
    assert relative_error(diag_gauss_newton(net, x, t, split="output"), exact) < 1e-12


def _jacobian_fd(net, x, wrt_output, eps=1e-6):
    """d a_L / dW (or d y / dW) by central differences, shape (d_L, W)."""
    w0 = flat(net.weights)
    cols = []
    for k in range(w0.size):
        vals = []
        for s in (1, -1):
            w = w0.copy()
            w[k] += s * eps
            fw = forward(with_weights(net, unflat(w, net.weights)), x, np.zeros(net.sizes[-1]))
            vals.append(fw.y if wrt_output else fw.a[-1])
        cols.append((vals[0] - vals[1]) / (2 * eps))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("out,loss", OUTPUT_LOSS)
@pytest.mark.parametrize("split", ["preactivation", "output"])
def test_gauss_newton_diagonal_of_explicit_JtHJ(out, loss, split):
    net, x, t = random_network([3, 4, 3, 3], "tanh", out, loss, bias=True, seed=21)
    fw = forward(net, x, t)
    J = _jacobian_fd(net, x, wrt_output=(split == "output"))
    if split == "preactivation":
        Hout = preactivation_hessian_exact(net, x, t)[-1]
    else:
        y = fw.y
        Hout = np.eye(len(y)) if loss == "sse" else np.diag(t / y**2)
    G = J.T @ Hout @ J
    got = flat(diag_gauss_newton(net, x, t, split=split))
    np.testing.assert_allclose(got, np.diag(G), rtol=1e-6, atol=1e-8 * np.abs(np.diag(G)).max())
    if split == "preactivation":  # last layer: equation 5 with the exact H_L
        ex = diag_bruteforce(net, x, t)
        np.testing.assert_allclose(diag_gauss_newton(net, x, t)[-1], ex[-1], rtol=1e-12, atol=1e-15)


def test_gauss_newton_nonnegative_for_matching_losses():
    for out, loss in [("identity", "sse"), ("softmax", "cross_entropy")]:
        net, x, t = random_network([4, 6, 5, 3], "tanh", out, loss, seed=1)
        assert all(np.all(d >= -1e-15) for d in diag_gauss_newton(net, x, t))
    net, x, t = random_network([4, 6, 5, 3], "tanh", "sigmoid", "sse", seed=1)
    assert all(np.all(d >= -1e-15) for d in diag_gauss_newton(net, x, t, split="output"))


# ---------------------------------------------------------------------------
# helpers


def test_relative_error():
    a = [np.array([[1.0, 2.0]]), np.array([[2.0]])]
    assert relative_error(a, a) == 0.0
    z = [np.zeros((1, 2)), np.zeros((1, 1))]
    assert relative_error(z, z) == 0.0
    assert relative_error(a, z) == float("inf")
    b = [np.array([[1.0, 2.0]]), np.array([[0.0]])]
    assert np.isclose(relative_error(b, a), 2.0 / 3.0)


def test_random_network_is_seeded_and_one_hot():
    n1, x1, t1 = random_network([3, 4, 5], "tanh", "softmax", "cross_entropy", bias=True, seed=42)
    n2, x2, t2 = random_network([3, 4, 5], "tanh", "softmax", "cross_entropy", bias=True, seed=42)
    assert all(np.array_equal(a, b) for a, b in zip(n1.weights, n2.weights))
    assert np.array_equal(x1, x2) and np.array_equal(t1, t2)
    assert sorted(t1) == [0, 0, 0, 0, 1]
    assert [w.shape for w in n1.weights] == [(4, 3), (5, 4)]
    assert [b.shape for b in n1.biases] == [(4,), (5,)]
