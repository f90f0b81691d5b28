"""Design problems: the student gives a network's weights and biases (the problem's
`parameters:`), and the network must give the target on every input of the item's case
groups (drawn, enumerated, listed or edge cases). Each group is scored on its own.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from nncheck.read.asks import VISIBILITIES, check_points
from nncheck.engine.batched import Batched, NoBatchRule, all_finite, evaluate_batched, evaluate_nodes
from nncheck.check.diagnosis import align
from nncheck.errors import Location, NncheckError
from nncheck.read.formula import Formula, name_parts, parse_formula
from nncheck.read.notation import read_answer
from nncheck.numbers import format_number, format_tensor, points_of
from nncheck.text import one_line
from nncheck.check.results import CORRECT, INVALID, MISSING, WRONG, ItemResult
from nncheck.engine.solution import Solution, evaluate_answer
from nncheck.read.tensors import (DISTRIBUTIONS, RandomSpec, describe_shape, name_seed,
                             read_decimals, read_draw_parameters, read_random_spec, read_tensor)
from nncheck.read.tolerance import EXACT, Tolerance, read_tolerance
from nncheck.read.yamlfile import YamlDoc

KEYS = {"design": ("input", "output", "target", "compare", "cases")}
GROUP_KEYS = ("name", "points", "scoring", "visibility", "draw", "enumerate", "inputs", "edge")
SOURCES = ("draw", "enumerate", "inputs", "edge")
SCORINGS = ("all", "proportional")
DRAWS = ("normal", "uniform", "integers")
DRAW_KEYS = ("dist", "count", "seed", "decimals", "sort")
SORTS = ("ascending", "descending")
EDGES = ("equal_neighbours", "all_equal")
LADDERS = ((10.0, 1.0), (0.0, 0.01))
EQUAL_VALUES = (0.0, 1.0, -1.0, 0.5, 100.0)
MAX_CASES = 4096
MAX_GROUPS = 50
DEFAULT_COUNT = 100
BATCH_ENTRIES = 1 << 20
SHOWN_FAILURES = 3


@dataclass(eq=False)
class CaseGroup:
    """Inputs scored together: all-or-nothing or in proportion to the inputs passed.
    The target does not depend on the parameters, so each input's target is kept, and so is
    what the inputs give before the parameters are known, batch by batch (InputBatch)."""

    name: str
    points: float
    scoring: str
    visibility: str
    inputs: np.ndarray
    targets: dict = field(default_factory=dict, repr=False)
    batches: list = field(default_factory=list, repr=False)
    enumerated: bool = False  # `enumerate:`: the inputs are every point of a lattice such as {0, 1}^n


@dataclass(eq=False)
class InputBatch:
    """Inputs of a group run together, and what they give before any parameter is known: the
    values of the names that do not depend on the parameters (the input batched), whether those
    are finite at each input, and the target (None when it cannot be computed all at once)."""

    inputs: np.ndarray
    env: dict
    finite: np.ndarray
    target: Batched | None


@dataclass(eq=False)
class DesignSpec:
    """A design item as read from the problem file; `points` is the item's total."""

    parameters: tuple[str, ...]
    input: str
    output: str
    target: Formula
    compare: Tolerance
    groups: tuple[CaseGroup, ...]
    points: float
    label: str
    output_location: Location


@dataclass(eq=False)
class Case:
    """One input run through the network: its output, the target, and whether they agree."""

    input: np.ndarray
    output: np.ndarray | None
    target: np.ndarray | None
    passed: bool
    deviation: float


# --- reading the item --------------------------------------------------------------------


def read_spec(kind: str, doc: YamlDoc, path: tuple, label: str, names: list[str]) -> DesignSpec:
    """The item's keys, checked, with every group's inputs drawn once."""
    item = _at(doc, path)
    parameters = _parameters(doc, path, label)
    values = doc.data.get("values") or {}
    input_name = _required_name(doc, path, "input", label, names)
    if input_name not in values or input_name in parameters:
        raise NncheckError(f"{label}.input: {input_name!r} must be one of the values (not a parameter); "
                           "each case sets it", doc.where(*path, "input"))
    output = _required_name(doc, path, "output", label, names)
    if output in values or output in parameters:
        raise NncheckError(f"{label}.output: {output!r} must be a graph node computed from the parameters",
                           doc.where(*path, "output"))
    target = _target(doc, path, label, names, set(parameters) | {output})
    compare = read_tolerance(doc, path + ("compare",), f"{label}.compare") if "compare" in item else EXACT
    shape = _input_shape(doc, input_name)
    groups, points = _groups(doc, path, label, shape, item)
    return DesignSpec(tuple(parameters), input_name, output, target, compare, groups, points, label,
                      doc.where(*path, "output"))


def _at(doc: YamlDoc, path: tuple):
    data = doc.data
    for key in path:
        data = data[key]
    return data


def _parameters(doc: YamlDoc, path: tuple, label: str) -> list[str]:
    names = doc.data.get("parameters")
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        where = doc.where("parameters") if "parameters" in doc.data else doc.where(*path)
        raise NncheckError(f"{label}: a design item needs the top-level list parameters: [W1, b1, ...] "
                           "(the values the student gives)", where)
    return names


def _required_name(doc: YamlDoc, path: tuple, key: str, label: str, names: list[str]) -> str:
    name = _at(doc, path).get(key)
    if name is None:
        raise NncheckError(f"{label}: a design item needs {key}: (a name of the problem)", doc.where(*path))
    if not isinstance(name, str) or name not in names:
        raise NncheckError(f"{label}.{key}: {name!r} is not a value or node of this problem",
                           doc.where(*path, key))
    return name


def _target(doc: YamlDoc, path: tuple, label: str, names: list[str], forbidden: set) -> Formula:
    text = _at(doc, path).get("target")
    if text is None:
        raise NncheckError(f"{label}: a design item needs target: (a formula the output must equal)",
                           doc.where(*path))
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = repr(text)
    if not isinstance(text, str):
        raise NncheckError(f"{label}.target: expected a formula, such as \"x[0] > x[1]\"", doc.where(*path, "target"))
    formula = parse_formula(text, f"{label}.target", doc.text_start(*path, "target") or doc.where(*path, "target"))
    for part in name_parts(formula.expr):
        if part.id not in names:
            raise formula.error(part, f"unknown name {part.id!r}")
        if part.id in forbidden:
            raise formula.error(part, f"the target cannot use {part.id}: it is part of the network being designed")
    return formula


def _input_shape(doc: YamlDoc, name: str) -> tuple:
    path = ("values", name)
    if isinstance(_at(doc, path), dict):
        return read_random_spec(doc, path, f"values.{name}", name).shape
    return read_tensor(doc, path, f"values.{name}").shape


# --- case groups -------------------------------------------------------------------------


def _groups(doc: YamlDoc, path: tuple, label: str, shape: tuple, item: dict) -> tuple[tuple, float]:
    section = item.get("cases")
    where = doc.where(*path, "cases") if "cases" in item else doc.where(*path)
    if not isinstance(section, list) or not 1 <= len(section) <= MAX_GROUPS:
        raise NncheckError(f"{label}.cases: expected a list of 1 to {MAX_GROUPS} case groups, such as "
                           "- {name: strict, draw: {dist: normal, count: 200}}", where)
    read = []
    for i in range(len(section)):
        group_label = f"{label}.cases[{i}]"
        group, points = _group(doc, path + ("cases", i), group_label, shape, item.get("visibility", "visible"))
        if any(other.name == group.name for other, _ in read):
            raise NncheckError(f"{group_label}.name: {group.name!r} is used twice; name each group once",
                               doc.where(*path, "cases", i, "name"))
        read.append((group, points))
    return _share_points(doc, path, label, item, read)


def _group(doc: YamlDoc, path: tuple, label: str, shape: tuple, visibility: str) -> tuple[CaseGroup, float | None]:
    spec = _at(doc, path)
    if not isinstance(spec, dict):
        raise NncheckError(f"{label}: expected a mapping such as {{name: strict, draw: {{count: 200}}}}",
                           doc.where(*path))
    doc.check_keys(path, GROUP_KEYS, label)
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise NncheckError(f"{label}: give the group a name:, such as name: strict", doc.where(*path))
    points = spec.get("points")
    if points is not None:
        check_points(points, doc, path, label)
    scoring = spec.get("scoring", "all")
    if scoring not in SCORINGS:
        raise NncheckError(f"{label}.scoring: use all (all-or-nothing) or proportional", doc.where(*path, "scoring"))
    visibility = spec.get("visibility", visibility)
    if visibility not in VISIBILITIES:
        raise NncheckError(f"{label}.visibility: use one of {', '.join(VISIBILITIES)}", doc.where(*path, "visibility"))
    sources = [key for key in SOURCES if key in spec]
    if len(sources) != 1:
        raise NncheckError(f"{label}: give exactly one of {', '.join(SOURCES)} (the group's inputs)", doc.where(*path))
    source = sources[0]
    inputs = INPUT_READERS[source](doc, path + (source,), f"{label}.{source}", shape, one_line(name))
    group = CaseGroup(one_line(name), 0.0, scoring, visibility, inputs, enumerated=source == "enumerate")
    return group, None if points is None else float(points)


def _share_points(doc: YamlDoc, path: tuple, label: str, item: dict, read: list) -> tuple[tuple, float]:
    """Groups keep their own points; the others share what is left of the item's points
    equally (1 each when the item gives no points)."""
    given = sum(points for _, points in read if points is not None)
    unpriced = sum(1 for _, points in read if points is None)
    total = check_points(item["points"], doc, path, label) if "points" in item else given + unpriced
    rest = total - given
    if rest < -1e-9 or (unpriced == 0 and abs(rest) > 1e-9):
        raise NncheckError(f"{label}.points: the case groups' points add up to {given:g}, but the item's "
                           f"points: is {total:g}; make them agree (or leave points: out)",
                           doc.where(*path, "points"))
    share = rest / unpriced if unpriced else 0.0
    groups = tuple(CaseGroup(group.name, share if points is None else points, group.scoring, group.visibility,
                             group.inputs, enumerated=group.enumerated) for group, points in read)
    return groups, total


def _whole(value, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _check_size(doc: YamlDoc, path: tuple, label: str, count: int, shape: tuple) -> None:
    if count > MAX_CASES or count * int(np.prod(shape, dtype=np.float64)) > doc.limits.max_elements:
        raise NncheckError(f"{label}: {count} inputs of shape {describe_shape(shape)} is too many "
                           f"(at most {MAX_CASES} inputs a group)", doc.where(*path))


def _drawn_inputs(doc: YamlDoc, path: tuple, label: str, shape: tuple, group: str) -> np.ndarray:
    spec = _at(doc, path)
    if not isinstance(spec, dict):
        raise NncheckError(f"{label}: expected a mapping such as {{dist: normal, count: 200, seed: 1}}",
                           doc.where(*path))
    dist = spec.get("dist", "normal")
    if dist not in DRAWS:
        raise NncheckError(f"{label}.dist: use one of {', '.join(DRAWS)}", doc.where(*path, "dist"))
    doc.check_keys(path, DRAW_KEYS + tuple(DISTRIBUTIONS[dist]), f"{label} (dist {dist})")
    count, seed = spec.get("count", DEFAULT_COUNT), spec.get("seed", name_seed(group))
    for key, value, low in (("count", count, 1), ("seed", seed, 0)):
        if not _whole(value, low):
            raise NncheckError(f"{label}.{key}: expected a whole number >= {low}", doc.where(*path, key))
    _check_size(doc, path, label, count, shape)
    params, decimals = read_draw_parameters(doc, path, label, dist), read_decimals(doc, path, label)
    inputs = RandomSpec((count,) + shape, dist, params, seed, decimals).draw()
    return _sorted(doc, path, label, inputs, spec.get("sort"))


def _sorted(doc: YamlDoc, path: tuple, label: str, inputs: np.ndarray, order) -> np.ndarray:
    """Each drawn input with its entries sorted along the last axis, if `sort:` asks for it."""
    if order is None:
        return inputs
    if order not in SORTS:
        raise NncheckError(f"{label}.sort: use ascending or descending", doc.where(*path, "sort"))
    if inputs.ndim < 2:
        raise NncheckError(f"{label}.sort: sorting needs an input with entries (a vector or more)",
                           doc.where(*path, "sort"))
    ascending = np.sort(inputs, axis=-1)
    return ascending if order == "ascending" else ascending[..., ::-1]


def _enumerated_inputs(doc: YamlDoc, path: tuple, label: str, shape: tuple, group: str) -> np.ndarray:
    choices = read_tensor(doc, path, label)
    if choices.ndim != 1 or len(np.unique(choices)) != len(choices):
        raise NncheckError(f"{label}: expected a list of different numbers, such as [0, 1]", doc.where(*path))
    size, count = int(np.prod(shape, dtype=np.float64)), 1
    for _ in range(size):
        count *= len(choices)
        if count > MAX_CASES:
            raise NncheckError(f"{label}: every input of shape {describe_shape(shape)} with entries from "
                               f"{len(choices)} numbers is more than {MAX_CASES} inputs; draw them instead",
                               doc.where(*path))
    return np.array(list(itertools.product(choices, repeat=size)), dtype=np.float64).reshape((count,) + shape)


def _listed_inputs(doc: YamlDoc, path: tuple, label: str, shape: tuple, group: str) -> np.ndarray:
    inputs = read_tensor(doc, path, label)
    if inputs.shape[1:] != shape or inputs.ndim != len(shape) + 1:
        example = {0: "[1, 2, 3]", 1: "[[5, 4, 3, 2, 1], [1, 1, 1, 1, 1]]"}.get(len(shape), "[...]")
        raise NncheckError(f"{label}: expected a list of inputs, each of shape {describe_shape(shape)}, such as "
                           f"{example}; got shape {describe_shape(inputs.shape)}", doc.where(*path))
    _check_size(doc, path, label, len(inputs), shape)
    return inputs


def _edge_inputs(doc: YamlDoc, path: tuple, label: str, shape: tuple, group: str) -> np.ndarray:
    edge = _at(doc, path)
    if edge not in EDGES:
        raise NncheckError(f"{label}: use one of {', '.join(EDGES)}", doc.where(*path))
    if edge == "all_equal":
        _check_size(doc, path, label, len(EQUAL_VALUES), shape)
        return np.array([np.full(shape, value) for value in EQUAL_VALUES])
    if len(shape) != 1 or shape[0] < 2:
        raise NncheckError(f"{label}: equal_neighbours needs a vector input, got shape {describe_shape(shape)}",
                           doc.where(*path))
    return equal_neighbours(shape[0])


def equal_neighbours(n: int) -> np.ndarray:
    """Strictly descending ladders with one adjacent pair made equal, for each pair in turn."""
    rows = [[start - step * (j - (j > tie)) for j in range(n)]
            for start, step in LADDERS for tie in range(n - 1)]
    return np.array(rows, dtype=np.float64)


INPUT_READERS = {"draw": _drawn_inputs, "enumerate": _enumerated_inputs, "inputs": _listed_inputs,
                 "edge": _edge_inputs}


# --- running the network -----------------------------------------------------------------


def check_against_problem(problem, spec: DesignSpec) -> None:
    """What can only be checked with the graph: the output depends on the parameters, the target does not."""
    designed = problem.computed_from(spec.parameters)
    if spec.output not in designed:
        raise NncheckError(f"{spec.label}.output: {spec.output} does not depend on the parameters "
                           f"{', '.join(spec.parameters)}", spec.output_location)
    for part in name_parts(spec.target.expr):
        if part.id in designed:
            raise spec.target.error(part, f"the target cannot use {part.id}: it is computed from the parameters")


def run_group(checker, spec: DesignSpec, parameters: dict, group: CaseGroup, batched: bool = True) -> list[Case]:
    """Every input of the group through the network with these parameters: all inputs at once
    (nncheck/engine/batched.py), or one Solution per input (`batched=False`, or when a formula
    has no batch rule or there is an error to report: the per-input run then gives the verdicts
    and the error as it always has)."""
    if batched:
        try:
            return [case for batch in _input_batches(checker, spec, group)
                    for case in _run_batch(checker.problem, spec, batch, parameters)]
        except (NoBatchRule, NncheckError, _RunEachInput):
            pass
    values = {name: checker.base.value(name) for name in checker.problem.leaves} | parameters
    return [_run_case(checker.problem, spec, group, i, values | {spec.input: x}) for i, x in enumerate(group.inputs)]


class _RunEachInput(Exception):
    """An error the per-input run reports, at the input where it meets it: a target that is not
    finite where the network is, or a target of another shape than the output."""


def _input_batches(checker, spec: DesignSpec, group: CaseGroup) -> list[InputBatch]:
    """The group's inputs in batches of at most BATCH_ENTRIES entries per value (computed once)."""
    if not group.batches and len(group.inputs):
        problem = checker.problem
        varying = problem.computed_from(list(spec.parameters) + [spec.input])
        largest = max([checker.base.value(name).size for name in varying] + [1])
        size = max(1, BATCH_ENTRIES // largest)
        with problem.meter.uncounted():  # computed once for the problem, not for an answer file
            group.batches = [_input_batch(checker, spec, group.inputs[start:start + size])
                             for start in range(0, len(group.inputs), size)]
    return group.batches


def _input_batch(checker, spec: DesignSpec, inputs: np.ndarray) -> InputBatch:
    """Nodes computed from the input alone are evaluated here, once; those computed from
    neither the input nor the parameters keep the values of the problem's own solution."""
    problem = checker.problem
    designed = problem.computed_from(spec.parameters)
    from_input = problem.computed_from([spec.input]) - designed
    env = {name: Batched(checker.base.value(name), False) for name in problem.names if name not in designed}
    env[spec.input] = Batched(inputs, True)
    finite = evaluate_nodes([node for node in problem.nodes if node.name in from_input], env, len(inputs),
                            problem.limits)
    try:
        target = evaluate_batched(spec.target, env, problem.limits)
    except (NoBatchRule, NncheckError):
        target = None
    return InputBatch(inputs, env, finite, target)


def _run_batch(problem, spec: DesignSpec, batch: InputBatch, parameters: dict) -> list[Case]:
    """The network at every input of the batch: the cases _run_case gives one by one. Every node
    computed from the parameters is evaluated, not only those the output uses, because a
    Solution fails an input where any value is not finite."""
    count = len(batch.inputs)
    env = batch.env | {name: Batched(value, False) for name, value in parameters.items()}
    designed = problem.computed_from(spec.parameters)
    finite = batch.finite & evaluate_nodes([node for node in problem.nodes if node.name in designed], env, count,
                                           problem.limits)
    if not finite.any():
        return [Case(x, None, None, False, float("inf")) for x in batch.inputs]
    if batch.target is None or not all_finite(batch.target, count)[finite].all():
        raise _RunEachInput
    outputs, targets = _each(env[spec.output], count), _each(batch.target, count)
    if outputs.shape != targets.shape:
        if outputs[0].size != 1 or targets[0].size != 1:
            raise _RunEachInput
        outputs = outputs.reshape(targets.shape)
    passed = _accepted(spec.compare, outputs, targets).tolist()
    with np.errstate(all="ignore"):
        gaps = np.abs(outputs - targets)
    deviations = gaps.max(axis=tuple(range(1, gaps.ndim))) if outputs[0].size else np.zeros(count)
    cases = []
    for x, output, target, ok, deviation, fine in zip(batch.inputs, outputs, targets, passed, deviations.tolist(),
                                                      finite.tolist()):
        cases.append(Case(x, output, target, ok, deviation) if fine else Case(x, None, None, False, float("inf")))
    return cases


def _each(value: Batched, count: int) -> np.ndarray:
    """The value at each of `count` inputs, stacked (a shared value is repeated, not copied)."""
    return value.value if value.batched else np.broadcast_to(value.value, (count,) + value.value.shape)


def _accepted(compare: Tolerance, outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """compare.accepts(output, target) at each input. With atol given, the accepted widths are
    entry by entry, so one call serves every input; without, they depend on each target's
    largest entry, and the inputs are compared one by one."""
    with np.errstate(all="ignore"):
        if compare.atol is None:
            return np.array([compare.accepts(output, target) for output, target in zip(outputs, targets)], dtype=bool)
        slack = compare.half_widths(targets) * (1 + 1e-9)  # as in Tolerance.accepts
        return np.all(np.abs(outputs - targets) <= slack, axis=tuple(range(1, outputs.ndim)))


def _run_case(problem, spec: DesignSpec, group: CaseGroup, index: int, values: dict) -> Case:
    x = group.inputs[index]
    try:
        solution = Solution(problem, values)
    except NncheckError:
        return Case(x, None, None, False, float("inf"))
    output = solution.value(spec.output)
    if index not in group.targets:
        with problem.meter.uncounted():  # kept for the problem, not for an answer file
            group.targets[index] = evaluate_answer(spec.target, solution)
    target = group.targets[index]
    if output.shape != target.shape:
        if output.size != 1 or target.size != 1:
            raise NncheckError(f"{spec.label}.target: the target has shape {describe_shape(target.shape)}, but "
                               f"{spec.output} has shape {describe_shape(output.shape)}", spec.target.start)
        output = output.reshape(target.shape)
    deviation = float(np.max(np.abs(output - target))) if output.size else 0.0
    return Case(x, output, target, spec.compare.accepts(output, target), deviation)


# --- the student's parameters ------------------------------------------------------------


def student_parameters(checker, spec: DesignSpec, answer_file) -> tuple[dict, tuple | None]:
    """The answered parameters in the problem's shapes, or (verdict, diagnosis, message) of why not."""
    values, missing, invalid, shape_errors = {}, [], [], 0
    forbidden = checker.problem.computed_from(spec.parameters)
    for name in spec.parameters:
        answer = answer_file.answers.get(name)
        if answer is None or answer.is_missing:
            missing.append(name)
            continue
        try:
            value = _answer_value(checker, name, answer, answer_file, forbidden)
        except NncheckError as error:
            where = f" (at {error.location})" if error.location else ""
            invalid.append(f"{name}: {_strip_label(error.message, f'answers.{name}')}{where}")
            continue
        expected = checker.base.value(name)
        aligned = align(value, expected)
        if aligned is None:
            shape_errors += 1
            invalid.append(f"{name} has shape {describe_shape(expected.shape)} in this problem; "
                           f"your answer has shape {describe_shape(value.shape)}")
            continue
        values[name] = aligned
    unanswered = [f"no answer for {', '.join(missing)}"] if missing else []
    if invalid:
        return values, (INVALID, "shape" if shape_errors == len(invalid) else None, "; ".join(invalid + unanswered))
    if missing:
        return values, (MISSING, None, unanswered[0])
    return values, None


def _answer_value(checker, name: str, answer, answer_file, forbidden: set) -> np.ndarray:
    label = f"answers.{name}"
    reading = read_answer(answer.raw, checker.problem.names, label, answer.location,
                          answer_file.doc.source(*answer.path) if answer_file.doc else None)
    if reading.numbers is not None:
        return reading.numbers
    if reading.formula is None:
        return read_tensor(answer_file.doc, answer.path, label)
    as_written = reading.formula == answer.raw
    formula = parse_formula(reading.formula, label, (answer.text_start or answer.location) if as_written
                            else answer.location)
    for part in name_parts(formula.expr):
        if part.id in forbidden:
            raise formula.error(part, f"{part.id} is part of the network you design; write {name} with numbers "
                                      "and the problem's other values")
    return evaluate_answer(formula, checker.base)


def _strip_label(message: str, label: str) -> str:
    prefix = f"{label}: "
    return message[len(prefix):] if message.startswith(prefix) else message


# --- the four entries of a kind ----------------------------------------------------------


def check(kind: str, checker, item, answer_file) -> list[ItemResult]:
    """One result per case group: the student's parameters run on the group's inputs."""
    spec: DesignSpec = item.spec
    check_against_problem(checker.problem, spec)
    parameters, unusable = student_parameters(checker, spec, answer_file)
    results = []
    for group in spec.groups:
        result = ItemResult(f"{item.id}: {group.name}", WRONG, 0.0, group.points, group.visibility)
        if unusable:
            result.verdict, result.diagnosis, result.message = unusable
        else:
            _grade(result, spec, group, run_group(checker, spec, parameters, group))
        results.append(result)
    return results


def _grade(result: ItemResult, spec: DesignSpec, group: CaseGroup, cases: list[Case]) -> None:
    passed = sum(case.passed for case in cases)
    result.answer = f"{passed} of {len(cases)} inputs pass"
    if passed == len(cases):
        result.verdict, result.points = CORRECT, group.points
        result.message = f"gives the target on all {len(cases)} inputs"
        return
    if group.scoring == "proportional":
        result.points = group.points * passed / len(cases)
    result.message = failure_message(spec, cases, group.visibility == "visible")


def failure_message(spec: DesignSpec, cases: list[Case], show_inputs: bool) -> str:
    """How many inputs fail; with `show_inputs`, the first few and where the deviation is largest."""
    failed = [case for case in cases if not case.passed]
    text = f"fails on {len(failed)} of {len(cases)} inputs"
    if show_inputs:
        text += ": " + "; ".join(_case_text(spec, case) for case in failed[:SHOWN_FAILURES])
    else:
        text += " (inputs not shown for this group)"
    finite = [case for case in cases if case.output is not None]
    if spec.compare != EXACT and finite:
        worst = max(finite, key=lambda case: case.deviation)
        where = f" at {spec.input} = {format_tensor(worst.input)}" if show_inputs else ""
        text += (f"; largest deviation {format_number(worst.deviation, 3)}{where} "
                 f"(accepted: {spec.compare.describe()})")
    return text


def _case_text(spec: DesignSpec, case: Case) -> str:
    if case.output is None:
        return f"{spec.input} = {format_tensor(case.input)}: the network's values are not finite"
    return (f"{spec.input} = {format_tensor(case.input)} gives {spec.output} = {format_tensor(case.output)}, "
            f"target {format_tensor(case.target)}")


def reference(kind: str, checker, item, show_hidden: bool = True) -> list[tuple[str, str]]:
    """The problem's own parameter values run through every group (groups that are not
    visible only with `show_hidden`)."""
    spec: DesignSpec = item.spec
    check_against_problem(checker.problem, spec)
    parameters = {name: checker.base.value(name) for name in spec.parameters}
    lines = []
    for group in spec.groups:
        if group.visibility != "visible" and not show_hidden:
            continue
        cases = run_group(checker, spec, parameters, group)
        passed = sum(case.passed for case in cases)
        text = (f"{', '.join(spec.parameters)} as given pass {passed} of {len(cases)} inputs "
                f"({points_of(group.points)})")
        if passed < len(cases):
            text += "; " + failure_message(spec, cases, True)
        lines.append((group.name, text))
    return lines


def answer_keys(kind: str, item, problem) -> list[str]:
    """The parameters, each under its own name."""
    return list(item.spec.parameters)


def template(kind: str, item, problem, solution=None) -> list[tuple[str, str]]:
    """One line per parameter with its shape (parameters an earlier item already asks for, as a
    design parameter or as a value item of its own, are not repeated)."""
    earlier = set()
    for other in problem.asks[: problem.asks.index(item)]:
        earlier.update(other.spec.parameters if other.kind == "design" else [other.id])
    names = [name for name in item.spec.parameters if name not in earlier]
    lines = [(name, f"{name}: shape {describe_shape(problem.leaves[name].shape)}") for name in names]
    if lines:
        first, comment = lines[0]
        lines[0] = (first, f"{comment}; design {item.id} ({', '.join(item.spec.parameters)} together)")
    return lines


def reference_entries(kind: str, checker, item, keys: list[str]) -> dict:
    """The answer-file entries of the reference answer at the checker's numbers (for selftest)."""
    return {name: checker.base.value(name) for name in keys}


def selftest_tolerance(kind: str, item, problem) -> Tolerance:
    """Reference answers are the same answer only with the same numbers."""
    return EXACT
