"""YES/NO questions about a quantity over many draws of the problem's values.

`zero`: is the quantity exactly zero in every draw? `identical`: are its slices along an
axis equal in every draw (and after gradient-descent steps)? Draw 0 is the problem's own
values; the others redraw every value not held, keeping those that satisfy the condition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncheck.read.answers import normalize_id
from nncheck.read.asks import Quantity, parse_quantity
from nncheck.engine.tape import PASS_WORK, repeat_problem
from nncheck.errors import Location, NncheckError
from nncheck.read.formula import Formula, name_parts, parse_formula
from nncheck.text import one_line
from nncheck.check.results import CORRECT, INVALID, MISSING, WRONG, ItemResult
from nncheck.read.tensors import describe_shape
from nncheck.engine.solution import Solution, evaluate_answer
from nncheck.numbers import format_tensor
from nncheck.read.tolerance import EXACT, Tolerance

SHARED_KEYS = ("of", "hold", "condition", "draws")
KEYS = {"zero": SHARED_KEYS, "identical": SHARED_KEYS + ("axis", "steps")}
DEFAULT_DRAWS = 200
MAX_DRAWS = 5000
MAX_PROPERTY_STEPS = 100
ATTEMPTS_PER_DRAW = 20
ROUND_OFF = 1e-12
MAX_SHOWN_ENTRIES = 6
ANSWERS = {"YES": True, "NO": False}


@dataclass(eq=False)
class PropertySpec:
    """What an item asks: the quantity (or formula) `of`, and how the draws are made."""

    of: str
    quantity: Quantity | None
    formula: Formula | None
    hold: tuple[str, ...]
    condition: Formula | None
    draws: int
    axis: int
    steps: int
    hold_location: Location
    condition_location: Location


@dataclass(eq=False)
class Outcome:
    """Whether the property held in every draw, over how many draws, and where it failed."""

    holds: bool
    draws: int
    counterexample: str = ""


# --- reading the item ------------------------------------------------------------------


def read_spec(kind: str, doc, path: tuple, label: str, names: list[str]) -> PropertySpec:
    spec = doc.data
    for key in path:
        spec = spec[key]
    quantity, formula = _read_of(doc, path, label, names, spec.get("of"))
    hold = _read_hold(doc, path, label, names, spec.get("hold", []))
    condition = None
    if "condition" in spec:
        condition = _read_formula(doc, path + ("condition",), f"{label}.condition", names, spec["condition"])
    draws = _whole_number(doc, path, label, spec, "draws", DEFAULT_DRAWS, 1, MAX_DRAWS)
    steps = _whole_number(doc, path, label, spec, "steps", 0, 0, MAX_PROPERTY_STEPS)
    axis = spec.get("axis", 0)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise NncheckError(f"{label}.axis: expected a whole number, such as 0 (rows) or 1 (columns)",
                           doc.where(*path, "axis"))
    if steps or (quantity is not None and quantity.step):
        _require_training(doc, path + (("steps",) if steps else ("of",)), label)
    return PropertySpec(one_line(spec["of"]), quantity, formula, hold, condition, draws, axis, steps,
                        doc.where(*path, "hold"), doc.where(*path, "condition"))


def _read_of(doc, path: tuple, label: str, names: list[str], text) -> tuple[Quantity | None, Formula | None]:
    if not isinstance(text, str) or not text.strip():
        raise NncheckError(f"{label}.of: name what the question is about, such as dL/dw2 or h, or give a "
                           "formula in quotes", doc.where(*path, "of"))
    quantity = parse_quantity(text)
    if quantity is None:
        return None, _read_formula(doc, path + ("of",), f"{label}.of", names, text)
    for name in filter(None, (quantity.name, quantity.of)):
        if name not in names:
            raise NncheckError(f"{label}.of: {name!r} is not a value or node of this problem",
                               doc.where(*path, "of"))
    return quantity, None


def _read_formula(doc, path: tuple, label: str, names: list[str], text) -> Formula:
    if isinstance(text, bool) or not isinstance(text, str):
        raise NncheckError(f"{label}: expected a formula in quotes, such as \"z1 < 0\"", doc.where(*path))
    formula = parse_formula(text, label, doc.text_start(*path) or doc.where(*path))
    unknown = next((part for part in name_parts(formula.expr) if part.id not in names), None)
    if unknown is not None:
        raise formula.error(unknown, f"unknown name {unknown.id!r}")
    return formula


def _read_hold(doc, path: tuple, label: str, names: list[str], hold) -> tuple[str, ...]:
    if not isinstance(hold, list):
        raise NncheckError(f"{label}.hold: expected a list of value names, such as [x, t]", doc.where(*path, "hold"))
    for i, name in enumerate(hold):
        if not isinstance(name, str) or name not in names:
            raise NncheckError(f"{label}.hold: {one_line(str(name))!r} is not a value of this problem",
                               doc.where(*path, "hold", i))
        if hold.index(name) != i:
            raise NncheckError(f"{label}.hold: {name!r} is listed twice", doc.where(*path, "hold", i))
    return tuple(hold)


def _whole_number(doc, path: tuple, label: str, spec: dict, key: str, default: int, low: int, high: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NncheckError(f"{label}.{key}: expected a whole number from {low} to {high}", doc.where(*path, key))
    return value


def _require_training(doc, path: tuple, label: str) -> None:
    train = doc.data.get("train")
    if not doc.data.get("parameters") or not isinstance(train, dict) or train.get("lr") is None:
        raise NncheckError(f"{label}: gradient-descent steps need parameters: [...] and train: {{lr: ...}} "
                           "in the problem", doc.where(*path))


# --- the kind's entries ----------------------------------------------------------------


def answer_keys(kind: str, item, problem) -> list[str]:
    return [normalize_id(item.id)]


def template(kind: str, item, problem, solution=None) -> list[tuple[str, str]]:
    return [(normalize_id(item.id), "YES or NO")]


def reference(kind: str, checker, item, show_hidden: bool = True) -> list[tuple[str, str]]:
    outcome = evaluate(kind, checker, item)
    if outcome.holds:
        return [("answer", "YES"), ("why", _holds_message(kind, item.spec, outcome))]
    return [("answer", "NO"), ("counterexample", outcome.counterexample)]


def check(kind: str, checker, item, answer_file) -> list[ItemResult]:
    result = ItemResult(item.id, MISSING, 0.0, item.points, item.visibility)
    answer = answer_file.answers.get(normalize_id(item.id))
    if answer is None or answer.is_missing:
        result.message = "no answer given"
        return [result]
    said = _read_answer(answer.raw)
    result.answer = said or _shortened(one_line(str(answer.raw)))
    if said is None:
        result.verdict = INVALID
        result.message = f"answer YES or NO; {result.answer!r} is neither (at {answer.location})"
        return [result]
    outcome = evaluate(kind, checker, item)
    if ANSWERS[said] == outcome.holds:
        result.verdict, result.points = CORRECT, item.points
        return [result]
    result.verdict = WRONG
    if said == "YES":
        result.diagnosis = "counterexample"
    if not item.visible:
        result.message = "does not match the expected answer"
    elif said == "YES":
        result.message = outcome.counterexample
    else:
        result.message = _holds_message(kind, item.spec, outcome)
    return [result]


def _read_answer(raw) -> str | None:
    """YES or NO, from any case of the words or from YAML true/false."""
    if isinstance(raw, bool):
        return "YES" if raw else "NO"
    if isinstance(raw, str) and raw.strip().upper() in ANSWERS:
        return raw.strip().upper()
    return None


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _holds_message(kind: str, spec: PropertySpec, outcome: Outcome) -> str:
    where = f" where {one_line(spec.condition.text)}" if spec.condition is not None else ""
    held = f", holding {', '.join(spec.hold)}" if spec.hold else ""
    draws = f"all {outcome.draws} draws{where} (the problem's values and {outcome.draws - 1} redraws{held})"
    if kind == "zero":
        return f"{spec.of} is zero in {draws}"
    after = f", and after each of {spec.steps} gradient-descent steps" if spec.steps else ""
    return f"the slices of {spec.of} along axis {spec.axis} are identical in {draws}{after}"


# --- evaluating the property -----------------------------------------------------------

class _Store:
    """What one checker has computed: outcomes by item, draws by how they are made."""

    def __init__(self):
        self.outcomes: dict[str, Outcome] = {}
        self.draws: dict[tuple, list] = {}


def evaluate(kind: str, checker, item) -> Outcome:
    """The property over the item's draws, computed once per checker."""
    store = checker.kind_cache.setdefault("properties", _Store())
    if item.id not in store.outcomes:
        with checker.problem.meter.uncounted():  # computed once for the problem, not for an answer file
            sample = Sample(checker, item, store)
            solutions = sample.solutions()
            find = _zero_counterexample if kind == "zero" else _identical_counterexample
            counterexample = find(sample, solutions)
        store.outcomes[item.id] = Outcome(not counterexample, len(solutions), counterexample)
    return store.outcomes[item.id]


def _zero_counterexample(sample: "Sample", solutions: list) -> str:
    """The first draw where the quantity is not zero (beyond round-off), described; or ""."""
    of = sample.spec.of
    values = [sample.value(solution, 0) for _, solution in solutions]
    scale = max(float(np.max(np.abs(value))) for value in values)
    for (draw, solution), value in zip(solutions, values):
        if np.any(np.abs(value) > ROUND_OFF * (1.0 + scale)):
            return f"{of} is not always zero: {sample.describe(draw, solution)}, {of} = {one_line(_tensor(value))}"
    return ""


def _identical_counterexample(sample: "Sample", solutions: list) -> str:
    """The first draw and step where two slices differ, described; or ""."""
    spec = sample.spec
    for draw, solution in solutions:
        for step in range(spec.steps + 1):
            value = sample.value(solution, step)
            index = _first_differing(_slices(sample, value))
            if index is not None:
                after = f" after {step} gradient-descent step{'s' if step != 1 else ''}" if step else ""
                return (f"slices 0 and {index} of {spec.of} along axis {spec.axis} differ{after}: "
                        f"{sample.describe(draw, solution)}, {spec.of} = {one_line(_tensor(value))}")
    return ""


def _slices(sample: "Sample", value: np.ndarray) -> np.ndarray:
    spec = sample.spec
    if not -value.ndim <= spec.axis < value.ndim or value.shape[spec.axis] < 2:
        raise sample.error(f"{spec.of} has shape {describe_shape(value.shape)}: it has no axis {spec.axis} "
                           "with two or more slices to compare; choose another axis", sample.item.location)
    return np.moveaxis(value, spec.axis, 0)


def _first_differing(slices: np.ndarray) -> int | None:
    tolerance = ROUND_OFF * (1.0 + float(np.max(np.abs(slices))))
    for index in range(1, len(slices)):
        if np.any(np.abs(slices[index] - slices[0]) > tolerance):
            return index
    return None


def _tensor(value: np.ndarray) -> str:
    return format_tensor(value)


class Sample:
    """The solutions an item is checked on, and the item's quantity in each of them."""

    def __init__(self, checker, item, store: _Store):
        self.checker, self.item, self.spec = checker, item, item.spec
        self.problem = checker.problem
        self.store = store

    def error(self, message: str, location: Location | None) -> NncheckError:
        return NncheckError(f"ask {one_line(self.item.id)}: {message}", location or self.item.location)

    def located(self, error: NncheckError) -> NncheckError:
        """An error from a formula keeps its place; others are placed at the item."""
        return error if error.location is not None else self.error(error.message, None)

    def solutions(self) -> list[tuple[int, object]]:
        """(draw number, solution): the problem's values first, then accepted redraws."""
        spec = self.spec
        self._check_size()
        key = (spec.hold, spec.condition.text if spec.condition is not None else None, spec.draws)
        if key not in self.store.draws:
            self.store.draws[key] = self._draw()
        return self.store.draws[key]

    def _check_size(self) -> None:
        """The draws, and the steps of gradient descent from each, fit the problem's limits of work
        and of entries kept."""
        quantity, base = self.spec.quantity, self.checker.base
        steps = self.spec.steps + ((quantity.step or 0) if quantity is not None else 0)
        solutions = self.spec.draws * (1 + steps)
        too_much = repeat_problem(self.problem.limits, solutions, base.tape.work, solutions, base.tape.entries)
        if too_much:
            each = f" with {steps} gradient-descent steps each" if steps else ""
            raise self.error(f"{self.spec.draws} draws{each} are too many for this problem: {too_much}; "
                             "ask fewer draws: or use smaller tensors", None)

    def _draw(self) -> list[tuple[int, object]]:
        for name in self.spec.hold:
            if name not in self.problem.leaves:
                raise self.error(f"{name!r} is a node; hold: takes values only", self.spec.hold_location)
        if not self._condition_holds(self.checker.base, 0):
            raise self.error("the problem's own values do not satisfy the condition", self.spec.condition_location)
        accepted = [(0, self.checker.base)]
        affordable = self.problem.limits.max_work // (self.checker.base.tape.work + PASS_WORK) // 4  # draws missing the condition
        attempts = min(self.spec.draws * ATTEMPTS_PER_DRAW, max(self.spec.draws, affordable))
        for draw in range(1, attempts):
            if len(accepted) == self.spec.draws:
                return accepted
            solution = self._solve(draw)
            if solution is not None and self._condition_holds(solution, draw):
                accepted.append((draw, solution))
        if len(accepted) < self.spec.draws:
            raise self.error(f"only {len(accepted)} of {attempts} draws satisfy the condition, fewer than the "
                             f"{self.spec.draws} asked; loosen the condition, hold values, or ask fewer draws",
                             self.spec.condition_location)
        return accepted

    def _solve(self, draw: int):
        try:
            return Solution(self.problem, self._redrawn_values(draw))
        except NncheckError:
            return None

    def _redrawn_values(self, draw: int) -> dict[str, np.ndarray]:
        """Every value not held redrawn (a constant-initialised value becomes another constant)."""
        values = {}
        for name, leaf in self.problem.leaves.items():
            if name in self.spec.hold:
                values[name] = self.checker.base.value(name)
            else:
                values[name] = leaf.redrawn_value(draw)
        return values

    def _condition_holds(self, solution, draw: int) -> bool:
        """The condition is met where its value is nonzero somewhere; no condition is always met."""
        if self.spec.condition is None:
            return True
        try:
            return bool(np.any(evaluate_answer(self.spec.condition, solution) != 0))
        except NncheckError as error:
            if draw == 0:
                raise self.located(error) from None
            return False

    def value(self, solution, extra_steps: int) -> np.ndarray:
        """The item's quantity or formula in `solution`, after its own @k steps and `extra_steps` more."""
        quantity = self.spec.quantity
        own_steps = (quantity.step or 0) if quantity is not None else 0
        try:
            state = self._after(solution, own_steps + extra_steps)
            if quantity is None:
                return evaluate_answer(self.spec.formula, state)
            if quantity.of is None:
                return state.value(quantity.name)
            return state.gradient(quantity.of, quantity.name)
        except NncheckError as error:
            raise self.located(error) from None

    def _after(self, solution, steps: int):
        return self.checker.after_steps(solution, steps)

    def describe(self, draw: int, solution) -> str:
        """Which draw, and the values that let a student check it by hand."""
        shown = ", ".join(f"{name} = {_brief(solution.value(name))}" for name in self._shown_names(solution))
        where = "at the problem's own values" if draw == 0 else f"in draw {draw}"
        return f"{where} ({shown})" if shown else where

    def _shown_names(self, solution) -> list[str]:
        """Small or constant values, and the names the condition and formula use."""
        mentioned = self._mentioned_names()
        shown = [name for name in self.problem.leaves if name in mentioned or _short(solution.value(name))]
        return shown + [name for name in mentioned if name not in shown and name in solution.vars]

    def _mentioned_names(self) -> list[str]:
        spec = self.spec
        names = list(spec.condition.names) if spec.condition is not None else []
        if spec.formula is not None:
            names += spec.formula.names
        return list(dict.fromkeys(names))


def _short(value: np.ndarray) -> bool:
    return value.size <= MAX_SHOWN_ENTRIES or bool(np.all(value == value.flat[0]))


def _brief(value: np.ndarray) -> str:
    """A value on one line; a constant tensor as its one number."""
    if value.size > 1 and np.all(value == value.flat[0]):
        return f"{_tensor(value.flat[0])} in every entry"
    return one_line(_tensor(value))


def reference_entries(kind: str, checker, item, keys: list[str]) -> dict:
    """The answer-file entries of the reference answer at the checker's numbers (for selftest)."""
    return {keys[0]: dict(reference(kind, checker, item))["answer"]}


def selftest_tolerance(kind: str, item, problem) -> Tolerance:
    """Reference answers are the same answer only with the same numbers."""
    return EXACT
