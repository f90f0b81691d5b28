"""`nncheck verify`: answer files checked item by item, for people, programs and autograders."""

from __future__ import annotations

import os
import sys

import click

from nncheck.app.verify_many import verify_paths
from nncheck.commands.messages import report_error
from nncheck.commands.options import secret_option, secrets
from nncheck.formats.github import guard_workflow_log

VERIFY_FORMATS = ("table", "json", "gradescope", "classroom", "junit", "github", "prairielearn")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--problem", "problem_override", type=click.Path(dir_okay=False), multiple=True,
              help="Check every answer file against this problem instead of its problem: line; repeated, the "
                   "problems that answer files' problem: lines choose from (by file name).")
@click.option("--problems", "problem_dirs", type=click.Path(file_okay=False), multiple=True, metavar="DIR",
              help="The problem files in DIR are the ones to choose from: an answer file's problem: names one of "
                   "them by file name; naming anything else is that file's error.")
@click.option("--format", "output_format", type=click.Choice(VERIFY_FORMATS), default="table", show_default=True,
              help="table for people; json: one object per answer file, one per line; gradescope, "
                   "classroom, junit, github, prairielearn: the whole submission for an autograder or CI (see docs/ci.md).")
@click.option("--precision", type=click.IntRange(1, 17), default=6, show_default=True,
              help="Significant digits shown in the table.")
@click.option("--show-hidden", is_flag=True,
              help="Also show checks that are not visible to students, and count them in the exit code (for graders).")
@secret_option
@click.option("--student", "submitter", metavar="ID", multiple=True,
              help="Whose submission this is (a grader pins it, e.g. from the autograder's metadata): answers are "
                   "checked against this student's variant, and a different student: in the file is refused. "
                   "Repeat it for a group's members: the file's student: must be one of them.")
@click.option("--answer-file", "answer_name", metavar="NAME", default="answers.yaml", show_default=True,
              help="Autograder and CI formats grade one answer file per problem: where a submission holds several "
                   "for the same problem, the one with this name (none of them if no file has it).")
@click.option("--item", "chosen", multiple=True, metavar="ID",
              help="Check only this item (repeat for several): the score and exit code cover those items.")
def verify(paths, problem_override, output_format, precision, show_hidden, secret_files, submitter, answer_name,
           chosen=(), problem_dirs=()):
    """Check answer files (or directories of them) item by item."""
    guard_workflow_log(output_format, os.environ)
    sys.exit(verify_paths(paths, problem_override, output_format, precision, report_error, show_hidden,
                          secrets(secret_files), submitter, tuple(dict.fromkeys(chosen)), answer_name, problem_dirs))
