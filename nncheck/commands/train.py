"""`nncheck train`: gradient descent on a problem's parameters, step by step."""

from __future__ import annotations

import sys

import click

from nncheck.app.solved import for_student
from nncheck.check.problems import load_problem
from nncheck.commands.options import large_option, student_option
from nncheck.engine.training import train as descend_problem
from nncheck.errors import NncheckError, closest
from nncheck.formats.json import dumps
from nncheck.formats.training import render_training, training_json
from nncheck.limits import HOMEWORK


@click.command()
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
def train(problem, steps, lr, output_format, precision, parameter_names, every, last, student=None,
          limits=HOMEWORK):
    """Run gradient descent on PROBLEM's parameters and show the loss and parameters at every step."""
    loaded = for_student(load_problem(problem, limits=limits), student)
    if parameter_names is not None:
        loaded.parameters = _trained_values(loaded, parameter_names)
    training = descend_problem(loaded, steps, lr)
    shown = _shown_steps(len(training.trajectory), every, last)
    if output_format == "json":
        sys.stdout.write(dumps(training_json(training, shown)) + "\n")
    else:
        render_training(training, precision, shown=shown)


def _trained_values(problem, names: str) -> list[str]:
    """`--parameters W1,b1`: values of the problem, each once."""
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    if not chosen:
        raise NncheckError("--parameters: name the values to train, separated by commas, such as W1,b1")
    for name in chosen:
        if name not in problem.leaves:
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
