"""Checking an answer file against its problem: a verdict, points and a reason per item."""

from __future__ import annotations

import numpy as np

from nncheck.answers import Answer, AnswerFile
from nncheck.asks import AskItem, Quantity, parse_quantity
from nncheck.diagnosis import Candidate, align, shape_diagnosis, value_candidates
from nncheck.engine import Tape, evaluate_formula
from nncheck.errors import NncheckError
from nncheck.formula import Formula, parse_formula
from nncheck.kinds import load_kind
from nncheck.problem import Problem
from nncheck.reports.numbers import format_number
from nncheck.results import CORRECT, INVALID, MISSING, WRONG, ItemResult, Verification
from nncheck.solution import Solution
from nncheck.tensors import describe_shape, read_tensor
from nncheck.tolerance import Tolerance
from nncheck.training import descend

MIN_DRAWS = 5
MAX_DRAW_ATTEMPTS = 25
def formula_tolerance(expected: np.ndarray) -> Tolerance:
    """Formula answers are exact: only float round-off is allowed."""
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return Tolerance(sigfigs=None, rtol=1e-7, atol=1e-9 * (1.0 + scale))


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
                read.update([item.id] if item.kind == "value" else
                            load_kind(item.kind).answer_keys(item.kind, item, self.problem))
            return self.problem.asks, [key for key in answer_file.answers if key not in read]
        items = [AskItem(key, parse_quantity(key), 1.0, "visible", answer.location)
                 for key, answer in answer_file.answers.items()]
        return items, []

    def verify(self, answer_file: AnswerFile) -> Verification:
        items, ignored = self.items_for(answer_file)
        results = []
        for item in items:
            if item.kind == "value":
                results.append(self.check_item(item, answer_file.answers.get(item.id), answer_file))
            else:
                results.extend(load_kind(item.kind).check(item.kind, self, item, answer_file))
        return Verification(answer_file.path, self.problem, answer_file.student, results, ignored)

    def check_item(self, item: AskItem, answer: Answer | None, answer_file: AnswerFile) -> ItemResult:
        result = ItemResult(item.id, MISSING, 0.0, item.points, item.visibility)
        if answer is None or answer.is_missing:
            result.message = "no answer given"
            return result
        try:
            result.expected = self._expected_for(item)
        except NncheckError as error:
            return self._invalid(result, error.message)
        if answer.is_formula:
            return self._check_formula(item, answer, result)
        try:
            value = read_tensor(answer_file.doc, answer.path, f"answers.{item.id}")
        except NncheckError as error:
            return self._invalid(result, f"{error.message} (at {error.location})")
        result.answer = value
        return self._check_number(item, value, result)

    def _expected_for(self, item: AskItem) -> np.ndarray:
        if item.expected is not None or item.expected_formula is not None:
            return self.item_expected(self.base, item)
        if item.quantity is None:
            raise NncheckError(f"{item.id!r} is not a value, node or gradient dA/dB of this problem")
        for name in filter(None, (item.quantity.name, item.quantity.of)):
            if name not in self.base.vars:
                raise NncheckError(f"{name!r} is not a value or node of this problem")
        return self.expected(self.base, item.quantity)

    @staticmethod
    def _invalid(result: ItemResult, message: str) -> ItemResult:
        result.verdict, result.message = INVALID, message
        return result

    def _tolerance(self, item: AskItem) -> Tolerance:
        return item.tolerance or self.problem.default_tolerance()

    def _check_number(self, item: AskItem, value: np.ndarray, result: ItemResult) -> ItemResult:
        expected = result.expected
        tolerance = self._tolerance(item)
        aligned = align(value, expected)
        if aligned is not None and tolerance.accepts(aligned, expected):
            result.verdict, result.points = CORRECT, item.points
            return result
        mistake = self._authored_number(item, value)
        if mistake is not None:
            return mistake_result(result, mistake)
        if aligned is None:
            found = shape_diagnosis(self.problem, item.quantity, item.id, value, expected, tolerance.accepts)
            message = (f"{item.id} has shape {describe_shape(expected.shape)}; "
                       f"your answer has shape {describe_shape(value.shape)}")
            return self._wrong(result, item, found, message)
        found = self._first_candidate(item, expected, aligned, tolerance.accepts)
        return self._wrong(result, item, found, self._miss_message(item, aligned, expected, tolerance))

    def _authored_number(self, item: AskItem, value: np.ndarray):
        for mistake in item.mistakes:
            expected = mistake.value if mistake.value is not None else self._evaluate_mistake(mistake.formula, self.base)
            if expected is None:
                continue
            aligned = align(value, expected)
            if aligned is not None and self._tolerance(item).accepts(aligned, expected):
                return mistake
        return None

    @staticmethod
    def _evaluate_mistake(formula: Formula, solution: Solution) -> np.ndarray | None:
        """A mistake formula's value; None where it cannot be evaluated (a redraw out of its domain)."""
        try:
            return evaluate_answer(formula, solution)
        except NncheckError:
            return None

    def _first_candidate(self, item: AskItem, expected, answer, matches) -> Candidate | None:
        for candidate in value_candidates(self.problem, self.base, item.quantity, item.id, expected):
            if candidate.value.shape == answer.shape and matches(answer, candidate.value):
                return candidate
        return None

    def _wrong(self, result: ItemResult, item: AskItem, found: Candidate | None, fallback: str) -> ItemResult:
        result.verdict = WRONG
        if found is not None:
            result.diagnosis, result.message = found.key, found.message
        else:
            result.message = fallback if item.visible else "does not match the expected value"
        return result

    def _miss_message(self, item: AskItem, answer: np.ndarray, expected: np.ndarray, tolerance: Tolerance) -> str:
        miss = tolerance.first_miss(answer, expected)
        if miss is None:
            return "does not match the expected value"
        index, low, high = miss
        where = f" at {list(index)}" if index else ""
        got = format_number(answer[index], 8)
        return (f"expected {format_number(expected[index], 6)}{where} (accepted from {format_number(low, 6)} "
                f"to {format_number(high, 6)}, {tolerance.describe()}); your answer has {got}")

    def _check_formula(self, item: AskItem, answer: Answer, result: ItemResult) -> ItemResult:
        result.answer = answer.raw.strip()
        label = f"answers.{item.id}"
        try:
            formula = parse_formula(answer.raw, label, answer.text_start or answer.location)
            value = evaluate_answer(formula, self.base)
        except NncheckError as error:
            where = f" (at {error.location})" if error.location else ""
            return self._invalid(result, _strip_label(error.message, label) + where)
        if not formula.names:
            return self._check_number(item, value, result)
        return FormulaCheck(self, item, formula, result).run(value)


class FormulaCheck:
    """A formula answer compared with the engine at the given values and at redraws.

    Values are compared exactly (up to round-off) after `align`, so a formula of another
    shape can still match an authored mistake or a shape diagnosis.
    """

    def __init__(self, checker: Checker, item: AskItem, formula: Formula, result: ItemResult):
        self.checker, self.item, self.formula, self.result = checker, item, formula, result
        self._redraw_list = None

    def run(self, value: np.ndarray) -> ItemResult:
        item, result, checker = self.item, self.result, self.checker
        if _same(value, result.expected):
            for solution, answer, expected in self.redraws():
                if not _same(answer, expected):
                    return self._coincidence(solution, answer, expected)
            result.verdict, result.points = CORRECT, item.points
            return result
        mistake = self._authored(value)
        if mistake is not None:
            return mistake_result(result, mistake)
        found = self._candidate(value)
        if found is None and align(value, result.expected) is None:
            found = shape_diagnosis(checker.problem, item.quantity, item.id, value, result.expected, _same)
            if found is None:
                return checker._invalid(result, f"the formula gives shape {describe_shape(value.shape)}, "
                                                f"but {item.id} has shape {describe_shape(result.expected.shape)}")
        fallback = "the formula does not give the expected value at the problem's numbers"
        return checker._wrong(result, item, found, fallback)

    def redraws(self):
        """(solution, formula value, expected value) at each redraw of the leaves, computed once."""
        if self._redraw_list is None:
            self._redraw_list = []
            redrawable = self.item.quantity is not None or self.item.expected_formula is not None
            for solution in (self.checker.draws() if redrawable else []):
                expected = self.checker.item_expected(solution, self.item)
                try:
                    answer = evaluate_answer(self.formula, solution)
                except NncheckError:
                    answer = None
                self._redraw_list.append((solution, answer, expected))
        return self._redraw_list

    def _coincidence(self, solution: Solution, answer, expected) -> ItemResult:
        self.result.verdict, self.result.diagnosis = WRONG, "coincidence"
        got = "an error" if answer is None else format_tensor(answer)
        self.result.message = (
            "the formula holds only for these numbers: with other values of "
            f"{', '.join(solution.problem.leaves)} it gives {got} where {self.item.id} is {format_tensor(expected)}"
        )
        return self.result

    def _authored(self, value: np.ndarray):
        evaluate = Checker._evaluate_mistake
        for mistake in self.item.mistakes:
            if mistake.formula is None:
                if _same(value, mistake.value):
                    return mistake
                continue
            if not _same(value, evaluate(mistake.formula, self.checker.base)):
                continue
            if all(_same(answer, evaluate(mistake.formula, solution)) for solution, answer, _ in self.redraws()):
                return mistake
        return None

    def _candidate(self, value: np.ndarray) -> Candidate | None:
        """The first common mistake that explains the formula at every draw."""
        problem, quantity, item_id = self.checker.problem, self.item.quantity, self.item.id
        for candidate in value_candidates(problem, self.checker.base, quantity, item_id, self.result.expected):
            if not _same(value, candidate.value):
                continue
            identity = (candidate.key, candidate.message)
            if all(_same(answer, _candidate_value(problem, solution, quantity, item_id, expected, identity))
                   for solution, answer, expected in self.redraws()):
                return candidate
        return None


def _candidate_value(problem, solution, quantity, item_id, expected, identity):
    for candidate in value_candidates(problem, solution, quantity, item_id, expected):
        if (candidate.key, candidate.message) == identity:
            return candidate.value
    return None


def _same(answer, expected) -> bool:
    """Equal up to float round-off and the way a vector is written (formula answers are exact)."""
    if answer is None or expected is None:
        return False
    aligned = align(answer, expected)
    return aligned is not None and formula_tolerance(expected).accepts(aligned, expected)


def mistake_result(result: ItemResult, mistake) -> ItemResult:
    result.verdict, result.diagnosis = WRONG, "authored"
    result.points = min(mistake.points, result.max_points)
    result.message = mistake.message
    return result


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


def _strip_label(message: str, label: str) -> str:
    prefix = f"{label}: "
    return message[len(prefix):] if message.startswith(prefix) else message
