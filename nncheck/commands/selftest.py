"""`nncheck selftest`: for authors, a problem marks right and wrong answers as it should."""

from __future__ import annotations

import sys

import click

from nncheck.app.selftest import selftest_paths
from nncheck.commands.options import secret_option, secrets
from nncheck.errors import NncheckErrors


@click.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="table for authors, json for programs.")
@secret_option
def selftest(problems, output_format, secret_files=()):
    """For authors: PROBLEMS mark their reference answers right, and mistakes, perturbed and
    trivial answers wrong, as they should (docs/selftest.md). Exit 1 if any check fails."""
    code, errors = selftest_paths(problems, output_format, sys.stdout, secrets(secret_files))
    if errors:
        raise errors[0] if len(errors) == 1 else NncheckErrors(errors)
    sys.exit(code)
