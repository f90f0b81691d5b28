"""An answer file to fill in: every asked item with its shape and points."""

from __future__ import annotations

import json
import os
import re

import numpy as np

from nncheck.asks import Quantity
from nncheck.problem import Problem
from nncheck.formats.numbers import format_number
from nncheck.formats.text import one_line
from nncheck.solution import Solution
from nncheck.tensors import describe_shape

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_/ ]*$")


def answer_template(problem: Problem, problem_path_from_answers: str) -> str:
    solution = Solution(problem)
    lines = [
        f"# Answers for: {one_line(problem.title) or one_line(problem.path)}",
        "# Write each answer as a number, a list (a matrix as a list of rows), or a formula in",
        '# quotes over the problem\'s names, such as "x.T @ (h - t)". Leave blank what you skip.',
        f"problem: {_yaml_text(problem_path_from_answers)}",
        'student: ""',
        "answers:",
    ]
    for item_id, comment, prompt in _items(problem, solution):
        if prompt:
            lines.append(f"  # {one_line(prompt)}")
        lines.append(f"  # {one_line(comment)}")
        lines.append(f"  {_yaml_key(item_id)}:")
    return "\n".join(lines) + "\n"


def _worth(points) -> str:
    return f", {format_number(points, 6)} point{'s' if points != 1 else ''}" if points is not None else ""


def _items(problem: Problem, solution: Solution):
    """(answer key, comment, prompt) for every answer the problem asks for."""
    if not problem.asks:
        for name in problem.leaves:
            yield f"d{problem.loss}/d{name}", f"d{problem.loss}/d{name}: shape {describe_shape(solution.value(name).shape)}", ""
        return
    for item in problem.asks:
        if item.kind != "value":
            from nncheck.kinds import load_kind

            for position, (key, comment) in enumerate(load_kind(item.kind).template(item.kind, item, problem)):
                yield key, comment + (_worth(item.points) if position == 0 else ""), item.prompt if position == 0 else ""
            continue
        if item.expected is not None:
            shape = np.shape(item.expected)
        elif item.expected_formula is not None:
            from nncheck.verify import evaluate_answer

            shape = np.shape(evaluate_answer(item.expected_formula, solution))
        elif item.quantity.step:
            shape = solution.value(item.quantity.name).shape
        else:
            shape = _value(solution, item.quantity).shape
        yield item.id, f"{item.id}: shape {describe_shape(shape)}{_worth(item.points)}", item.prompt


def _value(solution: Solution, quantity: Quantity) -> np.ndarray:
    return solution.value(quantity.name) if quantity.of is None else solution.gradient(quantity.of, quantity.name)


def relative_problem_path(problem_path: str, answers_path: str | None) -> str:
    """The problem's path as written in an answer file saved at `answers_path` (or here)."""
    base = os.path.dirname(os.path.abspath(answers_path)) if answers_path else os.getcwd()
    return os.path.relpath(os.path.abspath(problem_path), base).replace(os.sep, "/")


def _yaml_key(text: str) -> str:
    return text if _PLAIN_KEY.match(text) else json.dumps(text)


def _yaml_text(text: str) -> str:
    return text if re.match(r"^[A-Za-z0-9_./-]+$", text) else json.dumps(text)
