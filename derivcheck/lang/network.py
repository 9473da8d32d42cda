"""`network:` (SPEC §1.6) → the inputs and nodes of the seed's notation.

The network is written out as ordinary inputs and node expressions, so every
later stage (engine, sympy, steps) treats it like any hand-written DAG.
"""

from __future__ import annotations

import dataclasses

from derivcheck.lang.errors import LocatedError
from derivcheck.lang.problem import InputSpec, Problem, Text

OUTPUT_FUNCTION = {"identity": "{}", "sigmoid": "sigmoid({})", "tanh": "tanh({})", "softmax": "softmax({})"}
ELEMENTWISE = ("tanh", "sigmoid", "relu", "softplus", "exp", "sin", "cos", "identity")


def expand(problem: Problem) -> Problem:
    net = problem.network
    if net is None:
        return problem
    if net.activation not in ELEMENTWISE and net.activation not in problem.functions:
        raise LocatedError(
            f"network activation {net.activation!r} is neither an elementwise function ({', '.join(ELEMENTWISE)}) "
            "nor a declared function", net.line, net.col)
    here = dict(line=net.line, col=net.col)
    sizes, layers = net.sizes, len(net.sizes) - 1
    inputs = [InputSpec("x", (sizes[0],), "real", None, **here)]
    nodes = [("z0", "x")]
    for l in range(1, layers + 1):
        inputs.append(InputSpec(f"W{l}", (sizes[l], sizes[l - 1]), "real", None, **here))
        if net.bias:
            inputs.append(InputSpec(f"b{l}", (sizes[l],), "real", None, **here))
        bias = f" + b{l}" if net.bias else ""
        nodes.append((f"a{l}", f"W{l} @ z{l - 1}{bias}"))
        if l < layers:
            act = "{}" if net.activation == "identity" else net.activation + "({})"
        else:
            act = OUTPUT_FUNCTION[net.output_activation]
        nodes.append((f"z{l}", act.format(f"a{l}")))
    target = "onehot" if net.loss == "cross_entropy" else "real"
    inputs.append(InputSpec("t", (sizes[-1],), target, None, **here))
    nodes.append(("y", f"z{layers}"))
    nodes.append(("L", "sum((y - t)**2)/2" if net.loss == "sse" else "-sum(t * log(y))"))
    taken = {s.name for s in problem.inputs} | {n for n, _ in problem.nodes} | set(problem.functions)
    generated = [s.name for s in inputs] + [n for n, _ in nodes]
    clash = next((n for n in generated if n in taken), None)
    if clash:
        raise LocatedError(f"{clash!r} is defined by the network and cannot be defined again", net.line, net.col)
    texts = tuple((name, Text(text, net.line, net.col, True)) for name, text in nodes)
    output = problem.output or (Text("L", net.line, net.col) if not problem.nodes else None)
    return dataclasses.replace(problem, inputs=tuple(inputs) + problem.inputs, nodes=texts + problem.nodes, output=output)
