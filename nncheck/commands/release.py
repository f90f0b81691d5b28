"""`nncheck release`: the students' copy of problems, and the grader-only file of what it leaves out."""

from __future__ import annotations

import os
import sys

import click

from nncheck.app.release import GRADER_FOLDER, write_release
from nncheck.commands.messages import printable
from nncheck.commands.screen import fitted


@click.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Write the students' copies to DIR and the grader-only files to DIR/grader.")
def release(problems, out_dir):
    """The students' copy of PROBLEMS, without what only the grader may know, and the grader-only
    file of each (docs/hidden-checks.md)."""
    for made in write_release(list(problems), out_dir):
        taken = "; ".join(made.taken) or "nothing taken out"
        click.echo(fitted(printable(f"{os.path.join(out_dir, made.name)} and "
                                    f"{os.path.join(out_dir, GRADER_FOLDER, made.name)}: {taken}"), sys.stdout))
