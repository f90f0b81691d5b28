"""A problem file read and validated: its values, its graph of named formulas and its loss."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from nncheck.errors import ErrorCollector, Location, NncheckError, closest
from nncheck.limits import HOMEWORK, Limits, WorkMeter
from nncheck.read.asks import read_asks
from nncheck.read.follow_through import DEFAULT_CREDIT, read_follow_through
from nncheck.read.layout import read_layout
from nncheck.read.formula import FUNCTIONS, Formula, name_parts, parse_formula
from nncheck.read.layers import NodeText, expand_layers
from nncheck.read.secret import with_secrets
from nncheck.read.tensors import RandomSpec, name_seed, read_random_spec, read_tensor
from nncheck.read.tolerance import Tolerance, read_tolerance
from nncheck.read.vary import read_variation
from nncheck.read.yamlfile import YamlDoc, read_yaml

TOP_LEVEL_KEYS = ("title", "description", "source", "values", "layers", "graph", "loss", "parameters", "train",
                  "ask", "tolerance", "vary", "follow_through", "layout")
TRAIN_KEYS = ("lr", "steps", "loss")
MAX_STEPS = 10_000
TEXT_KEYS = ("title", "description", "source")
MAX_NAMES = 2000
MAX_GRAPH_SIZE = 5000  # operations, names and numbers in all the graph's formulas together
REDRAW_SEED_STEP = 1_000_003
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESERVED_NAMES = set(FUNCTIONS) | {"T", "None", "True", "False", "and", "or", "not", "in", "is", "if", "else"}


@dataclass(eq=False)
class Leaf:
    """A named input tensor: given numbers, or a seeded random draw of a given shape."""

    name: str
    location: Location
    value: np.ndarray | None = None
    spec: RandomSpec | None = None

    @property
    def shape(self) -> tuple:
        return self.value.shape if self.value is not None else self.spec.shape

    def initial_value(self) -> np.ndarray:
        return self.value if self.value is not None else self.spec.draw()

    def redrawn_value(self, draw: int) -> np.ndarray:
        """Another value of the same shape and kind, for checking formulas (draw >= 1)."""
        if self.spec is not None:
            return self.spec.draw(seed_offset=REDRAW_SEED_STEP * draw)
        rng = np.random.default_rng(name_seed(self.name) + REDRAW_SEED_STEP * draw)
        low, high = float(self.value.min()), float(self.value.max())
        whole = np.all(self.value == np.round(self.value)) and max(-low, high) <= 2.0**53
        if whole and low == high and low >= 1:
            low = 0.0  # class labels that are all equal (t: 2): any label up to it
        if whole and low < high:
            return rng.integers(int(low), int(high), self.value.shape, endpoint=True).astype(float)
        scale = max(1.0, float(np.max(np.abs(self.value))))
        return rng.normal(0.0, scale, self.value.shape)


@dataclass(eq=False)
class Node:
    """A named graph node: a formula over the names above it."""

    name: str
    formula: Formula
    location: Location


@dataclass(eq=False)
class TrainSettings:
    """Plain gradient descent: the step size (a number, or the name of a scalar value), the
    number of steps, and the node it descends (default: the problem's loss)."""

    lr: float | str | None = None
    steps: int = 1
    loss: str | None = None


@dataclass(eq=False)
class Problem:
    path: str
    title: str
    description: str
    source: str
    leaves: dict[str, Leaf]
    nodes: list[Node]
    loss: str
    loss_location: Location
    asks: list = field(default_factory=list)
    tolerance: object = None
    doc: YamlDoc = field(repr=False, default=None)
    parameters: list[str] = field(default_factory=list)
    train: TrainSettings = field(default_factory=TrainSettings)
    variation: object = None    # what varies per student (nncheck/read/vary.py), or None
    variant: object = None      # whose numbers these are: a Variant, or None for the problem's own
    follow_through: float | None = DEFAULT_CREDIT  # credit for an answer right for an earlier wrong one (None: off)
    layout: str | None = None   # `strict` or `either` for Jacobians and batches in the other layout (None: not set)
    limits: Limits = HOMEWORK   # the size and work limits it was read under (nncheck/limits.py)
    meter: WorkMeter = field(default_factory=WorkMeter, repr=False)  # the work of its passes (a variant shares it)

    @property
    def names(self) -> list[str]:
        return list(self.leaves) + [node.name for node in self.nodes]

    def computed_from(self, names) -> set:
        """The names given and every node computed from them."""
        found = set(names)
        for node in self.nodes:
            if any(name in found for name in node.formula.names):
                found.add(node.name)
        return found

    def default_tolerance(self):
        """The problem's `tolerance:`, or the default (3 significant figures)."""
        return self.tolerance if self.tolerance is not None else Tolerance()

    def leaf_values(self) -> dict[str, np.ndarray]:
        """The values as written or drawn, with a student's varying values in a variant."""
        values = {name: leaf.initial_value() for name, leaf in self.leaves.items()}
        return values | self.variant.values if self.variant is not None else values

    def redrawn_values(self, draw: int) -> dict[str, np.ndarray]:
        return {name: leaf.redrawn_value(draw) for name, leaf in self.leaves.items()}


def read_problem(path: str, kinds: Mapping, secrets=(), limits: Limits = HOMEWORK) -> Problem:
    """Read and validate a problem file under `limits`, with the hidden checks of the grader's
    `secrets` (nncheck/read/secret.py) that belong to it; raises NncheckError for anything to fix.
    `kinds` reads the asked items of each kind (nncheck/check/kinds/: nncheck/check/problems.py
    passes it, so the modules that read files import nothing that checks)."""
    doc = read_yaml(path)
    if secrets:
        doc = with_secrets(doc, secrets)
    return read_problem_doc(replace(doc, limits=limits), kinds)


def read_problem_doc(doc: YamlDoc, kinds: Mapping) -> Problem:
    if not isinstance(doc.data, dict):
        raise NncheckError("a problem file is a mapping with values, graph (or layers) and loss", doc.where())
    if set(doc.data) & {"problem", "answers"} and not set(doc.data) & {"graph", "layers", "values"}:
        raise NncheckError("this is an answer file; did you mean `nncheck verify`?", doc.where())
    doc.check_keys((), TOP_LEVEL_KEYS, "problem file")
    texts = {key: _text(doc, key) for key in TEXT_KEYS}
    leaves = _read_leaves(doc)
    node_texts, drawn = _node_texts(doc, leaves)
    for name, spec in drawn.items():
        leaves[name] = Leaf(name, doc.where("layers"), spec=spec)
    if drawn:
        _check_total_entries(doc, leaves.values(), doc.where("layers"))
    nodes = _parse_nodes(doc, node_texts, leaves)
    loss, loss_location = _loss_name(doc, nodes)
    asks, tolerance = _asks_and_tolerance(doc, list(leaves) + [node.name for node in nodes], kinds)
    return Problem(doc.file, texts["title"] or "", texts["description"] or "", texts["source"] or "",
                   leaves, nodes, loss, loss_location, asks, tolerance, doc,
                   _parameters(doc, leaves), _train_settings(doc, leaves, [node.name for node in nodes]),
                   _variation(doc, leaves, [node.name for node in nodes], asks, texts["title"]),
                   follow_through=_follow_through(doc),
                   layout=read_layout(doc, ("layout",), "layout") if "layout" in doc.data else None,
                   limits=doc.limits)


def _follow_through(doc: YamlDoc) -> float | None:
    """`follow_through: {credit: 0.5}` or `false` (read/follow_through.py); the default credit."""
    if "follow_through" not in doc.data:
        return DEFAULT_CREDIT
    return read_follow_through(doc, ("follow_through",), "follow_through")


def _variation(doc: YamlDoc, leaves: dict[str, Leaf], nodes: list[str], asks: list, title: str | None):
    """What varies per student."""
    if "vary" not in doc.data and not any(leaf.spec is not None and leaf.spec.vary for leaf in leaves.values()):
        return None
    return read_variation(doc, leaves, list(leaves) + nodes, asks, title or "")


def _asks_and_tolerance(doc: YamlDoc, names: list[str], kinds: Mapping) -> tuple[list, object]:
    """The asked items and the default tolerance."""
    asks = read_asks(doc, names, kinds) if "ask" in doc.data else []
    tolerance = read_tolerance(doc, ("tolerance",), "tolerance") if "tolerance" in doc.data else None
    return asks, tolerance


def _parameters(doc: YamlDoc, leaves: dict[str, Leaf]) -> list[str]:
    """`parameters: [W1, b1]`: the values gradient descent changes (and design answers give)."""
    names = doc.data.get("parameters", [])
    if not isinstance(names, list):
        raise NncheckError("parameters: expected a list of value names, such as [W1, b1]", doc.where("parameters"))
    for i, name in enumerate(names):
        if not isinstance(name, str) or name not in leaves:
            raise NncheckError(f"parameters: {name!r} is not one of the values", doc.where("parameters", i))
        if names.index(name) != i:
            raise NncheckError(f"parameters: {name!r} is listed twice", doc.where("parameters", i))
    return names


def _train_settings(doc: YamlDoc, leaves: dict[str, Leaf], nodes: list[str]) -> TrainSettings:
    """`train: {lr: 0.1, steps: 3}`; lr may name a scalar value such as eta."""
    if "train" not in doc.data:
        return TrainSettings()
    spec = doc.data["train"]
    if not isinstance(spec, dict):
        raise NncheckError("train: expected a mapping such as {lr: 0.1, steps: 3}", doc.where("train"))
    doc.check_keys(("train",), TRAIN_KEYS, "train")
    lr = spec.get("lr")
    if isinstance(lr, str):
        if lr not in leaves or int(np.prod(leaves[lr].shape)) != 1:
            raise NncheckError(f"train.lr: {lr!r} is not a scalar value", doc.where("train", "lr"))
    elif lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not np.isfinite(lr)):
        raise NncheckError("train.lr: expected a number or the name of a scalar value", doc.where("train", "lr"))
    steps = spec.get("steps", 1)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise NncheckError(f"train.steps: expected a whole number from 0 to {MAX_STEPS}", doc.where("train", "steps"))
    loss = spec.get("loss")
    if loss is not None and loss not in nodes:
        raise NncheckError(f"train.loss: {loss!r} is not a graph node", doc.where("train", "loss"))
    return TrainSettings(float(lr) if isinstance(lr, (int, float)) else lr, steps, loss)


def _text(doc: YamlDoc, key: str) -> str | None:
    value = doc.data.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise NncheckError(f"{key}: expected text", doc.where(key))


def _check_name(doc: YamlDoc, name, path: tuple, section: str) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise NncheckError(
            f"{section}: {name!r} is not a valid name; use letters, digits and _ (such as W1 or h_2)",
            doc.where(*path),
        )
    if name in RESERVED_NAMES:
        raise NncheckError(f"{section}: {name!r} is a function or keyword of the formula language; pick another name", doc.where(*path))


def _read_leaves(doc: YamlDoc) -> dict[str, Leaf]:
    section = doc.data.get("values", {})
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise NncheckError("values: expected a mapping of names to numbers, such as x: [1, 2]", doc.where("values"))
    if len(section) > MAX_NAMES:
        raise NncheckError(f"values: more than {MAX_NAMES} names", doc.where("values"))
    errors = ErrorCollector()
    leaves: dict[str, Leaf] = {}
    for name, data in section.items():
        if errors.full:
            break
        path = ("values", name)
        label = f"values.{name}"
        try:
            _check_name(doc, name, path, "values")
            if isinstance(data, dict):
                leaf = Leaf(name, doc.where(*path), spec=read_random_spec(doc, path, label, name))
            else:
                leaf = Leaf(name, doc.where(*path), value=read_tensor(doc, path, label))
            leaves[name] = leaf
        except NncheckError as error:
            errors.add(error)
    errors.raise_if_any()
    _check_total_entries(doc, leaves.values(), doc.where("values"))
    return leaves


def _check_total_entries(doc: YamlDoc, leaves, where: Location) -> None:
    """Values hold at most max_total_entries entries together (nodes are counted as they are computed)."""
    total = sum(int(np.prod(leaf.shape)) for leaf in leaves)
    if total > doc.limits.max_total_entries:
        raise NncheckError(f"the values hold {total:,} entries together; the limit for all values and nodes "
                           f"is {doc.limits.max_total_entries:,}", where)


def _node_texts(doc: YamlDoc, leaves: dict[str, Leaf]) -> tuple[list[NodeText], dict]:
    texts: list[NodeText] = []
    drawn: dict = {}
    if "layers" in doc.data:
        stack = expand_layers(doc, {name: leaf.shape for name, leaf in leaves.items()})
        texts.extend(stack.nodes)
        drawn = stack.drawn
    graph = doc.data.get("graph")
    if not graph and not texts:
        raise NncheckError("a problem needs a graph: (or layers:) section with at least one node",
                           doc.where("graph") if "graph" in doc.data else doc.where())
    if graph is not None and not isinstance(graph, dict):
        raise NncheckError("graph: expected a mapping of node names to formulas, such as z: x @ W + b", doc.where("graph"))
    for name, formula in (graph or {}).items():
        path = ("graph", name)
        _check_name(doc, name, path, "graph")
        if isinstance(formula, (int, float)) and not isinstance(formula, bool):
            formula = repr(formula)
        if not isinstance(formula, str):
            raise NncheckError(f"graph.{name}: expected a formula, such as relu(z)", doc.where(*path))
        texts.append(NodeText(name, formula, doc.where(*path), doc.text_start(*path)))
    if len(texts) > MAX_NAMES:
        raise NncheckError(f"graph: more than {MAX_NAMES} nodes", doc.where("graph"))
    return texts, drawn


def _parse_nodes(doc: YamlDoc, texts: list[NodeText], leaves: dict[str, Leaf]) -> list[Node]:
    errors = ErrorCollector()
    defined = {name: leaf.location for name, leaf in leaves.items()}
    later = {t.name: t.location for t in texts}
    nodes, size = [], 0
    for text in texts:
        if errors.full:
            break
        label = f"graph.{text.name}"
        try:
            if text.name in defined:
                raise NncheckError(
                    f"{label}: the name {text.name!r} is already defined at line {defined[text.name].line}; "
                    "every value and node needs its own name",
                    text.location,
                )
            formula = parse_formula(text.formula, label, text.text_start or text.location)
            size += formula.size
            if size > MAX_GRAPH_SIZE:
                errors.add(NncheckError(f"{label}: the graph's formulas have more than {MAX_GRAPH_SIZE:,} "
                                        "operations, names and numbers together (the limit)", text.location))
                break
            _check_references(formula, text.name, defined, later)
            nodes.append(Node(text.name, formula, text.location))
        except NncheckError as error:
            errors.add(error)
        defined[text.name] = text.location
    errors.raise_if_any()
    return nodes


def _check_references(formula: Formula, own: str, defined: dict, later: dict) -> None:
    for part in name_parts(formula.expr):
        if part.id in defined:
            continue
        if part.id == own:
            raise formula.error(part, f"{own} cannot use itself; a node is computed from the names above it")
        if part.id in later:
            raise formula.error(
                part, f"{part.id} is defined below (line {later[part.id].line}); a node can only use names above it"
            )
        close = closest(part.id, defined)
        hint = f"; did you mean {close!r}?" if close else ""
        raise formula.error(part, f"unknown name {part.id!r}{hint}")


def _loss_name(doc: YamlDoc, nodes: list[Node]) -> tuple[str, Location]:
    if "loss" not in doc.data:
        last = nodes[-1]
        return last.name, last.location
    loss = doc.data["loss"]
    where = doc.where("loss")
    node_names = [node.name for node in nodes]
    if not isinstance(loss, str) or loss not in node_names:
        close = closest(loss, node_names)
        hint = f"did you mean {close!r}?" if close else f"graph nodes: {', '.join(node_names)}"
        raise NncheckError(f"loss: {loss!r} is not a graph node; name the scalar node to differentiate ({hint})", where)
    return loss, where
