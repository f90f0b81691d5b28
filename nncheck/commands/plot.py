"""`nncheck plot`: activation functions and their derivatives, drawn as nncheck computes them."""

from __future__ import annotations

import click

from nncheck.app.plots import write_plot
from nncheck.commands.messages import printable


@click.command()
@click.argument("function_names", metavar="FUNCTIONS...", nargs=-1, required=True)
@click.option("--derivative", is_flag=True, help="Also draw each function's derivative (dashed).")
@click.option("--range", "z_range", nargs=2, type=float, default=(-5.0, 5.0), show_default=True, metavar="A B",
              help="The interval of z shown.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The picture: FILE.png or FILE.svg.")
def plot(function_names, derivative, z_range, output):
    """Plot activation functions (and their derivatives) as nncheck computes them; needs nncheck[plot]."""
    write_plot(list(function_names), derivative, z_range[0], z_range[1], output)
    click.echo(f"wrote {printable(output)}")
