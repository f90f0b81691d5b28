"""The report of `nncheck train`: the loss and every parameter at each step of gradient descent.

Drawn with the hand-made boxed tables of `run` (no rich), so the command starts fast.
"""

from __future__ import annotations

import sys

import numpy as np

from nncheck.formats.numbers import format_number, matrix_lines
from nncheck.formats.table import BOLD, CYAN, DIM, Styler, boxed_table, use_colour
from nncheck.formats.text import one_line, printable
from nncheck.engine.solution import Solution
from nncheck.engine.training import Training


def _loss(state: Solution, name: str) -> float:
    return float(np.ravel(state.value(name))[0])


def training_json(training: Training, shown=None) -> dict:
    """The public JSON shape of `nncheck train --format json`: `loss` as in `run` (its name,
    and its value after the last step); `steps` those shown (all by default)."""
    trajectory = training.trajectory
    problem, descended = trajectory[0].problem, training.descended
    shown = range(len(trajectory)) if shown is None else shown
    return {
        "title": problem.title,
        "lr": training.rate,
        "loss": {"name": descended, "value": _loss(trajectory[-1], descended)},
        "loss_name": descended,
        "parameters": list(problem.parameters),
        "steps": [{"step": step, "loss": _loss(trajectory[step], descended),
                   "parameters": {name: trajectory[step].value(name).tolist() for name in problem.parameters}}
                  for step in shown],
        "notes": training.notes,
    }


def training_table(training: Training, precision: int, colour: bool = False, shown=None) -> str:
    style = Styler(colour)
    trajectory, descended = training.trajectory, training.descended
    problem = trajectory[0].problem
    out = [style(one_line(problem.title) or one_line(problem.path), BOLD)]
    if problem.description:
        out.append(style(printable(problem.description).strip(), DIM))
    steps = len(trajectory) - 1
    out.append(f"{style('Gradient descent', BOLD)} on {', '.join(problem.parameters)}: lr {format_number(training.rate, precision)}, "
               f"{steps} step{'s' if steps != 1 else ''}, descending {descended}")
    headers = ["step", descended] + list(problem.parameters)
    shown = range(len(trajectory)) if shown is None else shown
    rows = [[[str(step)], [format_number(_loss(trajectory[step], descended), precision)]]
            + [matrix_lines(trajectory[step].value(name), precision, full=False) for name in problem.parameters]
            for step in shown]
    out += [""] + boxed_table(headers, rows, style)
    out += [style(f"note: {note}", CYAN) for note in training.notes]
    return "\n".join(out) + "\n"


def render_training(training: Training, precision: int, stream=None, shown=None) -> None:
    stream = stream or sys.stdout
    stream.write(training_table(training, precision, use_colour(stream), shown))
