"""JSON Schema (draft 2020-12) of the problem-file format, SPEC §1.

`derivcheck schema` prints `problem_schema()` for editors (for example the YAML
language server: `# yaml-language-server: $schema=derivcheck-problem.json`).
The schema mirrors the contract: every key set is closed
(`additionalProperties: false`), so a typo'd key fails validation. Some rules
of SPEC §1 are beyond JSON Schema (a name defined once, index names distinct
from problem names, square shapes for matrix domains, shapes of expressions);
the loader checks those.

Problem files are YAML. A YAML 1.1 reader (PyYAML) loads `1e-6` as the string
"1e-6", and derivcheck's own reader accepts quoted numbers, so every numeric
field also accepts a numeric-looking string.

This module imports only the standard library: `derivcheck schema` must not
import numpy or sympy.
"""

from __future__ import annotations

import copy
import keyword

from derivcheck.ops import ELEMENTWISE, FUNCTIONS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:derivcheck:schema:problem:1"

# Names that cannot name an input, node, dim, function or index (SPEC §1, §1.3):
# Python keywords, the functions of the expression language (the op table's), and `pi`.
EXPRESSION_FUNCTIONS = tuple(sorted(FUNCTIONS))
RESERVED_NAMES = tuple(sorted(
    set(keyword.kwlist) | set(keyword.softkwlist) | set(EXPRESSION_FUNCTIONS) | {"pi"}
))

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
INTEGER_PATTERN = r"^[+-]?[0-9]+$"
NUMBER_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"

DOMAINS = ("real", "positive", "negative", "nonzero", "symmetric", "spd", "invertible")
MATRIX_DOMAINS = ("symmetric", "spd", "invertible")


def _defs() -> dict:
    number = {
        "description": "A number; also a numeric-looking string such as \"1e-6\" "
                       "(YAML 1.1 readers load 1e-6 as text).",
        "anyOf": [
            {"type": "number"},
            {"type": "string", "pattern": NUMBER_PATTERN},
        ],
    }
    return {
        "name": {
            "description": "An ASCII identifier [A-Za-z][A-Za-z0-9_]* that is not a Python keyword, "
                           "not a function of the expression language and not `pi`.",
            "type": "string",
            "pattern": NAME_PATTERN,
            "not": {"enum": list(RESERVED_NAMES)},
        },
        "number": number,
        "nonNegativeNumber": {
            "description": "A number ≥ 0 (or a numeric-looking string).",
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": NUMBER_PATTERN.replace("[+-]?", "[+]?", 1)},
            ],
        },
        "integer": {
            "description": "A whole number in plain digits (or the same as a string).",
            "anyOf": [
                {"type": "integer"},
                {"type": "string", "pattern": INTEGER_PATTERN},
            ],
        },
        "positiveInteger": {
            "description": "A positive whole number in plain digits (or the same as a string).",
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": r"^[+]?[1-9][0-9]*$"},
            ],
        },
        "text": {
            "description": "Free text shown in reports.",
            "type": ["string", "number"],
        },
        "expression": {
            "description": "An expression of the expression language (SPEC §1.3), in Python syntax: "
                           "numbers, + - * / ** ^ @, unary -, .T, literals [a, b] and [[a, b], [c, d]], "
                           "indexing x[k], W[i, j], W[i, :], W[:, j] (from 1), dim names as integers, "
                           "the constant pi and the functions: "
                           + "; ".join(f"{name}: {doc}" for name, doc in sorted(FUNCTIONS.items()))
                           + ". Every elementwise function g (" + " ".join(ELEMENTWISE)
                           + ", and declared ones) has derivatives g'(x) and g''(x). `@` is the matrix "
                           "product (no matrix power); vectors are columns; + - * / ** broadcast a row "
                           "(1×n) or a column (m×1) across an m×n matrix; a 1×1 result is a scalar.",
            "type": ["string", "number"],
        },
        "shape": {
            "description": "[] a scalar (default), [n] a column vector, [m, n] a matrix; "
                           "entries are positive integers or names from `dims`.",
            "type": "array",
            "maxItems": 2,
            "items": {"anyOf": [{"$ref": "#/$defs/positiveInteger"}, {"$ref": "#/$defs/name"}]},
        },
        "domain": {
            "description": "real (default), positive, negative, nonzero, [lo, hi] (an open interval); "
                           "for square matrices also symmetric, spd (symmetric positive definite), "
                           "invertible (sampled well conditioned). Domains are assumptions: they shape "
                           "the sample points and may be used in proofs.",
            "anyOf": [
                {"enum": list(DOMAINS)},
                {
                    "description": "[lo, hi]: the open interval lo < v < hi.",
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"$ref": "#/$defs/number"},
                },
            ],
        },
        "value": {
            "description": "A fixed value: a number; a flat list for a vector; a list of rows for a matrix.",
            "anyOf": [
                {"$ref": "#/$defs/number"},
                {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/number"}},
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/number"}},
                },
            ],
        },
        "input": {
            "description": "An input: {} or no value at all (`x:`) is a real scalar; otherwise shape, "
                           "domain and value.",
            # null: `x:` with no value, which the loader reads as a real scalar (object keywords
            # below ignore it).
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                "shape": {"$ref": "#/$defs/shape"},
                "domain": {"$ref": "#/$defs/domain"},
                "value": {
                    "$ref": "#/$defs/value",
                    "description": "A fixed value: the input is not sampled but can still be "
                                   "differentiated with respect to.",
                },
            },
            "if": {
                "required": ["domain"],
                "properties": {"domain": {"enum": list(MATRIX_DOMAINS)}},
            },
            "then": {
                "required": ["shape"],
                "properties": {"shape": {"minItems": 2}},
            },
        },
        "network": {
            "description": "A feed-forward network generating input x (= z0), weights W1…WL (and b1…bL "
                           "with bias), pre-activations a_l = W_l @ z_{l-1} (+ b_l), activations "
                           "z_l = h(a_l), output y (= zL), target t and loss L (SPEC §1.6).",
            "type": "object",
            "additionalProperties": False,
            "required": ["sizes"],
            "properties": {
                "sizes": {
                    "description": "Layer widths, input first: [3, 4, 2].",
                    "type": "array",
                    "minItems": 2,
                    "items": {"$ref": "#/$defs/positiveInteger"},
                },
                "activation": {
                    "description": "Hidden activation h: an elementwise function (tanh, sigmoid, relu, "
                                   "softplus, …) or a declared function (applied elementwise).",
                    "type": "string",
                    "pattern": NAME_PATTERN,
                },
                "output_activation": {
                    "description": "Activation of the last layer (default identity).",
                    "enum": ["identity", "sigmoid", "tanh", "softmax"],
                },
                "loss": {
                    "description": "sse: sum((y - t)**2)/2; cross_entropy: -sum(t * log(y)), "
                                   "requires output_activation: softmax (t sampled one-hot).",
                    "enum": ["sse", "cross_entropy"],
                },
                "bias": {"description": "Add biases b1…bL.", "type": "boolean"},
            },
            "if": {"required": ["loss"], "properties": {"loss": {"const": "cross_entropy"}}},
            "then": {"required": ["output_activation"],
                     "properties": {"output_activation": {"const": "softmax"}}},
        },
        "entries": {
            "description": "An index formula for a tensor-valued derivative, indices starting at 1: "
                           "{index: [i, j, k], is: \"delta(i, j) * x[k]\"}.",
            "type": "object",
            "additionalProperties": False,
            "required": ["index", "is"],
            "properties": {
                "index": {
                    "description": "Index names, one per axis of the derivative (of-first); they must "
                                   "not be names of the problem.",
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"$ref": "#/$defs/name"},
                },
                "is": {
                    "$ref": "#/$defs/expression",
                    "description": "The entry as an expression of the indices; may use delta(i, j) "
                                   "and indexing x[k], W[i, j].",
                },
            },
        },
        "claim": {
            "description": "A claim states the value of a derivative (SPEC §1.5): of, wrt, exactly one of "
                           "is / latex / entries, and optionally name, diagonal, expect, approx, "
                           "max_rel_error, index_order, rtol, atol.",
            "type": "object",
            "additionalProperties": False,
            "required": ["wrt"],
            "properties": {
                "of": {
                    "$ref": "#/$defs/name",
                    "description": "The node (or input) differentiated; default: `output`.",
                },
                "wrt": {
                    "description": "A name, or a list of two names for a second derivative.",
                    "anyOf": [
                        {"$ref": "#/$defs/name"},
                        {"type": "array", "minItems": 2, "maxItems": 2, "items": {"$ref": "#/$defs/name"}},
                    ],
                },
                "is": {
                    "$ref": "#/$defs/expression",
                    "description": "The claimed derivative as an expression over inputs and nodes; may "
                                   "use grad(f, v), hess(f, u, v), hessdiag(f, v) and, with `functions`, "
                                   "f'(x), f''(x).",
                },
                "latex": {
                    "description": "The claimed derivative as a LaTeX string, as written in a solution "
                                   "sheet: 48x^2 + 16xy, 2 y x^\\top, B^\\top, \\sigma(z)(1-\\sigma(z)).",
                    "type": ["string", "number"],
                },
                "entries": {"$ref": "#/$defs/entries"},
                "name": {"$ref": "#/$defs/text", "description": "A label shown in reports."},
                "diagonal": {
                    "description": "Second derivatives only: the claim gives the diagonal ∂²f/∂v_i² for "
                                   "every entry of v, shaped like v.",
                    "type": "boolean",
                },
                "expect": {
                    "description": "fails: the claim is a deliberate mistake; the check passes when "
                                   "derivcheck finds it wrong.",
                    "enum": ["fails"],
                },
                "approx": {
                    "description": "The claim is an approximation; its relative error against the exact "
                                   "value is reported.",
                    "type": "boolean",
                },
                "max_rel_error": {
                    "$ref": "#/$defs/nonNegativeNumber",
                    "description": "With approx: the claim fails when ‖claim − truth‖/‖truth‖ "
                                   "(Frobenius, largest over the sample points) exceeds this.",
                },
                "index_order": {
                    "description": "of-first (default): shape S + T; wrt-first (sympy's and "
                                   "Mathematica's convention): shape T + S.",
                    "enum": ["of-first", "wrt-first"],
                },
                "rtol": {"$ref": "#/$defs/nonNegativeNumber", "description": "Relative tolerance for this claim."},
                "atol": {"$ref": "#/$defs/nonNegativeNumber", "description": "Absolute tolerance for this claim."},
            },
            "oneOf": [
                {"required": ["is"]},
                {"required": ["latex"]},
                {"required": ["entries"]},
            ],
            "if": {"required": ["diagonal"], "properties": {"diagonal": {"const": True}}},
            "then": {"properties": {"wrt": {"type": "array"}}},
        },
        "point": {
            "description": "A sample point: input name → value.",
            "type": "object",
            "propertyNames": {"$ref": "#/$defs/name"},
            "additionalProperties": {"$ref": "#/$defs/value"},
        },
        "check": {
            "description": "How claims are checked.",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "samples": {"$ref": "#/$defs/positiveInteger",
                            "description": "Number of random sample points (default 8)."},
                "seed": {"$ref": "#/$defs/integer",
                         "description": "Seed of the sample points (default: derived from the id)."},
                "rtol": {"$ref": "#/$defs/nonNegativeNumber", "description": "Relative tolerance."},
                "atol": {"$ref": "#/$defs/nonNegativeNumber", "description": "Absolute tolerance."},
                "timeout": {"$ref": "#/$defs/nonNegativeNumber",
                            "description": "Seconds per claim for the symbolic work."},
            },
        },
    }


def _schema() -> dict:
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "derivcheck problem file (format 1)",
        "description": "One YAML document describing inputs, a computational DAG of nodes and claims "
                       "about derivatives, checked by derivcheck (SPEC §1). An unknown key anywhere is "
                       "an error.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "derivcheck": {"description": "Format version; only 1 exists.", "enum": [1, "1"]},
            "id": {"description": "Identifier; default: the file name without extension.",
                   "type": ["string", "number"]},
            "title": {"$ref": "#/$defs/text"},
            "source": {"$ref": "#/$defs/text", "description": "Where the problem comes from."},
            "notes": {"$ref": "#/$defs/text"},
            "dims": {
                "description": "Named sizes used in shapes: name → positive integer.",
                "type": "object",
                "propertyNames": {"$ref": "#/$defs/name"},
                "additionalProperties": {"$ref": "#/$defs/positiveInteger"},
            },
            "inputs": {
                "description": "Inputs: a map name → input spec ({} or no value: a real scalar), or a list of "
                               "names (all real scalars).",
                # One schema for both forms (object keywords ignore arrays and vice versa), so an
                # error points at the offending input rather than at `inputs` as a whole.
                "type": ["object", "array"],
                "propertyNames": {"$ref": "#/$defs/name"},
                "additionalProperties": {"$ref": "#/$defs/input"},
                "uniqueItems": True,
                "items": {"$ref": "#/$defs/name"},
            },
            "functions": {
                "description": "Names of unspecified smooth functions of one variable (SPEC §1.4); "
                               "claims may use f'(x), f''(x).",
                "type": "array",
                "uniqueItems": True,
                "items": {"$ref": "#/$defs/name"},
            },
            "network": {"$ref": "#/$defs/network"},
            "nodes": {
                "description": "The computational DAG: name → expression, in any order.",
                "type": "object",
                "propertyNames": {"$ref": "#/$defs/name"},
                "additionalProperties": {"$ref": "#/$defs/expression"},
            },
            "output": {
                "$ref": "#/$defs/name",
                "description": "The node claims default to; default: the one node no other node uses.",
            },
            "claims": {"description": "Claims about derivatives (SPEC §1.5).",
                       "type": "array", "items": {"$ref": "#/$defs/claim"}},
            "points": {
                "description": "Sample points used in addition to random ones, always as given.",
                "type": "array",
                "items": {"$ref": "#/$defs/point"},
            },
            "check": {"$ref": "#/$defs/check"},
        },
        "anyOf": [
            {"required": ["inputs"]},
            {"required": ["network"], "description": "inputs may be left out when network defines them"},
        ],
        "$defs": _defs(),
    }


_SCHEMA = _schema()


def problem_schema() -> dict:
    """The JSON Schema of a problem file, as a fresh dict (safe to modify)."""
    return copy.deepcopy(_SCHEMA)
