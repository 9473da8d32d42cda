"""The first wrong step: which claimed steps hold, where the error enters (backprop order),
and which later claims are wrong only because they build on it."""

from __future__ import annotations

import json

import pytest

from derivcheck.lang.build import build
from derivcheck.lang.problem import load_text
from derivcheck.results import ClaimResult
from derivcheck.verdict.firstwrong import first_wrong_step

from tests.conftest import REPO, SEED_1B

FIRST_WRONG = REPO / "problems" / "seed" / "ex1b-first-wrong-step.yaml"

DAG = b"""
inputs: [x, y]
nodes: {h1: 2*x, h2: 2*h1**2, h3: h1 + y, l: h2 * h3}
"""

# The seed's five partials, the adjoint of h1 and the result, with their true values (node names).
STEPS = [("l", "h2", "h3"), ("l", "h3", "h2"), ("h2", "h1", "4*h1"), ("h3", "h1", "1"), ("h1", "x", "2"),
         ("l", "h1", "4*h1*h3 + h2"), ("l", "x", "8*h1*h3 + 2*h2")]
BACKPROP_ORDER = [("l", "h2"), ("l", "h3"), ("h3", "h1"), ("h2", "h1"), ("l", "h1"), ("h1", "x"), ("l", "x")]


@pytest.fixture(scope="module")
def model():
    return build(load_text(DAG, "dag.yaml"))


def results(wrong: dict) -> list:
    """Claim results for STEPS; `wrong` maps (of, wrt) → the claimed (wrong) text."""
    out = []
    for i, (of, wrt, truth) in enumerate(STEPS):
        bad = (of, wrt) in wrong
        out.append(ClaimResult(index=i, name=f"d{of}/d{wrt}", of=of, wrt=[wrt], verdict="wrong" if bad else "proved",
                               passed=not bad, claim_text=wrong.get((of, wrt), truth), truth_text=truth,
                               truth_nodes=truth))
    return out


@pytest.mark.parametrize("step, claimed, downstream", [
    (("l", "h2"), "h2", [("l", "h1"), ("l", "x")]),
    (("l", "h3"), "h3", [("l", "h1"), ("l", "x")]),
    (("h2", "h1"), "2*h1", [("l", "h1"), ("l", "x")]),
    (("h3", "h1"), "2", [("l", "h1"), ("l", "x")]),
    (("h1", "x"), "1", [("l", "x")]),
])
def test_each_of_the_five_partials_is_named_when_wrong(model, step, claimed, downstream):
    # the wrong partial and everything that builds on it are wrong; the rest hold
    wrong = {step: claimed, **{d: "0" for d in downstream}}
    fw = first_wrong_step(model, results(wrong))
    assert (fw["of"], fw["wrt"]) == step
    assert fw["claimed"] == claimed
    assert fw["message"].startswith(f"the error enters at ∂{step[0]}/∂{step[1]}: claimed {claimed}, true ")
    assert [(d["of"], d["wrt"]) for d in fw["downstream"]] == downstream
    assert fw["independent"] == []
    assert [(s["of"], s["wrt"]) for s in fw["steps"]] == BACKPROP_ORDER
    status = {(s["of"], s["wrt"]): s["status"] for s in fw["steps"]}
    assert status[step] == "first-wrong"
    for other in BACKPROP_ORDER:
        if other != step:
            assert status[other] == ("builds-on-error" if other in downstream else "holds")


def test_message_names_claimed_and_true(model):
    fw = first_wrong_step(model, results({("h2", "h1"): "2*h1", ("l", "x"): "0"}))
    assert fw["message"] == ("the error enters at ∂h2/∂h1: claimed 2*h1, true 4*h1; "
                             "wrong only because they build on it: ∂l/∂x")


def test_two_independent_errors(model):
    fw = first_wrong_step(model, results({("h1", "x"): "1", ("l", "h3"): "h3", ("l", "x"): "0"}))
    # ∂l/∂h3 comes first in backprop order; ∂h1/∂x is wrong on its own
    assert (fw["of"], fw["wrt"]) == ("l", "h3")
    assert [(d["of"], d["wrt"]) for d in fw["downstream"]] == [("l", "x")]
    assert [(d["of"], d["wrt"], d["status"]) for d in fw["independent"]] == [("h1", "x", "wrong")]
    assert fw["downstream"][0]["builds_on"] == [{"of": "l", "wrt": "h3"}, {"of": "h1", "wrt": "x"}]


def test_a_downstream_claim_that_holds_is_listed_as_holding(model):
    fw = first_wrong_step(model, results({("h2", "h1"): "2*h1"}))
    status = {(s["of"], s["wrt"]): s["status"] for s in fw["steps"]}
    assert status[("l", "x")] == "holds" and fw["downstream"] == []


def test_no_report_without_an_error_or_with_one_step(model):
    assert first_wrong_step(model, results({})) is None
    one = [c for c in results({("l", "x"): "0"}) if (c.of, c.wrt[0]) == ("l", "x")]
    assert first_wrong_step(model, one) is None


def test_solve_names_the_first_wrong_step(invoke):
    code, out, _ = invoke("solve", FIRST_WRONG)
    assert code == 0  # the wrong claims are marked expect: fails
    assert "  steps in backprop order:\n    ✓ holds         ∂l/∂h2 = 2x + y\n" in out
    assert "    ✗ error enters  ∂h2/∂h1 = 2h_1   (true: 4*h1)\n" in out
    assert "    ✗ builds on it  ∂l/∂h1 = h3*2*h1 + h2\n" in out
    assert "    ✓ holds         ∂h1/∂x = 2\n" in out
    assert ("  the error enters at ∂h2/∂h1: claimed 2*h1, true 4*h1; "
            "wrong only because they build on it: ∂l/∂h1, ∂l/∂x\n") in out


def test_solve_json_has_first_wrong_step(invoke):
    code, out, _ = invoke("solve", FIRST_WRONG, "--format", "json")
    assert code == 0
    problem = json.loads(out)["problems"][0]
    fw = problem["first_wrong_step"]
    assert (fw["of"], fw["wrt"], fw["index"], fw["true"]) == ("h2", "h1", 2, "4*h1")
    assert [d["index"] for d in fw["downstream"]] == [5, 6]
    assert {s["index"]: s["status"] for s in fw["steps"]} == {0: "holds", 1: "holds", 2: "first-wrong", 3: "holds",
                                                              4: "holds", 5: "builds-on-error", 6: "builds-on-error"}
    assert problem["claims"][2]["verdict"] == "expected-fail"  # the SPEC keys keep their meaning


def test_a_real_mistake_is_exit_1_and_named(invoke, write_problem):
    path = write_problem("""
        inputs: [x, y]
        nodes: {h1: 2*x, h2: 2*h1**2, h3: h1 + y, l: h2 * h3}
        claims:
          - {of: l, wrt: h2, is: h3}
          - {of: l, wrt: h3, is: h2}
          - {of: h2, wrt: h1, is: 4*h1}
          - {of: h3, wrt: h1, is: 1}
          - {of: h1, wrt: x, is: 1}
          - {of: l, wrt: x, is: (h3*4*h1 + h2)*1}
    """)
    code, out, _ = invoke("solve", path)
    assert code == 1
    assert "the error enters at ∂h1/∂x: claimed 1, true 2; wrong only because they build on it: ∂l/∂x" in out


def test_no_section_when_everything_holds(invoke):
    code, out, _ = invoke("solve", SEED_1B)
    assert code == 0 and "steps in backprop order" not in out and "error enters" not in out


def test_check_passes_on_the_shipped_problem(invoke):
    code, out, _ = invoke("check", FIRST_WRONG)
    assert code == 0, out


def test_a_wrong_alternative_of_a_right_claim_is_not_a_step(model):
    claims = results({})
    claims.append(ClaimResult(index=7, name="a mistake", of="l", wrt=["x"], verdict="expected-fail", passed=True,
                              claim_text="16*x*h3", truth_text="48*x**2 + 16*x*y", truth_nodes="8*h1*h3 + 2*h2"))
    assert first_wrong_step(model, claims) is None


def test_the_new_starter_prints_no_error_enters(invoke, tmp_path):
    path = tmp_path / "starter.yaml"
    assert invoke("new", str(path))[0] == 0
    code, out, _ = invoke("solve", str(path))
    assert code == 0 and "✓ expected-fail" in out
    assert "error enters" not in out and "steps in backprop order" not in out


def test_claims_about_unrelated_parts_of_the_dag_are_not_one_derivation(invoke, write_problem):
    path = write_problem("""
        network: {sizes: [3, 4, 2], activation: tanh, loss: sse}
        claims:
          - {wrt: W2, is: (y - t) @ z1.T}
          - {wrt: W1, is: W2.T @ (y - t) @ x.T, expect: fails}
    """)
    code, out, _ = invoke("solve", path)
    assert code == 0 and "✓ expected-fail" in out
    assert "steps in backprop order" not in out


def test_a_printed_truth_is_bounded_and_never_empty(model):
    long_truth = " + ".join(f"h1**{k}" for k in range(200))
    claims = results({("h2", "h1"): "2*h1"})
    claims[2] = ClaimResult(index=2, name="dh2/dh1", of="h2", wrt=["h1"], verdict="wrong", passed=False,
                            claim_text="2*h1", truth_text=long_truth, truth_nodes=long_truth)
    fw = first_wrong_step(model, claims)
    assert len(fw["true"]) < 260 and fw["true"].endswith(f"… ({len(long_truth)} characters; --expand for all)")
    claims[2] = ClaimResult(index=2, name="dh2/dh1", of="h2", wrt=["h1"], verdict="wrong", passed=False,
                            claim_text="[h1, h1]", diagnosis="wrong shape: the claim is vector[2], the derivative is scalar")
    assert first_wrong_step(model, claims)["true"] == "wrong shape: the claim is vector[2], the derivative is scalar"
