"""Checking an answer file against its problem: solutions computed once, then each asked
item handed to the module of its kind (nncheck/check/kinds/)."""

from __future__ import annotations

import numpy as np

from nncheck.read.answers import AnswerFile
from nncheck.read.asks import AskItem, Quantity, parse_quantity
from nncheck.engine import tape
from nncheck.engine.tape import repeat_problem
from nncheck.errors import Location, NncheckError, closest
from nncheck.limits import Limits
from nncheck.check.follow_through import apply_follow_through
from nncheck.check.kinds import load_kind
from nncheck.read.problem import Problem
from nncheck.check.results import MISSING, ProblemFacts, Verification
from nncheck.engine.solution import Solution, evaluate_answer
from nncheck.engine.training import descend
from nncheck.engine.variants import acceptable, variant_problem
from nncheck.read.vary import SAMPLE_STUDENTS
from nncheck.check.hidden import is_shown

MIN_DRAWS = 5
MAX_DRAW_ATTEMPTS = 25
MAX_HINTED_KEYS = 20


class Checker:
    """Verifies answer files against one problem; solutions and redraws are computed once."""

    answer_started: int | None = None  # the problem's meter when the answer file being verified was started
    classmates = None  # for a student's variant in a class: the classmates' values (app/classmates.py)

    def __init__(self, problem: Problem, variant_of: "Checker | None" = None):
        """`variant_of`: the checker of the problem's own numbers, when `problem` is a student's
        variant; what does not depend on the numbers (the redraws) is then shared with it."""
        self.problem = problem
        self.facts = ProblemFacts.of(problem)  # what the records of its answer files say about it
        self.base = Solution(problem)
        self.base_numbers = variant_of  # the checker of the problem's printed numbers, for a variant
        self.shared: dict = variant_of.shared if variant_of is not None else {}
        self._trajectories: dict[int, list[Solution]] = {}
        self.kind_cache: dict[str, object] = {}
        self._asked_keys: frozenset | None = None
        self._check_planned_work()
        started, asked = problem.meter.done, 0
        for item in problem.asks:
            self._check_work_since(started, item.location)
            if item.quantity is not None:
                try:
                    asked += np.size(self.expected(self.base, item.quantity))
                except NncheckError as error:
                    raise NncheckError(f"ask {item.id}: {error.message}", item.location) from None
            if item.expected_formula is not None:
                asked += np.size(evaluate_answer(item.expected_formula, self.base))
            asked += np.size(item.expected) if item.expected is not None else 0
            if asked > problem.limits.max_total_entries:
                limit = problem.limits.max_total_entries
                raise NncheckError(f"the values the asked items expect hold more than {limit:,} entries "
                                   "together (the limit: reports show them all); ask for smaller parts", item.location)
            if variant_of is not None:
                continue    # mistakes were checked at the problem's own numbers; one failing here is skipped
            for mistake in item.mistakes:
                if mistake.formula is not None:
                    self._check_work_since(started, mistake.location)
                    evaluate_answer(mistake.formula, self.base)

    def check_answer_work(self, where: Location) -> None:
        """What one answer file makes nncheck compute (its formulas, its design) stays within
        limits.max_work; what is computed once for the problem and kept is not counted."""
        max_work = self.problem.limits.max_work
        if self.answer_started is not None and self.problem.meter.done - self.answer_started > max_work:
            raise NncheckError(f"checking this answer file needs more than {max_work:,} units of work (the limit "
                               "per answer file); write simpler formulas", where)

    def _check_work_since(self, started: int, where: Location) -> None:
        """The asked items' values and formulas, evaluated one by one, stay within limits.max_work."""
        max_work = self.problem.limits.max_work
        if self.problem.meter.done - started > max_work:
            raise NncheckError(f"the expected values and mistake formulas of the asked items up to here need "
                               f"more than {max_work:,} units of work together (the limit); use fewer or simpler "
                               "formulas, or smaller tensors", where)

    def _check_planned_work(self) -> None:
        """The passes the asked items repeat (draws, steps, design cases), all items together,
        fit limits.max_work: checked before any of them starts."""
        planned: dict = {}
        for item in self.problem.asks:
            share, passes = planned_passes(item)
            planned[share or id(item)] = max(planned.get(share or id(item), 0), passes)
        passes = sum(planned.values())
        too_much = repeat_problem(self.problem.limits, passes, self.base.tape.work)
        where = self.problem.doc.where("ask") if self.problem.doc else Location(self.problem.path)
        if too_much:
            raise NncheckError(f"the asked items together repeat this problem's pass too often: {too_much}; "
                               "ask fewer draws, steps or design cases, or use smaller tensors", where)
        backward, roots = self.planned_backward_work()
        repeated = passes * (self.base.tape.work + tape.PASS_WORK)
        if backward + repeated > self.problem.limits.max_work:
            raise NncheckError(f"the asked gradients need backward passes from {roots:,} different nodes, "
                               f"{backward:,} units of work in all (at the problem's values and at {MIN_DRAWS} "
                               f"redraws), more than the limit of {self.problem.limits.max_work:,} units; ask gradients "
                               "of fewer different nodes (every dA/dB with the same A shares one pass), or use a "
                               "smaller graph", where)

    def planned_backward_work(self) -> tuple[int, int]:
        """The work of the backward passes the asked gradients need, and from how many nodes: one
        pass per node differentiated (shared by every dA/dB of that A; a Jacobian: one per entry
        of A, for each B asked), at the problem's values and at each redraw. Counted before any
        pass starts; the passes of diagnoses count in the answer file's own work (see check_answer_work)."""
        roots: dict = {}
        for item in self.problem.asks:
            quantity = item.quantity
            if quantity is None or quantity.of is None or quantity.step:
                continue
            if quantity.of not in self.base.vars or quantity.name not in self.base.vars:
                continue
            root = self.base.vars[quantity.of]
            work = tape.backward_work(self.base.tape, root) * root.value.size
            roots[quantity.of if root.value.size == 1 else (quantity.of, quantity.name)] = work
        return sum(roots.values()) * (1 + MIN_DRAWS), len(roots)

    def draws(self) -> list[Solution]:
        """At least MIN_DRAWS solutions at other leaf values (same shapes, fixed seeds)."""
        if "draws" not in self.shared:
            too_much = repeat_problem(self.problem.limits, MAX_DRAW_ATTEMPTS, self.base.tape.work, MIN_DRAWS,
                                      self.base.tape.entries)
            if too_much:
                raise NncheckError(f"formulas are checked at {MIN_DRAWS} other draws of the values, too many "
                                   f"for this problem: {too_much}", Location(self.problem.path))
            draws = self.shared["draws"] = []
            for draw in range(1, MAX_DRAW_ATTEMPTS + 1):
                try:
                    with self.problem.meter.uncounted():  # computed once for the problem, not for an answer file
                        draws.append(Solution(self.problem, self.problem.redrawn_values(draw)))
                except NncheckError:
                    continue
                if len(draws) == MIN_DRAWS:
                    break
        return self.shared["draws"]

    def expected(self, solution: Solution, quantity: Quantity) -> np.ndarray:
        """The quantity's value in `solution`, after quantity.step steps of gradient descent if given."""
        if quantity.step:
            solution = self.after_steps(solution, quantity.step)
        if quantity.of is None:
            return solution.value(quantity.name)
        return solution.gradient(quantity.of, quantity.name)

    def after_steps(self, solution: Solution, steps: int) -> Solution:
        """`solution` after `steps` steps of gradient descent (trajectories are kept). The steps
        are checked against limits.max_work as if taken from the problem's values and each redraw, so
        what an answer file may ask does not depend on what others asked before it."""
        too_much = repeat_problem(self.problem.limits, steps * (1 + MIN_DRAWS), solution.tape.work,
                                  steps * (1 + MIN_DRAWS), solution.tape.entries)
        if too_much:
            raise NncheckError(f"{steps:,} steps of gradient descent, from the problem's values and {MIN_DRAWS} "
                               f"redraws, are too many for this problem: {too_much}", Location(self.problem.path))
        trajectory = self._trajectories.setdefault(id(solution), [solution])
        if len(trajectory) <= steps:
            with self.problem.meter.uncounted():  # kept for the problem, not for an answer file
                more = descend(trajectory[-1], steps + 1 - len(trajectory))
            trajectory.extend(more[1:])
        return trajectory[steps]

    def item_expected(self, solution: Solution, item: AskItem) -> np.ndarray:
        """What a value item expects in `solution`: its formula, its explicit value or its quantity."""
        if item.grader_only:
            raise NncheckError(f"{item.id}: its expected value is in the grader-only file; give it with --secret FILE",
                               item.location)
        if item.expected_formula is not None:
            return evaluate_answer(item.expected_formula, solution)
        if item.expected is not None:
            return item.expected
        return self.expected(solution, item.quantity)

    def items_for(self, answer_file: AnswerFile) -> tuple[list[AskItem], list[str]]:
        """The asked items, or one item per answer when the problem asks nothing."""
        if self.problem.asks:
            read = self._read_keys()
            return self.problem.asks, [key for key in answer_file.answers if key not in read]
        items = [AskItem(key, parse_quantity(key), 1.0, "visible", answer.location)
                 for key, answer in answer_file.answers.items()]
        return items, []

    def _read_keys(self) -> frozenset:
        """The answer keys the asked items read (the same for every answer file: kept)."""
        if self._asked_keys is None:
            self._asked_keys = frozenset(key for item in self.problem.asks
                                         for key in load_kind(item.kind).answer_keys(item.kind, item, self.problem))
        return self._asked_keys

    def verify(self, answer_file: AnswerFile, chosen=()) -> Verification:
        """Every asked item checked; with `chosen` (item ids, `verify --item`), those only."""
        items, ignored = self.items_for(answer_file)
        if chosen:
            items, ignored = self.chosen_items(items, chosen, answer_file), []
        hints = self.key_hints(answer_file, ignored)
        meant = {key: written for written, key in hints.items()}
        results = []
        self.answer_started = self.problem.meter.done
        for item in items:
            self.check_answer_work(Location(answer_file.path))
            found = load_kind(item.kind).check(item.kind, self, item, answer_file)
            keys = load_kind(item.kind).answer_keys(item.kind, item, self.problem)
            where = answer_location(answer_file, keys)
            for result in found:
                result.location = result.location or where
                written = next((meant[key] for key in keys if key in meant), None) if meant else None
                if result.verdict == MISSING and written is not None:
                    result.message += f" (your answers have {written}, which is not asked: did you mean {hints[written]}?)"
            results.extend(found)
        apply_follow_through(self, items, results)
        _check_report_size(results, answer_file.path, self.problem.limits)
        return Verification(answer_file.path, self.facts, answer_file.student, results, ignored, did_you_mean=hints,
                            chosen=tuple(chosen))

    def chosen_items(self, items: list[AskItem], chosen, answer_file: AnswerFile) -> list[AskItem]:
        """The items named by `verify --item`, in the problem's order; an unknown name is an error."""
        ids = [item.id for item in items]
        for name in chosen:
            if name not in ids:
                close = closest(name, ids) if ids else None
                hint = f"; did you mean {close!r}?" if close else f"; the items are {', '.join(ids)}"
                where = "answered in this file" if not self.problem.asks else f"asked by {self.problem.path}"
                raise NncheckError(f"--item {name!r} is not an item {where}{hint}", Location(answer_file.path))
        return [item for item in items if item.id in set(chosen)]

    def key_hints(self, answer_file: AnswerFile, ignored: list[str]) -> dict[str, str]:
        """For answer keys that match no asked item, the unanswered visible asked key each most
        likely means (`dL/dw1` for `dL/dW1`); only the first MAX_HINTED_KEYS keys, to stay fast.
        Hidden items are never suggested: that would name them."""
        if not ignored:
            return {}
        unanswered = [key for item in self.problem.asks if is_shown(item)
                      for key in load_kind(item.kind).answer_keys(item.kind, item, self.problem)
                      if key not in answer_file.answers]
        hints = {}
        for key in ignored[:MAX_HINTED_KEYS]:
            close = closest(key, unanswered) if unanswered else None
            if close is not None and close not in hints.values():
                hints[key] = close
        return hints


def planned_passes(item: AskItem) -> tuple[object, int]:
    """How many passes of the problem an asked item repeats: its draws (and their gradient-descent
    steps), its design cases, or its @k steps (at the problem's values and at the redraws); with
    what items that share them have in common (None if nothing)."""
    spec = item.spec
    if item.kind in ("zero", "identical"):
        steps = spec.steps + ((spec.quantity.step or 0) if spec.quantity is not None else 0)
        condition = spec.condition.text if spec.condition is not None else None
        return ("draws", spec.hold, condition, spec.draws), spec.draws * (1 + steps)
    if item.kind == "design":
        return None, sum(len(group.inputs) for group in spec.groups)
    if item.quantity is not None and item.quantity.step:
        return "steps", item.quantity.step * (1 + MIN_DRAWS)
    return None, 0


def _check_report_size(results: list, path: str, limits: Limits) -> None:
    """The answers and expected values a report shows hold at most limits.max_total_entries entries."""
    entries = sum(value.size for result in results for value in (result.answer, result.expected)
                  if isinstance(value, np.ndarray))
    if entries > limits.max_total_entries:
        raise NncheckError(f"the answers and the values they are checked against hold {entries:,} entries "
                           f"together; the limit per answer file is {limits.max_total_entries:,}", Location(path))


def answer_location(answer_file: AnswerFile, keys) -> Location:
    """Where the first of `keys` is answered, else the answers: section, else the file."""
    for key in keys:
        if key in answer_file.answers:
            return answer_file.answers[key].location
    return answer_file.doc.where("answers") if answer_file.doc else Location(answer_file.path)


def check_variation(problem: Problem) -> None:
    """For `check` and `selftest`: the problem's own numbers meet the conditions, and the sample
    students get variants (an impossible condition is found before students are)."""
    if problem.variation is None:
        return
    if not acceptable(problem, problem.leaf_values()):
        raise NncheckError("vary.condition: the problem's own values (the base variant) do not meet it",
                           problem.variation.location)
    for student in SAMPLE_STUDENTS:
        Checker(variant_problem(problem, student)).base.gradients()
