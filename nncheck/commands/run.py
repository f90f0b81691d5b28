"""`nncheck run`: every value and gradient of a problem, in the format asked for."""

from __future__ import annotations

import sys

import click

from nncheck.app.solved import for_student, solve
from nncheck.check.problems import load_problem
from nncheck.commands.options import large_option, secret_option, secrets, student_option
from nncheck.errors import NncheckError
from nncheck.formats import load_format
from nncheck.limits import HOMEWORK

FORMATS = ("table", "json", "markdown", "latex")


@click.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for the terminal, json for programs, markdown or latex for write-ups.")
@click.option("--precision", type=click.IntRange(1, 17), default=6, show_default=True,
              help="Significant digits shown (json always has full precision).")
@click.option("--full", is_flag=True, help="Show every entry of large tensors instead of the corners.")
@click.option("--of", "of_node", metavar="NODE", help="Take gradients of this scalar node instead of the loss.")
@click.option("--show-hidden", is_flag=True,
              help="Also show the answers to asked items that are not visible to students (for graders).")
@click.option("--standalone", is_flag=True, help="latex: a whole document that pdflatex compiles, not a fragment.")
@click.option("--only", metavar="NAMES", help="Show only these values and nodes, or asked items (comma-separated), "
                                            "e.g. the gradients a question asks for on a large network.")
@student_option
@secret_option
@large_option
def run(problem, output_format, precision, full, of_node, show_hidden, secret_files, only=None, student=None,
        standalone=False, limits=HOMEWORK):
    """Run PROBLEM's forward and backward pass and show every value and gradient."""
    if standalone and output_format != "latex":
        raise NncheckError("--standalone makes a whole LaTeX document: use it with --format latex")
    loaded = for_student(load_problem(problem, secrets(secret_files), limits), student)
    shown = solve(loaded, of_node, show_hidden, only)
    solution, references, hidden, asked, selected = (shown.solution, shown.references, shown.hidden, shown.asked,
                                                     shown.selected)
    writer = load_format(output_format)  # only the format asked for is imported
    if output_format == "json":
        writer.write_json(writer.solution_json(solution, references, hidden, selected, asked), sys.stdout)
        sys.stdout.write("\n")
    elif output_format == "markdown":
        sys.stdout.write(writer.solution_markdown(solution, precision, full, references, hidden, selected, asked)
                         + "\n")
    elif output_format == "latex":
        fragment = writer.solution_latex(solution, precision, full, references, hidden, selected, asked)
        sys.stdout.write(writer.latex_document(fragment) if standalone else fragment)
    else:
        writer.render_solution(solution, precision, full, references=references, hidden=hidden, only=selected,
                               asked=asked)
