"""Names and adjoint rules as LaTeX, the way a sheet writes them (`h1` → `h_{1}`, `W̄ += ȳ xᵀ`).

Shared by the steps (computed in the worker, with sympy) and the LaTeX and Markdown
renderers, so it lives below both and imports nothing heavy.
"""

from __future__ import annotations

import re

GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa mu nu xi rho sigma tau upsilon phi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)


def _base(name: str) -> str:
    if len(name) == 1:
        return name
    if name in GREEK:
        return "\\" + name
    return "\\mathit{" + name + "}"


def name_latex(name: str) -> str:
    """`h1` → `h_{1}`, `L_n` → `L_{n}`, `w_kj` → `w_{kj}`, `alpha` → `\\alpha`, `W[1,2]` → `W_{1,2}`;
    the symbolic witness's kept nodes `inv(X)[1,2]` → `(X^{-1})_{1,2}`, `det(X)` → `\\det X`."""
    kept = re.fullmatch(r"(inv|det)\(([\w#]+)\)('*)(?:\[([\d, ]+)\])?", name)
    if kept:
        op, arg, primes, index = kept.groups()
        arg = name_latex(arg) if arg.isidentifier() else "\\mathit{" + escape_text(arg) + "}"  # f#2: a temporary
        text = ("\\det " if op == "det" else "\\left(") + arg + ("" if op == "det" else "^{-1}\\right)")
        return text + primes + ("_{" + index.replace(" ", "") + "}" if index else "")
    index = ""
    if name.endswith("]") and "[" in name:
        name, index = name[:-1].split("[", 1)
        index = index.replace(" ", "")
    if "_" in name:
        head, sub = name.split("_", 1)
        text = _base(head) + "_{" + sub.replace("_", ",") + "}" if head else escape_text(name)
    else:
        match = re.fullmatch(r"([A-Za-z]+?)(\d+)", name)
        text = _base(match.group(1)) + "_{" + match.group(2) + "}" if match else _base(name)
    if index:
        text = ("{" + text + "}" if "_" in text else text) + "_{" + index + "}"
    return text


_TEXT_ESCAPES = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&", "#": "\\#",
                 "%": "\\%", "_": "\\_", "^": "\\^{}", "~": "\\~{}"}
_UNICODE_TEXT = {"∂": "$\\partial$", "→": "$\\to$", "×": "$\\times$", "·": "$\\cdot$", "−": "-", "–": "--",
                 "—": "---", "²": "$^2$", "ᵀ": "$^\\top$", "σ": "$\\sigma$", "√": "$\\surd$", "≈": "$\\approx$",
                 "’": "'", "‘": "`", "“": "``", "”": "''", "…": "\\ldots{}"}


def escape_text(text: str) -> str:
    """Plain text for LaTeX text mode (and `\\text{}`): specials escaped, other non-ASCII dropped to `?`."""
    out = []
    for ch in str(text):
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch in _UNICODE_TEXT:
            out.append(_UNICODE_TEXT[ch])
        elif ord(ch) < 128:
            out.append(ch if ch.isprintable() else " ")
        elif ch.isalpha() and ch.encode("ascii", "ignore") == b"":
            import unicodedata

            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(plain or "?")
        else:
            out.append("?")
    return "".join(out)


# --- adjoint rules (unicode, as the terminal shows them) -----------------------------
def _rule_words() -> dict:
    """Function words of adjoint rules as operators: every row's own LaTeX spelling, plus the two
    words rules use that are not functions of the language (sign, diag)."""
    from derivcheck.ops import OPS

    words = {row.text: row.latex for row in OPS.values() if row.text and row.latex}
    words.update(sign="\\operatorname{sign}", diag="\\operatorname{diag}")
    return words


_RULE_WORDS = _rule_words()
_RULE_CHARS = {"ᵀ": "^{\\top}", "·": " \\cdot ", "−": "-", "²": "^{2}", "×": " \\times ", "∂": "\\partial ",
               "σ": "\\sigma", "⊙": "\\odot ", "Σ": "\\sum ", "ᵇ": "^{b}", ";": ",\\quad ", "%": "\\%",
               "#": "\\#", "&": "\\&", "$": "\\$", "{": "\\{", "}": "\\}", "\\": "\\backslash ", "_": "\\_",
               "~": "\\sim "}
_RULE_TOKEN = re.compile(r"\+=|−=|-=|⁻ᵀ|⁻¹|√([A-Za-z][A-Za-z0-9_]*)\u0304?|([A-Za-z][A-Za-z0-9_]*)(\u0304?)|\s{2,}|.", re.S)


def rule_latex(text: str, names=frozenset()) -> str:
    """An adjoint rule such as `W̄ += ȳ xᵀ; x̄ += Wᵀ ȳ   (W̄: 3×4)` in math mode.

    Identifiers that are problem names become names, function words become operators,
    other words become `\\text{}`.
    """
    import unicodedata

    out = []
    for match in _RULE_TOKEN.finditer(unicodedata.normalize("NFD", text)):
        token = match.group(0)
        if token == "+=":
            out.append(" \\mathrel{+}= ")
        elif token in ("−=", "-="):
            out.append(" \\mathrel{-}= ")
        elif token == "⁻ᵀ":
            out.append("^{-\\top}")
        elif token == "⁻¹":
            out.append("^{-1}")
        elif token.startswith("√"):
            out.append("\\sqrt{" + _rule_word(match.group(1), names, token.endswith("\u0304")) + "}")
        elif match.group(2):
            out.append(_rule_word(match.group(2), names, bool(match.group(3))))
        elif token.isspace():
            out.append("\\quad " if len(token) > 1 else " ")
        elif token in _RULE_CHARS:
            out.append(_RULE_CHARS[token])
        elif token == "\u0304":
            continue
        elif ord(token) < 128:
            out.append(token)
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def _rule_word(word: str, names, bar: bool) -> str:
    if bar:
        return "\\bar{" + name_latex(word) + "}"
    if word in names or len(word) == 1:
        return name_latex(word)
    if word in _RULE_WORDS:
        return _RULE_WORDS[word]
    if re.fullmatch(r"[A-Za-z]\d+", word):
        return name_latex(word)
    return "\\text{" + escape_text(word) + " }"
