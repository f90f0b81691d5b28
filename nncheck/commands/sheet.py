"""`nncheck sheet`: the question sheet of a problem, a student's own numbers and what is asked."""

from __future__ import annotations

import sys

import click

from nncheck.app.output_file import write_file
from nncheck.app.sheet import question_sheet
from nncheck.app.solved import for_student
from nncheck.check.problems import load_problem
from nncheck.commands.messages import printable
from nncheck.commands.options import student_option
from nncheck.errors import NncheckError
from nncheck.formats.latex import latex_document
from nncheck.formats.sheet import sheet_latex, sheet_markdown, sheet_text


@click.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(("table", "markdown", "latex")), default="table",
              show_default=True, help="table for the terminal, markdown or latex to hand out.")
@click.option("--standalone", is_flag=True, help="latex: a whole document that pdflatex compiles, not a fragment.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the sheet to this file.")
@student_option
def sheet(problem, output_format, standalone, output, student=None):
    """The question sheet of PROBLEM: the student's own numbers and what is asked, never an answer."""
    if standalone and output_format != "latex":
        raise NncheckError("--standalone makes a whole LaTeX document: use it with --format latex")
    made = question_sheet(for_student(load_problem(problem), student))
    if output_format == "latex":
        text = latex_document(sheet_latex(made)) if standalone else sheet_latex(made)
    else:
        text = (sheet_markdown if output_format == "markdown" else sheet_text)(made)
    if output:
        write_file(output, text)
        click.echo(f"wrote {printable(output)}")
    else:
        sys.stdout.write(text)
