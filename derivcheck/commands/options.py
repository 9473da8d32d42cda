"""Options and helpers shared by the commands (imports only click)."""

from __future__ import annotations

import click

FORMATS = ("text", "json")


def _finite(ctx, param, value):
    """FloatRange lets NaN through (it compares false with both bounds)."""
    if value is not None and value != value:
        raise click.BadParameter("must be a number of seconds, not NaN")
    return value


def common(fn):
    fn = click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=None, callback=_finite,
                      help="Seconds per claim (default: the file's check.timeout, else 20).")(fn)
    fn = click.option("--samples", type=click.IntRange(1, 1000), default=None, help="Valid sample points per claim.")(fn)
    fn = click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None, help="Seed for the sample points.")(fn)
    return fn


def deadline(timeout) -> float:
    """Seconds a whole problem may take: a few claims' worth of the per-claim timeout."""
    return 4 * (timeout or 20.0) + 10
