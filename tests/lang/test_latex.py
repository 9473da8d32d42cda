"""LaTeX claims (SPEC 1.5): every value formula of the seed sheet, the subset, and its errors."""

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcheck.lang.latex import LatexError, to_expression

fs = frozenset

# The problems of the seed sheet (shared/seeds/000_2ca52c73207d0189.txt), as derivcheck sees them.
DAG = dict(names=fs({"x", "y", "h1", "h2", "h3", "l"}), scalars=fs({"x", "y", "h1", "h2", "h3", "l"}))
HESSIAN = dict(names=fs({"a", "z", "w", "L_n"}), scalars=fs({"L_n"}), functions=fs({"h"}),
               index_names=fs({"i", "j", "k"}))
JACOBIAN = dict(names=fs({"x", "y", "W", "L"}), scalars=fs({"L"}), index_names=fs({"i", "j", "k"}))
TRACE = dict(names=fs({"A", "B"}))

# Every formula of the seed sheet that states a derivative's value, and how it reads.
SEED = [
    # Solution 1b: dl/dh2 = h_3 = 2x + y, dl/dh3 = h_2 = 8x^2, dh2/dh1 = 4h_1 = 8x, ...
    ("h_3", DAG, "h3"),
    ("2x + y", DAG, "2*x + y"),
    ("h_2", DAG, "h2"),
    ("8x^2", DAG, "8*x**2"),
    ("4h_1", DAG, "4*h1"),
    ("8x", DAG, "8*x"),
    ("1", DAG, "1"),
    ("2", DAG, "2"),
    ("48x^2 + 16xy", DAG, "48*x**2 + 16*x*y"),
    # Solution 2: da_j/dw_ji = z_i, dz_i/dw_ji = 0, da_k/da_j = h'(a_j) w_{kj}, the pieces of (5), (10)
    ("z_i", HESSIAN, "z[i]"),
    ("0", HESSIAN, "0"),
    ("h'(a_j) w_{kj}", HESSIAN, "h'(a[j])*w[k, j]"),
    ("z_i^2", HESSIAN, "z[i]**2"),
    ("h'(a_j)^2", HESSIAN, "h'(a[j])**2"),
    ("w_{kj}^2", HESSIAN, "w[k, j]**2"),
    ("h''(a_j)", HESSIAN, "h''(a[j])"),
    # Solution 3: dL/dW = 2yx^T, dL/dy = 2y, T_{i,j,k} = 1_{i=j} x_k, (dL/dW)_{j,k} = y_j x_k
    ("2yx^\\top", JACOBIAN, "2*y @ transpose(x)"),
    ("2 y x^\\top", JACOBIAN, "2*y @ transpose(x)"),
    ("2y", JACOBIAN, "2*y"),
    ("\\mathbb{1}_{i=j} x_k", JACOBIAN, "delta(i, j)*x[k]"),
    ("y_j x_k", JACOBIAN, "y[j]*x[k]"),
    # Solution 3.4: d tr(BA)/dA = B^T
    ("B^\\top", TRACE, "transpose(B)"),
    ("\\text{tr}(BA)", TRACE, "trace(B @ A)"),
]

# Seed formulas that state a derivative through the derivative itself or an index sum: not values.
SEED_UNSUPPORTED = [
    ("\\frac{\\partial^2 L_n}{\\partial a_j^2} \\cdot z_i^2", HESSIAN, "\\partial"),
    ("h'(a_j) \\sum_k w_{kj} \\frac{\\partial L_n}{\\partial a_k}", HESSIAN, "\\sum"),
    ("h'(a_j)^2 \\sum_k w_{kj}^2 \\frac{\\partial^2 L_n}{\\partial a_k^2}", HESSIAN, "\\sum"),
    ("\\sum_i \\mathbb{1}_{i=j} y_i x_k", JACOBIAN, "\\sum"),
]

SCALARS = dict(names=fs({"x", "y", "z", "s", "h1"}), scalars=fs({"x", "y", "z", "s", "h1"}),
               functions=fs({"f", "g"}))
MATRICES = dict(names=fs({"A", "B", "X", "W", "w", "x", "c"}), scalars=fs({"c"}))

MORE = [
    ("\\sigma(z)(1-\\sigma(z))", SCALARS, "sigmoid(z)*(1 - sigmoid(z))"),
    ("s(1-s)", SCALARS, "s*(1 - s)"),
    ("\\frac{1}{2} w^\\top w", MATRICES, "(1/2)*transpose(w) @ w"),
    ("\\frac{x+1}{2y}", SCALARS, "(x + 1)/(2*y)"),
    ("-\\frac{1}{x^2}", SCALARS, "-1/x**2"),
    ("X^{-\\top}", MATRICES, "transpose(inv(X))"),
    ("X^{-T}", MATRICES, "transpose(inv(X))"),
    ("X^{-1}", MATRICES, "inv(X)"),
    ("x^{-1}", SCALARS, "x**(-1)"),
    ("X^T + X^{T} + X^{\\top} + X^\\intercal", MATRICES,
     "transpose(X) + transpose(X) + transpose(X) + transpose(X)"),
    ("\\operatorname{tr}(BA)", MATRICES, "trace(B @ A)"),
    ("1 - \\tanh^2(x)", SCALARS, "1 - tanh(x)**2"),
    ("\\begin{pmatrix} 2x \\\\ 3y^2 \\end{pmatrix}", SCALARS, "[2*x, 3*y**2]"),
    ("\\begin{bmatrix} x & 1 \\\\ 0 & y \\\\ \\end{bmatrix}", SCALARS, "[[x, 1], [0, y]]"),
    ("\\begin{matrix} x & y \\end{matrix}", SCALARS, "[[x, y]]"),
    ("\\sin^{2}(x + y)\\cos^3(z)", SCALARS, "sin(x + y)**2*cos(z)**3"),
    ("\\mathrm{Tr}(A^\\top B)", MATRICES, "trace(transpose(A) @ B)"),
    ("\\det(A) A^{-\\top}", MATRICES, "det(A)*transpose(inv(A))"),
    ("\\operatorname{diag}(w)", MATRICES, "diag(w)"),
    ("c \\, W x", MATRICES, "c*W @ x"),
    ("W \\cdot x", MATRICES, "W @ x"),
    ("w \\odot x", MATRICES, "w*x"),
    ("c \\times w", MATRICES, "c*w"),
    ("\\mathbf{W}\\boldsymbol{x} + \\bm{w} - \\vec{x}", MATRICES, "W @ x + w - x"),
    ("x^T A x", MATRICES, "transpose(x) @ A @ x"),
    ("(A + B)^\\top", MATRICES, "transpose(A + B)"),
    ("\\left( x + y \\right)^2 [x - y]", SCALARS, "(x + y)**2*(x - y)"),
    ("x^{y^2}", SCALARS, "x**(y**2)"),
    ("0.5 x y", SCALARS, "0.5*x*y"),
    ("\\sin x + \\cos(y) - \\tan{z} \\tanh(x)", SCALARS, "sin(x) + cos(y) - tan(z)*tanh(x)"),
    ("\\log h_1 + \\ln(x) + \\exp 2 + \\sqrt{x}", SCALARS, "log(h1) + log(x) + exp(2) + sqrt(x)"),
    ("\\exp(-x^2)\\,\\;\\!\\quad y", SCALARS, "exp(-x**2)*y"),
    ("f(h_1)", SCALARS, "f(h1)"),
    ("f'(h1) g^\\prime(x) + f^{\\prime\\prime}(y)", SCALARS, "f'(h1)*g'(x) + f''(y)"),
    ("f(x)^2", SCALARS, "f(x)**2"),
    ("$2x$", SCALARS, "2*x"),
    ("x/y", SCALARS, "x/y"),
    ("\\delta_{ij} x_k + \\delta_{i,j} W_{j,k} + W_{jk}", dict(JACOBIAN, names=fs({"x", "W"})),
     "delta(i, j)*x[k] + delta(i, j)*W[j, k] + W[j, k]"),
    ("\\mathbb{1}_{\\{i=j\\}} x_k", JACOBIAN, "delta(i, j)*x[k]"),
    ("w_{kj} + w_1", dict(names=fs({"w_kj", "w1"})), "w_kj + w1"),
    ("\\frac{\\partial l}{\\partial x}", DAG, "grad(l, x)"),
    ("sin(x) + diag(w)", dict(names=fs({"x", "w"}), scalars=fs({"x"})), "sin(x) + diag(w)"),
    ("xy + yx", dict(names=fs({"x", "y", "xy"}), scalars=fs({"x", "y", "xy"})), "xy + y*x"),
]


@pytest.mark.parametrize("latex, problem, expected", SEED + MORE)
def test_translation(latex, problem, expected):
    out = to_expression(latex, **problem)
    assert out == expected
    if "'" not in out:  # f'(x) is part of derivcheck's language but not of Python's
        ast.parse(out, mode="eval")


@pytest.mark.parametrize("latex, problem, command", SEED_UNSUPPORTED)
def test_seed_formulas_that_are_not_values(latex, problem, command):
    with pytest.raises(LatexError) as err:
        to_expression(latex, **problem)
    assert command in err.value.message
    assert command == "\\partial" or latex[err.value.col - 1:].startswith(command)


ERRORS = [
    ("\\sin x^2", SCALARS, "ambiguous: write \\sin(x^2) or (\\sin x)^2", 7),
    ("\\sin 2x", SCALARS, "ambiguous: write \\sin(2x) or (\\sin 2)x", 7),
    ("\\log xy", SCALARS, "ambiguous: write \\log(xy) or (\\log x)y", 6),
    ("\\sin^2 x", SCALARS, "ambiguous", 5),
    ("\\sin^{-1}(x)", SCALARS, "a power of \\sin is ambiguous", 5),
    ("\\begin{pmatrix} x & y \\\\ 1 \\end{pmatrix}", SCALARS, "rows of a matrix literal have different lengths", 1),
    ("\\begin{pmatrix} x \\\\ y \\end{bmatrix}", SCALARS, "ends with another environment", 24),
    ("\\begin{align} x \\end{align}", SCALARS, "only the matrix environments", 1),
    ("\\tanh^1(x)", SCALARS, "a power of \\tanh is ambiguous", 6),
    ("\\sin \\gamma^2", dict(names=fs({"gamma"}), scalars=fs({"gamma"})), "ambiguous: write \\sin(\\gamma^...)", 12),
    ("\\foo", SCALARS, "unsupported LaTeX command \\foo; supported: ", 1),
    ("x + \\foo{y}", SCALARS, "unsupported LaTeX command \\foo", 5),
    ("{x", SCALARS, "unbalanced '{'", 1),
    ("x + (y", SCALARS, "unbalanced '('", 5),
    ("x)", SCALARS, "unbalanced ')'", 2),
    ("\\frac{x}{y", SCALARS, "unbalanced '{'", 9),
    ("(x]", SCALARS, "unbalanced '('", 1),
    ("xz", dict(names=fs({"x", "y"}), scalars=fs({"x", "y"})), "unknown name 'xz'", 1),
    ("2 + h_4", SCALARS, "unknown name 'h_{4}'", 5),
    ("e^x", SCALARS, "unknown name 'e' (write \\exp", 1),
    ("", SCALARS, "empty", 1),
    ("  ", SCALARS, "empty", 3),
    ("x^23", SCALARS, "write ^{23} or ^{2}3", 3),
    ("w_kj", dict(names=fs({"w_kj"})), "write _{kj} or _{k}j", 3),
    ("x^2^3", SCALARS, "double superscript", 4),
    ("x = y", SCALARS, "'=' is not supported", 3),
    ("x/2y", SCALARS, "ambiguous", 3),
    ("2 3", SCALARS, "two numbers", 3),
    ("x''", SCALARS, "derivative of a function", 2),
    ("\\frac12", SCALARS, "\\frac{a}{b}", 6),
    ("x_k", SCALARS, "unknown name 'x_{k}'", 1),
    ("\\delta_{ij}", SCALARS, "index names", 1),
    ("\\mathbb{1}_{i=q}", JACOBIAN, "index names", 1),
    ("x -", SCALARS, "ends where a term was expected", 4),
    ("x + -y", SCALARS, "two signs", 5),
    ("x · y", SCALARS, "unexpected character '·'", 3),
    ("\\left\\{ x \\right\\}", SCALARS, "\\left(", 1),
    ("f", SCALARS, "f needs an argument", 2),
    ("f'''(x)", SCALARS, "only f'(x) and f''(x)", 5),
    ("\\sqrt[3]{x}", SCALARS, "not supported", 6),
    ("()", SCALARS, "empty group", 1),
    ("x \\", SCALARS, "backslash", 3),
]


@pytest.mark.parametrize("latex, problem, message, col", ERRORS)
def test_errors(latex, problem, message, col):
    with pytest.raises(LatexError) as err:
        to_expression(latex, **problem)
    assert message in err.value.message
    assert err.value.col == col
    assert str(err.value) == err.value.message


@pytest.mark.parametrize("depth", [101, 200, 5000])
def test_deep_nesting_is_an_error_not_a_recursion_error(depth):
    for latex in ("{" * depth + "x" + "}" * depth, "(" * depth + "x" + ")" * depth,
                  "x^{" * depth + "2" + "}" * depth, "\\frac{" * depth + "1}{2}" * depth):
        with pytest.raises(LatexError) as err:
            to_expression(latex, **SCALARS)
        assert "nested deeper than 100" in err.value.message


def test_nesting_up_to_the_limit_is_fine():
    assert to_expression("{" * 100 + "x" + "}" * 100, **SCALARS) == "x"
    assert to_expression("\\sin(" * 100 + "x" + ")" * 100, **SCALARS).startswith("sin(sin(")


def test_deep_caller_stack_still_gets_a_latex_error():
    def at_depth(n):
        return at_depth(n - 1) if n else to_expression("\\mathbf{x}^{" * 100 + "2" + "}" * 100, **SCALARS)

    try:
        at_depth(500)
    except LatexError as err:
        assert "nested" in err.message


def test_long_flat_formulas_do_not_recurse():
    assert to_expression(" + ".join(["x y"] * 3000), **SCALARS).count("x*y") == 3000


PIECES = ["x", "y", "h", "h1", "W", "f", "i", "j", "xy", "1", "2", "0.5", ".", " ", "+", "-", "*",
          "/", "^", "_", "'", "(", ")", "[", "]", "{", "}", "=", ",", "$", "\\", "\\frac", "\\cdot",
          "\\top", "\\sin", "\\sigma", "\\log", "\\left(", "\\right)", "\\left", "\\mathbb{1}",
          "\\mathbb", "\\delta", "\\operatorname{tr}", "\\mathbf", "\\prime", "\\{", "\\}", "T",
          "\\foo", "\\partial", "\\,", "\\sqrt", "\\det", "é", "·", "&", "\\\\", "\\begin{pmatrix}",
          "\\end{pmatrix}", "\\begin", "\\end", "{bmatrix}", "\\tanh^2", "^{2}"]
PROBLEM = dict(names=fs({"x", "y", "h1", "W"}), scalars=fs({"x", "y", "h1"}), functions=fs({"f"}),
               index_names=fs({"i", "j"}))


def _only_latex_errors(latex):
    try:
        out = to_expression(latex, **PROBLEM)
    except LatexError as err:
        assert isinstance(err.col, int) and 1 <= err.col <= len(latex) + 1
        return
    if "'" not in out:
        ast.parse(out, mode="eval")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_random_latexish_input_raises_only_latex_errors(latex):
    _only_latex_errors(latex)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xyhWfij12T^_'(){}[]\\+-*/=,. $&", max_size=40))
def test_random_characters_raise_only_latex_errors(latex):
    _only_latex_errors(latex)
