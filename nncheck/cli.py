"""The `nncheck` command line: a click group that finds each command in nncheck/commands/ by name
(imported only when it runs) and shows input errors and bugs in one place."""

from __future__ import annotations

import os
import sys

import click

from nncheck import __version__
from nncheck.commands import COMMANDS, load_command
from nncheck.commands.messages import printable, report_error
from nncheck.errors import ExitCode, NncheckError


class NncheckGroup(click.Group):
    """Finds each command in nncheck/commands/ when it runs; turns our input errors into a message
    and exit code 2, and bugs into exit code 3."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        return load_command(name)

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
                import traceback  # only when debugging: a cold start does without it

                traceback.print_exc()
                ctx.exit(ExitCode.INTERNAL)
            click.echo(
                f"internal error: {type(error).__name__}: {printable(str(error))}\n"
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


def main():
    """The console script. Homework-sized tensors gain nothing from BLAS threads, whose
    start-up costs a cold start dearly on small machines; set OPENBLAS_NUM_THREADS to override."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    cli(prog_name="nncheck")
