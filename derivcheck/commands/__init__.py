"""One module per subcommand; each imports only click at start-up."""

from __future__ import annotations

from derivcheck.commands import audit, check, grad, graph, hessian, new, schema, solve, steps

COMMANDS = [solve.solve, check.check, steps.steps, hessian.hessian, schema.schema, new.new, grad.grad, graph.graph, audit.audit]
