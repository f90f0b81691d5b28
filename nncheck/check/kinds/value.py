"""Asked items of kind `value`: a number, vector, matrix or formula compared with the
engine's value; wrong answers are explained by authored mistakes and common mistakes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nncheck.read.answers import Answer, AnswerFile
from nncheck.read.asks import VALUE_KEYS, AskItem, read_value
from nncheck.check.diagnosis import Candidate, align, jacobian_form, shape_diagnosis, value_candidates
from nncheck.errors import NncheckError, closest
from nncheck.numbers import all_true, format_number, format_tensor
from nncheck.text import strip_label
from nncheck.read.formula import Call, Formula, Index, Name, parse_formula
from nncheck.read.notation import Reading, read_answer
from nncheck.check.results import CORRECT, INVALID, MISSING, WRONG, ItemResult
from nncheck.engine.solution import Solution, evaluate_answer
from nncheck.read.tensors import describe_shape, read_tensor
from nncheck.read.tolerance import Tolerance
from nncheck.check.layout import layout_result
from nncheck.check.one_edit import with_named_step

KEYS = {"value": VALUE_KEYS}
read_spec = read_value  # read at the read level: an item of this kind fills the item's own fields
MAX_REMEMBERED_FORMULAS = 10_000
MAX_REMEMBERED_CANDIDATE_SIZE = 4096  # entries of an item whose common mistakes are computed once per problem


GRADER_ONLY_MESSAGE = "graded with the grader-only file"


def check(kind: str, checker, item: AskItem, answer_file: AnswerFile) -> list[ItemResult]:
    if item.grader_only:  # a student's copy (nncheck release): the grader's file replaces the item
        return [ItemResult(item.id, MISSING, 0.0, item.points, "hidden", message=GRADER_ONLY_MESSAGE)]
    return [ValueCheck(checker).check_item(item, answer_file.answers.get(item.id), answer_file)]


def answer_keys(kind: str, item: AskItem, problem) -> list[str]:
    return [item.id]


def template(kind: str, item: AskItem, problem, solution: Solution) -> list[tuple[str, str]]:
    """The item's answer key, with the shape the answer has."""
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
            shape = _answer_shape(solution, item.quantity)
        except NncheckError as error:  # located at the item, as `nncheck check` reports it
            raise NncheckError(f"ask {item.id}: {error.message}", item.location) from None
    shown = "shape not stated" if shape is None else f"shape {describe_shape(shape)}"
    return [(item.id, f"{item.id}: {shown}")]


def _answer_shape(solution: Solution, quantity) -> tuple:
    """The shape of an answer: a gradient of a scalar has its variable's (no backward pass needed)."""
    if quantity.of is None or solution.is_scalar(quantity.of):
        return solution.value(quantity.name).shape
    return solution.gradient(quantity.of, quantity.name).shape


def reference(kind: str, checker, item: AskItem, show_hidden: bool = True) -> list[tuple[str, str]]:
    """None here: `run` shows asked values with the others (nncheck/app/asked_values.py)."""
    return []


def reference_entries(kind: str, checker, item: AskItem, keys: list[str]) -> dict:
    """The answer-file entries of the reference answer at the checker's numbers (for selftest)."""
    return {keys[0]: checker.item_expected(checker.base, item)}


def selftest_tolerance(kind: str, item: AskItem, problem):
    """Two reference answers are the same answer within the item's tolerance."""
    return item.tolerance or problem.default_tolerance()


def _forbidden_parts(expr, forbid: tuple) -> str:
    """The first function or name of `forbid` the formula uses, or ""."""
    if not forbid:
        return ""
    stack = [expr]
    while stack:
        part = stack.pop()
        if isinstance(part, Name) and part.id in forbid:
            return part.id
        if isinstance(part, Call):
            if part.function in forbid:
                return part.function
            stack.extend(part.args)
        elif isinstance(part, Index):
            stack.append(part.target)
    return ""


def coarse_message(tolerance: Tolerance) -> str:
    digits = f"give {tolerance.sigfigs} significant figures" if tolerance.sigfigs else "give more digits"
    return f"right, but rounded too coarsely: {digits}"


def _relation_asked(item: AskItem) -> str:
    return f"write {item.id} as a formula in quotes: the question asks for the relation, not its numbers"


def _listed(names: list[str], at_most: int = 12) -> str:
    """`x, W1 and b1`; long lists end in `…`."""
    if len(names) > at_most:
        return ", ".join(names[:at_most]) + ", …"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def formula_tolerance(expected: np.ndarray) -> Tolerance:
    """Formula answers are exact: only float round-off is allowed."""
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return Tolerance(sigfigs=None, rtol=1e-7, atol=1e-9 * (1.0 + scale))


class ValueCheck:
    """One value item checked against a Checker's solutions (computed once, shared)."""

    def __init__(self, checker):
        self.checker = checker
        self.problem = checker.problem
        self.base = checker.base

    def item_expected(self, solution: Solution, item: AskItem) -> np.ndarray:
        return self.checker.item_expected(solution, item)

    def expected(self, solution: Solution, quantity) -> np.ndarray:
        return self.checker.expected(solution, quantity)

    def check_item(self, item: AskItem, answer: Answer | None, answer_file: AnswerFile) -> ItemResult:
        result = ItemResult(item.id, MISSING, 0.0, item.points, item.visibility)
        if answer is None or answer.is_missing:
            result.message = "no answer given"
            return result
        try:
            result.expected = self._expected_for(item)
        except NncheckError as error:
            return self._invalid(result, error.message)
        label = f"answers.{item.id}"
        try:
            written = answer_file.doc.source(*answer.path) if answer_file.doc and not isinstance(answer.raw, str) \
                else None  # read_answer reads the source text of numbers only
            reading = read_answer(answer.raw, self.problem.names, label, answer.location, written)
        except NncheckError as error:
            result.answer = _written(answer)
            return self._invalid(result, f"{error.message} (at {error.location})")
        if item.formula_only and (reading.formula is None or reading.numbers_only):
            return self._invalid(result, _relation_asked(item))
        if reading.formula is not None:
            return with_reading(self._check_formula(item, answer, reading, result), reading)
        try:
            value = reading.numbers if reading.numbers is not None else read_tensor(answer_file.doc, answer.path, label)
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
                close = closest(name, self.base.vars)
                hint = f"; did you mean {close!r}?" if close else ""
                raise NncheckError(f"{name!r} is not a value or node of this problem{hint}")
        return self.expected(self.base, item.quantity)

    def _circular(self, item: AskItem, formula: Formula) -> str:
        """Why the formula cannot answer the item: it names what is asked, or something computed
        from it, or a name outside the item's `allow:` list; "" when it can."""
        quantity, problem = item.quantity, self.problem
        asked = quantity.name if quantity is not None and quantity.of is None and not quantity.step else None
        unusable = problem.computed_from([asked]) if asked in problem.names else set()
        usable = [name for name in (item.allow or problem.names) if name not in unusable]
        used = [name for name in formula.names if name in unusable or (item.allow and name not in item.allow)]
        if not used:
            return ""
        terms = _listed(usable) if usable else "numbers only"
        if used[0] in unusable:
            what = "what is asked" if used[0] == asked else f"computed from {asked}"
            return f"a formula for {item.id} cannot use {used[0]} ({what}); write it in {terms}"
        return f"write {item.id} in {terms} only: the formula uses {used[0]}"

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
        distance = np.abs(aligned - expected) if aligned is not None else None  # aligned has expected's shape
        if distance is not None and all_true(distance <= tolerance.slack(expected)):  # tolerance.accepts
            result.verdict, result.points = CORRECT, item.points
            return result
        convention = layout_result(self.checker, item, value, result, tolerance.accepts)
        if convention is not None:
            return convention
        mistake = self._authored_number(item, value)
        if mistake is not None:
            return mistake_result(result, mistake)
        if aligned is not None and tolerance.rounded_too_coarsely(aligned, expected, distance):
            result.wrong_entries = wrong_entries(aligned, expected, tolerance, distance)
            listing = f" ({miss_message(aligned, expected, tolerance, result.wrong_entries)})" if item.visible else ""
            return self._wrong(result, item, Candidate("rounding", coarse_message(tolerance) + listing, expected), "")
        if aligned is not None and self._for_base_numbers(item, aligned, tolerance):
            result.wrong_entries = wrong_entries(aligned, expected, tolerance)
            return self._wrong(result, item, Candidate("base_numbers", base_numbers_message(item.id, self.problem),
                                                       expected), "")
        classmate = self._other_variant(item, aligned, tolerance) if aligned is not None else None
        if classmate is not None:
            result.wrong_entries = wrong_entries(aligned, expected, tolerance)
            return self._wrong(result, item, Candidate("other_variant", other_variant_message(self.problem, classmate),
                                                       expected), "")
        if aligned is None:
            found = shape_diagnosis(self.base, item.quantity, item.id, value, expected, tolerance.accepts)
            message = (f"{item.id} has shape {describe_shape(expected.shape)}; "
                       f"your answer has shape {describe_shape(value.shape)}")
            return self._wrong(result, item, found, message)
        found = (self._first_candidate(item, expected, aligned, tolerance.accepts)
                 or jacobian_form(self.base, item.quantity, item.id, aligned, expected, tolerance.accepts))
        result.wrong_entries = misses = wrong_entries(aligned, expected, tolerance, distance)
        explained = found is not None or not item.visible  # then the listing of the misses is not shown
        return self._wrong(result, item, found, "" if explained else miss_message(aligned, expected, tolerance, misses))

    def _for_base_numbers(self, item: AskItem, answer: np.ndarray, tolerance: Tolerance) -> bool:
        """Whether the answer to a student's variant is the value at the problem's printed numbers."""
        printed = self.checker.base_numbers
        if printed is None or (item.quantity is None and item.expected_formula is None):
            return False
        try:
            base_value = printed.item_expected(printed.base, item)
        except NncheckError:
            return False
        return base_value.shape == answer.shape and tolerance.accepts(answer, base_value)

    def _other_variant(self, item: AskItem, answer: np.ndarray, tolerance: Tolerance) -> str | None:
        """The classmate whose variant the answer fits, when the class is known (grade)."""
        classmates, variant = self.checker.classmates, self.problem.variant
        if classmates is None or variant is None:
            return None
        return classmates.fitting(item, answer, tolerance, variant.student)

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
        candidates = self._candidates(item, expected)
        if isinstance(candidates, CandidateTable):
            return candidates.first_match(answer)
        for candidate in candidates:
            if candidate.value.shape == answer.shape and matches(answer, candidate.value):
                return candidate
        return None

    def _candidates(self, item: AskItem, expected: np.ndarray):
        """The common mistakes of a small item, computed once per problem: a class with many
        wrong answers compares each with the same candidates."""
        if expected.size > MAX_REMEMBERED_CANDIDATE_SIZE:
            return value_candidates(self.problem, self.base, item.quantity, item.id, expected)
        remembered = self.checker.kind_cache.setdefault("value candidates", {})
        if item.id not in remembered:
            with self.problem.meter.uncounted():   # kept for the problem, not for an answer file
                remembered[item.id] = CandidateTable(
                    list(value_candidates(self.problem, self.base, item.quantity, item.id, expected)),
                    self._tolerance(item))
        return remembered[item.id]

    def _wrong(self, result: ItemResult, item: AskItem, found: Candidate | None, fallback: str) -> ItemResult:
        result.verdict = WRONG
        if found is not None:
            result.diagnosis, result.message = found.key, found.message
        else:
            result.message = fallback if item.visible else "does not match the expected value"
        return result

    def _check_formula(self, item: AskItem, answer: Answer, reading: Reading, result: ItemResult) -> ItemResult:
        """A formula is checked once per problem: a class writes the same formulas many times.
        Invalid ones are not remembered (their messages name the file)."""
        remembered = self.checker.kind_cache.setdefault("value formulas", {})
        key = (item.id, reading.formula)
        if key in remembered:
            checked, work = remembered[key]
            self.problem.meter.done += work  # an answer file is charged the same whether or not the formula was remembered
            return replace(checked, answer=checked.answer if reading.numbers_only else _written(answer))
        started = self.problem.meter.done
        checked = self._check_new_formula(item, answer, reading, result)
        if checked.verdict != INVALID and len(remembered) < MAX_REMEMBERED_FORMULAS:
            remembered[key] = (replace(checked), self.problem.meter.done - started)
        return checked

    def _check_new_formula(self, item: AskItem, answer: Answer, reading: Reading, result: ItemResult) -> ItemResult:
        result.answer = _written(answer)
        label = f"answers.{item.id}"
        as_written = reading.formula == answer.raw
        try:
            formula = parse_formula(reading.formula, label, (answer.text_start or answer.location) if as_written
                                    else answer.location)
            value = evaluate_answer(formula, self.base)
        except NncheckError as error:
            where = f" (at {error.location})" if error.location else ""
            return self._invalid(result, strip_label(error.message, label) + where)
        used = _forbidden_parts(formula.expr, item.forbid)
        if used:
            return self._invalid(result, f"write {item.id} without {used}: the question asks for it in other terms")
        circular = self._circular(item, formula)
        if circular:
            return self._invalid(result, circular)
        if not formula.names:
            if reading.numbers_only:
                result.answer = value
            return self._invalid(result, _relation_asked(item)) if item.formula_only else \
                self._check_number(item, value, result)
        return FormulaCheck(self, item, formula, result).run(value)


def _written(answer: Answer) -> str:
    return answer.raw.strip() if isinstance(answer.raw, str) else str(answer.raw)


def with_reading(result: ItemResult, reading: Reading) -> ItemResult:
    """An answer written in another notation says how it was read."""
    if reading.read_as:
        result.read_as = reading.read_as
        said = f"read as: {reading.read_as}"
        result.message = f"{said}; {result.message}" if result.message else said
    return result


class CandidateTable:
    """An item's common mistakes with their accepted intervals, stacked: a numeric answer is
    compared with all of them at once, and the first (in their order) that it matches wins."""

    def __init__(self, candidates: list[Candidate], tolerance: Tolerance):
        self.candidates = candidates
        shapes = {candidate.value.shape for candidate in candidates}
        self.shape = shapes.pop() if len(shapes) == 1 else None
        if self.shape is not None:
            self.values = np.stack([np.asarray(candidate.value, dtype=np.float64) for candidate in candidates])
            self.slack = np.stack([tolerance.slack(value) for value in self.values])
        self.tolerance = tolerance

    def first_match(self, answer: np.ndarray) -> Candidate | None:
        if not self.candidates:
            return None
        if self.shape is None or answer.shape != self.shape:
            return next((candidate for candidate in self.candidates if candidate.value.shape == answer.shape
                         and self.tolerance.accepts(answer, candidate.value)), None)
        inside = np.abs(answer - self.values) <= self.slack
        hits = np.flatnonzero(inside.reshape(len(self.candidates), -1).all(axis=1))
        return self.candidates[int(hits[0])] if hits.size else None


class FormulaCheck:
    """A formula answer compared with the engine at the given values and at redraws.

    Values are compared exactly (up to round-off) after `align`, so a formula of another
    shape can still match an authored mistake or a shape diagnosis.
    """

    def __init__(self, checker: ValueCheck, item: AskItem, formula: Formula, result: ItemResult):
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
        convention = layout_result(checker.checker, item, value, result, _same, self._in_other_layout)
        if convention is not None:
            return convention
        mistake = self._authored(value)
        if mistake is not None:
            return mistake_result(result, mistake)
        found = self._candidate(value)
        if found is None and align(value, result.expected) is not None:
            found = self._everywhere(value, lambda solution, answer, expected: jacobian_form(
                solution, item.quantity, item.id, align(answer, expected), expected, _same))
        if found is None and align(value, result.expected) is None:
            found = self._everywhere(value, lambda solution, answer, expected: shape_diagnosis(
                solution, item.quantity, item.id, answer, expected, _same))
        found = with_named_step(self, found)
        if found is None and align(value, result.expected) is None:
            return checker._invalid(result, f"the formula gives shape {describe_shape(value.shape)}, "
                                            f"but {item.id} has shape {describe_shape(result.expected.shape)}")
        fallback = "the formula does not give the expected value at the problem's numbers"
        aligned = align(value, result.expected)
        if aligned is not None:
            result.formula_value = value
            result.wrong_entries = wrong_entries(aligned, result.expected, formula_tolerance(result.expected))
            fallback = formula_miss_message(item.id, aligned, result.expected, result.wrong_entries)
        return checker._wrong(result, item, found, fallback)

    def redraws(self):
        """(solution, formula value, expected value) at each redraw of the leaves, computed once
        for all variants of the problem (redraws do not depend on a student's numbers)."""
        if self._redraw_list is None:
            shared = self.checker.checker.shared.setdefault("formula redraws", {})
            key = (self.item.id, self.formula.text)
            if key in shared:
                self._redraw_list = shared[key]
                return self._redraw_list
            self._redraw_list = []
            redrawable = self.item.quantity is not None or self.item.expected_formula is not None
            for solution in (self.checker.checker.draws() if redrawable else []):
                self.checker.checker.check_answer_work(self.formula.start)
                expected = self.checker.item_expected(solution, self.item)
                try:
                    answer = evaluate_answer(self.formula, solution)
                except NncheckError:
                    answer = None
                self._redraw_list.append((solution, answer, expected))
            if len(shared) < MAX_REMEMBERED_FORMULAS:
                shared[key] = self._redraw_list
        return self._redraw_list

    def _in_other_layout(self, other_layout) -> bool:
        """Whether the formula gives the other layout of the expected value at every redraw."""
        for solution, answer, expected in self.redraws():
            found = other_layout(solution, self.item.quantity, expected)
            if found is None or not _same(answer, found[0]):
                return False
        return True

    def _everywhere(self, value: np.ndarray, diagnose) -> Candidate | None:
        """`diagnose(solution, answer, expected)` at the problem's values, if it gives the same
        diagnosis at every redraw too."""
        found = diagnose(self.checker.base, value, self.result.expected)
        for solution, answer, expected in (self.redraws() if found is not None else []):
            again = None if answer is None else diagnose(solution, answer, expected)
            if again is None or again.key != found.key:
                return None
        return found

    def _coincidence(self, solution: Solution, answer, expected) -> ItemResult:
        self.result.verdict, self.result.diagnosis = WRONG, "coincidence"
        got = "an error" if answer is None else format_tensor(answer)
        self.result.message = (
            "the formula holds only for these numbers: with other values of "
            f"{', '.join(solution.problem.leaves)} it gives {got} where {self.item.id} is {format_tensor(expected)}"
        )
        return self.result

    def _authored(self, value: np.ndarray):
        evaluate = ValueCheck._evaluate_mistake
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


MAX_LISTED_ENTRIES = 8


def base_numbers_message(item_id: str, problem) -> str:
    """A varying problem answered with the numbers printed in it instead of the student's own."""
    student = problem.variant.student if problem.variant is not None else "ID"
    return (f"this is the value of {item_id} for the base numbers printed in the problem, not your variant's: "
            f"work with your own numbers (nncheck run {problem.path} --student {student} shows them)")


def other_variant_message(problem, classmate: str) -> str:
    """A varying problem answered with another student's numbers."""
    student = problem.variant.student if problem.variant is not None else "ID"
    return (f"these answers fit the numbers of another student's variant ({classmate}), not yours: work with "
            f"your own numbers (nncheck run {problem.path} --student {student} shows them)")


def wrong_entries(answer: np.ndarray, expected: np.ndarray, tolerance: Tolerance,
                  distance: np.ndarray | None = None) -> tuple:
    """The indices of the entries outside their accepted interval, in order (`distance`:
    |answer - expected|, when already known)."""
    distance = np.abs(np.asarray(answer) - expected) if distance is None else distance
    outside = ~(distance <= tolerance.slack(expected))
    if outside.ndim == 0:
        return ((),) if outside else ()
    return tuple(zip(*(axis.tolist() for axis in np.nonzero(outside))))  # np.argwhere's order, faster


def entry_name(index: tuple, shape: tuple) -> str:
    """An entry as a person reads it from the printed matrix, counting from 1: `row 2, column 3`."""
    if len(shape) == 1:
        return f"entry {index[0] + 1}"
    if len(shape) == 2:
        return f"row {index[0] + 1}, column {index[1] + 1}"
    return "entry (" + ", ".join(str(i + 1) for i in index) + ")"


def entry_list(answer: np.ndarray, expected: np.ndarray, misses: tuple) -> str:
    """`; 2 of 6 entries wrong: row 1, column 2 (yours 0.5, expected 0.0122); ...`"""
    if expected.size < 2 or not misses:
        return ""
    parts = [f"{entry_name(index, expected.shape)} (yours {format_number(answer[index], 6)}, "
             f"expected {format_number(expected[index], 6)})" for index in misses[:MAX_LISTED_ENTRIES]]
    more = len(misses) - MAX_LISTED_ENTRIES
    tail = f"; and {more} more" if more > 0 else ""
    return f"; {len(misses)} of {expected.size} entries wrong: " + "; ".join(parts) + tail


MAX_SHOWN_VALUE = 12


def formula_miss_message(item_id: str, value: np.ndarray, expected: np.ndarray, misses: tuple) -> str:
    """`your formula gives 0.31 at the problem's numbers, where dL/db2 is -2.732`, and the wrong entries."""
    if expected.size > MAX_SHOWN_VALUE:
        return "your formula does not give the expected value at the problem's numbers" + \
            entry_list(value, expected, misses)
    return (f"your formula gives {format_tensor(value)} at the problem's numbers, where {item_id} is "
            f"{format_tensor(expected)}{entry_list(value, expected, misses)}")


def miss_message(answer: np.ndarray, expected: np.ndarray, tolerance: Tolerance, misses: tuple | None = None) -> str:
    """Every entry outside its interval, counting from 1 as printed, with the intervals
    (`misses`: wrong_entries of the answer, when already known)."""
    misses = wrong_entries(answer, expected, tolerance) if misses is None else misses
    if not misses:
        return "does not match the expected value"
    if expected.size == 1:
        index = misses[0]
        low, high = _interval(tolerance, expected, index)
        return (f"expected {format_number(expected[index], 6)} (accepted from {format_number(low, 6)} "
                f"to {format_number(high, 6)}, {tolerance.describe()}); your answer has "
                f"{format_number(answer[index], 8)}")
    texts = _entry_texts(expected, tolerance)
    parts = [f"{texts(index)[0]}{format_number(answer[index], 8)}{texts(index)[1]}"
             for index in misses[:MAX_LISTED_ENTRIES]]
    more = len(misses) - MAX_LISTED_ENTRIES
    tail = f"; and {more} more" if more > 0 else ""
    return (f"{len(misses)} of {expected.size} entries wrong: " + "; ".join(parts) + tail
            + f" ({tolerance.describe()})")


MAX_REMEMBERED_TEXTS = 1000  # expected values whose entries' texts are remembered (then forgotten all at once)
MAX_REMEMBERED_TEXT_SIZE = 64  # entries of such an expected value
_ENTRY_TEXTS: dict = {}


def _entry_texts(expected: np.ndarray, tolerance: Tolerance):
    """index -> the text of a wrong entry before and after the student's number: `row 1, column 2:
    yours ` and `, expected 0.0122 (accepted from 0.01215 to 0.01225)`. A class gets the same
    expected values again and again: remembered per expected value and tolerance (small tensors)."""
    key = (tolerance, expected.shape, expected.tobytes()) if expected.size <= MAX_REMEMBERED_TEXT_SIZE else None
    texts = _ENTRY_TEXTS.get(key) if key is not None else None
    if texts is None:
        texts = {}
        if key is not None:
            if len(_ENTRY_TEXTS) >= MAX_REMEMBERED_TEXTS:
                _ENTRY_TEXTS.clear()
            _ENTRY_TEXTS[key] = texts
    slack = tolerance.slack(expected)

    def entry(index: tuple) -> tuple[str, str]:
        if index not in texts:
            centre, width = float(expected[index]), float(slack[index])
            texts[index] = (f"{entry_name(index, expected.shape)}: yours ",
                            f", expected {format_number(centre, 6)} (accepted from {format_number(centre - width, 6)} "
                            f"to {format_number(centre + width, 6)})")
        return texts[index]

    return entry


def _interval(tolerance: Tolerance, expected: np.ndarray, index: tuple) -> tuple[float, float]:
    width = float(tolerance.slack(expected)[index])
    centre = float(expected[index])
    return centre - width, centre + width


def mistake_result(result: ItemResult, mistake) -> ItemResult:
    result.verdict, result.diagnosis = WRONG, "authored"
    result.points = min(mistake.points, result.max_points)
    result.message = mistake.message
    return result
