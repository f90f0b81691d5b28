"""`nncheck graph`: a problem's computation graph (or its layers as neurons) as a picture."""

from __future__ import annotations

import sys

import click

from nncheck.app.output_file import write_file
from nncheck.app.solved import for_student
from nncheck.check.hidden import hidden_entries
from nncheck.check.problems import load_problem
from nncheck.commands.messages import printable
from nncheck.commands.options import large_option, secret_option, secrets, student_option
from nncheck.engine.solution import Solution
from nncheck.formats.computation_graph import computation_graph, neuron_diagram
from nncheck.formats.dot import picture_dot
from nncheck.formats.mermaid import picture_mermaid
from nncheck.formats.svg import picture_svg
from nncheck.limits import HOMEWORK

PICTURE_WRITERS = {"mermaid": picture_mermaid, "dot": picture_dot, "svg": picture_svg}


@click.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(tuple(PICTURE_WRITERS)), default="mermaid",
              show_default=True, help="mermaid for GitHub/GitLab Markdown, dot for Graphviz, svg (needs Graphviz's dot).")
@click.option("--values", "with_values", is_flag=True, help="Also show each value and gradient, rounded.")
@click.option("--neurons", is_flag=True,
              help="For a layers network: a circle per unit and an edge per weight, instead of the graph.")
@click.option("--precision", type=click.IntRange(1, 17), default=3, show_default=True, help="Significant digits shown.")
@click.option("--of", "of_node", metavar="NODE", help="Take gradients of this scalar node instead of the loss.")
@click.option("--show-hidden", is_flag=True,
              help="Also show the answers to asked items that are not visible to students (for graders).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the picture to this file.")
@student_option
@secret_option
@large_option
def graph(problem, output_format, with_values, neurons, precision, of_node, show_hidden, output, secret_files,
          student=None, limits=HOMEWORK):
    """Draw PROBLEM's computation graph (or, with --neurons, its layers as neurons)."""
    loaded = for_student(load_problem(problem, secrets(secret_files), limits), student)
    solution = Solution(loaded, loss=of_node)
    hidden = _hidden_entries(loaded, solution.loss, show_hidden)
    picture = (neuron_diagram(solution, precision, hidden) if neurons
               else computation_graph(solution, with_values, precision, hidden))
    text = PICTURE_WRITERS[output_format](picture)
    if output:
        write_file(output, text)
        click.echo(f"wrote {printable(output)}")
    else:
        sys.stdout.write(text)


def _hidden_entries(problem, loss: str, show_hidden: bool) -> frozenset:
    """The entries a student may not see (none for a grader, or a problem that asks nothing)."""
    if show_hidden or not problem.asks:
        return frozenset()
    return hidden_entries(problem, loss, show_hidden)
