"""`nncheck selftest`: a problem file tried the way its author would before students see it.

Answer files are made up in memory and verified with one Checker, exactly as `verify` reads
them: the reference answers score full marks; every authored mistake gets its own message
and points; perturbed answers (sign, factor 2, transposed, one entry off) lose points with the
diagnosis they should get; trivial designs (all zero, constant output, the reference with a
small margin) score zero on some group; unreadable answers are invalid. One Check per test;
the writers at the end only show them (docs/selftest.md).
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from nncheck.app.selftest_follow_through import follow_through_checks
from nncheck.read.answers import load_answer_file
from nncheck.read.asks import AskItem, Quantity, parse_quantity
from nncheck.check.diagnosis import align
from nncheck.errors import ExitCode, Location, NncheckError, NncheckErrors
from nncheck.numbers import format_number, points_of
from nncheck.read.formula import Call, Index, Name
from nncheck.check.kinds import load_kind
from nncheck.check.problems import load_problem
from nncheck.read.problem import Problem
from nncheck.check.results import CORRECT, INVALID, WRONG, ItemResult
from nncheck.check.checker import Checker, check_variation
from nncheck.engine.solution import evaluate_answer
from nncheck.numbers import format_tensor
from nncheck.read.yamlfile import parse_yaml
from nncheck.check.kinds.interval import expected_interval
from nncheck.check.kinds.design import check_against_problem, run_group
from nncheck.engine.variants import variant_problem
from nncheck.read.vary import SAMPLE_STUDENTS
from nncheck.formats.json import dumps
from nncheck.formats.table import BOLD, Styler, boxed_table, fit_rows, terminal_width, use_colour, words_wrapped
from nncheck.text import counted, one_line, printable

PASS, FAIL, SKIP = "pass", "fail", "skip"
INVALID_ANSWERS = (("invalid: unknown name", "no_such_name + 1"), ("invalid: ragged list", [[1, 2], [3]]))
ENTRY_OFF = 0.25            # one entry moved by a quarter of the largest entry (at least 10 accepted widths)
MARGINS = (1e-3, 1e-9)      # the margin variants of a threshold design
THRESHOLDS = ("step", "sign")
CONSTANT_SETTINGS = (1.0, -1.0)


@dataclass(eq=False)
class Check:
    """One test of a problem: which item, which check, pass/fail/skip, and why."""

    item: str
    check: str
    result: str
    detail: str
    location: Location | None = None


@dataclass(eq=False)
class ProblemReport:
    path: str
    title: str
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.result == FAIL]


def selftest_problem(path: str, secrets=()) -> ProblemReport:
    """Every check of one problem file (with the grader-only `secrets` merged into it, as
    `verify --secret` does); NncheckError if the problem cannot be used at all."""
    started = time.perf_counter()
    problem = load_problem(path, secrets)
    run = SelfTest(problem)
    if not problem.asks:
        run.add(path, "asked items", SKIP, "the problem has no ask: list; only its reference file is checked")
    for item in problem.asks:
        if item.grader_only:
            run.add(item.id, "grader-only", SKIP, "its expected value is in the grader-only file: selftest with "
                                                  "--secret FILE checks it", item.location)
            continue
        ITEM_CHECKS[item.kind](run, item)
    follow_through_checks(run)
    run.reference_file()
    if problem.variation is not None:
        run.variants()
    return ProblemReport(path, problem.title, run.checks, time.perf_counter() - started)


class SelfTest:
    """The checks of one problem, all verified with the same Checker."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.checker = Checker(problem)
        self.base = self.checker.base
        self.checks: list[Check] = []

    def add(self, item: str, check: str, result: str, detail: str, location: Location | None = None) -> None:
        self.checks.append(Check(item, check, result, detail, location))

    def verify(self, item: AskItem, answers: dict, label: str) -> list[ItemResult]:
        """The item's results for a made-up answer file (one result, or one per case group)."""
        verification = self.verify_all(self.checker, answers, f"{item.id}: {label}")
        ids = {f"{item.id}: {group.name}" for group in item.spec.groups} if item.kind == "design" else {item.id}
        return [result for result in verification.items if result.id in ids]

    # --- value items -----------------------------------------------------------------

    def value_item(self, item: AskItem) -> None:
        if item.formula_only:
            return self.formula_only_item(item)
        engine, given = self.engine_value(item), self.given_value(item)
        self.value_reference(item, given if engine is None else engine, engine is not None, given is not None)
        for number, mistake in enumerate(item.mistakes, 1):
            self.mistake(item, number, mistake)
        expected = self.checker.item_expected(self.base, item)  # what answers are compared with
        for check, key, value in perturbations(expected, self.tolerance(item)):
            if isinstance(value, str):
                self.add(item.id, check, SKIP, value, item.location)
            else:
                self.perturbation(item, check, key, value, expected)
        self.invalid(item, {}, item.id)

    def formula_only_item(self, item: AskItem) -> None:
        """An item with `forbid:` takes formulas only: numbers and the forbidden names are
        refused, and its mistakes trigger as formulas; the right formula is checked through
        the problem's reference answer file."""
        expected = self.checker.item_expected(self.base, item)
        self.expect_invalid(item, "numbers refused", expected)
        if item.expected_formula is not None:
            self.expect_invalid(item, "forbidden names refused", item.expected_formula.text)
        for number, mistake in enumerate(item.mistakes, 1):
            self.mistake(item, number, mistake)
        self.add(item.id, "perturbations", SKIP, "formulas only: the right formula is checked with the reference "
                                                 "answer file", item.location)

    def expect_invalid(self, item: AskItem, check: str, answer) -> None:
        [result] = self.verify(item, {item.id: answer}, check)
        outcome = PASS if result.verdict == INVALID else FAIL
        shown = _shortened(answer, 60) if isinstance(answer, str) else _short(answer)
        self.add(item.id, check, outcome, f"{shown} is marked {_outcome(result)}", item.location)

    def tolerance(self, item: AskItem):
        return item.tolerance or self.problem.default_tolerance()

    def engine_value(self, item: AskItem) -> np.ndarray | None:
        """What the item's id names, computed by the engine (a Jacobian for dA/dB with A not a
        scalar); None for a label the engine cannot compute."""
        quantity = item.quantity or parse_quantity(item.id)
        if quantity is None or any(name not in self.base.vars for name in filter(None, (quantity.name, quantity.of))):
            return None
        try:
            return self.checker.expected(self.base, quantity)
        except NncheckError:
            return None

    def given_value(self, item: AskItem) -> np.ndarray | None:
        if item.expected is None and item.expected_formula is None:
            return None
        return self.checker.item_expected(self.base, item)

    def value_reference(self, item: AskItem, reference: np.ndarray, computed: bool, given: bool) -> None:
        """The engine's value scores full marks (so an `expected:` that the engine contradicts fails)."""
        [result] = self.verify(item, {item.id: reference}, "reference")
        source = "the engine's value" if computed else "expected:"
        explicit = computed and given
        if result.verdict == CORRECT:
            agrees = ", and agrees with expected:" if explicit else ""
            self.add(item.id, "reference", PASS, f"{source} {_short(reference)} scores full marks{agrees}")
            return
        where = self.problem.doc.where("ask", self.problem.asks.index(item), "expected") if explicit else item.location
        why = "expected: disagrees with the engine: " if explicit else ""
        self.add(item.id, "reference", FAIL, f"{why}{source} {_short(reference)} is marked {_outcome(result)}", where)

    def mistake_values(self, item: AskItem) -> list[np.ndarray]:
        values = []
        for mistake in item.mistakes:
            if mistake.value is not None:
                values.append(mistake.value)
                continue
            try:
                values.append(evaluate_answer(mistake.formula, self.base))
            except NncheckError:
                continue
        return values

    def mistake(self, item: AskItem, number: int, mistake) -> None:
        """The mistake's value (and its formula, when it has one) must get its message and points."""
        value = mistake.value if mistake.value is not None else evaluate_answer(mistake.formula, self.base)
        answers = [] if item.formula_only else [("value", value)]
        answers += [("formula", mistake.formula.text)] if mistake.formula is not None else []
        points = min(mistake.points, item.points)
        for how, answer in answers:
            [result] = self.verify(item, {item.id: answer}, f"mistake {number} as a {how}")
            check = f"mistake {number} ({how})"
            if (result.verdict, result.diagnosis, result.message) == (WRONG, "authored", mistake.message) \
                    and result.points == points:
                self.add(item.id, check, PASS, f"gets its message and {_points(points)} of {_points(item.points)} "
                                              f"points: {_shortened(mistake.message, 50)}")
            else:
                self.add(item.id, check, FAIL, f"never triggers: {self.why_not(item, result)}", mistake.location)

    def why_not(self, item: AskItem, result: ItemResult) -> str:
        if result.verdict == CORRECT:
            return "its value is accepted as the right answer"
        if result.diagnosis == "authored":
            first = next((k for k, other in enumerate(item.mistakes, 1) if other.message == result.message), None)
            if first is not None:
                return f"mistake {first} ({item.mistakes[first - 1].location}) has the same value and comes first"
            return f"marked with {points_of(result.points)} instead of its own"
        return f"it is marked {_outcome(result)}"

    def perturbation(self, item: AskItem, check: str, key: str | None, value: np.ndarray, reference) -> None:
        [result] = self.verify(item, {item.id: value}, check)
        wanted, note = self.expected_diagnosis(item, key, value, reference)
        lost = result.verdict == WRONG and (result.points < result.max_points or result.max_points == 0)
        if not lost:
            self.add(item.id, check, FAIL, f"{_short(value)} does not lose points: marked {_outcome(result)}",
                     item.location)
        elif wanted is not None and result.diagnosis != wanted:
            self.add(item.id, check, FAIL, f"marked {_outcome(result)}; the diagnosis should be {wanted}",
                     item.location)
        else:
            self.add(item.id, check, PASS, f"{_short(value)}: {_outcome(result, why=False)}{note}")

    def expected_diagnosis(self, item: AskItem, key: str | None, value, reference) -> tuple[str | None, str]:
        """The diagnosis a perturbed answer must get: `authored` when it is an authored mistake,
        its own key unless an explanation tried before it fits too (then None: not checked)."""
        tolerance = self.tolerance(item)
        if any(_matches(value, mistake, tolerance) for mistake in self.mistake_values(item)):
            return "authored", ""
        if key is None:
            return None, ""
        earlier = []
        if key != "transposed" and _square_unsymmetric(reference) and _matches(value, reference.T, tolerance):
            earlier.append("the expected value transposed")
        quantity = item.quantity
        if quantity is not None and quantity.step:
            for step in (quantity.step - 1, quantity.step + 1):
                other = self.checker.expected(self.base, Quantity(quantity.name, quantity.of, step))
                if _matches(value, other, tolerance):
                    earlier.append(f"the value after {step} step{'' if step == 1 else 's'}")
        if earlier:
            return None, f" (also {' and '.join(earlier)}: the diagnosis is not checked)"
        return key, ""

    def invalid(self, item: AskItem, others: dict, key: str) -> None:
        for check, answer in INVALID_ANSWERS:
            results = self.verify(item, others | {key: answer}, check)
            if all(result.verdict == INVALID for result in results):
                self.add(item.id, check, PASS, f"{key}: {json.dumps(answer)} is invalid")
            else:
                self.add(item.id, check, FAIL, f"{key}: {json.dumps(answer)} is marked {_outcomes(results)}",
                         item.location)

    # --- YES/NO and interval items ---------------------------------------------------------

    def yes_no_item(self, item: AskItem) -> None:
        key = load_kind(item.kind).answer_keys(item.kind, item, self.problem)[0]
        right = dict(load_kind(item.kind).reference(item.kind, self.checker, item))["answer"]
        wrong = "NO" if right == "YES" else "YES"
        self.expect(item, "reference", {key: right}, CORRECT, None)
        self.expect(item, "opposite answer", {key: wrong}, WRONG, "counterexample" if wrong == "YES" else None)
        self.invalid(item, {}, key)

    def interval_item(self, item: AskItem) -> None:
        key = load_kind(item.kind).answer_keys(item.kind, item, self.problem)[0]
        found = expected_interval(self.checker, item)
        interval = found.interval
        left, right = ("[" if interval.low_closed else "("), ("]" if interval.high_closed else ")")
        self.expect(item, "reference", {key: interval.text()}, CORRECT, None)
        self.expect(item, "upper end doubled", {key: f"{left}{interval.low!r}, {2 * interval.high!r}{right}"},
                    WRONG, None)
        if found.method == "analytic":
            self.expect(item, "upper end halved", {key: f"{left}{interval.low!r}, {interval.high / 2!r}{right}"},
                        WRONG, "no_overshoot")
        if item.spec.ends_graded:
            flipped = f"{left}{interval.low_text}, {interval.high_text}{')' if right == ']' else ']'}"
            self.expect(item, "right end flipped", {key: flipped}, WRONG, "interval_ends")
        self.invalid(item, {}, key)

    def expect(self, item: AskItem, check: str, answers: dict, verdict: str, diagnosis: str | None) -> None:
        [result] = self.verify(item, answers, check)
        answer = "; ".join(f"{value}" for value in answers.values())
        if result.verdict == verdict and (diagnosis is None or result.diagnosis == diagnosis):
            self.add(item.id, check, PASS, f"{answer}: {_outcome(result, why=False)}")
            return
        wanted = verdict + (f" ({diagnosis})" if diagnosis else "")
        self.add(item.id, check, FAIL, f"{answer}: marked {_outcome(result)}, should be {wanted}", item.location)

    # --- design items ----------------------------------------------------------------------

    def design_item(self, item: AskItem) -> None:
        spec = item.spec
        check_against_problem(self.problem, spec)
        reference = {name: self.base.value(name) for name in spec.parameters}
        results = self.verify(item, reference, "reference")
        failing = [result for result in results if result.verdict != CORRECT]
        if failing:
            self.add(item.id, "reference", FAIL, "the problem's own parameters fail "
                     + "; ".join(f"{result.id}: {_outcome(result)}" for result in failing), item.location)
        else:
            self.add(item.id, "reference", PASS, f"the problem's own parameters pass all {len(results)} groups")
        zeros = {name: np.zeros_like(value) for name, value in reference.items()}
        zero_output = self.constant_output(spec, zeros)
        constant = f" (constant {spec.output} = {_short(zero_output)})" if zero_output is not None else ""
        self.trivial(item, "all zero", zeros, f"every parameter 0{constant}")
        for label, parameters, output in self.constant_networks(spec, zeros, zero_output):
            self.trivial(item, f"constant {spec.output} = {_short(output)}", parameters, label)
        self.margin_variants(item, reference)
        self.invalid(item, reference, spec.parameters[0])

    def trivial(self, item: AskItem, check: str, parameters: dict, label: str) -> None:
        """A network that must not pass: it scores zero on at least one group."""
        results = self.verify(item, parameters, check)
        zero = [result for result in results if result.points == 0]
        score = sum(result.points for result in results)
        total = sum(result.max_points for result in results)
        if zero:
            first = zero[0].id.removeprefix(f"{item.id}: ")
            self.add(item.id, check, PASS, f"{label}: 0 points on {len(zero)} of {len(results)} groups "
                                           f"({_points(score)} of {_points(total)}), first {first}")
        else:
            self.add(item.id, check, FAIL, f"{label}: scores points on every group ({_points(score)} of "
                                           f"{_points(total)}); add a case group it fails", item.location)

    def constant_output(self, spec, parameters: dict) -> np.ndarray | None:
        """The network's output if it is the same on every input of every group, else None."""
        first = None
        for group in spec.groups:
            for case in run_group(self.checker, spec, parameters, group):
                if case.output is None:
                    return None
                if first is None:
                    first = case.output
                elif not np.array_equal(case.output, first):
                    return None
        return first

    def constant_networks(self, spec, zeros: dict, zero_output) -> list[tuple[str, dict, np.ndarray]]:
        """Networks with one or two parameters set to 1 or -1 (the others 0) whose output is
        constant: one per distinct output not already given by the all-zero network."""
        seen = {_key(zero_output)} if zero_output is not None else set()
        found = []
        names = list(spec.parameters)
        settings = [((name, value),) for name in names for value in CONSTANT_SETTINGS]
        settings += [((a, u), (b, v)) for a, b in combinations(names, 2) for u in CONSTANT_SETTINGS
                     for v in CONSTANT_SETTINGS]
        for setting in settings:
            parameters = zeros | {name: np.full_like(zeros[name], value) for name, value in setting}
            output = self.constant_output(spec, parameters)
            if output is None or _key(output) in seen:
                continue
            seen.add(_key(output))
            label = ", ".join(f"{name} = {value:g}" for name, value in setting) + ", others 0"
            found.append((label, parameters, output))
        return found

    def margin_variants(self, item: AskItem, reference: dict) -> None:
        """Threshold designs only: the reference with every bias into a step or sign shifted so
        that the threshold moves by +eps (near ties fire) or -eps (exact ties do not)."""
        biases = threshold_biases(self.problem, item.spec.parameters)
        if not biases:
            self.add(item.id, "margin", SKIP, "not a threshold design: no parameter is added into the input "
                                              "of step or sign")
            return
        lattice = lattice_values(item.spec)
        outputs = self.case_outputs(item.spec, reference) if lattice is not None else None
        for direction in (1.0, -1.0):
            for eps in MARGINS:
                shift = direction * eps
                parameters = reference | {name: reference[name] + sign * shift for name, sign in biases.items()}
                label = ", ".join(f"{name} {'+' if sign * shift > 0 else '-'} {eps:g}" for name, sign in biases.items())
                check = f"margin {'+' if direction > 0 else '-'}{eps:g}"
                if outputs is not None and _same_outputs(outputs, self.case_outputs(item.spec, parameters)):
                    self.add(item.id, check, SKIP, f"{label}: the same output on every input; the inputs are every "
                             f"point of the lattice {_lattice_text(lattice)}, so no input falls inside the margin "
                             "and a design with it is correct")
                    continue
                self.trivial(item, check, parameters, label)

    def case_outputs(self, spec, parameters: dict) -> list:
        """The network's output on every input of every group (None where it cannot be computed)."""
        return [case.output for group in spec.groups for case in run_group(self.checker, spec, parameters, group)]

    # --- the problem's reference answer file -----------------------------------------------

    def reference_file(self) -> None:
        """problems/answers/<name>.yaml beside the problem, if there is one: full marks."""
        folder, name = os.path.split(self.problem.path)
        path = os.path.join(folder, "answers", name)
        if not os.path.isfile(path):
            return
        try:
            answer_file = load_answer_file(path)
        except NncheckError as error:
            self.add(path, "full marks", FAIL, f"cannot be used: {error.message}", error.location)
            return
        if os.path.abspath(answer_file.problem_path) != os.path.abspath(self.problem.path):
            self.add(path, "full marks", FAIL, f"problem: names {answer_file.problem_path}, not this problem",
                     answer_file.doc.where("problem"))
            return
        verification = self.checker.verify(answer_file)
        wrong = [item for item in verification.items if item.verdict != CORRECT]
        if wrong or verification.ignored:
            detail = "; ".join([f"{item.id}: {_outcome(item)}" for item in wrong]
                               + [f"{key}: not asked" for key in verification.ignored])
            self.add(path, "full marks", FAIL, f"scores {_points(verification.score)} of "
                     f"{_points(verification.max_score)}: {detail}", wrong[0].location if wrong else Location(path))
        else:
            self.add(path, "full marks", PASS, f"scores {_points(verification.max_score)} of "
                                               f"{points_of(verification.max_score)}")

    # --- per-student variants --------------------------------------------------------------

    def variants(self) -> None:
        """The problem's own numbers meet vary.condition; for sample students, the variant's own
        reference answers score full marks and the printed numbers' answers lose points."""
        try:
            check_variation(self.problem)
        except NncheckError as error:
            self.add("vary", "variants", FAIL, error.message, error.location)
            return
        # formulas only: see the reference file; grader-only: no expected value here
        items = [item for item in self.problem.asks if not item.forbid and not item.grader_only]
        printed = reference_answers(self.checker, items)
        for student in SAMPLE_STUDENTS[:2]:
            checker = Checker(variant_problem(self.problem, student))
            own = reference_answers(checker, items)
            check = f"variant of {student} (seed {checker.problem.variant.seed})"
            right = [result for result in self.verify_all(checker, own_answers(own), check).items
                     if _item_of(result.id, items) is not None]
            differ = [item.id for item in items if not self.same_answers(item, printed[item.id], own[item.id])]
            lost = {_item_of(result.id, items).id for result in self.verify_all(checker, own_answers(printed), check).items
                    if _item_of(result.id, items) is not None and result.verdict != CORRECT}
            wrong = next((result for result in right if result.verdict != CORRECT), None)
            if wrong is not None:
                self.add("vary", check, FAIL, f"its own reference answers do not score full marks: {wrong.id}: "
                                              f"{_outcome(wrong)}", self.problem.variation.location)
            elif not differ or not set(differ) <= lost:
                self.add("vary", check, FAIL, "the printed numbers' answers are accepted here: "
                         + (", ".join(sorted(set(differ) - lost)) if differ else "no asked item changes"),
                         self.problem.variation.location)
            else:
                score = sum(result.points for result in right)
                total = sum(result.max_points for result in right)
                self.add("vary", check, PASS, f"its reference answers score {_points(score)} of {_points(total)}; "
                                              f"the printed numbers' answers lose points on {len(differ)} of "
                                              f"{len(items)} items")

    def same_answers(self, item: AskItem, first: dict, second: dict) -> bool:
        """Whether two reference answers of an item are the same answer (values within the tolerance)."""
        for key, value in first.items():
            other = second[key]
            if isinstance(value, np.ndarray):
                if not _matches(other, value, load_kind(item.kind).selftest_tolerance(item.kind, item, self.problem)):
                    return False
            elif value != other:
                return False
        return True

    def verify_all(self, checker: Checker, answers: dict, label: str):
        """A made-up answer file verified with `checker` (as verify reads it)."""
        name = f"<selftest: {label}>"
        text = "answers:\n" + "".join(f"  {json.dumps(key)}: {json.dumps(_plain(value))}\n"
                                      for key, value in answers.items())
        return checker.verify(load_answer_file(name, self.problem.path, parse_yaml(text, name)))


ITEM_CHECKS = {"value": SelfTest.value_item, "zero": SelfTest.yes_no_item, "identical": SelfTest.yes_no_item,
               "interval": SelfTest.interval_item, "design": SelfTest.design_item}


# --- what the checks are made of -----------------------------------------------------------


def reference_answers(checker: Checker, items: list[AskItem]) -> dict[str, dict]:
    """For each item, the answer-file entries of its reference answer at the checker's numbers:
    a value, YES or NO, an interval, or a design's parameters (the problem's own values)."""
    found = {}
    for item in items:
        kind = load_kind(item.kind)
        keys = kind.answer_keys(item.kind, item, checker.problem)
        found[item.id] = kind.reference_entries(item.kind, checker, item, keys)
    return found


def own_answers(answers: dict[str, dict]) -> dict:
    """The entries of every item's reference answer, as one answer file's answers."""
    return {key: value for entries in answers.values() for key, value in entries.items()}


def _item_of(result_id: str, items: list[AskItem]) -> AskItem | None:
    """The item a result belongs to (a design item has one result per case group, `id: group`)."""
    return next((item for item in items if result_id == item.id or
                 (item.kind == "design" and result_id.startswith(f"{item.id}: "))), None)


def perturbations(expected: np.ndarray, tolerance):
    """(check, diagnosis key or None, perturbed value or why it is skipped) for a value item."""
    expected = np.asarray(expected, dtype=np.float64)
    zero = not np.any(expected != 0)
    yield "sign", "sign", "the value is 0: no sign to flip" if zero else -expected
    yield "factor 2", "factor", "the value is 0: twice it is the same" if zero else 2 * expected
    if expected.ndim != 2 or min(expected.shape) == 1:
        yield "transposed", "transposed", "not a matrix"
    elif expected.shape[0] == expected.shape[1] and tolerance.accepts(expected.T, expected):
        yield "transposed", "transposed", "symmetric: transposed is the same answer"
    else:
        yield "transposed", "transposed", expected.T
    yield "one entry off", None, one_entry_off(expected, tolerance)


def one_entry_off(expected: np.ndarray, tolerance) -> np.ndarray:
    """The largest entry moved by a quarter of itself, and by at least ten accepted widths."""
    index = np.unravel_index(int(np.argmax(np.abs(expected))), expected.shape)
    largest = float(np.abs(expected[index]))
    step = max(ENTRY_OFF * largest, 10.0 * float(tolerance.half_widths(expected)[index])) or 1.0
    moved = expected.copy()
    moved[index] += step
    return moved


def threshold_biases(problem: Problem, parameters) -> dict[str, float]:
    """Parameters added straight into the input of a hard threshold, with the sign they are
    added with: for h: step(z1) and z1: W1 @ x + b1, {b1: 1}. Nodes in the sum are followed."""
    formulas = {node.name: node.formula.expr for node in problem.nodes}
    found: dict[str, float] = {}

    def terms(expr, sign: float) -> None:
        if isinstance(expr, Call) and expr.function in ("add", "sub"):
            terms(expr.args[0], sign)
            terms(expr.args[1], sign if expr.function == "add" else -sign)
        elif isinstance(expr, Call) and expr.function == "neg":
            terms(expr.args[0], -sign)
        elif isinstance(expr, Name) and expr.id in parameters:
            found.setdefault(expr.id, sign)
        elif isinstance(expr, Name) and expr.id in formulas:
            terms(formulas[expr.id], sign)

    def visit(expr) -> None:
        if isinstance(expr, Call):
            if expr.function in THRESHOLDS:
                terms(expr.args[0], 1.0)
            for arg in expr.args:
                visit(arg)
        elif isinstance(expr, Index):
            visit(expr.target)

    for node in problem.nodes:
        visit(node.formula.expr)
    return found


def lattice_values(spec) -> np.ndarray | None:
    """The numbers of the lattice the design's inputs lie on, when they can lie nowhere else:
    some group enumerates it (`enumerate: [0, 1]`: every input in {0, 1}^n) and every input of
    every group is a point of it. None when inputs can be any numbers (drawn or listed)."""
    enumerated = [group for group in spec.groups if group.enumerated]
    if not enumerated:
        return None
    values = np.unique(np.concatenate([group.inputs.ravel() for group in enumerated]))
    if not all(np.all(np.isin(group.inputs, values)) for group in spec.groups):
        return None
    return values


def _lattice_text(values: np.ndarray) -> str:
    return "{" + ", ".join(format_number(value, 6) for value in values) + "}^n"


def _same_outputs(first: list, second: list) -> bool:
    return all(a is not None and b is not None and np.array_equal(a, b) for a, b in zip(first, second))


def _matches(value, target, tolerance) -> bool:
    aligned = align(value, np.asarray(target, dtype=np.float64))
    return aligned is not None and tolerance.accepts(aligned, target)


def _square_unsymmetric(value: np.ndarray) -> bool:
    return value.ndim == 2 and value.shape[0] == value.shape[1] and not np.allclose(value, value.T)


def _plain(value):
    """An answer as JSON (which YAML reads): nested lists of floats, or text."""
    return np.asarray(value, dtype=np.float64).tolist() if isinstance(value, np.ndarray) else value


def _key(value: np.ndarray) -> tuple:
    return value.shape, value.tobytes()


def _points(points: float) -> str:
    return format_number(points, 6)


def _short(value) -> str:
    return _shortened(" ".join(format_tensor(value).split()), 60)


def _shortened(text: str, limit: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _outcome(result: ItemResult, why: bool = True) -> str:
    """`wrong (sign), 0 of 2 points`, with the message when `why` (for failures)."""
    diagnosis = f" ({result.diagnosis})" if result.diagnosis else ""
    text = f"{result.verdict}{diagnosis}, {_points(result.points)} of {points_of(result.max_points)}"
    return text + (f": {_shortened(result.message)}" if why and result.message and result.verdict != CORRECT else "")


def _outcomes(results: list[ItemResult]) -> str:
    return "; ".join(f"{result.id}: {result.verdict}" for result in results)


# --- running and writing -------------------------------------------------------------------


def selftest_paths(paths, output_format: str, stream, secrets=()) -> tuple[int, list[NncheckError]]:
    """Self-test every problem; (exit code 0 or 1, the errors of problems that cannot be used).
    Tables are written problem by problem, JSON once at the end."""
    started = time.perf_counter()
    reports, errors, unusable = [], [], 0
    for path in paths:
        try:
            report = selftest_problem(path, secrets)
        except NncheckError as error:
            errors.extend(error.errors if isinstance(error, NncheckErrors) else [error])
            unusable += 1
            continue
        reports.append(report)
        if output_format == "table":
            stream.write(report_table(report, _colour(stream), _width(stream)))
    seconds = time.perf_counter() - started
    if output_format == "json":
        stream.write(dumps(selftest_json(reports, errors, seconds)) + "\n")
    else:
        stream.write("\n".join(words_wrapped(summary_line(reports, unusable, seconds), _width(stream))) + "\n")
    return (ExitCode.WRONG if any(report.failed for report in reports) else ExitCode.OK), errors


def _colour(stream) -> bool:
    return use_colour(stream)


def _width(stream) -> int:
    return terminal_width(stream)


RESULT_STYLES = {PASS: "\x1b[32m", FAIL: "\x1b[1;31m", SKIP: "\x1b[2m"}


def report_table(report: ProblemReport, colour: bool = False, width: int | None = None) -> str:
    """One problem: a title line, a table (check, result, detail), and a count; with a `width`,
    every line fits it (the words of the check and detail columns wrap)."""
    style = Styler(colour)
    rows, styles = [], {}
    for k, check in enumerate(report.checks):
        detail = f"{check.location}: {check.detail}" if check.result == FAIL and check.location else check.detail
        lines = textwrap.wrap(printable(detail), 88, break_on_hyphens=False) or [""]
        rows.append([[one_line(f"{check.item}: {check.check}")], [check.result], lines])
        styles[k, 1] = RESULT_STYLES[check.result]
    headers = ["check", "result", "detail"]
    title = one_line(f"{report.path}: {report.title}")
    lines = [style(line, BOLD) for line in (words_wrapped(title, width) if width else [title])]
    lines += boxed_table(headers, fit_rows(headers, rows, width, (0, 2)), style, styles)
    lines += (words_wrapped(count_line(report), width) if width else [count_line(report)]) + [""]
    return "\n".join(lines) + "\n"


def count_line(report: ProblemReport) -> str:
    counts = {result: sum(check.result == result for check in report.checks) for result in (PASS, FAIL, SKIP)}
    return (f"{report.path}: {counted(len(report.checks), 'check')}, {counts[PASS]} pass, {counts[FAIL]} fail, "
            f"{counts[SKIP]} skipped ({report.seconds:.2f} s)")


def summary_line(reports: list[ProblemReport], unusable: int, seconds: float) -> str:
    checks = sum(len(report.checks) for report in reports)
    failed = sum(len(report.failed) for report in reports)
    problems = sum(1 for report in reports if report.failed)
    outcome = (f"{failed} failed, in {problems} of {counted(len(reports), 'problem')}" if failed
               else f"all pass in {counted(len(reports), 'problem')}")
    not_used = f"; {counted(unusable, 'problem')} could not be used" if unusable else ""
    return f"selftest: {counted(checks, 'check')}, {outcome}{not_used} ({seconds:.2f} s)"


def selftest_json(reports: list[ProblemReport], errors: list, seconds: float) -> dict:
    return {
        "passed": not errors and not any(report.failed for report in reports),
        "checks": sum(len(report.checks) for report in reports),
        "failed": sum(len(report.failed) for report in reports),
        "seconds": seconds,
        "problems": [{
            "file": report.path, "title": report.title, "passed": not report.failed, "seconds": report.seconds,
            "checks": [{"item": check.item, "check": check.check, "result": check.result, "detail": check.detail,
                        "location": str(check.location) if check.location else None} for check in report.checks],
        } for report in reports],
        "errors": [str(error) for error in errors],
    }
