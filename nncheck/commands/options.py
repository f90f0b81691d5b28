"""Options several commands share: --secret, --student and --large, and what they give a command."""

from __future__ import annotations

import click

from nncheck.limits import HOMEWORK, LARGE
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
    """`--large`: the command gets `limits`, LARGE for an author's own large network, else HOMEWORK
    (nncheck/limits.py); it reads its problem under them."""
    def chosen(ctx, param, value):
        return LARGE if value else HOMEWORK

    return click.option("--large", "limits", is_flag=True, callback=chosen,
                        help="Lift the size limits for a large network of your own (never for students' files: "
                             "memory is then the machine's).")(command)


def secrets(given) -> list:
    """The grader-only files given with --secret (or named by NNCHECK_SECRET), read."""
    paths = secret_paths(given)
    return read_secrets(paths) if paths else []
