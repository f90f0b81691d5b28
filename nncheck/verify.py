"""Checking an answer file against its problem: solutions computed once, then each asked
item handed to the module of its kind (nncheck/kinds/)."""

from __future__ import annotations

import numpy as np

from nncheck.answers import AnswerFile
from nncheck.asks import AskItem, Quantity, parse_quantity
from nncheck.engine import Tape, evaluate_formula
from nncheck.errors import Location, NncheckError
from nncheck.formats.numbers import format_number
from nncheck.formula import Formula
from nncheck.kinds import load_kind
from nncheck.problem import Problem
from nncheck.results import Verification
from nncheck.solution import Solution
from nncheck.training import descend

MIN_DRAWS = 5
MAX_DRAW_ATTEMPTS = 25


class Checker:
    """Verifies answer files against one problem; solutions and redraws are computed once."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.base = Solution(problem)
        self._draws: list[Solution] | None = None
        self._trajectories: dict[int, list[Solution]] = {}
        self.kind_cache: dict[str, object] = {}
        for item in problem.asks:
            if item.quantity is not None:
                try:
                    self.expected(self.base, item.quantity)
                except NncheckError as error:
                    raise NncheckError(f"ask {item.id}: {error.message}", item.location) from None
            if item.expected_formula is not None:
                evaluate_answer(item.expected_formula, self.base)
            for mistake in item.mistakes:
                if mistake.formula is not None:
                    evaluate_answer(mistake.formula, self.base)

    def draws(self) -> list[Solution]:
        """At least MIN_DRAWS solutions at other leaf values (same shapes, fixed seeds)."""
        if self._draws is None:
            self._draws = []
            for draw in range(1, MAX_DRAW_ATTEMPTS + 1):
                try:
                    self._draws.append(Solution(self.problem, self.problem.redrawn_values(draw)))
                except NncheckError:
                    continue
                if len(self._draws) == MIN_DRAWS:
                    break
        return self._draws

    def expected(self, solution: Solution, quantity: Quantity) -> np.ndarray:
        """The quantity's value in `solution`, after quantity.step steps of gradient descent if given."""
        if quantity.step:
            solution = self.after_steps(solution, quantity.step)
        if quantity.of is None:
            return solution.value(quantity.name)
        return solution.gradient(quantity.of, quantity.name)

    def after_steps(self, solution: Solution, steps: int) -> Solution:
        """`solution` after `steps` steps of gradient descent (trajectories are kept)."""
        trajectory = self._trajectories.setdefault(id(solution), [solution])
        if len(trajectory) <= steps:
            more = descend(trajectory[-1], steps + 1 - len(trajectory))
            trajectory.extend(more[1:])
        return trajectory[steps]

    def item_expected(self, solution: Solution, item: AskItem) -> np.ndarray:
        """What a value item expects in `solution`: its formula, its explicit value or its quantity."""
        if item.expected_formula is not None:
            return evaluate_answer(item.expected_formula, solution)
        if item.expected is not None:
            return item.expected
        return self.expected(solution, item.quantity)

    def items_for(self, answer_file: AnswerFile) -> tuple[list[AskItem], list[str]]:
        """The asked items, or one item per answer when the problem asks nothing."""
        if self.problem.asks:
            read = set()
            for item in self.problem.asks:
                read.update(load_kind(item.kind).answer_keys(item.kind, item, self.problem))
            return self.problem.asks, [key for key in answer_file.answers if key not in read]
        items = [AskItem(key, parse_quantity(key), 1.0, "visible", answer.location)
                 for key, answer in answer_file.answers.items()]
        return items, []

    def verify(self, answer_file: AnswerFile) -> Verification:
        items, ignored = self.items_for(answer_file)
        results = []
        for item in items:
            found = load_kind(item.kind).check(item.kind, self, item, answer_file)
            where = answer_location(answer_file, load_kind(item.kind).answer_keys(item.kind, item, self.problem))
            for result in found:
                result.location = result.location or where
            results.extend(found)
        return Verification(answer_file.path, self.problem, answer_file.student, results, ignored)

def answer_location(answer_file: AnswerFile, keys) -> Location:
    """Where the first of `keys` is answered, else the answers: section, else the file."""
    for key in keys:
        if key in answer_file.answers:
            return answer_file.answers[key].location
    return answer_file.doc.where("answers") if answer_file.doc else Location(answer_file.path)


def evaluate_answer(formula: Formula, solution: Solution) -> np.ndarray:
    """The value of a formula over a solution's leaves and nodes (forward only)."""
    value = evaluate_formula(Tape(), formula, solution.vars).value
    if not np.all(np.isfinite(value)):
        raise formula.error(formula.expr, "the formula's value is not finite here")
    return value


def format_tensor(value: np.ndarray) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return format_number(array, 6)
    return np.array2string(array, precision=6, separator=", ", suppress_small=True,
                           formatter={"float_kind": lambda v: format_number(v, 6)})


def strip_label(message: str, label: str) -> str:
    prefix = f"{label}: "
    return message[len(prefix):] if message.startswith(prefix) else message
