"""The `nncheck` command line. Commands stay thin; input errors are shown in one place."""

from __future__ import annotations

import os
import sys

import click

from nncheck import __version__
from nncheck.app.output_file import write_file
from nncheck.errors import ExitCode, NncheckError, NncheckErrors
from nncheck.text import counted, escaped

FORMATS = ("table", "json", "markdown", "latex")
CSV_STYLES = ("plain", "canvas", "moodle")
VERIFY_FORMATS = ("table", "json", "gradescope", "classroom", "junit", "github", "prairielearn")


def _printable(text: str) -> str:
    """Text from input on one terminal line (see text.py: escaped)."""
    return escaped(text)


def report_error(error: NncheckError) -> None:
    """Write one line per input error to stderr as `file:line:column: error: message`."""
    for single in error.errors if isinstance(error, NncheckErrors) else [error]:
        where = f"{single.location}: " if single.location else ""
        click.echo(f"{_printable(where)}error: {_printable(single.message)}", err=True)


class NncheckGroup(click.Group):
    """Turns our input errors into a message and exit code 2, and bugs into exit code 3."""

    def format_commands(self, ctx, formatter):
        """The commands are listed once, in the group's help text (with their arguments)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NncheckError as error:
            report_error(error)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            ctx.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:  # the reader left early (`nncheck ... | head`): stop quietly, as on SIGPIPE
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitCode.PIPE_CLOSED)
        except Exception as error:  # noqa: BLE001 - the one place bugs become a message
            if os.environ.get("NNCHECK_DEBUG"):
                import traceback

                traceback.print_exc()
                ctx.exit(ExitCode.INTERNAL)
            click.echo(
                f"internal error: {type(error).__name__}: {_printable(str(error))}\n"
                "This is a bug in nncheck; please report it with the file you used "
                "(set NNCHECK_DEBUG=1 to see the traceback).",
                err=True,
            )
            ctx.exit(ExitCode.INTERNAL)


@click.group(cls=NncheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="nncheck")
def cli():
    """Check neural-network homework.

    \b
    nncheck run PROBLEM         every value and gradient of a problem
    nncheck train PROBLEM       gradient descent, step by step
    nncheck template PROBLEM    an answer file to fill in
    nncheck verify ANSWERS...   what is right, what is wrong, and why
    nncheck grade DIRS...       a whole class: gradebook, summary, CSV, HTML
    nncheck merge SHARDS...     join the shards of a class graded in parts
    nncheck check PROBLEMS...   validate problem files
    nncheck selftest PROBLEMS.. for authors: a problem marks right and wrong answers as it should
    nncheck release PROBLEMS... the students' copy, and the grader-only file of what it leaves out
    nncheck sheet PROBLEM       the question sheet: a student's own numbers and what is asked
    nncheck graph PROBLEM       the computation graph as a picture
    nncheck plot FUNCTIONS...   activation functions and their derivatives
    nncheck functions           the formula language, with every derivative
    """


def secret_option(command):
    return click.option("--secret", "secret_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
                        help="A grader-only file of hidden checks (docs/hidden-checks.md); default: the files "
                             "NNCHECK_SECRET names.")(command)


def student_option(command):
    return click.option("--student", metavar="ID",
                        help="Show this student's own numbers, for a problem that varies per student "
                             "(docs/problem-format.md); default: the problem's own numbers.")(command)


def _for_student(problem, student: str | None):
    """The problem with `student`'s numbers (unchanged when no id is given or nothing varies)."""
    from nncheck.app.solved import for_student

    return for_student(problem, student)


def large_option(command):
    """`--large`: lift the size limits for an author's own large network (nncheck/limits.py)."""
    def lift(ctx, param, value):
        if value:
            from nncheck.limits import allow_large_problems

            allow_large_problems()

    return click.option("--large", is_flag=True, expose_value=False, is_eager=True, callback=lift,
                        help="Lift the size limits for a large network of your own (never for students' files: "
                             "memory is then the machine's).")(command)


def _secrets(given) -> list:
    from nncheck.read.secret import read_secrets, secret_paths

    paths = secret_paths(given)
    return read_secrets(paths) if paths else []


@cli.command()
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
        standalone=False):
    """Run PROBLEM's forward and backward pass and show every value and gradient."""
    from nncheck.app.solved import solve
    from nncheck.check.problems import load_problem

    if standalone and output_format != "latex":
        raise NncheckError("--standalone makes a whole LaTeX document: use it with --format latex")
    loaded = _for_student(load_problem(problem, _secrets(secret_files)), student)
    shown = solve(loaded, of_node, show_hidden, only)
    solution, references, hidden, asked, selected = (shown.solution, shown.references, shown.hidden, shown.asked,
                                                     shown.selected)
    if output_format == "json":
        from nncheck.formats.json import solution_json, write_json

        write_json(solution_json(solution, references, hidden, selected, asked), sys.stdout)
        sys.stdout.write("\n")
    elif output_format == "markdown":
        from nncheck.formats.markdown import solution_markdown

        sys.stdout.write(solution_markdown(solution, precision, full, references, hidden, selected, asked) + "\n")
    elif output_format == "latex":
        from nncheck.formats.latex import latex_document, solution_latex

        fragment = solution_latex(solution, precision, full, references, hidden, selected, asked)
        sys.stdout.write(latex_document(fragment) if standalone else fragment)
    else:
        from nncheck.formats.table import render_solution

        render_solution(solution, precision, full, references=references, hidden=hidden, only=selected, asked=asked)


def _hidden_entries(problem, loss: str, show_hidden: bool) -> frozenset:
    if show_hidden or not problem.asks:
        return frozenset()
    from nncheck.check.hidden import hidden_entries

    return hidden_entries(problem, loss, show_hidden)


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--steps", type=click.IntRange(0, 10_000), help="Steps to take (default: the problem's train.steps, or 1).")
@click.option("--lr", type=float, metavar="ETA", help="Step size (default: the problem's train.lr).")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="table for the terminal, json for programs.")
@click.option("--precision", type=click.IntRange(1, 17), default=6, show_default=True,
              help="Significant digits shown (json always has full precision).")
@click.option("--parameters", "-p", "parameter_names", metavar="NAMES",
              help="The values to train, separated by commas (default: the problem's parameters:).")
@click.option("--every", type=click.IntRange(1, 10_000), metavar="K",
              help="Show every K-th step (the start and the last step always).")
@click.option("--last", is_flag=True, help="Show only the start and the last step.")
@student_option
@large_option
def train(problem, steps, lr, output_format, precision, parameter_names, every, last, student=None):
    """Run gradient descent on PROBLEM's parameters and show the loss and parameters at every step."""
    from nncheck.check.problems import load_problem
    from nncheck.engine.training import train as descend_problem

    loaded = _for_student(load_problem(problem), student)
    if parameter_names is not None:
        loaded.parameters = _trained_values(loaded, parameter_names)
    training = descend_problem(loaded, steps, lr)
    shown = _shown_steps(len(training.trajectory), every, last)
    if output_format == "json":
        from nncheck.formats.json import dumps
        from nncheck.formats.training import training_json

        sys.stdout.write(dumps(training_json(training, shown)) + "\n")
    else:
        from nncheck.formats.training import render_training

        render_training(training, precision, shown=shown)


def _trained_values(problem, names: str) -> list[str]:
    """`--parameters W1,b1`: values of the problem, each once."""
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    if not chosen:
        raise NncheckError("--parameters: name the values to train, separated by commas, such as W1,b1")
    for name in chosen:
        if name not in problem.leaves:
            from nncheck.errors import closest

            close = closest(name, problem.leaves)
            hint = f"; did you mean {close!r}?" if close else f"; the values are {', '.join(problem.leaves)}"
            raise NncheckError(f"--parameters: {name!r} is not a value of {problem.path}{hint}")
    return list(dict.fromkeys(chosen))


def _shown_steps(count: int, every: int | None, last: bool) -> list[int]:
    """The steps `train` shows: all, every K-th, or the start and the last (always those two)."""
    if last:
        return sorted({0, count - 1})
    if every:
        return sorted(set(range(0, count, every)) | {count - 1})
    return list(range(count))


@cli.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True,
              help="Exit 1 when there are warnings (what a student holding the file can compute or read).")
@secret_option
@large_option
def check(problems, secret_files, strict=False):
    """Validate PROBLEMS (shapes, asked items and mistake formulas included) without printing results;
    warn about what a student holding the file can compute or read of what is not visible."""
    from nncheck.check.exposure import exposures
    from nncheck.check.kinds import reference_answers
    from nncheck.check.problems import load_problem
    from nncheck.check.checker import Checker

    failed, warned = False, False
    secrets = _secrets(secret_files)
    for path in problems:
        try:
            problem = load_problem(path, secrets)
            checker = Checker(problem)
            checker.base.gradients()
            reference_answers(checker)
            if problem.variation is not None:
                from nncheck.check.checker import check_variation

                check_variation(problem)
            warnings = exposures(checker)
        except NncheckError as error:
            report_error(error)
            failed = True
            continue
        varies = f", {len(problem.variation.values)} varying per student" if problem.variation is not None else ""
        line = _printable(f"{path}: ok ({counted(len(problem.leaves), 'value')}{varies}, "
                          f"{counted(len(problem.nodes), 'node')}, loss {problem.loss})")
        click.echo(_fitted(line, sys.stdout))
        for warning in warnings:
            click.echo(_fitted(f"{_printable(str(warning.location))}: warning: {_printable(warning.message)}", sys.stderr),
                       err=True)
        warned = warned or bool(warnings)
    sys.exit(ExitCode.INPUT_ERROR if failed else ExitCode.WRONG if strict and warned else ExitCode.OK)


@cli.command()
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
    from nncheck.app.verify_many import verify_paths
    from nncheck.formats.github import guard_workflow_log

    guard_workflow_log(output_format, os.environ)

    sys.exit(verify_paths(paths, problem_override, output_format, precision, report_error, show_hidden,
                          _secrets(secret_files), submitter, tuple(dict.fromkeys(chosen)), answer_name, problem_dirs))


@cli.command()
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
    import time

    from nncheck.app.grading import default_jobs, grade_paths, parse_shard

    started = time.perf_counter()
    gradebook = grade_paths(paths, problem_override, jobs or default_jobs(), parse_shard(shard), show_hidden,
                            _secrets(secret_files), problem_dirs)
    if not gradebook.files:
        raise NncheckError("no answer files found in " + ", ".join(paths))
    graded_against = [info.path for info in gradebook.problems]
    print(_printable("graded against: " + (", ".join(graded_against) or "no problem")), file=sys.stderr)
    _write_gradebook(gradebook, output_format, csv_path, time.perf_counter() - started, html_path, csv_style)


@cli.command()
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
    from nncheck.check.gradebook import merge as merge_gradebooks
    from nncheck.check.gradebook import read_gradebook

    books = [read_gradebook(path) for path in shards]
    _write_gradebook(merge_gradebooks(books, list(shards)), output_format, csv_path, None, html_path, csv_style)


def _write_gradebook(gradebook, output_format: str, csv_path: str | None, seconds: float | None,
                     html_path: str | None = None, csv_style: str = "plain") -> None:
    for record in gradebook.broken:
        click.echo(_printable(f"{record.error}"), err=True)
    if csv_path and csv_style != "plain":
        _write_lms_csv(gradebook, csv_path, csv_style)
    elif csv_path:
        from nncheck.formats.csv import gradebook_csv

        write_file(csv_path, gradebook_csv(gradebook))
    if html_path:
        from nncheck.formats.html import gradebook_html

        write_file(html_path, gradebook_html(gradebook))
    if output_format == "json":
        from nncheck.formats.json import dumps, gradebook_json

        sys.stdout.write(dumps(gradebook_json(gradebook)) + "\n")
    else:
        from nncheck.formats.table import gradebook_table, terminal_width, use_colour

        sys.stdout.write(gradebook_table(gradebook, seconds, use_colour(sys.stdout), terminal_width(sys.stdout)))
    sys.exit(ExitCode.INPUT_ERROR if gradebook.broken else ExitCode.OK)


def _write_lms_csv(gradebook, csv_path: str, csv_style: str) -> None:
    """A Canvas or Moodle gradebook import; files it cannot place (no student:) are named on stderr."""
    from nncheck.formats.canvas import gradebook_canvas_csv
    from nncheck.formats.lms import unplaced
    from nncheck.formats.moodle import gradebook_moodle_csv

    write_file(csv_path, (gradebook_canvas_csv if csv_style == "canvas" else gradebook_moodle_csv)(gradebook))
    for path in unplaced(gradebook):
        click.echo(f"warning: {_printable(path)} is not in the {csv_style} CSV (no student: or no problem)", err=True)



@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the template to this file.")
@student_option
def template(problem, output, student):
    """Print an answer file to fill in for PROBLEM."""
    from nncheck.check.problems import load_problem
    from nncheck.app.template import answer_template, redirected_path, relative_problem_path

    saved_at = output or redirected_path(sys.stdout)
    text = answer_template(_for_student(load_problem(problem), student), relative_problem_path(problem, saved_at),
                           student)
    if output is None:
        sys.stdout.write(text)
        return
    if os.path.exists(output):
        raise NncheckError(f"{output} exists already; choose another file name or delete it first")
    write_file(output, text)
    click.echo(f"wrote {_printable(output)}")


def _fitted(line: str, stream) -> str:
    """A line of report wrapped between words to the width of the screen, continued indented."""
    from nncheck.formats.table import terminal_width, words_wrapped

    width = terminal_width(stream)
    if len(line) <= width:
        return line
    first, *rest = words_wrapped(line, width)
    return "\n".join([first] + ["  " + part for part in words_wrapped(" ".join(rest), width - 2)])


@cli.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="table for authors, json for programs.")
@secret_option
def selftest(problems, output_format, secret_files=()):
    """For authors: PROBLEMS mark their reference answers right, and mistakes, perturbed and
    trivial answers wrong, as they should (docs/selftest.md). Exit 1 if any check fails."""
    from nncheck.app.selftest import selftest_paths

    code, errors = selftest_paths(problems, output_format, sys.stdout, _secrets(secret_files))
    if errors:
        raise errors[0] if len(errors) == 1 else NncheckErrors(errors)
    sys.exit(code)


@cli.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Write the students' copies to DIR and the grader-only files to DIR/grader.")
def release(problems, out_dir):
    """The students' copy of PROBLEMS, without what only the grader may know, and the grader-only
    file of each (docs/hidden-checks.md)."""
    from nncheck.app.release import GRADER_FOLDER, write_release

    for made in write_release(list(problems), out_dir):
        taken = "; ".join(made.taken) or "nothing taken out"
        click.echo(_fitted(_printable(f"{os.path.join(out_dir, made.name)} and "
                                      f"{os.path.join(out_dir, GRADER_FOLDER, made.name)}: {taken}"), sys.stdout))


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(("table", "markdown", "latex")), default="table",
              show_default=True, help="table for the terminal, markdown or latex to hand out.")
@click.option("--standalone", is_flag=True, help="latex: a whole document that pdflatex compiles, not a fragment.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the sheet to this file.")
@student_option
def sheet(problem, output_format, standalone, output, student=None):
    """The question sheet of PROBLEM: the student's own numbers and what is asked, never an answer."""
    from nncheck.app.sheet import question_sheet
    from nncheck.formats.sheet import sheet_latex, sheet_markdown, sheet_text
    from nncheck.check.problems import load_problem

    if standalone and output_format != "latex":
        raise NncheckError("--standalone makes a whole LaTeX document: use it with --format latex")
    made = question_sheet(_for_student(load_problem(problem), student))
    if output_format == "latex":
        from nncheck.formats.latex import latex_document

        text = latex_document(sheet_latex(made)) if standalone else sheet_latex(made)
    else:
        text = (sheet_markdown if output_format == "markdown" else sheet_text)(made)
    if output:
        write_file(output, text)
        click.echo(f"wrote {_printable(output)}")
    else:
        sys.stdout.write(text)


@cli.command()
@click.argument("function_names", metavar="FUNCTIONS...", nargs=-1, required=True)
@click.option("--derivative", is_flag=True, help="Also draw each function's derivative (dashed).")
@click.option("--range", "z_range", nargs=2, type=float, default=(-5.0, 5.0), show_default=True, metavar="A B",
              help="The interval of z shown.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The picture: FILE.png or FILE.svg.")
def plot(function_names, derivative, z_range, output):
    """Plot activation functions (and their derivatives) as nncheck computes them; needs nncheck[plot]."""
    from nncheck.app.plots import write_plot

    write_plot(list(function_names), derivative, z_range[0], z_range[1], output)
    click.echo(f"wrote {_printable(output)}")


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(("mermaid", "dot", "svg")), default="mermaid",
              show_default=True, help="mermaid for GitHub/GitLab Markdown, dot for Graphviz, svg (needs Graphviz's dot).")
@click.option("--values", "with_values", is_flag=True, help="Also show each value and gradient, rounded.")
@click.option("--neurons", is_flag=True,
              help="For a layers network: a circle per unit and an edge per weight, instead of the graph.")
@click.option("--precision", type=click.IntRange(1, 17), default=3, show_default=True, help="Significant digits shown.")
@click.option("--of", "of_node", metavar="NODE", help="Take gradients of this scalar node instead of the loss.")
@click.option("--show-hidden", is_flag=True,
              help="Also show the answers to asked items that are not visible to students (for graders).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the picture to this file.")
@student_option
@secret_option
@large_option
def graph(problem, output_format, with_values, neurons, precision, of_node, show_hidden, output, secret_files,
          student=None):
    """Draw PROBLEM's computation graph (or, with --neurons, its layers as neurons)."""
    from nncheck.formats.computation_graph import computation_graph, neuron_diagram
    from nncheck.check.problems import load_problem
    from nncheck.engine.solution import Solution

    loaded = _for_student(load_problem(problem, _secrets(secret_files)), student)
    solution = Solution(loaded, loss=of_node)
    hidden = _hidden_entries(loaded, solution.loss, show_hidden)
    picture = (neuron_diagram(solution, precision, hidden) if neurons
               else computation_graph(solution, with_values, precision, hidden))
    if output_format == "mermaid":
        from nncheck.formats.mermaid import picture_mermaid as write_picture
    elif output_format == "dot":
        from nncheck.formats.dot import picture_dot as write_picture
    else:
        from nncheck.formats.svg import picture_svg as write_picture
    text = write_picture(picture)
    if output:
        write_file(output, text)
        click.echo(f"wrote {_printable(output)}")
    else:
        sys.stdout.write(text)


@cli.command()
def functions():
    """List the functions of the formula language, each with its gradient."""
    from nncheck.read.primitives import formula_sheet

    click.echo("Each function, then its gradient as nncheck computes it: g is the gradient arriving "
               "from above (the same shape as the value), ans the function's value.\n")
    for line in formula_sheet():
        click.echo(line)


def main():
    """The console script. Homework-sized tensors gain nothing from BLAS threads, whose
    start-up costs a cold start dearly on small machines; set OPENBLAS_NUM_THREADS to override."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    cli(prog_name="nncheck")
