"""`nncheck functions`: the formula language, each function with its gradient."""

from __future__ import annotations

import click

from nncheck.read.primitives import formula_sheet


@click.command()
def functions():
    """List the functions of the formula language, each with its gradient."""
    click.echo("Each function, then its gradient as nncheck computes it: g is the gradient arriving "
               "from above (the same shape as the value), ans the function's value.\n")
    for line in formula_sheet():
        click.echo(line)
