"""Options several commands share: --secret, --student and --large, and what they give a command."""

from __future__ import annotations

import click

from nncheck.limits import allow_large_problems
from nncheck.read.secret import read_secrets, secret_paths


def secret_option(command):
    return click.option("--secret", "secret_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
                        help="A grader-only file of hidden checks (docs/hidden-checks.md); default: the files "
                             "NNCHECK_SECRET names.")(command)


def student_option(command):
    return click.option("--student", metavar="ID",
                        help="Show this student's own numbers, for a problem that varies per student "
                             "(docs/problem-format.md); default: the problem's own numbers.")(command)


def large_option(command):
    """`--large`: lift the size limits for an author's own large network (nncheck/limits.py)."""
    def lift(ctx, param, value):
        if value:
            allow_large_problems()

    return click.option("--large", is_flag=True, expose_value=False, is_eager=True, callback=lift,
                        help="Lift the size limits for a large network of your own (never for students' files: "
                             "memory is then the machine's).")(command)


def secrets(given) -> list:
    """The grader-only files given with --secret (or named by NNCHECK_SECRET), read."""
    paths = secret_paths(given)
    return read_secrets(paths) if paths else []
