"""An answer file to fill in: every asked item with its shape and points."""

from __future__ import annotations

import io
import json
import os
import stat
import re
import shlex

from nncheck.read.problem import Problem
from nncheck.numbers import format_number
from nncheck.text import one_line
from nncheck.engine.solution import Solution
from nncheck.read.tensors import describe_shape
from nncheck.check.kinds import load_kind

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_/ ]*$")


def answer_template(problem: Problem, problem_path_from_answers: str, student: str | None = None) -> str:
    """With `student`, `student:` is filled in; for a problem that varies, a comment says whose
    numbers the answers are checked against (the student's variant and its seed)."""
    solution = Solution(problem)
    lines = [
        f"# Answers for: {one_line(problem.title) or one_line(problem.path)}",
        *_how_to_write(problem),
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


def _how_to_write(problem: Problem) -> list[str]:
    """How to write the kinds of answer this problem asks for."""
    kinds = {item.kind for item in problem.asks} if problem.asks else {"value"}
    lines = []
    if "value" in kinds:
        lines += ["# Write each answer as a number, a list (a matrix as a list of rows), or a formula in",
                  '# quotes over the problem\'s names, such as "x.T @ (h - t)" (LaTeX in single quotes:',
                  "# '\\sigma(z)'). Leave blank what you skip."]
    if kinds & {"zero", "identical"}:
        lines.append("# A YES/NO question: write YES or NO.")
    if "design" in kinds:
        lines.append("# A design question: give the weights you chose as numbers, a matrix as a list of rows.")
    if "interval" in kinds:
        lines.append('# An interval: in quotes with brackets, "(low, high)" or "[low, high)": ( ) leaves an end '
                     "out, [ ] includes it.")
    return lines + ["# problem: is the problem file relative to this file (verify also looks in the folder it runs in)."]


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
        for position, (key, comment) in enumerate(load_kind(item.kind).template(item.kind, item, problem, solution)):
            yield (key, comment + (_worth(item.points) if position == 0 else ""),
                   item.prompt if position == 0 else "", item)


def redirected_path(stream) -> str | None:
    """The file `stream` writes to when it is a regular file (`nncheck template P > hw1/mine.yaml`),
    where the system says (Linux's /proc); else None."""
    try:
        descriptor = stream.fileno()
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        path = os.readlink(f"/proc/self/fd/{descriptor}")
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    return path if os.path.isabs(path) and os.path.isfile(path) else None


def relative_problem_path(problem_path: str, answers_path: str | None) -> str:
    """The problem's path as written in an answer file saved at `answers_path` (or here)."""
    base = os.path.dirname(os.path.abspath(answers_path)) if answers_path else os.getcwd()
    return os.path.relpath(os.path.abspath(problem_path), base).replace(os.sep, "/")


def _yaml_key(text: str) -> str:
    return text if _PLAIN_KEY.match(text) else json.dumps(text)


def _yaml_text(text: str) -> str:
    return text if re.match(r"^[A-Za-z0-9_./-]+$", text) else json.dumps(text)
