"""A problem solved as `run` shows it: the solution and, for a problem with ask:, the
reference answers, the asked values and the entries hidden from students."""

from __future__ import annotations

from dataclasses import dataclass

from nncheck.app.asked_values import asked_values
from nncheck.check.checker import Checker
from nncheck.check.hidden import hidden_entries
from nncheck.check.kinds import reference_answers
from nncheck.engine.solution import Solution
from nncheck.engine.variants import variant_problem
from nncheck.read.vary import normalised_id
from nncheck.errors import NncheckError


@dataclass(eq=False)
class SolvedProblem:
    solution: Solution
    references: list            # reference answers of items that are not plain values
    hidden: frozenset           # labels of entries that answer a hidden asked value
    asked: list                 # asked values the sections do not show otherwise
    selected: set | None        # what `--only` keeps (None: everything)


def for_student(problem, student: str | None):
    """The problem with `student`'s numbers (unchanged when no id is given or nothing varies)."""
    if student is None or problem.variation is None:
        return problem
    if not student.strip():
        raise NncheckError("--student: give the id, such as --student ab1234")
    return variant_problem(problem, normalised_id(student))


def solve(problem, of_node: str | None = None, show_hidden: bool = False, only: str | None = None) -> SolvedProblem:
    """Every value and gradient, and what a student (or, with `show_hidden`, a grader) may see."""
    solution = Solution(problem, loss=of_node)
    solution.gradients()
    checker = Checker(problem) if problem.asks else None
    references = _reference_answers(checker, show_hidden)
    hidden = frozenset() if show_hidden or not problem.asks else hidden_entries(problem, solution.loss, show_hidden)
    asked = _asked_values(checker, solution.loss, show_hidden)
    return SolvedProblem(solution, references, hidden, asked, _selected(solution, only, asked))


def _selected(solution, only: str | None, asked=()) -> set | None:
    """The names (or asked ids) `--only` keeps, or an error naming the ones the problem does not have."""
    if only is None:
        return None
    names = {name.strip() for name in only.split(",") if name.strip()}
    unknown = sorted(names - set(solution.vars) - {item.id for item in asked})
    if unknown:
        raise NncheckError(f"--only: {', '.join(unknown)} is not a value or node of {solution.problem.path}")
    return names


def _asked_values(checker, loss: str, show_hidden: bool) -> list:
    """Asked values the sections of `run` do not show otherwise (Jacobians, values after steps, ...)."""
    if checker is None:
        return []
    return asked_values(checker, loss, show_hidden)


def _reference_answers(checker, show_hidden: bool) -> list:
    """Reference answers of asked items that are not plain values (design, YES/NO, intervals);
    items (and design case groups) that are not visible only with `show_hidden`."""
    if checker is None or all(item.kind == "value" for item in checker.problem.asks):
        return []
    return reference_answers(checker, show_hidden)
