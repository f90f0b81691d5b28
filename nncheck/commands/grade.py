"""`nncheck grade` and `nncheck merge`: a whole class into one gradebook and summary, in one run or in shards."""

from __future__ import annotations

import sys
import time

import click

from nncheck.app.class_outputs import write_class_outputs
from nncheck.app.grading import default_jobs, grade_paths, parse_shard
from nncheck.check.gradebook import merge as merge_gradebooks
from nncheck.check.gradebook import read_gradebook
from nncheck.commands.messages import printable
from nncheck.commands.options import secret_option, secrets
from nncheck.errors import ExitCode, NncheckError

CSV_STYLES = ("plain", "canvas", "moodle")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--problem", "problem_override", type=click.Path(dir_okay=False), multiple=True,
              help="Grade every answer file against this problem instead of its problem: line; repeated, the "
                   "problems that answer files' problem: lines choose from (by file name).")
@click.option("--problems", "problem_dirs", type=click.Path(file_okay=False), multiple=True, metavar="DIR",
              help="The problem files in DIR are the ones to grade against: an answer file's problem: names one "
                   "of them by file name. Without --problem or --problems, a problem file among the graded answers "
                   "is never used.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="Processes to grade with (default: the machine's cores).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write the gradebook as CSV to this file.")
@click.option("--csv-style", type=click.Choice(CSV_STYLES), default="plain", show_default=True,
              help="plain: a row per answer file; canvas, moodle: a gradebook import for that LMS (docs/grading.md).")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="table: the class summary; json: every student's result and the summary (merge reads it).")
@click.option("--shard", metavar="K/N", help="Grade only the K-th of N equal parts of the files (join with merge).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False),
              help="Also write the class report as one self-contained HTML page to this file.")
@click.option("--show-hidden", is_flag=True, help="Keep the messages and diagnoses of hidden items in the output.")
@secret_option
def grade(paths, problem_override, jobs, csv_path, output_format, shard, show_hidden, secret_files, html_path=None,
          csv_style="plain", problem_dirs=()):
    """Grade a class: every answer file under PATHS, in parallel, into a gradebook and summary."""
    started = time.perf_counter()
    gradebook = grade_paths(paths, problem_override, jobs or default_jobs(), parse_shard(shard), show_hidden,
                            secrets(secret_files), problem_dirs)
    if not gradebook.files:
        raise NncheckError("no answer files found in " + ", ".join(paths))
    graded_against = [info.path for info in gradebook.problems]
    print(printable("graded against: " + (", ".join(graded_against) or "no problem")), file=sys.stderr)
    _write_gradebook(gradebook, output_format, csv_path, time.perf_counter() - started, html_path, csv_style)


@click.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write the gradebook as CSV to this file.")
@click.option("--csv-style", type=click.Choice(CSV_STYLES), default="plain", show_default=True,
              help="plain: a row per answer file; canvas, moodle: a gradebook import for that LMS (docs/grading.md).")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="table: the class summary; json: every student's result and the summary.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False),
              help="Also write the class report as one self-contained HTML page to this file.")
def merge(shards, csv_path, output_format, html_path=None, csv_style="plain"):
    """Join the JSON outputs of grade --shard 1/N ... N/N into one gradebook and summary."""
    books = [read_gradebook(path) for path in shards]
    _write_gradebook(merge_gradebooks(books, list(shards)), output_format, csv_path, None, html_path, csv_style)


def _write_gradebook(gradebook, output_format: str, csv_path: str | None, seconds: float | None,
                     html_path: str | None = None, csv_style: str = "plain") -> None:
    """Every output, the records streamed (app/class_outputs.py); the files not graded, and those
    a Canvas or Moodle import cannot place (no student:), are named on stderr."""
    def unplaced(path: str) -> None:
        click.echo(f"warning: {printable(path)} is not in the {csv_style} CSV (no student: or no problem)", err=True)

    write_class_outputs(gradebook, output_format, sys.stdout, csv_path, html_path, csv_style, seconds,
                        report_broken=lambda record: click.echo(printable(f"{record.error}"), err=True),
                        report_unplaced=unplaced)
    sys.exit(ExitCode.INPUT_ERROR if gradebook.tally().broken else ExitCode.OK)
