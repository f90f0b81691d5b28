"""An answer file to fill in: every asked item with its shape and points."""

from __future__ import annotations

import json
import os
import re
import shlex

import numpy as np

from nncheck.read.asks import Quantity
from nncheck.errors import NncheckError
from nncheck.read.problem import Problem
from nncheck.numbers import format_number
from nncheck.text import one_line
from nncheck.engine.solution import Solution, evaluate_answer
from nncheck.read.tensors import describe_shape
from nncheck.check.kinds import load_kind

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_/ ]*$")


def answer_template(problem: Problem, problem_path_from_answers: str, student: str | None = None) -> str:
    """With `student`, `student:` is filled in; for a problem that varies, a comment says whose
    numbers the answers are checked against (the student's variant and its seed)."""
    solution = Solution(problem)
    lines = [
        f"# Answers for: {one_line(problem.title) or one_line(problem.path)}",
        "# Write each answer as a number, a list (a matrix as a list of rows), or a formula in",
        '# quotes over the problem\'s names, such as "x.T @ (h - t)". Leave blank what you skip.',
        *_variant_comments(problem),
        f"problem: {_yaml_text(problem_path_from_answers)}",
        f"student: {json.dumps(student or '')}",
        "answers:",
    ]
    for item_id, comment, prompt, _ in answer_entries(problem, solution):
        if prompt:
            lines.append(f"  # {one_line(prompt)}")
        lines.append(f"  # {one_line(comment)}")
        lines.append(f"  {_yaml_key(item_id)}:")
    return "\n".join(lines) + "\n"


def _variant_comments(problem: Problem) -> list[str]:
    if problem.variant is not None:
        variant = problem.variant
        command = f"nncheck run {shlex.quote(problem.path)} --student {shlex.quote(variant.student)}"
        return [f"# Your own numbers: variant of student {one_line(variant.student)} (seed {variant.seed}); "
                f"see them with: {one_line(command)}"]
    if problem.variation is not None:
        return ["# Every student has their own numbers: write your id as student: and see your numbers with",
                f"# nncheck run {one_line(shlex.quote(problem.path))} --student ID (or make this file with --student ID)."]
    return []


def _worth(points) -> str:
    return f", {format_number(points, 6)} point{'s' if points != 1 else ''}" if points is not None else ""


def answer_entries(problem: Problem, solution: Solution):
    """(answer key, comment, prompt, asked item or None) for every answer the problem asks for."""
    if not problem.asks:
        for name in problem.leaves:
            yield (f"d{problem.loss}/d{name}", f"d{problem.loss}/d{name}: shape {describe_shape(solution.value(name).shape)}",
                   "", None)
        return
    for item in problem.asks:
        if item.kind != "value":
            for position, (key, comment) in enumerate(load_kind(item.kind).template(item.kind, item, problem)):
                yield (key, comment + (_worth(item.points) if position == 0 else ""),
                       item.prompt if position == 0 else "", item)
            continue
        if item.grader_only:
            shape = item.shape
        elif item.expected is not None:
            shape = np.shape(item.expected)
        elif item.expected_formula is not None:
            shape = np.shape(evaluate_answer(item.expected_formula, solution))
        elif item.quantity.step:
            shape = solution.value(item.quantity.name).shape
        else:
            try:
                shape = _shape(solution, item.quantity)
            except NncheckError as error:  # located at the item, as `nncheck check` reports it
                raise NncheckError(f"ask {item.id}: {error.message}", item.location) from None
        shown = "shape not stated" if shape is None else f"shape {describe_shape(shape)}"
        yield item.id, f"{item.id}: {shown}{_worth(item.points)}", item.prompt, item


def _shape(solution: Solution, quantity: Quantity) -> tuple:
    """The shape of an answer: a gradient of a scalar has its variable's (no backward pass needed)."""
    if quantity.of is None or solution.is_scalar(quantity.of):
        return solution.value(quantity.name).shape
    return solution.gradient(quantity.of, quantity.name).shape


def relative_problem_path(problem_path: str, answers_path: str | None) -> str:
    """The problem's path as written in an answer file saved at `answers_path` (or here)."""
    base = os.path.dirname(os.path.abspath(answers_path)) if answers_path else os.getcwd()
    return os.path.relpath(os.path.abspath(problem_path), base).replace(os.sep, "/")


def _yaml_key(text: str) -> str:
    return text if _PLAIN_KEY.match(text) else json.dumps(text)


def _yaml_text(text: str) -> str:
    return text if re.match(r"^[A-Za-z0-9_./-]+$", text) else json.dumps(text)
