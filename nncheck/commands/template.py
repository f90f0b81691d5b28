"""`nncheck template`: an answer file to fill in for a problem."""

from __future__ import annotations

import os
import sys

import click

from nncheck.app.output_file import write_file
from nncheck.app.solved import for_student
from nncheck.app.template import answer_template, redirected_path, relative_problem_path
from nncheck.check.problems import load_problem
from nncheck.commands.messages import printable
from nncheck.commands.options import student_option
from nncheck.errors import NncheckError


@click.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the template to this file.")
@student_option
def template(problem, output, student):
    """Print an answer file to fill in for PROBLEM."""
    saved_at = output or redirected_path(sys.stdout)
    text = answer_template(for_student(load_problem(problem), student), relative_problem_path(problem, saved_at),
                           student)
    if output is None:
        sys.stdout.write(text)
        return
    if os.path.exists(output):
        raise NncheckError(f"{output} exists already; choose another file name or delete it first")
    write_file(output, text)
    click.echo(f"wrote {printable(output)}")
