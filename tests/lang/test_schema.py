"""The JSON Schema of the problem format (derivcheck/lang/schema.py) against SPEC §1.

Every problem file in problems/ (recursively, whoever wrote it) is validated as
its own test case, so a new file is picked up without touching this module.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from derivcheck.lang.schema import RESERVED_NAMES, problem_schema

ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = ROOT / "problems"
PROBLEM_FILES = sorted(
    p for pattern in ("*.yaml", "*.yml") for p in PROBLEMS.rglob(pattern) if p.is_file()
)


class _TextKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader, except that mapping keys stay text (SPEC §1: `y:`, `no:`, `on:` name
    inputs, never booleans) and yes/no/on/off are not booleans, as in derivcheck's reader and
    in YAML 1.2 editors. Numbers like 1e-6 still load as strings (YAML 1.1), which the schema
    accepts."""

    def construct_mapping(self, node, deep=False):
        mapping = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
            else:  # pragma: no cover - complex keys never occur in problem files
                key = self.construct_object(key_node, deep=deep)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_TextKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _TextKeyLoader.construct_mapping
)
# Only true/false are booleans (as in YAML 1.2 and derivcheck's reader): `wrt: on` names an input.
_TextKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_TextKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(text: str):
    return yaml.load(text, Loader=_TextKeyLoader)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(problem_schema())


def errors(validator: Draft202012Validator, doc) -> list[str]:
    return sorted(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(doc)
    )


MINIMAL = """\
inputs: [x]
nodes:
  f: x**2
claims:
  - wrt: x
    is: 2*x
"""


# --- the schema itself ---------------------------------------------------------------

def test_schema_is_a_valid_draft_2020_12_schema():
    schema = problem_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"] and schema["description"]


def test_schema_is_plain_json_and_a_fresh_copy_each_time():
    first = problem_schema()
    assert json.loads(json.dumps(first)) == first
    first["properties"].clear()
    assert problem_schema()["properties"], "problem_schema() must not hand out shared state"


def test_every_fixed_key_set_is_closed():
    """Every object schema that lists `properties` also forbids other keys, so typos fail."""
    schema = problem_schema()
    open_objects = []

    def walk(node, path):
        if isinstance(node, dict):
            if "properties" in node and node.get("additionalProperties") is not False:
                open_objects.append(path)
            for key, value in node.items():
                if key not in ("if", "then"):  # conditional fragments only add constraints
                    walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(schema, "#")
    assert open_objects == []


def test_top_level_keys_are_those_of_the_spec():
    assert set(problem_schema()["properties"]) == {
        "derivcheck", "id", "title", "source", "notes", "dims", "inputs", "functions",
        "network", "nodes", "output", "claims", "points", "check",
    }


def test_claim_keys_are_those_of_the_spec():
    assert set(problem_schema()["$defs"]["claim"]["properties"]) == {
        "of", "wrt", "is", "latex", "entries", "name", "diagonal", "expect", "approx",
        "max_rel_error", "index_order", "rtol", "atol",
    }


def test_importing_the_schema_loads_neither_numpy_nor_sympy():
    code = (
        "import sys, derivcheck.lang.schema\n"
        "heavy = sorted(m for m in ('numpy', 'sympy', 'yaml', 'jsonschema') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_reserved_names_agree_with_the_expression_parser():
    exprs = pytest.importorskip("derivcheck.lang.exprs")
    reserved = getattr(exprs, "RESERVED", None)
    if reserved is None:
        pytest.skip("derivcheck.lang.exprs has no RESERVED set")
    assert set(reserved) <= set(RESERVED_NAMES)


# --- every problem file in the repository ----------------------------------------------

def test_there_are_problem_files():
    assert PROBLEM_FILES, f"no problem files under {PROBLEMS}"


@pytest.mark.parametrize(
    "path", PROBLEM_FILES, ids=[str(p.relative_to(PROBLEMS)) for p in PROBLEM_FILES]
)
def test_problem_file_is_valid(validator, path):
    doc = load(path.read_text(encoding="utf-8"))
    assert errors(validator, doc) == []


# --- documents that must pass ----------------------------------------------------------

def test_minimal_problem_passes(validator):
    assert errors(validator, load(MINIMAL)) == []


@pytest.mark.parametrize("text", [
    # the SPEC §1.5 claim example, with a full input spec and the check block
    """\
derivcheck: 1
id: dag
inputs: {x: {}, y: {shape: [], domain: positive}}
nodes: {h1: 2*x, h2: 2*h1**2, h3: h1 + y, l: h2*h3}
claims:
  - {of: l, wrt: x, is: 48*x**2 + 16*x*y}
  - {of: l, wrt: h2, latex: 'h_3'}
check: {samples: 12, seed: 3, rtol: 1e-9, atol: 0, timeout: 5}
""",
    # SPEC §1.6 network example, and an entries claim (SPEC §1.5)
    """\
network: {sizes: [3, 4, 2], activation: tanh, output_activation: identity, loss: sse, bias: false}
claims:
  - {of: L, wrt: [W1, W1], diagonal: true, is: "hessdiag(L, W1)", approx: true, max_rel_error: 0.5}
  - {of: a1, wrt: W1, entries: {index: [i, j, k], is: "delta(i, j) * x[k]"}, index_order: of-first}
""",
    # keys are text: `on`, `no`, `y` name inputs; values, points, intervals, matrices
    """\
dims: {n: 2}
inputs:
  on: {domain: [-1, 2.5]}
  no: {value: 0.5}
  y: {shape: [n]}
  W: {shape: [n, 2], value: [[1, 2], [3, 4]]}
  S: {shape: [n, n], domain: spd}
functions: [f, g]
nodes: {h: f(on) + no + sum(y) + sum(W) + trace(S)}
output: h
points: [{on: 0.25, y: [1, 2]}]
claims:
  - {wrt: on, is: "f'(on)", name: chain rule, expect: fails, rtol: "1e-6"}
""",
    # numeric fields as YAML 1.1 leaves them: strings that look like numbers
    "inputs: [x]\nnodes: {f: x}\ncheck: {rtol: 1e-6, atol: 1E-12, samples: '8', timeout: .5}\n",
    # a number as an expression
    "inputs: [x]\nnodes: {f: 3, g: x}\nclaims: [{of: g, wrt: x, is: 1}]\n",
])
def test_valid_documents_pass(validator, text):
    assert errors(validator, load(text)) == []


# --- documents that must fail ----------------------------------------------------------

def test_typo_in_top_level_key_is_rejected(validator):
    doc = load(MINIMAL.replace("claims:", "claim:"))
    found = errors(validator, doc)
    assert found and any("'claim'" in e and "unexpected" in e.lower() for e in found), found


def test_typo_in_claim_key_is_rejected(validator):
    doc = load(MINIMAL.replace("- wrt: x", "- wrtt: x"))
    found = errors(validator, doc)
    assert any(e.startswith("claims/0") and "'wrtt'" in e for e in found), found


@pytest.mark.parametrize("text, where", [
    # a typo'd key at every level with a fixed key set
    ("inputs: {x: {shpe: [2]}}", "inputs"),
    ("inputs: [x]\ncheck: {sample: 8}", "check"),
    ("network: {sizes: [2, 2], activaton: tanh}", "network"),
    ("inputs: [x]\nclaims: [{wrt: x, entries: {index: [i], iss: '1'}}]", "claims/0/entries"),
    # claims: exactly one of is / latex / entries; wrt required, one or two names
    ("inputs: [x]\nclaims: [{wrt: x, is: x, latex: x}]", "claims/0"),
    ("inputs: [x]\nclaims: [{wrt: x}]", "claims/0"),
    ("inputs: [x]\nclaims: [{is: x}]", "claims/0"),
    ("inputs: [x]\nclaims: [{wrt: [x, x, x], is: '0'}]", "claims/0/wrt"),
    ("inputs: [x]\nclaims: [{wrt: x, is: x, diagonal: true}]", "claims/0/wrt"),
    ("inputs: [x]\nclaims: [{wrt: x, is: x, expect: pass}]", "claims/0/expect"),
    ("inputs: [x]\nclaims: [{wrt: x, is: x, index_order: first}]", "claims/0/index_order"),
    ("inputs: [x]\nclaims: [{wrt: x, is: x, rtol: small}]", "claims/0/rtol"),
    # names, shapes, domains, values
    ("inputs: [sum]", "inputs"),
    ("inputs: {lambda: {}}", "inputs"),
    ("inputs: {2x: {}}", "inputs"),
    ("inputs: {x: {shape: [2, 3, 4]}}", "inputs/x/shape"),
    ("inputs: {x: {shape: [0]}}", "inputs/x/shape/0"),
    ("inputs: {x: {domain: complex}}", "inputs/x/domain"),
    ("inputs: {x: {domain: [0, 1, 2]}}", "inputs/x/domain"),
    ("inputs: {x: {shape: [3], domain: spd}}", "inputs/x"),
    ("inputs: {x: {value: abc}}", "inputs/x/value"),
    ("dims: {n: 0}\ninputs: [x]", "dims/n"),
    # top level
    ("nodes: {f: '1'}", "<root>"),
    ("derivcheck: 2\ninputs: [x]", "derivcheck"),
    ("network: {sizes: [2, 2], loss: cross_entropy}", "network"),
    ("network: {sizes: [2, 2], output_activation: relu}", "network/output_activation"),
    ("inputs: [x]\npoints: [{x: [1, abc]}]", "points/0/x"),
])
def test_invalid_documents_are_rejected_where_the_mistake_is(validator, text, where):
    found = errors(validator, load(text))
    assert found, f"accepted: {text!r}"
    assert any(e.split(": ", 1)[0].startswith(where) for e in found), found


# --- issue 6: `x:` with no value, and the ecosystem fixtures ---------------------------------

def test_an_input_with_no_value_is_a_real_scalar(validator):
    doc = load("inputs:\n  x:\n  y: {}\nnodes:\n  f: x*y\nclaims:\n  - {wrt: x, is: y}\n")
    assert doc["inputs"]["x"] is None
    assert errors(validator, doc) == []
    found = errors(validator, load("inputs:\n  x: 3\n"))
    assert found and found[0].startswith("inputs/x")


ECOSYSTEM = ROOT / "tests" / "fixtures" / "ecosystem"


ECOSYSTEM_PROBLEMS = sorted(p for folder in ("pass", "fail") for p in (ECOSYSTEM / folder).glob("*.yaml")
                            if not p.name.startswith("."))  # .pre-commit-hooks.yaml there is not a problem


@pytest.mark.parametrize("path", ECOSYSTEM_PROBLEMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ecosystem_problem_fixtures_are_valid(validator, path):
    assert errors(validator, load(path.read_text(encoding="utf-8"))) == []


def test_ecosystem_typo_fixture_is_rejected_at_the_typo(validator):
    found = errors(validator, load((ECOSYSTEM / "broken" / "typo.yaml").read_text(encoding="utf-8")))
    assert any("'claim'" in e for e in found), found
