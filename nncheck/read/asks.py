"""What a problem asks (`ask:`), for how many points, and the quantities answers name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nncheck.errors import ErrorCollector, Location, NncheckError, closest
from nncheck.read.formula import Formula, parse_formula
from nncheck.read.tensors import read_tensor
from nncheck.read.follow_through import INHERIT, read_follow_through
from nncheck.read.layout import read_layout
from nncheck.read.tolerance import Tolerance, read_tolerance
from nncheck.read.yamlfile import YamlDoc

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
COMMON_KEYS = ("id", "kind", "points", "visibility", "prompt")
VALUE_KEYS = ("tolerance", "expected", "mistakes", "forbid", "allow", "follow_through", "layout", "grader_only",
              "shape")
MISTAKE_KEYS = ("formula", "value", "message", "points")
MAX_ASKS = 500
MAX_POINTS = 1_000_000
_QUANTITY = re.compile(
    r"^(?:d(?P<of>[A-Za-z_][A-Za-z0-9_]*)\s*/\s*d)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\s*@\s*(?P<step>[0-9]+))?$")
MAX_STEP = 10_000
MAX_SHAPE_ENTRIES = 1 << 16


@dataclass(eq=False)
class Quantity:
    """A node or leaf's value (`of` is None), or the gradient d(of)/d(name); with `step`,
    after that many steps of gradient descent."""

    name: str
    of: str | None = None
    step: int | None = None

    def __str__(self) -> str:
        text = f"d{self.of}/d{self.name}" if self.of else self.name
        return text if self.step is None else f"{text}@{self.step}"


def parse_quantity(text: str) -> Quantity | None:
    """`y` -> value of y; `dL/dW1` -> gradient of L with respect to W1; `W1@2` -> W1 after
    two gradient-descent steps; else None."""
    match = _QUANTITY.match(str(text).strip())
    if not match:
        return None
    step = match.group("step")
    if step is not None and too_many_steps(step):
        return None
    return Quantity(match.group("name"), match.group("of"), None if step is None else int(step))


def too_many_steps(step: str) -> bool:
    """Whether a step number as written is beyond MAX_STEP (digits counted before int())."""
    digits = step.lstrip("0")
    return len(digits) > len(str(MAX_STEP)) or int(digits or "0") > MAX_STEP


def step_problem(key) -> str | None:
    """Why an answer key such as `W1@20000` names a step that cannot be asked; None if it does not."""
    match = _QUANTITY.match(str(key).strip())
    if not match or match.group("step") is None or not too_many_steps(match.group("step")):
        return None
    shown = str(key).strip()
    shown = shown if len(shown) <= 40 else shown[:30] + "..." + f" ({len(shown):,} characters)"
    return (f"answers: {shown}: the step number is more than {MAX_STEP:,}; write the step asked, "
            f"a whole number from 0 to {MAX_STEP:,}, such as {match.group('name')}@2")


@dataclass(eq=False)
class Mistake:
    """A wrong answer the author anticipates: a formula or a value, a message, partial points."""

    message: str
    points: float
    location: Location
    formula: Formula | None = None
    value: np.ndarray | None = None


@dataclass(eq=False)
class AskItem:
    id: str
    quantity: Quantity | None
    points: float
    visibility: str
    location: Location
    tolerance: Tolerance | None = None
    expected: np.ndarray | None = None
    mistakes: list[Mistake] = field(default_factory=list)
    prompt: str = ""
    kind: str = "value"
    spec: Any = None
    expected_formula: Formula | None = None
    forbid: tuple = ()
    allow: tuple = ()          # the only value and node names a formula answer may use (empty: any)
    follow_through: float | str | None = INHERIT  # credit for follow-through; INHERIT: the problem's
    layout: str | None = INHERIT                  # strict or either; INHERIT: the problem's
    grader_only: bool = False  # the expected value is in the grader-only file (nncheck release wrote this item)
    shape: tuple | None = None  # the answer's shape as the problem states it (grader-only items)

    @property
    def visible(self) -> bool:
        return self.visibility == "visible"

    @property
    def formula_only(self) -> bool:
        """Items that ask to write one thing in terms of others take formulas, not numbers."""
        return bool(self.forbid or self.allow)


def read_asks(doc: YamlDoc, names: list[str], kinds: Mapping) -> list[AskItem]:
    """The `ask:` list of a problem file, checked against the problem's names; `kinds` maps each
    kind to the module that reads its items (nncheck/check/kinds/)."""
    section = doc.data.get("ask")
    if section is None:
        return []
    if not isinstance(section, list) or len(section) > MAX_ASKS:
        raise NncheckError(f"ask: expected a list of items (at most {MAX_ASKS}), such as - id: dL/dW1", doc.where("ask"))
    errors = ErrorCollector()
    items: list[AskItem] = []
    for i in range(len(section)):
        if errors.full:
            break
        try:
            item = _read_item(doc, ("ask", i), doc.label(("ask", i), f"ask[{i}]"), names, kinds)
            if any(other.id == item.id for other in items):
                raise NncheckError(f"ask[{i}]: {item.id!r} is asked twice; give each item once", item.location)
            items.append(item)
        except NncheckError as error:
            errors.add(error)
    errors.raise_if_any()
    return items


def _read_item(doc: YamlDoc, path: tuple, label: str, names: list[str], kinds: Mapping) -> AskItem:
    spec = doc.data["ask"][path[1]]
    where = doc.where(*path)
    if isinstance(spec, str):
        spec = {"id": spec}
    if not isinstance(spec, dict):
        raise NncheckError(f"{label}: expected a mapping such as {{id: dL/dW1, points: 2}}", where)
    item_id = spec.get("id")
    if not isinstance(item_id, str) or not item_id.strip():
        raise NncheckError(f"{label}: id must name what is asked, such as dL/dW1 or y", where)
    visibility = spec.get("visibility", "visible")
    if visibility not in VISIBILITIES:
        raise NncheckError(f"{label}.visibility: use one of {', '.join(VISIBILITIES)}", doc.where(*path, "visibility"))
    prompt = spec.get("prompt", "")
    if not isinstance(prompt, str):
        raise NncheckError(f"{label}.prompt: expected text", doc.where(*path, "prompt"))
    kind = spec.get("kind", "value")
    module = kind_module(kinds, kind, doc.where(*path, "kind"), label)
    if spec is doc.data["ask"][path[1]]:
        doc.check_keys(path, COMMON_KEYS + module.KEYS[kind], label)
    fields = module.read_spec(kind, doc, path, label, names)
    if not isinstance(fields, dict):  # a kind's own spec; the value kind gives the item's fields instead
        fields = {"quantity": None, "points": _points(doc, spec, path, label, getattr(fields, "points", 1.0)),
                  "spec": fields}
    return AskItem(item_id.strip(), visibility=visibility, location=where, prompt=prompt, kind=kind, **fields)


def read_value(kind: str, doc: YamlDoc, path: tuple, label: str, names: list[str]) -> dict:
    """The fields of an asked value (kind `value`, the default; nncheck/check/kinds/value.py):
    what the id names, or the expected value or formula given, with tolerance and mistakes."""
    spec = doc.data["ask"][path[1]]
    spec = {"id": spec} if isinstance(spec, str) else spec
    item_id = spec["id"]
    quantity = parse_quantity(item_id)
    expected, expected_formula = None, None
    grader_only = _grader_only(doc, spec, path, label)
    if isinstance(spec.get("expected"), str):
        expected_formula = parse_formula(spec["expected"], f"{label}.expected",
                                         doc.text_start(*path, "expected") or doc.where(*path, "expected"))
    elif "expected" in spec:
        expected = read_tensor(doc, path + ("expected",), f"{label}.expected")
    if expected is None and expected_formula is None and not grader_only:
        _check_names(doc, path, label, names, item_id, quantity)
    tolerance = read_tolerance(doc, path + ("tolerance",), f"{label}.tolerance") if "tolerance" in spec else None
    mistakes = [_read_mistake(doc, path + ("mistakes", j), f"{label}.mistakes[{j}]")
                for j in range(len(_list(doc, spec, path, "mistakes", label)))]
    explicit = expected is not None or expected_formula is not None or grader_only
    return {"quantity": None if explicit else quantity, "points": _points(doc, spec, path, label, 1.0),
            "tolerance": tolerance, "expected": expected, "mistakes": mistakes, "expected_formula": expected_formula,
            "forbid": _names(doc, spec, path, label, "forbid", "function or value names, such as [sigmoid, exp]"),
            "allow": _allowed(doc, spec, path, label, names),
            "follow_through": (read_follow_through(doc, path + ("follow_through",), f"{label}.follow_through")
                               if "follow_through" in spec else INHERIT),
            "layout": read_layout(doc, path + ("layout",), f"{label}.layout") if "layout" in spec else INHERIT,
            "grader_only": grader_only, "shape": _shape(doc, spec, path, label)}


def _check_names(doc: YamlDoc, path: tuple, label: str, names: list[str], item_id: str, quantity) -> None:
    """An item with no expected value must name a value, node or gradient of the problem."""
    if quantity is None:
        raise NncheckError(
            f"{label}: {item_id!r} is neither a name nor a gradient dA/dB; give expected: for other quantities",
            doc.where(*path, "id"),
        )
    for name in filter(None, (quantity.name, quantity.of)):
        if name not in names:
            raise NncheckError(f"{label}: {name!r} is not a value or node of this problem", doc.where(*path, "id"))


def _grader_only(doc: YamlDoc, spec: dict, path: tuple, label: str) -> bool:
    """`grader_only: true`: the item's expected value (and its mistakes) are in the grader-only
    file, which replaces the item when given (docs/hidden-checks.md)."""
    flag = spec.get("grader_only", False)
    if not isinstance(flag, bool):
        raise NncheckError(f"{label}.grader_only: write true or false", doc.where(*path, "grader_only"))
    if flag and ("expected" in spec or spec.get("mistakes")):
        raise NncheckError(f"{label}: a grader_only item has its expected: and mistakes: in the grader-only file, "
                           "not here", doc.where(*path))
    return flag


def _shape(doc: YamlDoc, spec: dict, path: tuple, label: str) -> tuple | None:
    """`shape: [4, 3]`: the answer's shape, for items whose expected value the file does not hold."""
    if "shape" not in spec:
        return None
    shape = spec["shape"]
    if (not isinstance(shape, list) or len(shape) > 8
            or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_SHAPE_ENTRIES for n in shape)):
        raise NncheckError(f"{label}.shape: expected a list of whole numbers, such as [4, 3] ([] for a number)",
                           doc.where(*path, "shape"))
    return tuple(shape)


def _names(doc: YamlDoc, spec: dict, path: tuple, label: str, key: str, what: str) -> tuple:
    """A list of names: `forbid:` (functions and names a formula answer may not use) or `allow:`;
    items with either ask to write one thing in terms of others, so they take formulas only."""
    names = spec.get(key, [])
    if not isinstance(names, list) or not all(isinstance(name, str) and name.strip() for name in names):
        raise NncheckError(f"{label}.{key}: expected a list of {what}", doc.where(*path, key))
    return tuple(name.strip() for name in names)


def _allowed(doc: YamlDoc, spec: dict, path: tuple, label: str, names: list[str]) -> tuple:
    allow = _names(doc, spec, path, label, "allow", "value and node names, such as [x, W1, b1]")
    for j, name in enumerate(allow):
        if name not in names:
            close = closest(name, names)
            hint = f"; did you mean {close!r}?" if close else ""
            raise NncheckError(f"{label}.allow: {name!r} is not a value or node of this problem{hint}",
                               doc.where(*path, "allow", j))
    return allow


def kind_module(kinds: Mapping, kind, location: Location, label: str):
    """The module that reads, checks and shows asked items of this kind."""
    if not isinstance(kind, str) or kind not in kinds:
        raise NncheckError(f"{label}.kind: unknown kind {kind!r}; use one of {', '.join(kinds)}", location)
    return kinds[kind]


def _list(doc: YamlDoc, spec: dict, path: tuple, key: str, label: str) -> list:
    value = spec.get(key, [])
    if not isinstance(value, list):
        raise NncheckError(f"{label}.{key}: expected a list", doc.where(*path, key))
    return value


def _points(doc: YamlDoc, spec: dict, path: tuple, label: str, default: float) -> float:
    return check_points(spec.get("points", default), doc, path, label)


def check_points(points, doc: YamlDoc, path: tuple, label: str) -> float:
    """Points are numbers from 0 to MAX_POINTS (so every sum of them is a finite JSON number)."""
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 <= points <= MAX_POINTS:
        raise NncheckError(f"{label}.points: expected a number from 0 to {MAX_POINTS:,}", doc.where(*path, "points"))
    return float(points)


def _read_mistake(doc: YamlDoc, path: tuple, label: str) -> Mistake:
    spec = doc.data
    for key in path:
        spec = spec[key]
    where = doc.where(*path)
    if not isinstance(spec, dict):
        raise NncheckError(f"{label}: expected a mapping with formula (or value) and message", where)
    doc.check_keys(path, MISTAKE_KEYS, label)
    message = spec.get("message")
    if not isinstance(message, str) or not message.strip():
        raise NncheckError(f"{label}: give a message that explains the mistake", where)
    if ("formula" in spec) == ("value" in spec):
        raise NncheckError(f"{label}: give either formula: or value:", where)
    mistake = Mistake(message.strip(), _points(doc, spec, path, label, 0.0), where)
    if "formula" in spec:
        text = spec["formula"]
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            text = repr(text)
        mistake.formula = parse_formula(text, f"{label}.formula", doc.text_start(*path, "formula") or doc.where(*path, "formula"))
    else:
        mistake.value = read_tensor(doc, path + ("value",), f"{label}.value")
    return mistake
