"""Asked items of kind `interval`: the step sizes for which gradient descent converges.

The answer is an interval such as "(0, 1/5)" (brackets say whether each end belongs to it);
a YAML list [0, 0.2] reads as "[0, 0.2]" does, the closed interval. nncheck finds the range
itself (see training.py), or takes it from the item's `expected:`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from nncheck.read.answers import normalize_id
from nncheck.errors import Location, NncheckError
from nncheck.read.formula import parse_formula
from nncheck.read.notation import formula_text, interval_text
from nncheck.numbers import format_number
from nncheck.check.results import CORRECT, INVALID, MISSING, WRONG, ItemResult
from nncheck.read.tolerance import EXACT, Tolerance, read_tolerance
from nncheck.engine.tape import Tape, evaluate_formula
from nncheck.engine.training import convergent_step_sizes, descended_node, steps_at
from nncheck.read.tensors import read_tensor

KEYS = {"interval": ("objective", "expected", "ends", "tolerance")}
ENDS = ("graded", "ignored")
REDRAWN_STARTS = 2
MAX_DENOMINATOR = 1000
HOW = {"analytic": "analytically", "bisection": "by bisection", "given": "as stated by the problem"}


@dataclass(eq=False)
class Interval:
    """Endpoints and whether each belongs to the interval; `listed`: written as a YAML list."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool
    low_text: str
    high_text: str
    listed: bool = False

    def endpoints(self) -> np.ndarray:
        return np.array([self.low, self.high])

    def text(self) -> str:
        return f"{'[' if self.low_closed else '('}{self.low_text}, {self.high_text}{']' if self.high_closed else ')'}"


@dataclass(eq=False)
class IntervalSpec:
    objective: str | None
    expected: Interval | None
    ends_graded: bool
    tolerance: Tolerance | None
    location: Location


@dataclass(eq=False)
class Found:
    """The expected interval, how it was found, and why it is what it is."""

    interval: Interval
    method: str
    detail: str
    objective: str


# --- reading intervals -----------------------------------------------------------------


def parse_interval(text: str, label: str, start: Location | None, checker_tape: Tape | None = None) -> Interval:
    """"(0, 1/5)", "[0, 0.2)": endpoints are numbers or formulas of numbers, no names (evaluated
    beside `checker_tape`, the checker's, so that their work counts in the answer file's)."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    if len(stripped) < 2 or stripped[0] not in "([" or stripped[-1] not in ")]":
        raise NncheckError(f"{label}: write an interval with brackets, such as (low, high) or [low, high): "
                           "( ) leaves an end out, [ ] includes it", start)
    inner = stripped[1:-1]
    commas = _top_level_commas(inner)
    if len(commas) != 1:
        raise NncheckError(f"{label}: an interval has two endpoints separated by a comma, such as (low, high)", start)
    low_text, high_text = inner[:commas[0]], inner[commas[0] + 1:]
    low = _endpoint(low_text, label, start and start.shifted(lead + 1), checker_tape)
    high = _endpoint(high_text, label, start and start.shifted(lead + commas[0] + 2), checker_tape)
    if low > high:
        raise NncheckError(f"{label}: the left end {low_text.strip()} is larger than the right end "
                           f"{high_text.strip()}", start)
    return Interval(low, high, stripped[0] == "[", stripped[-1] == "]", low_text.strip(), high_text.strip())


def _top_level_commas(text: str) -> list[int]:
    depth, commas = 0, []
    for position, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            commas.append(position)
    return commas


def _endpoint(text: str, label: str, where: Location | None, checker_tape: Tape | None = None) -> float:
    if not text.strip():
        raise NncheckError(f"{label}: an endpoint is missing", where)
    text = formula_text(text, (), label, where)[0]
    formula = parse_formula(text, label, where)
    where = where and where.shifted(len(text) - len(text.lstrip()))
    if formula.names:
        raise NncheckError(f"{label}: `{formula.names[0]}`: endpoints are numbers or formulas of numbers "
                           "such as a fraction p/q; names are not allowed", where)
    value = evaluate_formula(checker_tape.beside() if checker_tape is not None else Tape(), formula, {}).value
    if np.size(value) != 1 or not np.all(np.isfinite(value)):
        raise NncheckError(f"{label}: `{text.strip()}` is not a finite number", where)
    return float(np.ravel(value)[0])


def read_spec(kind, doc, path, label, names) -> IntervalSpec:
    spec = doc.data
    for key in path:
        spec = spec[key]
    objective = spec.get("objective")
    if objective is not None and (not isinstance(objective, str) or objective not in names):
        raise NncheckError(f"{label}.objective: {objective!r} is not a node of this problem",
                           doc.where(*path, "objective"))
    expected = None
    if "expected" in spec:
        if not isinstance(spec["expected"], str):
            raise NncheckError(f'{label}.expected: write the interval in quotes with brackets, such as "(0, 1/5)"',
                               doc.where(*path, "expected"))
        expected = parse_interval(spec["expected"], f"{label}.expected",
                                  doc.text_start(*path, "expected") or doc.where(*path, "expected"))
    ends = spec.get("ends", "graded")
    if ends not in ENDS:
        raise NncheckError(f"{label}.ends: use graded (open or closed ends count) or ignored",
                           doc.where(*path, "ends"))
    tolerance = read_tolerance(doc, path + ("tolerance",), f"{label}.tolerance") if "tolerance" in spec else None
    parameters = doc.data.get("parameters")
    if not isinstance(parameters, list) or not parameters:
        raise NncheckError(f"{label}: an interval item needs the values gradient descent changes: add "
                           "parameters: [x] at the top level", doc.where(*path))
    return IntervalSpec(objective, expected, ends == "graded", tolerance, doc.where(*path))


# --- the expected interval -------------------------------------------------------------

_FOUND: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def expected_interval(checker, item) -> Found:
    """The item's interval, found once per checker (a class of answer files shares it)."""
    found = _FOUND.setdefault(checker, {})
    if item.id not in found:
        with checker.problem.meter.uncounted():  # computed once for the problem, not for an answer file
            found[item.id] = _find(checker, item)
    return found[item.id]


def _find(checker, item) -> Found:
    problem = checker.problem
    objective = item.spec.objective or descended_node(problem)
    if item.spec.expected is not None:
        return Found(item.spec.expected, "given", "stated by the problem (expected:)", objective)
    try:
        redraws = [problem.redrawn_values(draw) for draw in range(1, REDRAWN_STARTS + 1)]
        steps = convergent_step_sizes(checker.base, objective, redraws, _rate_name(problem))
    except NncheckError as error:
        raise NncheckError(f"ask {item.id}: {error.message}", item.location) from None
    exact = steps.method == "analytic"
    upper = _simple_fraction(steps.upper) if exact else None
    high = float(upper) if upper is not None else steps.upper
    high_text = str(upper) if upper is not None else format_number(high, 6 if exact else 4)
    return Found(Interval(0.0, high, False, False, "0", high_text), steps.method, steps.detail, objective)


def _simple_fraction(value: float) -> Fraction | None:
    """1/5 for 0.2000000000002: the exact value a hand computation gives, when there is one."""
    fraction = Fraction(value).limit_denominator(MAX_DENOMINATOR)
    return fraction if abs(float(fraction) - value) <= 1e-9 * abs(value) else None


def _decimal(interval: Interval) -> str:
    """"(0, 1/5) = (0, 0.2)" when an endpoint is written as a fraction."""
    if "/" not in interval.low_text + interval.high_text:
        return interval.text()
    plain = replace(interval, low_text=format_number(interval.low, 6), high_text=format_number(interval.high, 6))
    return f"{interval.text()} = {plain.text()}"


# --- checking answers ------------------------------------------------------------------


def check(kind, checker, item, answer_file) -> list[ItemResult]:
    result = ItemResult(item.id, MISSING, 0.0, item.points, item.visibility)
    answer = answer_file.answers.get(normalize_id(item.id))
    if answer is None or answer.is_missing:
        result.message = "no answer given"
        return [result]
    found = expected_interval(checker, item)
    result.expected = found.interval.endpoints()
    result.expected_text = found.interval.text()
    result.answer = answer.raw.strip() if isinstance(answer.raw, str) else None
    try:
        given = _read_answer(answer_file, answer, item, checker.base.tape)
    except NncheckError as error:
        where = f" (at {error.location})" if error.location else ""
        result.verdict, result.message = INVALID, error.message.removeprefix(f"answers.{item.id}: ") + where
        return [result]
    if result.answer is None:
        result.answer = given.endpoints()
    return [_verdict(checker, item, found, given, result)]


def _read_answer(answer_file, answer, item, checker_tape: Tape) -> Interval:
    label = f"answers.{item.id}"
    if isinstance(answer.raw, str):
        text = interval_text(answer.raw, label, answer.location)
        return parse_interval(text, label, (answer.text_start if text == answer.raw else None) or answer.location,
                              checker_tape)
    if not isinstance(answer.raw, list):
        raise NncheckError(f'{label}: give an interval with brackets in quotes, such as "(low, high)", '
                           "or its two endpoints as a list [low, high]", answer.location)
    if len(answer.raw) != 2:
        raise NncheckError(f"{label}: a list answer gives the two endpoints, [low, high]", answer.location)
    low, high = (_list_endpoint(answer_file.doc, answer.path + (i,), label, checker_tape) for i in range(2))
    if low > high:
        raise NncheckError(f"{label}: the left end is larger than the right end", answer.location)
    return Interval(low, high, True, True, format_number(low, 6), format_number(high, 6), listed=True)


def _list_endpoint(doc, path: tuple, label: str, checker_tape: Tape) -> float:
    """A number, or a formula of numbers such as 1/5 (YAML reads [0, 1/5] as a number and a string)."""
    entry = doc.data
    for key in path:
        entry = entry[key]
    if isinstance(entry, str):
        return _endpoint(entry, label, doc.text_start(*path) or doc.where(*path), checker_tape)
    value = read_tensor(doc, path, label)
    if value.shape != ():
        raise NncheckError(f"{label}: a list answer gives the two endpoints, such as [0, 0.2]", doc.where(*path))
    return float(value)


def _verdict(checker, item, found: Found, given: Interval, result: ItemResult) -> ItemResult:
    tolerance = item.spec.tolerance or checker.problem.default_tolerance()
    expected = found.interval
    if not tolerance.accepts(given.endpoints(), expected.endpoints()):
        return _wrong_endpoints(checker, item, found, given, result, tolerance)
    result.verdict, result.points = CORRECT, item.points
    if not item.spec.ends_graded:
        return result
    stated = replace(expected, low_text=given.low_text, high_text=given.high_text)
    wrong = [side for side, closed, want in (("left", given.low_closed, expected.low_closed),
                                             ("right", given.high_closed, expected.high_closed)) if closed != want]
    if wrong:
        result.verdict, result.points, result.diagnosis = WRONG, 0.0, "interval_ends"
        explained = "; ".join(_end_message(checker, found, side) for side in wrong)
        which = "the ends" if len(wrong) == 2 else f"the {wrong[0]} end"
        result.message = f"the endpoints are right, but not {which}: {explained}. The range is {stated.text()}"
        if given.listed:
            result.message += (f"; a list [{given.low_text}, {given.high_text}] is the closed interval, as "
                               f"\"[{given.low_text}, {given.high_text}]\" is: write \"{stated.text()}\" in quotes")
    return result


def _rate_name(problem) -> str:
    return problem.train.lr if isinstance(problem.train.lr, str) else "eta"


def _end_message(checker, found: Found, side: str) -> str:
    """What gradient descent does at the end the answer got wrong."""
    interval, eta = found.interval, _rate_name(checker.problem)
    value, text, included = ((interval.low, interval.low_text, interval.low_closed) if side == "left"
                             else (interval.high, interval.high_text, interval.high_closed))
    steps = steps_at(checker.base, found.objective, value)
    if included:
        return f"at {eta} = {text} gradient descent still converges ({steps}), so the range includes {text}"
    if value == 0:
        why = "the iterate never moves, so it never reaches the minimum"
    elif found.method == "analytic" and _single_number(checker):
        why = "it jumps across the minimum to the mirror point and back, never getting closer"
    elif found.method == "analytic":
        why = (f"the part along the direction of largest curvature flips sign at every step without shrinking, "
               f"so {found.objective} levels off above its minimum")
    else:
        why = "this is the edge between converging and diverging"
    return f"at {eta} = {text}, {steps}: {why}; {text} is not in the range"


def _single_number(checker) -> bool:
    return sum(np.size(checker.base.value(name)) for name in checker.problem.parameters) == 1


def _wrong_endpoints(checker, item, found: Found, given: Interval, result: ItemResult, tolerance) -> ItemResult:
    result.verdict = WRONG
    expected, eta = found.interval, _rate_name(checker.problem)
    half = np.array([expected.low, expected.high / 2])
    if found.method == "analytic" and tolerance.accepts(given.endpoints(), half):
        result.diagnosis = "no_overshoot"
        range_end = f" up to {expected.high_text}" if item.visible else ""
        result.message = (f"{given.text()} is where each step moves toward the minimum without overshooting it; "
                          f"for larger {eta}{range_end} each step overshoots, yet the distance to the minimum "
                          "still shrinks, so gradient descent converges there too")
    elif item.visible:
        result.message = (f"gradient descent converges for {eta} in {_decimal(expected)} (found {HOW[found.method]}); "
                          f"your interval is {given.text()}")
    else:
        result.message = f"{given.text()} is not the range of step sizes for which gradient descent converges"
    return result


# --- reference answers and templates ---------------------------------------------------


def reference(kind, checker, item, show_hidden: bool = True) -> list[tuple[str, str]]:
    found = expected_interval(checker, item)
    return [("interval", f"{_rate_name(checker.problem)} in {_decimal(found.interval)}"),
            ("method", f"{found.method}: {found.detail}")]


def answer_keys(kind, item, problem) -> list[str]:
    return [normalize_id(item.id)]


def template(kind, item, problem, solution=None) -> list[tuple[str, str]]:
    return [(item.id, f'{item.id}: an interval in quotes, "(low, high)" with numbers or fractions as ends; '
                      "( ) leaves an end out, [ ] includes it")]


def reference_entries(kind: str, checker, item, keys: list[str]) -> dict:
    """The answer-file entries of the reference answer at the checker's numbers (for selftest)."""
    return {keys[0]: expected_interval(checker, item).interval.text()}


def selftest_tolerance(kind: str, item, problem) -> Tolerance:
    """Reference answers are the same answer only with the same numbers."""
    return EXACT
