"""Hostile and broken input, bounded resources, sound verdicts under fire (issue 5).

Every case goes through the command line as a subprocess. Most problem files are checked
together by one `derivcheck check --format json` run over a folder of them (and one text
run over the bad-input ones, for the `FILE:LINE:COL: error:` lines); each test then
asserts on its own problem: exit code, location, message, verdicts. Cases that need a
process of their own (signals, pipes, locales, flags, bombs timed one by one) run alone.

Every case also asserts that no `Traceback` was printed and that the canary file, which
the payloads try to create, never appears.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BATCH_TIMEOUT = "10"  # --timeout for the batch runs (seconds per claim)


def _env(**extra) -> dict:
    env = dict(os.environ)
    for key in ("FORCE_COLOR", "SYMPY_DEBUG"):
        env.pop(key, None)
    env.update(NO_COLOR="1", PYTHONIOENCODING="utf-8", COLUMNS="200")
    env.update(extra)
    return env


def derivcheck(*args, env=None, timeout=300, stdin=None, cwd=None):
    """(exit code, stdout, stderr, seconds) of `python -m derivcheck ARGS`."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "derivcheck", *map(str, args)], capture_output=True, input=stdin,
                          env=env or _env(), timeout=timeout, cwd=cwd or REPO)
    out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    return proc.returncode, out, err, time.monotonic() - start


def no_traceback(*streams):
    for s in streams:
        assert "Traceback" not in s, s[-3000:]
        assert "Exception ignored" not in s, s[-3000:]


# --- the table of problem-file cases ------------------------------------------------------------

CANARY_NAME = "CANARY-derivcheck-adversarial"


@dataclass
class Case:
    group: str
    name: str
    content: object  # str (dedented), bytes, or a callable(canary path) -> str | bytes
    exit: int
    where: tuple | None = None  # (line, col) of a file-level error; col None: any column
    says: tuple = ()  # substrings of the file error or of the claims' messages
    verdicts: tuple | None = None  # the claims' verdicts, in order
    claim_where: tuple | None = None  # (line, col) of the first claim's error
    dedent: bool = True
    solo: bool = False  # checked by `solve` alone: `check` skips files that do not look like problems

    def text(self, canary: Path) -> bytes:
        content = self.content(canary) if callable(self.content) else self.content
        if isinstance(content, bytes):
            return content
        if self.dedent:
            content = textwrap.dedent(content).lstrip("\n")
        return content.replace("CANARY", str(canary)).encode("utf-8")


def claim(body: str, nodes: str = "{f: x**3}", inputs: str = "[x, y]", extra: str = "") -> str:
    """A one-claim problem: `body` (YAML-quoted with ') is the claim of ∂f/∂x."""
    quoted = "'" + body.replace("'", "''") + "'"
    return f"inputs: {inputs}\nnodes: {nodes}\nclaims:\n  - {{of: f, wrt: x, is: {quoted}}}\n{extra}"


TOUCH = "__import__('os').system('touch CANARY')"

INJECTION = [
    Case("injection", "dunder_import_call", claim(TOUCH), 2, says=("strings are not allowed",), claim_where=(4, 37)),
    Case("injection", "dunder_import_name", claim("__import__(os)"), 2, says=("'__import__' is not allowed",)),
    Case("injection", "attribute_chain", claim("x.__class__.__mro__"), 2, says=("attribute access",)),
    Case("injection", "subclasses_walk", claim("().__class__.__bases__[0].__subclasses__()"), 2,
         says=("only named functions",)),
    Case("injection", "lambda", claim("(lambda: 0)()"), 2, says=("only named functions",)),
    Case("injection", "lambda_call_payload", claim("(lambda q: q)(x)"), 2, says=("only named functions",)),
    Case("injection", "comprehension", claim("[c for c in x]"), 2, says=("comprehension",)),
    Case("injection", "generator", claim("sum(c for c in x)"), 2, says=("comprehension",)),
    Case("injection", "walrus", claim("(y := x)"), 2, says=("assignment expression",)),
    Case("injection", "fstring", claim('f"{' + TOUCH + '}"'), 2, says=("strings are not allowed",)),
    Case("injection", "semicolon", claim("x; " + TOUCH), 2, says=("';' is not allowed",)),
    Case("injection", "newline", """
        inputs: [x]
        nodes: {f: x**2}
        claims:
          - wrt: x
            is: |
              2*x
              __import__('os').system('touch CANARY')
    """, 2, says=("one line",)),
    Case("injection", "getattr", claim("getattr(x, 'real')"), 2, says=("strings",)),
    Case("injection", "globals_eval_exec", claim("eval(x) + exec(x) + globals()"), 2, says=("unknown function 'eval'",)),
    Case("injection", "sympify_string", claim("Symbol('x')"), 2, says=("strings",)),
    Case("injection", "yaml_escaped_dunder", 'inputs: [x]\nnodes: {f: "\\u005f\\u005fimport\\u005f\\u005f(x)"}\n', 2,
         where=(2, None), says=("not allowed",), dedent=False),
    Case("injection", "input_key", "inputs: {\"__import__('os').system('touch CANARY')\": {}}\n", 2,
         where=(1, 10), says=("not a valid name",)),
    Case("injection", "node_key", "inputs: [x]\nnodes: {'os.system': x}\n", 2, where=(2, 9), says=("not a valid name",)),
    Case("injection", "dunder_node_key", "inputs: [x]\nnodes: {__class__: x}\n", 2, where=(2, 9), says=("not a valid name",)),
    Case("injection", "function_name", "inputs: [x]\nfunctions: [__import__]\n", 2, where=(2, 13), says=("not a valid name",)),
    Case("injection", "dim_name", "inputs: [x]\ndims: {'n;rm': 2}\n", 2, where=(2, 8), says=("not a valid name",)),
    Case("injection", "output_payload", "inputs: [x]\nnodes: {f: x}\noutput: \"__import__('os')\"\n", 2,
         where=(3, 9), says=("is not a node",)),
    Case("injection", "wrt_payload", "inputs: [x]\nnodes: {f: x}\nclaims: [{wrt: __class__, is: '1'}]\n", 2,
         says=("is not an input or node",)),
    Case("injection", "point_key", "inputs: [x]\nnodes: {f: x**2}\npoints: [{\"__import__('os')\": 1}]\n"
                                   "claims: [{wrt: x, is: 2*x}]\n", 2, where=(3, 11), says=("is not an input",)),
    Case("injection", "entries_index", """
        inputs: {x: {shape: [2]}}
        nodes: {f: x.T @ x}
        claims:
          - wrt: x
            entries: {index: [k], is: "x[__import__('os').system('touch CANARY')]"}
    """, 2, says=("strings",)),
    Case("injection", "latex_write18", """
        inputs: [x]
        nodes: {f: x**2}
        claims:
          - {wrt: x, latex: '\\immediate\\write18{touch CANARY} 2x'}
    """, 2, says=("LaTeX",)),
    Case("injection", "stray_prime_string", claim("r'x'"), 2, says=("prime",)),
    Case("injection", "markup_in_names", """
        title: "[bold red]PWNED[/bold red] $(touch CANARY) `touch CANARY`"
        inputs: [x]
        nodes: {f: x**2}
        claims:
          - {name: "[link=file:///etc/passwd]click[/link]", wrt: x, is: 2*x}
    """, 0, verdicts=("proved",)),
]

YAML = [
    Case("yaml", "python_tag", "inputs: !!python/object/apply:os.system ['touch CANARY']\n", 2, where=(1, 9),
         says=("tags are not allowed",)),
    Case("yaml", "python_name_tag", "inputs: [x]\nnodes: {f: !!python/name:os.system x}\n", 2, where=(2, 12),
         says=("tags are not allowed",)),
    Case("yaml", "unknown_tag", "inputs: !foo [x]\n", 2, where=(1, 9), says=("tags are not allowed",)),
    Case("yaml", "str_tag", "inputs: [x]\nnodes: {f: !!str x}\n", 2, where=(2, 12), says=("tags",)),
    Case("yaml", "anchor_alias", "base: &b [x]\ninputs: *b\n", 2, where=(1, 7), says=("anchors and aliases",)),
    Case("yaml", "billion_laughs", "".join(
        [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" if i else "l0: &l0 [lol]\n" for i in range(9)])
         + "inputs: [x]\n", 2, where=(1, 5), says=("anchors and aliases",), dedent=False),
    Case("yaml", "recursive_alias", "a: &a [*a]\ninputs: [x]\n", 2, where=(1, 4), says=("anchors",)),
    Case("yaml", "merge_key", "base: &b {x: {}}\ninputs: {<<: *b}\n", 2, where=(1, 7), says=("anchors",)),
    Case("yaml", "duplicate_top_key", "inputs: [x]\ninputs: [y]\n", 2, where=(2, 1), says=("duplicate key 'inputs'",)),
    Case("yaml", "duplicate_node_key", "inputs: [x]\nnodes:\n  f: x\n  f: 2*x\n", 2, where=(4, 3),
         says=("duplicate key 'f' (first at line 3)",)),
    Case("yaml", "duplicate_quoted_key", "inputs: {y: {}, \"y\": {}}\n", 2, where=(1, 17), says=("duplicate key",)),
    Case("yaml", "key_one_vs_true", "inputs: [x]\nnodes: {1: x, true: x}\n", 2, where=(2, 9), says=("'1' is not a valid name",)),
    Case("yaml", "yaml11_booleans_are_names", """
        inputs: [no, y, on, off, n, yes]
        nodes: {f: no*y*on*off*n*yes}
        claims:
          - {of: f, wrt: no, is: y*on*off*n*yes}
          - {of: f, wrt: yes, is: no*y*on*off*n}
    """, 0, verdicts=("proved", "proved")),
    Case("yaml", "yaml11_octal", "inputs: [x]\nnodes: {f: x}\ncheck: {samples: 010}\n", 2, where=(3, 18),
         says=("leading zeros",)),
    Case("yaml", "yaml11_sexagesimal", "inputs: [x]\nnodes: {f: x}\ncheck: {seed: 1:30}\n", 2, where=(3, 15),
         says=("base-60",)),
    Case("yaml", "yaml11_exponent_is_a_number", """
        inputs: [x]
        nodes: {f: x**2/3}
        check: {rtol: 1e-6}
        claims:
          - {wrt: x, is: 0.6666667*x}
    """, 0, verdicts=("verified",)),
    Case("yaml", "bool_word_for_bool", "inputs: [x]\nnodes: {f: x}\nclaims: [{wrt: x, is: '1', approx: yes}]\n", 2,
         where=(3, 36), says=("ambiguous",)),
    Case("yaml", "hex_number", "inputs: [x]\nnodes: {f: x}\ncheck: {samples: 0x10}\n", 2, says=("hexadecimal",)),
    Case("yaml", "deep_nesting", "inputs: [x]\nnotes: " + "[" * 100 + "]" * 100 + "\n", 2, where=(2, None),
         says=("nesting is deeper than 64",), dedent=False),
    Case("yaml", "very_deep_nesting", "inputs: [x]\nnotes: " + "{a: " * 20000 + "1" + "}" * 20000 + "\n", 2,
         where=(2, None), says=("nesting",), dedent=False),
    Case("yaml", "huge_file", lambda c: b"inputs: [x]\nnotes: '" + b"a" * (2 << 20) + b"'\n", 2, where=(1, 1),
         says=("larger than 1 MiB",)),
    Case("yaml", "invalid_utf8", b"inputs: [x]\nnodes:\n  f: x**2\ntitle: \xff\n", 2, where=(4, 8), says=("invalid UTF-8",)),
    Case("yaml", "invalid_utf8_after_multibyte", "title: ключ ".encode() + b"\xc3\x28\ninputs: [x]\n", 2, where=(1, 13),
         says=("invalid UTF-8",)),
    Case("yaml", "overlong_utf8", b"inputs: [x]\ntitle: \xc0\xaf\n", 2, where=(2, 8), says=("invalid UTF-8",)),
    Case("yaml", "utf16_file", "inputs: [x]\n".encode("utf-16"), 2, where=(1, 1), says=("invalid UTF-8",), solo=True),
    Case("yaml", "nul_byte", b"inputs: [x]\nnodes: {f: x\x00}\n", 2, where=(2, 13), says=("NUL",)),
    Case("yaml", "control_character", b"inputs: [x]\ntitle: a\x1bb\n", 2, where=(2, 9), says=("non-printable",)),
    Case("yaml", "tab_indentation", "inputs:\n\t- x\n", 2, where=(2, 1), says=("tabs cannot indent YAML; use spaces",)),
    Case("yaml", "bom", "\ufeffinputs: [x]\nnodes: {f: x**2}\nclaims:\n  - {wrt: x, is: 2*x}\n", 0, verdicts=("proved",)),
    Case("yaml", "crlf", b"inputs: [x]\r\nnodes: {f: x**2}\r\nclaims:\r\n  - {wrt: x, is: 2*x}\r\n", 0, verdicts=("proved",)),
    Case("yaml", "several_documents", "inputs: [x]\n---\ninputs: [y]\n", 2, where=(2, 1), says=("several YAML documents",)),
    Case("yaml", "document_end_then_more", "inputs: [x]\n...\nnodes: {f: x}\n", 2, where=(3, None),
         says=("document start",)),
    Case("yaml", "empty_file", "", 2, where=(1, 1), says=("empty file",)),
    Case("yaml", "only_comments", "# nothing\n   \n# here\n", 2, where=(1, 1), says=("empty file",)),
    Case("yaml", "top_level_list", "- inputs\n- x\n", 2, where=(1, 1), says=("not a list",), solo=True),
    Case("yaml", "top_level_scalar", "inputs\n", 2, where=(1, 1), says=("not a single value",), solo=True),
    Case("yaml", "hash_cuts_expression", """
        inputs: [x]
        nodes: {f: x**2}
        claims:
          - wrt: x
            is: 2*x # + 1
    """, 2, where=(5, 13), says=("starts a YAML comment",)),
    Case("yaml", "hash_in_quoted_expression", claim("3*x**2 # + 1"), 2, says=("'#' is not allowed",)),
    Case("yaml", "hash_comment_is_fine", """
        inputs: [x]
        nodes: {f: x**2}   # the node
        claims:
          - wrt: x
            is: 2*x  # the gradient
    """, 0, verdicts=("proved",)),
    Case("yaml", "list_for_expression", "inputs: [x]\nnodes: {f: [x, 1]}\n", 2, where=(2, 12), says=("single value",)),
    Case("yaml", "mapping_for_expression", claim("2*x").replace("is: '2*x'", "is: {a: 1}"), 2, where=(4, 25),
         says=("single value",)),
    Case("yaml", "empty_expression", "inputs: [x]\nnodes: {f: }\n", 2, where=(2, 12), says=("is empty",)),
    Case("yaml", "complex_key", "inputs: [x]\n? [a, b]\n: 1\n", 2, where=(2, 3), says=("mapping key must be a name",)),
    Case("yaml", "huge_integer_field", "inputs: [x]\nnodes: {f: x}\ncheck: {seed: " + "9" * 5000 + "}\n", 2,
         where=(3, 15), says=("more than 1000",), dedent=False),
    Case("yaml", "unknown_key_suggests", "inptus: [x]\n", 2, where=(1, 1), says=("did you mean 'inputs'",)),
    Case("yaml", "format_version", "derivcheck: 2\ninputs: [x]\n", 2, where=(1, 13), says=("unsupported format",)),
]


def _doubling_chain(n: int) -> str:
    return "inputs: [x]\nnodes:\n  n0: x\n" + "".join(f"  n{k}: 2*n{k - 1}\n" for k in range(1, n)) + \
        f"claims:\n  - {{of: n{n - 1}, wrt: x, is: '1'}}\n"


RESOURCES = [
    Case("resources", "power_tower_2_10_10", claim("2**10**10"), 2, says=("exponent too large", "power bombs")),
    Case("resources", "nested_powers", "inputs: [x]\nnodes: {f: '((9**9)**9999)**9999*x'}\nclaims: [{wrt: x, is: '1'}]\n",
         2, where=(2, 14), says=("exponent too large", "power bombs")),
    Case("resources", "power_tower_9_9_9", claim("9**9**9"), 2, says=("exponent too large",)),
    Case("resources", "variable_power_tower", "inputs: [x]\nnodes: {f: '((x**1000)**1000)**1000'}\n", 2, where=(2, 13),
         says=("degree", "power bombs")),
    Case("resources", "sin_150_unclosed", claim("sin(" * 150 + "x"), 2, says=("syntax error",)),
    Case("resources", "sin_150_closed", "inputs: [x]\nnodes: {f: '" + "sin(" * 150 + "x" + ")" * 150 + "'}\n", 2,
         where=(2, None), says=("nested deeper than 100",), dedent=False),
    Case("resources", "minus_5000", claim("-" * 5000 + "x"), 2, says=("nested",)),
    Case("resources", "parentheses_201", claim("(" * 201 + "x" + ")" * 201), 2, says=("nested parentheses",)),
    Case("resources", "huge_integer_literal", claim("1" * 100 + "*x"), 2, says=("longer than 60 digits",)),
    Case("resources", "float_overflow_literal", claim("1e309*x"), 2, says=("too large",)),
    Case("resources", "huge_exponent_literal", claim("1e99999999*x"), 2, says=("too large or too small",)),
    Case("resources", "constant_product", claim("10**300*10**300*x"), 2, says=("constant too large", "number bombs")),
    Case("resources", "coefficient_growth", claim("x*10**300*10**300*10**300*10**300"), 2, says=("number bombs",)),
    Case("resources", "doubling_chain_100000_digits", _doubling_chain(3400), 2, where=(3325, 10),
         says=("could reach about 10^1000", "number bombs")),
    Case("resources", "hundred_thousand_digit_value",
         "inputs: {x: {value: " + "1" * 100000 + "}}\nnodes: {f: x}\n", 2, where=(1, 21), says=("more than 1000",),
         dedent=False),
    Case("resources", "hundred_thousand_digit_expression", "inputs: [x]\nnodes: {f: '" + "1" * 100000 + "*x'}\n", 2,
         where=(2, None), says=("longer than 10000 characters",), dedent=False),
    Case("resources", "simplify_blowup_is_bounded", """
        inputs: [x, y, z]
        check: {timeout: 3}
        nodes: {f: (x+y+z+1)**60}
        claims:
          - {wrt: x, is: 60*(2*x + 2*y + 2*z + 2)**59/2**59}
          - {wrt: x, is: 60*(x + y + z + 1)**59 + 1}
    """, 1, verdicts=(("proved", "verified"), "wrong")),
    Case("resources", "expand_is_not_a_function", claim("expand((x+y+1)**60)"), 2, says=("unknown function 'expand'",)),
    Case("resources", "node_count_gate", lambda c: "inputs: [x]\nnodes:\n" + "".join(f"  n{k}: x\n" for k in range(20001)),
         2, where=(20003, 3), says=("node-count gate",)),
    Case("resources", "million_node_dag", lambda c: "inputs: [x]\nnodes:\n  n0: x\n" + "".join(
        f"  n{k}: n{k - 1}\n" for k in range(1, 1_000_000)), 2, where=(1, 1), says=("larger than 1 MiB",)),
    Case("resources", "shape_100000", "inputs: {W: {shape: [100000, 100000]}}\n", 2, where=(1, 22),
         says=("between 1 and 10000",)),
    Case("resources", "input_entries_gate", "inputs: {W: {shape: [101, 100]}}\n", 2, where=(1, 21),
         says=("tensor-size gate",)),
    Case("resources", "eye_10000", "inputs: [x]\nnodes: {f: 'sum(eye(10000))*x'}\n", 2, where=(2, None),
         says=("tensor-size gate",)),
    Case("resources", "outer_product_gate", "inputs: [x]\nnodes: {f: 'sum(outer(ones(400), ones(400)))*x'}\n", 2,
         says=("tensor-size gate",)),
    Case("resources", "network_gate", "network: {sizes: [2000, 1000]}\n", 2, where=(1, 18), says=("tensor-size gate",)),
    Case("resources", "hessian_shape_gate", """
        inputs: {W: {shape: [20, 20]}}
        nodes: {f: sum(W*W)}
        claims:
          - {wrt: [W, W], is: "hess(f, W, W)"}
    """, 2, says=("tensor-size gate",)),
    Case("resources", "five_hundred_inputs",
         "inputs: [" + ", ".join(f"x{i}" for i in range(500)) + "]\nnodes: {f: '"
         + " + ".join(f"x{i}**2" for i in range(500)) + "'}\nclaims:\n  - {of: f, wrt: x499, is: 2*x499}\n", 0, verdicts=("proved",), dedent=False),
    Case("resources", "input_count_gate", "inputs: [" + ", ".join(f"x{i}" for i in range(2001)) + "]\n", 2,
         where=(1, None), says=("input-count gate",), dedent=False),
    Case("resources", "long_flat_sum", "inputs: [x]\nnodes: {f: '" + "+".join(["x"] * 1200) + "'}\n"
         "claims: [{wrt: x, is: '1200'}]\n", 0, verdicts=("proved",), dedent=False),
    Case("resources", "claim_count_gate", lambda c: "inputs: [x]\nnodes: {f: x}\nclaims:\n" + "  - {wrt: x, is: '1'}\n" * 1001,
         2, where=(1004, 5), says=("claim-count gate",)),
    Case("resources", "file_timeout_is_bounded", "inputs: [x]\nnodes: {f: x}\ncheck: {timeout: 1e9}\n", 2, where=(3, 18),
         says=("between 0.1 and 3600",)),
]

SEMANTIC = [
    Case("semantic", "sympy_names_are_variables", """
        inputs: [E, I, N, S, Q, O, gamma, beta, e]
        nodes: {f: E*I*N*S*Q*O*gamma*beta*e}
        claims:
          - {wrt: E, is: I*N*S*Q*O*gamma*beta*e}
          - {wrt: I, is: E*N*S*Q*O*gamma*beta*e}
          - {wrt: gamma, is: E*I*N*S*Q*O*beta*e}
    """, 0, verdicts=("proved", "proved", "proved")),
    Case("semantic", "I_is_not_imaginary", "inputs: [I]\nnodes: {f: I**2}\nclaims:\n  - {wrt: I, is: 2*I}\n"
                                          "  - {wrt: I, is: '0'}\n", 1, verdicts=("proved", "wrong")),
    Case("semantic", "E_is_not_euler", """
        inputs: {E: {domain: positive}, x: {}}
        nodes: {f: E**x}
        claims:
          - {wrt: x, is: E**x*log(E)}
          - {wrt: x, is: E**x}
    """, 1, verdicts=("proved", "wrong")),
    Case("semantic", "gamma_as_declared_function", """
        inputs: [x]
        functions: [gamma]
        nodes: {f: gamma(x)}
        claims:
          - {wrt: x, is: "gamma'(x)"}
    """, 0, verdicts=("proved",)),
    Case("semantic", "lambda_is_a_keyword", "inputs: [lambda]\n", 2, where=(1, 10), says=("Python keyword",)),
    Case("semantic", "keyword_node", "inputs: [x]\nnodes: {import: x}\n", 2, where=(2, 9), says=("Python keyword",)),
    Case("semantic", "None_input", "inputs: [None]\n", 2, where=(1, 10), says=("Python keyword",)),
    Case("semantic", "lambda_in_expression", claim("lambda*x"), 2, says=("syntax error",)),
    Case("semantic", "pi_is_reserved", "inputs: [pi]\n", 2, where=(1, 10), says=("constant of the expression language",)),
    Case("semantic", "function_name_as_input", "inputs: [sin]\n", 2, where=(1, 10), says=("function",)),
    Case("semantic", "cyrillic_x_in_expression", claim("3*\u0445**2"), 2, says=("CYRILLIC SMALL LETTER HA",),
         claim_where=(4, 28)),
    Case("semantic", "cyrillic_x_as_input", "inputs: [x, \u0445]\n", 2, where=(1, 13),
         says=("CYRILLIC SMALL LETTER HA",)),
    Case("semantic", "math_italic_x_not_folded", claim("3*\U0001d465**2"), 2, says=("MATHEMATICAL ITALIC SMALL X",)),
    Case("semantic", "math_italic_x_as_input", "inputs: [\U0001d465]\n", 2, where=(1, 10),
         says=("MATHEMATICAL ITALIC SMALL X",)),
    Case("semantic", "fullwidth_x", claim("3*\uff58**2"), 2, says=("FULLWIDTH LATIN SMALL LETTER X",)),
    Case("semantic", "juxtaposition_2x", claim("3x**2"), 2, says=("write products with *",)),
    Case("semantic", "superscript_two", claim("3*x\u00b2"), 2, says=("SUPERSCRIPT TWO",)),
    Case("semantic", "zero_width_space", claim("3*x\u200b**2"), 2, says=("ZERO WIDTH SPACE",)),
    Case("semantic", "zero_width_joiner_in_key", "inputs: {\"x\u200d\": {}}\n", 2, where=(1, 10), says=("ZERO WIDTH JOINER",)),
    Case("semantic", "no_break_space", claim("3*x**2\u00a0+ 0"), 2, says=("NO-BREAK SPACE",)),
    Case("semantic", "sqrt_of_square_is_abs", """
        inputs: [x]
        nodes: {f: sqrt(x**2)}
        claims:
          - {wrt: x, is: x/abs(x)}
          - {wrt: x, is: '1'}
    """, 1, verdicts=("proved", "wrong")),
    Case("semantic", "sqrt_of_square_on_positive_domain", """
        inputs: {x: {domain: positive}}
        nodes: {f: sqrt(x**2)}
        claims:
          - {wrt: x, is: '1'}
    """, 0, verdicts=("proved",)),
    Case("semantic", "abs_derivative_is_sign", """
        inputs: [x]
        nodes: {f: abs(x)}
        claims:
          - {wrt: x, is: abs(x)/x}
          - {wrt: x, is: '1'}
    """, 1, verdicts=("proved", "wrong")),
    Case("semantic", "case_matters", "inputs: [x, X]\nnodes: {f: x*X}\nclaims:\n  - {wrt: x, is: X}\n  - {wrt: X, is: X}\n",
         1, verdicts=("proved", "wrong")),
    Case("semantic", "stray_prime", claim("x'"), 2, says=("prime",)),
    Case("semantic", "unknown_name_suggests", claim("3*xx**2"), 2, says=("did you mean 'x'",)),
    Case("semantic", "true_is_not_a_value", claim("True*x"), 2, says=("not allowed",)),
]

NUMERIC = [
    Case("numeric", "equal_only_at_one", claim("2*x + 1", extra="points: [{x: 1, y: 1}]\n"), 1, verdicts=("wrong",)),
    Case("numeric", "equal_only_at_zero", claim("0", extra="points: [{x: 0, y: 0}]\n"), 1, verdicts=("wrong",)),
    Case("numeric", "tiny_wrong_term", claim("3*x**2 + 1e-9*x"), 1, verdicts=("wrong",)),
    Case("numeric", "tinier_wrong_term", claim("3*x**2 + 1e-20*x"), 1, verdicts=("wrong",)),
    Case("numeric", "rounded_constant", "inputs: [x]\nnodes: {f: x**2/6}\nclaims: [{wrt: x, is: 0.333*x}]\n", 1,
         verdicts=("wrong",), says=("rounded constant",)),
    Case("numeric", "sixteen_digit_constant", "inputs: [x]\nnodes: {f: x/3}\nclaims: [{wrt: x, is: '0.3333333333333333'}]\n",
         1, verdicts=("wrong",)),
    Case("numeric", "decimal_literals_are_exact", "inputs: [x]\nnodes: {f: x/10}\nclaims: [{wrt: x, is: '0.1'}]\n", 0,
         verdicts=("proved",)),
    Case("numeric", "cancellation", """
        inputs: [x]
        nodes: {f: (1 - cos(x))/x**2}
        claims:
          - {wrt: x, is: sin(x)/x**2 - 2*(1 - cos(x))/x**3}
          - {wrt: x, is: sin(x)/x**2}
    """, 1, verdicts=("proved", "wrong")),
    Case("numeric", "cancellation_near_zero_is_never_wrong", """
        inputs: [x]
        nodes: {f: (1 - cos(x))/x**2}
        points: [{x: 0.00000001}]
        claims:
          - {wrt: x, is: sin(x)/x**2 - 2*(1 - cos(x))/x**3}
    """, None, verdicts=(("proved", "verified", "inconsistent"),)),
    Case("numeric", "large_offset_cancels", "inputs: [x]\nnodes: {f: (x + 10000000000) - 10000000000}\n"
                                            "claims: [{wrt: x, is: '1'}]\n", 0, verdicts=("proved",)),
    Case("numeric", "kink_abs", "inputs: [x]\nnodes: {f: abs(x)*x}\nclaims:\n  - {wrt: x, is: 2*abs(x)}\n"
                                "  - {wrt: x, is: 2*x}\n", 1, verdicts=("proved", "wrong")),
    Case("numeric", "kink_relu", "inputs: [x]\nnodes: {f: relu(x)}\nclaims:\n  - {wrt: x, is: '1'}\n", 1, verdicts=("wrong",)),
    Case("numeric", "kink_relu_positive", "inputs: {x: {domain: positive}}\nnodes: {f: relu(x)}\nclaims: [{wrt: x, is: '1'}]\n",
         0, verdicts=("proved",)),
    Case("numeric", "kink_at_a_fixed_point", "inputs: [x]\nnodes: {f: abs(x)}\npoints: [{x: 0}]\n"
                                             "claims: [{wrt: x, is: x/abs(x)}]\n", 0, verdicts=("proved",)),
    Case("numeric", "pole", "inputs: [x]\nnodes: {f: 1/(x - 1)}\npoints: [{x: 1}]\nclaims:\n"
                            "  - {wrt: x, is: -1/(x - 1)**2}\n  - {wrt: x, is: 1/(x - 1)**2}\n", 1,
         verdicts=("proved", "wrong")),
    Case("numeric", "tan_poles", "inputs: [x]\nnodes: {f: tan(x)}\nclaims: [{wrt: x, is: 1/cos(x)**2}]\n", 0,
         verdicts=(("proved", "verified"),)),
    Case("numeric", "singular_matrix", """
        inputs: {A: {shape: [2, 2], value: [[1, 2], [2, 4]]}}
        nodes: {f: logdet(A)}
        claims:
          - {wrt: A, is: inv(A).T}
    """, 2, says=("input 'A' is fixed to a singular matrix, but logdet(A) needs an invertible one",)),
    Case("numeric", "ill_conditioned_matrix_is_never_wrong", """
        inputs: {A: {shape: [2, 2], value: [[1, 1], [1, 1.000000000001]]}}
        nodes: {f: logdet(A)}
        claims:
          - {wrt: A, is: inv(A).T}
    """, None, verdicts=(("proved", "verified", "inconsistent", "undecided"),)),
    Case("numeric", "mildly_ill_conditioned_matrix", """
        inputs: {A: {shape: [2, 2], value: [[1, 2], [1, 2.0000001]]}}
        nodes: {f: logdet(A)}
        claims:
          - {wrt: A, is: inv(A).T}
          - {wrt: A, is: inv(A)}
    """, 1, verdicts=("proved", "wrong")),
    Case("numeric", "no_valid_point_sqrt", "inputs: {x: {domain: negative}}\nnodes: {f: sqrt(x)}\n"
                                           "claims: [{wrt: x, is: 1/(2*sqrt(x))}]\n", 3, verdicts=("undecided",),
         says=("domain",)),
    Case("numeric", "no_valid_point_log_interval", "inputs: {x: {domain: [-2, -1]}}\nnodes: {f: log(x)}\n"
                                                   "claims: [{wrt: x, is: 1/x}]\n", 3, verdicts=("undecided",)),
    Case("numeric", "undefined_claim", claim("0/0"), 3, verdicts=("undecided",)),
    Case("numeric", "overflow_points_skipped", "inputs: [x]\nnodes: {f: exp(exp(x))}\n"
                                               "claims: [{wrt: x, is: exp(exp(x))*exp(x)}]\n", 0, verdicts=("proved",)),
    Case("numeric", "tiny_matrix_perturbation", """
        inputs: {A: {shape: [2, 2]}, x: {shape: [2]}}
        nodes: {f: x.T @ A @ x}
        claims:
          - {wrt: x, is: (A + A.T + 0.000000001*eye(2)) @ x}
    """, 1, verdicts=("wrong",)),
]

ALL = INJECTION + YAML + RESOURCES + SEMANTIC + NUMERIC
assert len({c.name for c in ALL}) == len(ALL), "case names must be unique"

# files for the regression tests of bugs found by this suite, checked in the same batch runs;
# the id (file stem) picks the sample points
EXTRA = {
    "ok/inf.yaml": "inputs: [x]\nnodes: {f: x**3}\nclaims:\n  - {wrt: x, is: \"x**1000\"}\n"
                   "  - {wrt: x, is: \"exp(exp(x))\"}\n",
    "ok/tiny-term.yaml": claim("3*x**2 + 1e-30*x"),
    "bad/claim-error.yaml": "inputs: [x]\nnodes: {f: x**2}\nclaims:\n  - {wrt: x, is: '2*x +* 1'}\n",
    "ok/exp-sqrt.yaml": "inputs: [x]\nnodes: {f: x}\nclaims:\n  - {wrt: x, is: 'exp(sqrt(x))'}\n",
}


# --- the batch runs ------------------------------------------------------------------------------


@dataclass
class Batch:
    root: Path
    canary: Path
    problems: dict = field(default_factory=dict)  # case name → JSON problem
    json_out: str = ""
    json_err: str = ""
    text_out: str = ""
    text_err: str = ""
    code: int = 0
    seconds: float = 0.0

    def path(self, case: Case) -> Path:
        return self.root / ("bad" if case.exit == 2 else "ok") / f"{case.group}-{case.name}.yaml"


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    root = tmp_path_factory.mktemp("adversarial")
    canary = root / CANARY_NAME
    b = Batch(root, canary)
    for case in ALL:
        path = b.path(case)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(case.text(canary))
    for name, text in EXTRA.items():
        (root / name).write_text(text)
    # files named one by one: a folder scan skips what does not look like a problem (a top-level list...)
    paths = [b.path(case) for case in ALL if not case.solo] + [root / name for name in EXTRA]
    b.code, b.json_out, b.json_err, b.seconds = derivcheck("check", "--format", "json", "-j", "2", "--timeout",
                                                           BATCH_TIMEOUT, *paths, timeout=600)
    doc = json.loads(b.json_out)
    by_file = {p["file"]: p for p in doc["problems"]}
    for case in ALL:
        if not case.solo:
            b.problems[case.name] = by_file[str(b.path(case))]
    for name in EXTRA:
        b.problems[name] = by_file[str(root / name)]
    _, b.text_out, b.text_err, _ = derivcheck("check", "-j", "2", *[p for p in paths if p.parent.name == "bad"],
                                              timeout=300)
    return b


def _verify(batch: Batch, case: Case) -> None:
    if case.solo:
        code, out, err, _ = derivcheck("solve", "--format", "json", batch.path(case))
        batch.problems[case.name] = json.loads(out)["problems"][0]
        no_traceback(out, err)
        _, text_out, text_err, _ = derivcheck("solve", batch.path(case))
        batch.text_out += text_out
        batch.text_err += text_err
    p = batch.problems[case.name]
    no_traceback(batch.json_out, batch.json_err, batch.text_out, batch.text_err)
    assert not batch.canary.exists(), "a payload created the canary file"
    if case.exit is not None:
        assert p["exit"] == case.exit, json.dumps(p, indent=1)[:3000]
    else:
        assert p["exit"] != 1, json.dumps(p, indent=1)[:3000]
    messages = [p["error"]["message"]] if "error" in p else [c["message"] + " " + (c.get("diagnosis") or "")
                                                             for c in p["claims"]]
    for s in case.says:
        assert any(s in m for m in messages), (s, messages)
    if case.where is not None:
        assert "error" in p, json.dumps(p, indent=1)[:2000]
        line, col = case.where
        assert p["error"]["line"] == line, p["error"]
        if col is not None:
            assert p["error"]["column"] == col, p["error"]
        where = f"{batch.path(case)}:{line}:{p['error']['column']}: error: "
        assert where in batch.text_err, (where, batch.text_err[-2000:])
    if case.claim_where is not None:
        c = p["claims"][0]
        assert (c["line"], c["column"]) == case.claim_where, c
    if case.verdicts is not None:
        got = [c["verdict"] for c in p["claims"]]
        assert len(got) == len(case.verdicts), got
        for g, want in zip(got, case.verdicts):
            assert g in (want if isinstance(want, tuple) else (want,)), (got, case.verdicts, p["claims"])
    if case.exit == 2 and "error" not in p:  # bad input inside a claim: that claim is an `error` with a place
        errors = [c for c in p["claims"] if c["verdict"] == "error"]
        assert errors and all(c["line"] > 0 and c["column"] > 0 for c in errors), p["claims"]
        where = f"{batch.path(case)}:{errors[0]['line']}:{errors[0]['column']}: error: "
        assert where in batch.text_out + batch.text_err, (where, batch.text_out[-2000:])


def _ids(cases):
    return [c.name for c in cases]


@pytest.mark.parametrize("case", INJECTION, ids=_ids(INJECTION))
def test_injection_case(batch, case):
    _verify(batch, case)


@pytest.mark.parametrize("case", YAML, ids=_ids(YAML))
def test_yaml_case(batch, case):
    _verify(batch, case)


@pytest.mark.parametrize("case", RESOURCES, ids=_ids(RESOURCES))
def test_resources_case(batch, case):
    _verify(batch, case)


@pytest.mark.parametrize("case", SEMANTIC, ids=_ids(SEMANTIC))
def test_semantic_case(batch, case):
    _verify(batch, case)


@pytest.mark.parametrize("case", NUMERIC, ids=_ids(NUMERIC))
def test_numeric_case(batch, case):
    _verify(batch, case)


def test_process_batch_run_is_bounded_and_its_json_valid(batch):
    """The whole hostile folder: one run, bounded time, one JSON document, every file reported."""
    assert batch.seconds < 240
    doc = json.loads(batch.json_out)  # (Infinity may appear: see test_process_json_has_no_infinity)
    assert doc["summary"]["problems"] == len([c for c in ALL if not c.solo]) + len(EXTRA)
    assert batch.code == max(p["exit"] for p in doc["problems"]) == 3
    ours = {str(batch.path(c)) for c in ALL}
    assert all(p["status"] != "internal-error" for p in doc["problems"] if p["file"] in ours), \
        [p for p in doc["problems"] if p["status"] == "internal-error" and p["file"] in ours]


def test_process_markup_is_printed_as_text(batch):
    _, out, err, _ = derivcheck("solve", batch.path(next(c for c in INJECTION if c.name == "markup_in_names")))
    assert "[link=file:///etc/passwd]click[/link]" in out and "[bold red]PWNED[/bold red]" in out
    no_traceback(out, err)


def _no_constant(name):
    raise ValueError(f"not JSON: {name}")


# --- acceptance 2: bombs end within --timeout + 2 s, the other problems still checked -----------

GOOD = "inputs: [x]\nnodes: {f: x**3}\nclaims:\n  - {wrt: x, is: 3*x**2}\n"
BOMBS = {
    "power_tower": ("inputs: [x]\nnodes: {f: x**2}\nclaims:\n  - {of: f, wrt: x, is: '2**10**10'}\n", "power bombs"),
    "nested_powers": ("inputs: [x]\nnodes: {f: '((9**9)**9999)**9999*x'}\nclaims: [{wrt: x, is: '1'}]\n", "power bombs"),
    "sin_150": ("inputs: [x]\nnodes: {f: x}\nclaims:\n  - {of: f, wrt: x, is: '" + "sin(" * 150 + "x" + ")" * 150 + "'}\n",
                "nested deeper than 100 levels"),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_resources_bomb_ends_within_timeout_plus_two_seconds(tmp_path, bomb):
    text, gate = BOMBS[bomb]
    (tmp_path / "a-good.yaml").write_text(GOOD)
    (tmp_path / "b-bomb.yaml").write_text(text)
    (tmp_path / "c-good.yaml").write_text(GOOD.replace("3*x**2", "3*x**2 + 1"))
    timeout = 5
    code, out, err, seconds = derivcheck("check", "--format", "json", "--timeout", timeout, tmp_path)
    no_traceback(out, err)
    assert seconds < timeout + 2, seconds
    assert code in (2, 3)
    problems = {Path(p["file"]).name: p for p in json.loads(out)["problems"]}
    bomb_result = problems["b-bomb.yaml"]
    assert bomb_result["exit"] in (2, 3)
    messages = bomb_result.get("error", {}).get("message", "") + " ".join(c["message"] for c in bomb_result["claims"])
    assert gate in messages
    assert problems["a-good.yaml"]["status"] == "pass"  # the other problems of the run are still checked
    assert problems["c-good.yaml"]["claims"][0]["verdict"] == "wrong"


def test_resources_ten_thousand_problems_in_one_run(tmp_path):
    """10000 files: every one reported once, in order; the good ones checked (most fail to load, for speed)."""
    folder = tmp_path / "many"
    folder.mkdir()
    kinds = ["inputs: [x]\nbogus: 1\n", "inputs: [x\n", "inputs: [lambda]\n", "inputs: [x]\nnodes: {f: 'x +* 2'}\n", ""]
    for i in range(10000):
        text = GOOD if i % 1000 == 0 else kinds[i % len(kinds)]
        (folder / f"p{i:05d}.yaml").write_text(text)
    code, out, err, seconds = derivcheck("check", "--format", "json", "-j", "2", folder, timeout=600)
    no_traceback(out, err)
    doc = json.loads(out)
    assert code == 2 and doc["summary"]["problems"] == 10000
    files = [Path(p["file"]).name for p in doc["problems"]]
    assert files == sorted(files) and len(set(files)) == 10000
    passed = [p for p in doc["problems"] if p["status"] == "pass"]
    assert len(passed) == 10


POWER8 = "trace(X @ X @ X @ X @ X @ X @ X @ X)"  # sympy's diff walks each entry as a tree of 6^7 products
SLOW = f"""
inputs:
  X: {{shape: [6, 6]}}
  x: {{}}
check: {{samples: 1000}}
nodes:
  f: {POWER8}
  g: x**2
claims:
  - {{of: f, wrt: X, is: "8 * (X @ X @ X @ X @ X @ X @ X).T"}}
  - {{of: g, wrt: x, is: 2*x}}
"""
LIMITS_TIMEOUT = 5


@pytest.fixture(scope="module")
def limits_run(tmp_path_factory):
    """One `check -j 2` over a claim that runs for minutes, a FIFO nobody writes to, and a good file:
    the two stuck workers overlap, so the limits cost one wait, not two."""
    folder = tmp_path_factory.mktemp("limits")
    (folder / "a-slow.yaml").write_text(SLOW)
    os.mkfifo(folder / "b-fifo.yaml")
    (folder / "c-good.yaml").write_text(GOOD)
    code, out, err, seconds = derivcheck("check", "--format", "json", "-j", "2", "--timeout", LIMITS_TIMEOUT, folder,
                                         timeout=300)
    no_traceback(out, err)
    return code, {Path(p["file"]).name: p for p in json.loads(out)["problems"]}, seconds, err


def test_resources_slow_claim_is_killed_and_the_others_still_checked(limits_run):
    """A claim over its time limit is `undecided` naming the limit; the next claim is still decided.

    ∂tr(X⁸)/∂X for a 6×6 X makes sympy differentiate entries that are trees of 6⁷ products for
    minutes (over 60 s here), at 1000 sample points. (A 6×6 logdet was this test's slow claim until
    inverses and determinants became kept nodes: it now takes a second.)
    """
    code, problems, seconds, err = limits_run
    problem = problems["a-slow.yaml"]
    assert "error" not in problem, (problem, err)
    claims = problem["claims"]
    assert claims[0]["verdict"] == "undecided" and "time limit" in claims[0]["message"], claims[0]
    assert f"--timeout {LIMITS_TIMEOUT} s" in claims[0]["message"]
    assert claims[1]["verdict"] == "proved"
    assert code == 3
    assert seconds < 120


def test_process_fifo_without_writer_is_bounded(limits_run):
    """A problem file that blocks on open (a FIFO with no writer): the load step's limit ends it."""
    code, problems, seconds, err = limits_run
    assert problems["c-good.yaml"]["status"] == "pass"
    assert "time limit" in problems["b-fifo.yaml"]["error"]["message"]
    assert "while loading" in problems["b-fifo.yaml"]["error"]["message"]
    assert problems["b-fifo.yaml"]["exit"] == 3


def test_resources_unbounded_read_is_bounded(tmp_path):
    """/dev/zero as a problem file: read up to the size limit, refused quickly."""
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    code, out, err, seconds = derivcheck("check", link)
    no_traceback(out, err)
    assert code == 2 and "larger than 1 MiB" in err and seconds < 30


# --- process: pipes, signals, flags, locales, formats ------------------------------------------------


def test_process_head_one_prints_no_broken_pipe(tmp_path):
    for i in range(40):
        (tmp_path / f"p{i:02d}.yaml").write_text(GOOD)
    cmd = f"{sys.executable} -m derivcheck check '{tmp_path}' | head -1"
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=_env(), cwd=REPO, timeout=300)
    assert proc.stdout.count("\n") == 1 and "PASS" in proc.stdout
    no_traceback(proc.stdout, proc.stderr)
    assert "BrokenPipe" not in proc.stderr and "Error" not in proc.stderr


def test_process_closed_stdout_exits_quietly(tmp_path):
    (tmp_path / "p.yaml").write_text(GOOD)
    proc = subprocess.Popen([sys.executable, "-m", "derivcheck", "solve", str(tmp_path / "p.yaml")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=REPO)
    proc.stdout.close()  # the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141  # 128 + SIGPIPE, as the shell reports it
    no_traceback(err)
    assert "BrokenPipe" not in err


def _children(pid: int) -> set:
    """Every descendant process of pid (from /proc: no psutil)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            parents.setdefault(ppid, set()).add(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def _slow_folder(tmp_path) -> Path:
    folder = tmp_path / "slow"
    folder.mkdir()
    text = (REPO / "problems" / "matrix-cookbook" / "eq063-trace-inverse.yaml").read_text()
    text = text.replace("claims:", "check: {samples: 1000}\nclaims:")
    for i in range(6):
        (folder / f"s{i}.yaml").write_text(text)
    return folder


def _start_and_wait_for_workers(folder: Path, **popen):
    proc = subprocess.Popen([sys.executable, "-m", "derivcheck", "check", "-j", "2", "--timeout", "60", str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=REPO, **popen)
    deadline = time.monotonic() + 60
    workers: set = set()
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = _children(proc.pid)
        assert proc.poll() is None, proc.stderr.read().decode()
    assert len(workers) >= 2, workers
    time.sleep(1.0)  # well inside the checking
    return proc, workers


@pytest.mark.parametrize("how, code", [("term", 143), ("int-group", 130)])
def test_process_signal_during_check_kills_workers(tmp_path, how, code):
    folder = _slow_folder(tmp_path)
    proc, workers = _start_and_wait_for_workers(folder, start_new_session=True)
    start = time.monotonic()
    if how == "term":
        proc.send_signal(signal.SIGTERM)  # `kill PID`: the parent only
    else:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode()[-2000:]
    assert time.monotonic() - start < 15
    no_traceback(out.decode(), err.decode())
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)], "orphan worker processes"
    assert not _children(proc.pid)


def test_process_workers_die_with_a_killed_parent(tmp_path):
    folder = _slow_folder(tmp_path)
    proc, workers = _start_and_wait_for_workers(folder)
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "orphan worker processes after SIGKILL of the parent"


def test_process_one_bad_file_among_good_ones(tmp_path):
    for name in ("a", "c", "e"):
        (tmp_path / f"{name}.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text("inputs: [x]\nnodes: {f: 'x +* 2'}\n")
    (tmp_path / "d.yaml").write_bytes(b"inputs: [x]\ntitle: \xff\xfe\n")
    code, out, err, _ = derivcheck("check", tmp_path)
    no_traceback(out, err)
    assert code == 2
    assert out.count("PASS") == 3 and "5 problems" in out
    assert f"{tmp_path / 'b.yaml'}:2:" in err and f"{tmp_path / 'd.yaml'}:2:8: error: invalid UTF-8" in err


BAD_FLAGS = [
    ("check", "--seed", "-1"), ("check", "--seed", "abc"), ("check", "--seed", str(2**40)), ("check", "--samples", "0"),
    ("check", "--samples", "1e3"), ("check", "--timeout", "0"), ("check", "--timeout", "-5"), ("check", "--timeout", "inf"),
    ("check", "-j", "0"), ("check", "--format", "xml"), ("check", "--bogus"), ("solve",), ("steps", "{GOOD}"),
    ("solve", "{GOOD}", "--format", "yaml"), ("nosuchcommand",), ("check", "--shard", "3/2"),
]


@pytest.mark.parametrize("args", BAD_FLAGS, ids=[" ".join(a) for a in BAD_FLAGS])
def test_process_bad_flag_values_exit_2(tmp_path, args):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    args = [a.replace("{GOOD}", str(good)) for a in args]
    if args[0] == "check" and len(args) > 1:
        args.append(str(good))
    code, out, err, _ = derivcheck(*args)
    assert code == 2, (args, out, err)
    no_traceback(out, err)
    assert "Error" in err or "error" in err


def test_process_timeout_nan_is_a_bad_flag(tmp_path):
    """Regression (options.py, fixed in 962be53): NaN passed click's FloatRange, and ran with a NaN time limit."""
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    code, out, err, _ = derivcheck("check", "--timeout", "nan", good)
    assert code == 2


def test_process_nonexistent_and_wrong_paths(tmp_path):
    code, out, err, _ = derivcheck("check", tmp_path / "missing.yaml")
    assert code == 2 and "no such file" in err.lower()
    code, out, err, _ = derivcheck("solve", tmp_path)
    assert code == 2
    (tmp_path / "empty").mkdir()
    code, out, err, _ = derivcheck("check", tmp_path / "empty")
    assert code == 2 and "no problem files" in err
    no_traceback(out, err)


@pytest.mark.parametrize("env", [
    {"PYTHONIOENCODING": "ascii"},
    {"PYTHONIOENCODING": "latin-1"},
    {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": ""},
], ids=["ascii", "latin1", "C-locale"])
def test_process_ascii_locale_falls_back_to_plain_output(tmp_path, env):
    good = tmp_path / "a-unicode.yaml"
    good.write_text("title: Gradient — ∂f/∂x ✓\n" + GOOD.replace("3*x**2", "3*x**2 + 0*x"), encoding="utf-8")
    bad = tmp_path / "b-cyrillic.yaml"
    bad.write_text("inputs: [x, \u0445]\n", encoding="utf-8")
    full = _env(**env)
    if not full.get("PYTHONIOENCODING"):
        full.pop("PYTHONIOENCODING")
    command = ["solve", str(good)] if env.get("PYTHONIOENCODING") == "ascii" else ["check", str(good), str(bad)]
    proc = subprocess.run([sys.executable, "-m", "derivcheck", *command], capture_output=True, env=full,
                          cwd=REPO, timeout=120)
    out, err = proc.stdout.decode("latin-1"), proc.stderr.decode("latin-1")
    no_traceback(out, err)
    assert "UnicodeEncodeError" not in err and "proved" in out
    if env.get("PYTHONIOENCODING") != "latin-1":
        assert proc.stdout.isascii() and proc.stderr.isascii()
    if command[0] == "solve":
        assert proc.returncode == 0, err
        assert "ok proved" in out and "d f/dx" in out.replace("df", "d f") or "ok proved" in out
    else:
        assert proc.returncode == 2
        assert "CYRILLIC SMALL LETTER HA" in err and "PASS" in out


def test_injection_sympy_debug_environment_runs_nothing(tmp_path):
    canary = tmp_path / "canary"
    (tmp_path / "p.yaml").write_text(GOOD)
    env = _env(SYMPY_DEBUG=f"__import__('os').system('touch {canary}')", SYMPY_USE_CACHE="__import__('os')",
               SYMPY_GROUND_TYPES="exec")
    code, out, err, _ = derivcheck("check", tmp_path / "p.yaml", env=env)
    assert code == 0, out + err
    assert not canary.exists()
    no_traceback(out, err)


def test_injection_stdin_payloads(tmp_path):
    canary = tmp_path / "canary"
    payload = claim(TOUCH.replace("CANARY", str(canary))).encode()
    code, out, err, _ = derivcheck("solve", "-", stdin=payload)
    assert code == 2 and "strings are not allowed" in out + err
    code, out, err, _ = derivcheck("solve", "-", stdin=os.urandom(4096))
    assert code == 2
    no_traceback(out, err)
    assert not canary.exists()


def test_process_json_and_junit_stay_valid_when_problems_error(tmp_path):
    import xml.etree.ElementTree as ET

    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_bytes(b"inputs: [x]\nnodes: {f: \"x\xff\"}\n")
    (tmp_path / "c.yaml").write_text("inputs: [x]\nnodes: {f: x}\nclaims: [{wrt: x, is: 'x <script>&amp;\"'}]\n")
    code, out, err, _ = derivcheck("check", "--format", "json", tmp_path)
    doc = json.loads(out, parse_constant=_no_constant)
    assert code == 2 and [p["status"] for p in doc["problems"]] == ["pass", "error", "error"]
    assert doc["problems"][1]["error"]["line"] == 2
    code, out, err, _ = derivcheck("check", "--format", "junit", tmp_path)
    assert code == 2
    root = ET.fromstring(out)
    assert root.iter("testcase")
    no_traceback(out, err)


def test_process_json_has_no_infinity(batch):
    """Regression (fixed in 962be53): a claimed value above float64 (x**1000 at x≈2) was written as
    Infinity, which is not JSON."""
    assert batch.problems["ok/inf.yaml"]["claims"][0]["verdict"] == "wrong"
    json.loads(batch.json_out, parse_constant=_no_constant)


def test_process_claim_errors_are_located_as_file_line_col(batch):
    """Regression (report/text.py, fixed in 962be53): an error inside a claim was printed as
    'at line L, column C', not as FILE:LINE:COL: error: (SPEC §3)."""
    assert batch.problems["bad/claim-error.yaml"]["exit"] == 2
    where = f"{batch.root / 'bad' / 'claim-error.yaml'}:4:"
    assert any(where in line and ": error: " in line for line in (batch.text_out + batch.text_err).splitlines())


def test_numeric_wrong_term_below_the_tolerance_is_not_verified(batch):
    """Regression (verify.py, fixed in 962be53): 3*x**2 + 1e-30*x for d/dx x**3 was `verified` (the
    default rtol 1e-15 hid the term), though cancel() shows that the difference is not 0."""
    assert batch.problems["ok/tiny-term.yaml"]["claims"][0]["verdict"] not in ("proved", "verified")


def test_numeric_unrelated_claim_is_not_diagnosed_as_a_sign_error(batch):
    """Regression (diagnose.py, fixed in 962be53/85b740f): claims unrelated to the truth (x**1000,
    exp(exp(x)) for d/dx x**3, problem id 'inf') were diagnosed as 'opposite sign'."""
    for c in batch.problems["ok/inf.yaml"]["claims"]:
        assert c["verdict"] == "wrong" and "opposite sign" not in c["diagnosis"]


def test_numeric_claim_with_sqrt_of_a_real_input_is_not_an_internal_error(batch):
    """Regression (verify.py, fixed in 962be53): the claim exp(sqrt(x)) for a real x was an internal
    error, 'cannot evaluate atan2' (sympy rewrote the scale Abs(term) with atan2)."""
    p = batch.problems["ok/exp-sqrt.yaml"]
    assert p["status"] != "internal-error", p.get("error")
    assert p["claims"][0]["verdict"] in ("wrong", "undecided")


def test_resources_large_square_matrix_can_be_sampled():
    """Regression: a 100×100 matrix input could never be sampled (every dense draw had a condition
    number far above 50), minutes of draws then an internal error (fixed in 962be53)."""
    import random

    from derivcheck.verdict import sampling

    start = time.monotonic()
    value = sampling.matrix(random.Random(1), (100, 100), "real")
    assert value.shape == (100, 100) and time.monotonic() - start < 30



# --- properties (hypothesis, in-process for speed) ----------------------------------------------------

import sympy as sp  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _scalar_trees():
    """(derivcheck text, sympy expression) of random smooth scalar expressions in x and y.

    Built side by side, so no text ever goes through sympify. Values stay moderate
    (no exp of exp), so that an added term is never below the comparison tolerance.
    """
    import sympy as sp

    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    leaves = st.one_of(st.just(("x", x)), st.just(("y", y)),
                       st.integers(1, 5).map(lambda k: (str(k), sp.Integer(k))))

    def sigmoid(e):
        return 1 / (1 + sp.exp(-e))

    def extend(children):
        def binary(op, a, b):
            fn = {"+": lambda p, q: p + q, "-": lambda p, q: p - q, "*": lambda p, q: p * q}[op]
            return f"({a[0]}) {op} ({b[0]})", fn(a[1], b[1])

        def call(name, a):
            fn = {"sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh, "sigmoid": sigmoid}[name]
            return f"{name}({a[0]})", fn(a[1])

        return st.one_of(
            st.builds(binary, st.sampled_from("+-*"), children, children),
            st.builds(call, st.sampled_from(["sin", "cos", "tanh", "sigmoid"]), children),
            st.builds(lambda a, k: (f"({a[0]})**{k}", a[1] ** k), children, st.integers(2, 3)),
            st.builds(lambda a: (f"({a[0]})/(1 + ({a[0]})**2)", a[1] / (1 + a[1] ** 2)), children),
            st.builds(lambda a: (f"exp(sin({a[0]}))", sp.exp(sp.sin(a[1]))), children),
        )

    return st.recursive(leaves, extend, max_leaves=6).filter(lambda t: t[1].has(x))


def _sympy_text(expr) -> str:
    """sympy's derivative as derivcheck text (only + - * / ** and the functions above appear)."""
    import sympy as sp

    text = sp.sstr(expr)
    assert "E" not in text.replace("exp", ""), text  # no bare Euler constant from exp(1)
    return text


def _check(problem: str):
    from derivcheck.runner import run_file

    return run_file("prop.yaml", data=problem.encode(), samples=4, timeout=4)


@settings(max_examples=int(os.environ.get("DERIVCHECK_PROPERTY_EXAMPLES", 20)),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_scalar_trees(), st.sampled_from(["y", "x", "sin(y)", "x*y", "1"]), st.sampled_from([1, -2, 3]))
def test_numeric_property_true_derivative_passes_and_a_perturbed_one_never(tree, term, c):
    import sympy as sp

    text, expr = tree
    x = sp.Symbol("x", real=True)
    truth = _sympy_text(sp.diff(expr, x))
    problem = (f"inputs: [x, y]\nnodes: {{f: '{text}'}}\nclaims:\n  - {{of: f, wrt: x, is: '{truth}'}}\n"
               f"  - {{of: f, wrt: x, is: '({truth}) + {c}*({term})'}}\n")
    result = _check(problem)
    assert result.error is None, result.error
    right, perturbed = result.claims
    assert right.verdict != "wrong", (problem, right.message, right.counterexample)
    assert right.verdict in ("proved", "verified", "undecided", "inconsistent"), (problem, right)
    assert perturbed.verdict not in ("proved", "verified"), (problem, perturbed)


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_scalar_trees())
@example(tree=("exp(sin((x) * (x)))", sp.exp(sp.sin(sp.Symbol("x", real=True) ** 2))))
def test_numeric_property_engine_equals_sympy_at_valid_points(tree):
    import mpmath
    import numpy as np
    import sympy as sp

    from derivcheck.lang.build import build
    from derivcheck.lang.problem import load_text
    from derivcheck.verdict.verify import Checker

    text, expr = tree
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    checker = Checker(build(load_text(f"inputs: [x, y]\nnodes: {{f: '{text}'}}\n".encode(), "prop.yaml")))
    grads = [sp.diff(expr, v) for v in (x, y)]
    compared = 0
    for i in range(6):
        point = checker.point(i)
        env = checker.engine_env(point, 0)
        if env is None:
            continue
        values = {x: point["x"][()], y: point["y"][()]}
        if any(abs(v) > 1e3 for v in values.values()):
            continue  # far points: float64 cannot carry sin(x**2) there, which is what certify is for
        for name, g in zip("xy", grads):
            engine = float(np.asarray(checker.engines[0].jacobian(env, "f", name)).reshape(()))
            exact = sp.N(g.xreplace({k: sp.Rational(v.numerator, v.denominator) for k, v in values.items()}), 30)
            scale = 1 + abs(float(exact))
            assert abs(engine - float(exact)) <= 1e-7 * scale, (text, name, engine, exact, point)
            compared += 1
    assert compared > 0 or not mpmath.isfinite(0)


@settings(max_examples=int(os.environ.get("DERIVCHECK_PROPERTY_EXAMPLES", 60)), suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_yaml_property_random_bytes_never_crash(data):
    from derivcheck.results import ProblemResult
    from derivcheck.runner import run_file

    result = run_file("fuzz.yaml", data=data, timeout=2)
    assert isinstance(result, ProblemResult)
    assert not result.internal, result.error


_KEYS = ["derivcheck", "id", "title", "dims", "inputs", "functions", "network", "nodes", "output", "claims", "points",
         "check", "of", "wrt", "is", "latex", "entries", "index", "shape", "domain", "value", "sizes", "samples", "seed",
         "x", "y", "f", "W", "expect", "approx", "diagonal", "bogus"]
_SCALARS = st.one_of(st.sampled_from(["x", "y", "f", "W", "2*x", "x**2", "x.T @ W @ x", "sin(x)", "1", "0", "-3", "1e-3",
                                      "true", "no", "010", "1:30", "[", "fails", "positive", "symmetric", "tanh", "sse",
                                      "grad(f, x)", "h'(x)", "delta(i, j)", "x[1]", "", "~", "null"]),
                     st.integers(-3, 12), st.booleans(), st.text(max_size=12))


def _yaml_values():
    return st.recursive(_SCALARS, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                         st.dictionaries(st.sampled_from(_KEYS), kids, max_size=5)),
                        max_leaves=20)


@settings(max_examples=int(os.environ.get("DERIVCHECK_PROPERTY_EXAMPLES", 60)), suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_KEYS), _yaml_values(), min_size=1, max_size=6))
def test_yaml_property_random_problems_never_crash(doc):
    import yaml

    from derivcheck.results import ProblemResult
    from derivcheck.runner import run_file

    text = yaml.safe_dump(doc, allow_unicode=True)
    result = run_file("fuzz.yaml", data=text.encode("utf-8"), timeout=2, samples=2)
    assert isinstance(result, ProblemResult)
    assert not result.internal, (text, result.error)
    if result.error is not None:
        assert result.error["line"] >= 0 and result.error["message"]


_TOKENS = ["x", "y", "A", "v", "f", "2", "0.5", "1e-3", "+", "-", "*", "/", "**", "^", "@", "(", ")", ".T", ", ", "sin(",
           "exp(", "log(", "sqrt(", "abs(", "relu(", "sum(", "trace(", "inv(", "det(", "logdet(", "norm(", "diag(",
           "softmax(", "dot(", "outer(", "eye(2)", "ones(2)", "grad(f, x)", "hess(f, x, x)", "hessdiag(f, v)", "g'(",
           "transpose(", "sum(A, axis=0)", "x[1]", "delta(", " "]


@settings(max_examples=int(os.environ.get("DERIVCHECK_PROPERTY_EXAMPLES", 60)),
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=14), st.lists(st.sampled_from(_TOKENS), min_size=1,
                                                                             max_size=14),
       st.sampled_from(["x", "A", "v", "y"]))
def test_semantic_property_token_soup_never_crashes(node_tokens, claim_tokens, wrt):
    """Random token strings as a node and a claim over scalar, matrix and vector inputs: a verdict or a
    located error, never an internal error."""
    from derivcheck.results import ProblemResult
    from derivcheck.runner import run_file

    node, body = "".join(node_tokens).replace("'", "''"), "".join(claim_tokens).replace("'", "''")
    text = (f"inputs:\n  x: {{}}\n  y: {{domain: positive}}\n  A: {{shape: [2, 2], domain: invertible}}\n"
            f"  v: {{shape: [2]}}\nfunctions: [g]\nnodes:\n  f: '{node}'\nclaims:\n  - {{of: f, wrt: {wrt}, is: '{body}'}}\n")
    result = run_file("soup.yaml", data=text.encode(), timeout=2, samples=2)
    assert isinstance(result, ProblemResult)
    assert not result.internal, (text, result.error)
    for c in result.claims:
        assert c.verdict in ("proved", "verified", "wrong", "error", "undecided", "inconsistent", "expected-fail"), c
        if c.verdict == "error":
            assert c.line > 0 and c.message


def test_process_pool_limits_are_sane():
    """A NaN, infinite or non-positive time limit never disables the deadline; memory stays within RAM."""
    from derivcheck import pool
    from derivcheck.runner import DEFAULT_TIMEOUT, step_limit

    for bad in (float("nan"), float("inf"), 0.0, -3.0):
        assert pool._sane(bad) == step_limit(DEFAULT_TIMEOUT)
    assert pool._sane(7.5) == 7.5
    assert step_limit(4) == 10
    assert 1 << 30 <= pool.memory_limit(2) <= pool.MEMORY_LIMIT


SLOW_STEPS = f"inputs:\n  X: {{shape: [6, 6]}}\nnodes:\n  f: {POWER8}\n"


@pytest.mark.parametrize("command", [
    ["steps", "{path}", "--of", "f", "--wrt", "X", "--timeout", "1"],
    ["hessian", "{path}", "--of", "f", "--wrt", "X", "--timeout", "1"],
    ["grad", POWER8, "--wrt", "X", "--input", "X:6x6", "--timeout", "1"],
], ids=["steps", "hessian", "grad"])
def test_resources_every_command_is_bounded(tmp_path, command):
    """tr(X⁸) of a 6×6 X (minutes of sympy differentiation) ends at the step's limit, 2 × 1 s + 2 s, as undecided."""
    path = tmp_path / "det.yaml"
    path.write_text(SLOW_STEPS)
    try:
        code, out, err, seconds = derivcheck(*(a.format(path=path) for a in command), timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"derivcheck {command[0]} ran for more than 60 s (a step may take 2 × 1 s + 2 s)")
    no_traceback(out, err)
    assert code == 3, (out, err)
    assert "undecided: time limit of 4 s was hit" in err, err
    assert "internal error" not in err
