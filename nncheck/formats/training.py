"""The report of `nncheck train`: the loss and every parameter at each step of gradient descent.

Drawn with the hand-made boxed tables of `run` (no rich), so the command starts fast.
"""

from __future__ import annotations

import sys

import numpy as np

from nncheck.numbers import format_number, matrix_lines
from nncheck.formats.json import variant_json
from nncheck.formats.table import BOLD, CYAN, DIM, Styler, boxed_table, terminal_width, use_colour, words_wrapped
from nncheck.text import one_line, printable
from nncheck.engine.solution import Solution
from nncheck.engine.training import Training
from nncheck.read.vary import variant_line


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
        "variant": variant_json(problem),
        "lr": training.rate,
        "loss": {"name": descended, "value": _loss(trajectory[-1], descended)},
        "loss_name": descended,
        "parameters": list(problem.parameters),
        "steps": [{"step": step, "loss": _loss(trajectory[step], descended),
                   "parameters": {name: trajectory[step].value(name).tolist() for name in problem.parameters}}
                  for step in shown],
        "notes": training.notes,
    }


def training_table(training: Training, precision: int, colour: bool = False, shown=None,
                   width: int | None = None) -> str:
    """The loss and the parameters at each step shown; with a `width`, every line fits it: wide
    parameters are elided per axis, and when they still do not fit side by side, they are
    listed one below the other in a single column."""
    style = Styler(colour)
    trajectory, descended = training.trajectory, training.descended
    problem = trajectory[0].problem
    out = [style(line, BOLD) for line in _lines(one_line(problem.title) or one_line(problem.path), width)]
    if problem.description:
        out += [style(line, DIM) for line in _lines(printable(problem.description).strip(), width)]
    if variant_line(problem):
        out += [style(line, BOLD) for line in _lines(one_line(variant_line(problem)), width)]
    steps = len(trajectory) - 1
    heading = (f"Gradient descent on {', '.join(problem.parameters)}: lr {format_number(training.rate, precision)}, "
               f"{steps} step{'s' if steps != 1 else ''}, descending {descended}")
    out += [style(line, BOLD) if k == 0 else line for k, line in enumerate(_lines(heading, width))]
    shown = range(len(trajectory)) if shown is None else shown
    labels = [[[str(step)], [format_number(_loss(trajectory[step], descended), precision)]] for step in shown]
    values = [[trajectory[step].value(name) for name in problem.parameters] for step in shown]
    headers, rows = _parameter_columns(problem.parameters, labels, values, precision, descended, width)
    out += [""] + boxed_table(headers, rows, style)
    out += [style(line, CYAN) for note in training.notes for line in _lines(f"note: {note}", width)]
    return "\n".join(out) + "\n"


def _lines(text: str, width: int | None) -> list[str]:
    if width is None:
        return text.splitlines() or [""]
    return [part for line in text.splitlines() for part in words_wrapped(line, width)] or [""]


def _parameter_columns(names, labels, values, precision: int, descended: str, width: int | None):
    """Headers and rows: a column per parameter if they fit side by side, else one column."""
    headers = ["step", descended] + list(names)
    fixed = max(len("step"), *(len(label[0][0]) for label in labels))
    fixed += max(len(descended), *(len(label[1][0]) for label in labels))
    room = None if width is None else width - fixed - 3 * len(headers) - 1
    for each in ([None] if room is None else [None, max(8, room // max(1, len(names)))]):
        rows = [label + [matrix_lines(value, precision, False, each) for value in step]
                for label, step in zip(labels, values)]
        used = sum(max([len(name)] + [len(line) for row in rows for line in row[2 + c]]) for c, name in enumerate(names))
        if room is None or used <= room:
            return headers, rows
    room = width - fixed - 3 * 3 - 1
    rows = [label + [[line for name, value in zip(names, step)
                      for line in [f"{name} ="] + matrix_lines(value, precision, False, room)]]
            for label, step in zip(labels, values)]
    return ["step", descended, "parameters"], rows


def render_training(training: Training, precision: int, stream=None, shown=None) -> None:
    stream = stream or sys.stdout
    stream.write(training_table(training, precision, use_colour(stream), shown, terminal_width(stream)))
