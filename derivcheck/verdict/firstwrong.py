"""The first wrong step of a claimed derivation, and what builds on it.

A problem that claims several steps of one derivation (local partials such as
∂h2/∂h1, adjoints of intermediate nodes such as ∂l/∂h1, the final ∂l/∂x) is read
as a worked solution: the steps are put in backprop order, and the first wrong one
is where the error entered. A later claim is *downstream* of a step when the step is
part of its path sum: step (g, u) is part of (f, v) when a path v → … → u → … → g → … → f
exists. Downstream claims that are wrong are wrong because they build on it.

A pure function over the model (for the DAG only) and the claim results; it returns
plain data (JSON-ready) and imports neither sympy nor numpy.
"""

from __future__ import annotations

from derivcheck.results import d

WRONG = frozenset({"wrong", "expected-fail"})
HOLDS = frozenset({"proved", "verified"})


class _Dag:
    def __init__(self, graph):
        self.nodes = list(graph.node_names)
        self.inputs = list(graph.inputs)
        self.parents = {n: list(graph.node_parents.get(n, ())) for n in self.nodes}
        children: dict = {n: [] for n in self.inputs + self.nodes}
        for node, parents in self.parents.items():
            for p in parents:
                children.setdefault(p, []).append(node)
        self.children = children
        self.below: dict = {}  # name → every name reachable from it (itself included)
        for name in reversed(self.inputs + self.nodes):
            reach = {name}
            for child in children.get(name, ()):
                reach |= self.below.get(child, {child})
            self.below[name] = reach
        order = list(reversed(self.nodes)) + self.inputs
        self.rank = {name: i for i, name in enumerate(order)}  # 0 = the last node: backprop starts there

    def knows(self, name: str) -> bool:
        return name in self.below

    def uses(self, a: tuple, b: tuple) -> bool:
        """Step a = (f, v) builds on step b = (g, u): a path v → … → u → … → g → … → f."""
        (f, v), (g, u) = a, b
        return a != b and g != u and u in self.below[v] and g in self.below[u] and f in self.below[g]

    def is_edge(self, g: str, u: str) -> bool:
        """∂g/∂u is a local partial: u is a parent of g and the edge is the only path."""
        if u not in self.parents.get(g, ()):
            return False
        return not any(c != g and g in self.below[c] for c in self.children.get(u, ()))

    def key(self, step: tuple) -> tuple:
        """Backprop order: an adjoint ∂f/∂u is complete when u is reached; a local partial
        ∂g/∂u is applied when g is processed, parents in the order the node names them."""
        g, u = step
        if self.is_edge(g, u):
            return (self.rank[g], 1, self.parents[g].index(u), 0)
        return (self.rank[u], 0, -self.rank.get(g, 0), 0)


def first_wrong_step(model, claims) -> dict | None:
    """The first wrong step and its consequences, or None.

    None unless some wrong claim (a `wrong` verdict, or an `expect: fails` claim found
    wrong) is a step of a derivation: a different derivative of the DAG builds on it, or it
    builds on one; and no other claim of the same derivative holds. Alternatives of one derivative are never steps of each other, and claims
    about unrelated parts of the DAG are separate derivations: only the chain holding the
    first wrong step is listed.
    """
    dag = _Dag(model.graph)
    node_names = set(model.graph.node_names)
    steps: dict = {}
    for c in claims:
        if len(c.wrt) != 1 or c.verdict in ("error", "approximate") or not dag.knows(c.of) or not dag.knows(c.wrt[0]):
            continue
        steps.setdefault((c.of, c.wrt[0]), []).append(c)
    chains = _chains(dag, list(steps))
    wrong = [s for s, cs in steps.items() if len(chains[s]) > 1 and any(c.verdict in WRONG for c in cs)
             and not any(c.verdict in HOLDS for c in cs)]  # a right alternative: the derivation holds there
    if not wrong:
        return None
    first_chain = chains[min(wrong, key=dag.key)]
    steps = {s: cs for s, cs in steps.items() if s in first_chain}
    wrong = [s for s in wrong if s in first_chain]
    order = sorted(steps, key=dag.key)
    roots = sorted((s for s in wrong if not any(dag.uses(s, w) for w in wrong)), key=dag.key)
    first = roots[0]
    culprit = next(c for c in steps[first] if c.verdict in WRONG)

    def entry(c, status: str, builds_on=()) -> dict:
        out = {"index": c.index, "name": c.name, "of": c.of, "wrt": c.wrt[0], "claimed": c.claim_text,
               "verdict": c.verdict, "status": status}
        if c.reading:
            out["read_as"] = c.reading
        if builds_on:
            out["builds_on"] = [{"of": g, "wrt": u} for g, u in builds_on]
        return out

    listing, downstream, independent = [], [], []
    for step in order:
        below = [r for r in roots if dag.uses(step, r)]
        for c in steps[step]:
            if c.verdict in WRONG:
                if step in roots:
                    status = "first-wrong" if step == first else "wrong"
                    item = entry(c, status)
                    if step != first:
                        independent.append(item)
                else:
                    item = entry(c, "builds-on-error", below)
                    if first in below:
                        downstream.append(item)
                    else:
                        independent.append(item)
            elif c.verdict in HOLDS:
                item = entry(c, "holds")
            else:
                item = entry(c, "undecided")
            listing.append(item)
    true_text = _true_text(culprit, node_names)
    message = f"the error enters at {d(*first)}: claimed {culprit.reading or culprit.claim_text}, true {true_text}"
    if downstream:
        message += "; wrong only because they build on it: " + ", ".join(
            dict.fromkeys(d(s["of"], s["wrt"]) for s in downstream))
    out = {"of": first[0], "wrt": first[1], "index": culprit.index, "name": culprit.name,
           "claimed": culprit.claim_text, "true": true_text, "message": message}
    if culprit.reading:
        out["read_as"] = culprit.reading
    out.update(downstream=downstream, independent=independent, steps=listing)
    return out


def _chains(dag, steps: list) -> dict:
    """step → the set of steps connected to it by building on one another (itself included)."""
    chain = {s: {s} for s in steps}
    for a in steps:
        for b in steps:
            if dag.uses(a, b) and chain[a] is not chain[b]:
                merged = chain[a] | chain[b]
                for s in merged:
                    chain[s] = merged
    return chain


def _true_text(c, node_names: set) -> str:
    """The true value, bounded, in the claim's own vocabulary (node names when the claim uses them)."""
    from derivcheck.safetext import bounded

    return bounded(_true_full(c, node_names) or c.diagnosis or "of another shape (see the claim's diagnosis)",
                   TRUE_WIDTH)


TRUE_WIDTH = 200


def _true_full(c, node_names: set) -> str:
    if not c.truth_nodes or c.truth_nodes == c.truth_text:
        return c.truth_text or c.truth_nodes
    text = c.reading or c.claim_text
    try:
        from derivcheck.lang import exprs

        used = {n.id for n in exprs.names_in(exprs.parse(text, claim=True, entries=True))}
    except Exception:  # noqa: BLE001 - an unparseable claim: show the substituted truth
        used = set()
    return c.truth_nodes if used & node_names else c.truth_text
