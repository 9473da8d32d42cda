r"""Read a claim written in LaTeX (SPEC 1.5) as derivcheck expression text (SPEC 1.3).

Solution sheets state derivatives in LaTeX. This package reads that LaTeX with a hand-written
tokenizer (tokens.py) and recursive-descent parser (parser.py, commands.py) — no eval, no regex
rewriting — and writes the same formula in the expression language, which `exprs.parse` then
checks like any `is:`. A reading that is not certain is a `LatexError` with its column, never a
guess. `read` is the entry point for callers with a problem's names and shapes (the sheet reader).

| LaTeX                                                       | expression                       |
|-------------------------------------------------------------|----------------------------------|
| `2`, `0.5`, `a + b`, `a - b`, `-a`                          | the same                         |
| `a b`, `ab`, `2x`, `a \cdot b`, `a \times b`, `a * b`       | `a*b` if a side is a scalar (1×1 included), else `a @ b` |
| `a \odot b`, `a \circ b`                                    | `a*b`, binding looser than the products |
| `\frac{a}{b}`, `a / b`                                      | `a/b`                            |
| `x^2`, `x^{n+1}`                                            | `x**2`, `x**(n + 1)`             |
| `X^\top`, `X^T`, `X^{\top}`, `X^{T}`, `X^\intercal`         | `transpose(X)`                   |
| `X^{-1}`; `X^{-\top}`, `X^{-T}`                             | `inv(X)` (`X**(-1)` for a scalar); `transpose(inv(X))` |
| `h_1`, `h_{1}`, `h1`; `w_{kj}`                              | `h1`; `w_kj` (names of the problem) |
| `x_k`, `W_{jk}`, `W_{j,k}` (index names); `x_{2}`, `W_{1,2}`, `W_{1,:}` | `x[k]`, `W[j, k]`; `x[2]`, `W[1, 2]`, `W[1, :]` |
| `\mathbb{1}_{i=j}`, `\delta_{ij}`                           | `delta(i, j)`                    |
| `\gamma`, `\mu`, `\lambda` …; a bare `\sigma`, `\delta`     | names `gamma`, `mu`, `lambda_` or `lam` …; `sigma`, `delta` |
| `\hat{x}`, `\bar{x}`, `\tilde{\mu}`                         | `xhat`, `xbar`, `mutilde`        |
| `\mathbf{x}`, `\boldsymbol{x}`, `\bm{x}`, `\vec{x}`, `\mathit{x}` | `x`                        |
| `\mathbf{1}`, `\mathbf{1}_{n}`; `I_{n}`                     | ones of the size the product needs, `ones(n)`; `eye(n)` |
| `\exp \log \ln \sqrt \sin \cosh \arctan \sigma \det \max` … | the op table's functions         |
| `\operatorname{f}`, `\mathrm{f}`, `\text{f}`, plain `f(...)` for every function f | `f(...)` |
| `\sigma'(a)`, `\mathrm{relu}'(Z)`, `f''(x)`, `f^\prime(x)`  | `sigmoid'(a)`, `relu'(Z)`, `f''(x)`, `f'(x)` |
| `\operatorname{sum}_{\text{axis}=0}(X)`                     | `sum(X, axis=0)` (also mean, softmax, logsumexp) |
| `\|x\|`, `\|x\|_2`, `\|X\|_F`, `|x|`                        | `norm(x)`, `abs(x)`              |
| `\frac{\partial f}{\partial v}`, `\frac{d f}{d v}`          | `grad(f, v)`                     |
| `\frac{\partial^2 f}{\partial u \partial v}`, `{\partial v^2}` | `hess(f, u, v)`, `hess(f, v, v)` |
| `( )`, `[ ]`, `{ }`, `\left( \right)`, `\left[ \right]`     | grouping                         |
| `\, \; \: \! \quad \qquad ~ $` and spaces                   | ignored                          |

Reading rules:
- A run of letters `xy` is the name `xy` if the problem has it, else the product of its
  single-letter names (a letter keeps the digits after it: `xh1` is `x*h1`); `xz` with no
  `z` is an unknown name. A subscript goes with the last letter.
- `a b` is `a*b` when either side is a scalar and `a @ b` when both are tensors, so
  `2 y x^\top` is `2*y @ transpose(x)` and `\frac{1}{x^\top x} x` a scalar times a vector;
  `\odot` is elementwise and binds looser, so `\sigma'(a) \odot W^\top \delta` is
  `sigmoid'(a)*(transpose(W) @ delta)`.
- `name(...)` is a call only when `name` is a function (of the language or declared in
  `functions`); otherwise it multiplies: `s(1-s)` is `s*(1 - s)`.
- Without parentheses a function takes one atom only: `\sin x`, `\log h_1`, `\exp 2`.
  `\sin x^2`, `\sin 2x`, `\log xy` are errors that show both readings.
- As in TeX a script takes one character, so `x^23` and `w_kj` are errors (use braces);
  `\frac` needs braces; `a / b c`, `2 3` and `x^2^3` are errors.
- Not supported (errors): `\sum`, `=`, any other command, nesting deeper than 100.
"""

from __future__ import annotations

from derivcheck.lang.latex.parser import Parser
from derivcheck.lang.latex.tokens import GREEK, OPERATOR_NAMES, LatexError

__all__ = ["GREEK", "OPERATOR_NAMES", "LatexError", "read", "to_expression"]


def read(latex: str, *, shapes: dict, functions: frozenset = frozenset(), index_names: frozenset = frozenset()):
    """One LaTeX formula → (its reading as expression text, the parsed expression of SPEC §1.3).

    The stable entry point for callers that hold a problem's names and shapes (the sheet reader):
    raises LatexError (with a 1-based column in `latex`) or ExprError for the reading."""
    from derivcheck.lang import exprs

    text = to_expression(latex, names=frozenset(shapes), functions=frozenset(functions), shapes=dict(shapes),
                         index_names=frozenset(index_names))
    return text, exprs.parse(text, claim=True, entries=bool(index_names))


def to_expression(latex: str, *, names: frozenset[str], functions: frozenset[str] = frozenset(),
                  scalars: frozenset[str] = frozenset(), index_names: frozenset[str] = frozenset(),
                  shapes: dict | None = None) -> str:
    """The expression text for a LaTeX formula; raises LatexError (with a column) otherwise.
    `shapes` (name → shape) lets products and \\mathbf{1} follow the operands' shapes; without it
    the names in `scalars` are scalars and every other name a tensor."""
    parser = Parser(latex, names, functions, scalars, index_names, shapes)
    try:
        return parser.parse()
    except RecursionError:  # the depth limit keeps this away, unless the caller is already deep
        raise LatexError("formula nested too deeply", parser.peek().col) from None


