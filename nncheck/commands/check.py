"""`nncheck check`: validate problem files, and warn about what a student holding one can work out."""

from __future__ import annotations

import sys

import click

from nncheck.check.checker import Checker, check_variation
from nncheck.check.exposure import exposures
from nncheck.check.kinds import reference_answers
from nncheck.check.problems import load_problem
from nncheck.commands.messages import printable, report_error
from nncheck.commands.options import large_option, secret_option, secrets
from nncheck.commands.screen import fitted
from nncheck.errors import ExitCode, NncheckError
from nncheck.limits import HOMEWORK
from nncheck.text import counted


@click.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True,
              help="Exit 1 when there are warnings (what a student holding the file can compute or read).")
@secret_option
@large_option
def check(problems, secret_files, strict=False, limits=HOMEWORK):
    """Validate PROBLEMS (shapes, asked items and mistake formulas included) without printing results;
    warn about what a student holding the file can compute or read of what is not visible."""
    failed, warned = False, False
    given_secrets = secrets(secret_files)
    for path in problems:
        try:
            problem = load_problem(path, given_secrets, limits)
            checker = Checker(problem)
            checker.base.gradients()
            reference_answers(checker)
            if problem.variation is not None:
                check_variation(problem)
            warnings = exposures(checker)
        except NncheckError as error:
            report_error(error)
            failed = True
            continue
        varies = f", {len(problem.variation.values)} varying per student" if problem.variation is not None else ""
        line = printable(f"{path}: ok ({counted(len(problem.leaves), 'value')}{varies}, "
                         f"{counted(len(problem.nodes), 'node')}, loss {problem.loss})")
        click.echo(fitted(line, sys.stdout))
        for warning in warnings:
            click.echo(fitted(f"{printable(str(warning.location))}: warning: {printable(warning.message)}", sys.stderr),
                       err=True)
        warned = warned or bool(warnings)
    sys.exit(ExitCode.INPUT_ERROR if failed else ExitCode.WRONG if strict and warned else ExitCode.OK)
