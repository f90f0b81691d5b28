"""A problem as a picture, independent of the drawing format: the computation graph (a box
per value and node, an arrow per use, labelled with the operation), and for a `layers`
network the classic neuron diagram (a circle per unit, an arrow per weight).

The formats in nncheck/formats/ (mermaid.py, dot.py, svg.py) only write these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nncheck.errors import NncheckError
from nncheck.numbers import aligned_rows, entry_grid, format_number
from nncheck.read.formula import OPERATOR_SYMBOLS, Call, Expr, Index, Name
from nncheck.read.tensors import describe_shape
from nncheck.read.layers import expand_layers

HIDDEN = "(hidden)"
MAX_PICTURE_ENTRIES = 16     # larger tensors are shown by their smallest and largest entry
MAX_UNITS_PER_LAYER = 16     # a neuron diagram beyond this is no longer readable
FUNCTION_SYMBOLS = {"neg": "-", "transpose": ".T", "logical_and": "and", "logical_or": "or", "logical_not": "not"}


@dataclass(eq=False)
class Box:
    key: str
    name: str
    lines: list[str]
    kind: str          # "value", "node", "loss" (boxes) or "unit" (neurons)


@dataclass(eq=False)
class Arrow:
    source: str
    target: str
    label: str


@dataclass(eq=False)
class Picture:
    title: str
    kind: str          # "graph" or "neurons"
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    layers: list[list[str]] = field(default_factory=list)   # neuron keys, one list per layer


def computation_graph(solution, with_values: bool = False, precision: int = 3, hidden=frozenset()) -> Picture:
    """Every value and node as a box (name, shape; value and gradient with `with_values`),
    an arrow from each name a formula uses to its node, labelled with the operation."""
    problem, loss = solution.problem, solution.loss
    picture = Picture(problem.title or problem.path, "graph")
    keys = {name: f"n{i}" for i, name in enumerate(solution.values)}
    grads = solution.gradients() if with_values else {}
    for name in solution.values:
        kind = "value" if name in problem.leaves else ("loss" if name == loss else "node")
        lines = [describe_shape(np.shape(solution.value(name)))]
        if with_values:
            lines += _tensor_lines("value", solution.value(name), precision, name in hidden)
            lines += _tensor_lines(f"d{loss}/d{name}", grads[name], precision, f"d{loss}/d{name}" in hidden)
        picture.boxes.append(Box(keys[name], name, lines, kind))
    for node in problem.nodes:
        for name, operations in operations_on_names(node.formula.expr).items():
            picture.arrows.append(Arrow(keys[name], keys[node.name], ", ".join(operations)))
    return picture


# The operand roles of operators whose two sides differ: `y - t` labels y "- (left)", t "- (right)".
OPERAND_ROLES = {"sub": ("left", "right"), "div": ("numerator", "denominator"), "pow": ("base", "exponent"),
                 "matmul": ("left", "right"), "lt": ("left", "right"), "le": ("left", "right"),
                 "gt": ("left", "right"), "ge": ("left", "right")}


def operations_on_names(expr: Expr) -> dict[str, list[str]]:
    """For each name in a formula (in order), the operations applied directly to it, with the
    operand's role where the two sides of an operator differ: `x @ W1 + b1` gives
    x: @ (left), W1: @ (right), b1: +; a formula that is only a name gives `=`."""
    found: dict[str, list[str]] = {}
    if isinstance(expr, Name):
        return {expr.id: ["="]}

    def visit(part: Expr) -> None:
        children = [part.target] if isinstance(part, Index) else list(part.args) if isinstance(part, Call) else []
        for position, child in enumerate(children):
            if isinstance(child, Name):
                operations = found.setdefault(child.id, [])
                label = operation_symbol(part, position)
                if label not in operations:
                    operations.append(label)
            visit(child)

    visit(expr)
    return found


def operation_symbol(part: Expr, position: int | None = None) -> str:
    """The operation's symbol; with the operand's `position`, its role too where sides differ."""
    if isinstance(part, Call) and position is not None and part.function in OPERAND_ROLES and len(part.args) == 2:
        return f"{OPERATOR_SYMBOLS[part.function]} ({OPERAND_ROLES[part.function][position]})"
    if isinstance(part, Index):
        return "[" + ", ".join(_index_text(item) for item in part.items) + "]"
    return OPERATOR_SYMBOLS.get(part.function) or FUNCTION_SYMBOLS.get(part.function, part.function)


def _index_text(item) -> str:
    if item is None:
        return "None"
    if item is Ellipsis:
        return "..."
    if isinstance(item, slice):
        parts = ["" if bound is None else str(bound) for bound in (item.start, item.stop, item.step)]
        return ":".join(parts[:2] if item.step is None else parts)
    return str(item)


def _tensor_lines(label: str, array, precision: int, is_hidden: bool) -> list[str]:
    """`label = number`, or the rows of a small tensor, or its range for a large one."""
    if is_hidden:
        return [f"{label} = {HIDDEN}"]
    array = np.asarray(array, dtype=float)
    if array.size == 1:
        return [f"{label} = {format_number(array.ravel()[0], precision)}"]
    if array.size > MAX_PICTURE_ENTRIES or array.ndim > 2:
        low, high = format_number(array.min(), precision), format_number(array.max(), precision)
        return [f"{label}: {low} … {high}"]
    return [f"{label} ="] + [f"[ {row} ]" for row in aligned_rows(entry_grid(array, precision))]


def neuron_diagram(solution, precision: int = 3, hidden=frozenset()) -> Picture:
    """For a `layers` network: a circle per unit (its activation and bias) and an arrow per
    weight, labelled with the weight, layer by layer."""
    problem = solution.problem
    if problem.doc is None or "layers" not in (problem.doc.data or {}):
        raise NncheckError(f"{problem.path}: the neuron diagram is drawn for networks written with layers: "
                           "(docs/problem-format.md); leave out --neurons for the computation graph")
    stack = expand_layers(problem.doc, {name: leaf.shape for name, leaf in problem.leaves.items()})
    picture = Picture(problem.title or problem.path, "neurons")
    weights = [_weight_matrix(solution.value(layer.weight), layer.inputs_first) for layer in stack.layers]
    widths = [weights[0].shape[0]] + [matrix.shape[1] for matrix in weights]
    if max(widths) > MAX_UNITS_PER_LAYER:
        raise NncheckError(f"{problem.path}: a layer has {max(widths)} units; the neuron diagram is drawn for up to "
                           f"{MAX_UNITS_PER_LAYER} units per layer (leave out --neurons for the computation graph)")
    names = [stack.input] + [f"h{k}" for k in range(1, len(stack.layers))] + [stack.nodes[-1].name]
    for depth, width in enumerate(widths):
        layer = stack.layers[depth - 1] if depth else None
        keys = []
        for unit in range(width):
            key = f"u{depth}_{unit}"
            lines = [] if layer is None else [layer.activation] + _bias_line(solution, layer, unit, precision, hidden)
            picture.boxes.append(Box(key, f"{names[depth]}[{unit}]", lines, "unit"))
            keys.append(key)
        picture.layers.append(keys)
    for depth, (layer, matrix) in enumerate(zip(stack.layers, weights)):
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                label = HIDDEN if layer.weight in hidden else format_number(matrix[i, j], precision)
                picture.arrows.append(Arrow(picture.layers[depth][i], picture.layers[depth + 1][j], label))
    return picture


def _weight_matrix(weight, inputs_first: bool) -> np.ndarray:
    """The weights as (inputs, outputs); a vector of weights feeds one output unit."""
    weight = np.asarray(weight, dtype=float)
    if weight.ndim == 1:
        return weight[:, None]
    return weight if inputs_first else weight.T


def _bias_line(solution, layer, unit: int, precision: int, hidden) -> list[str]:
    if layer.bias is None:
        return []
    if layer.bias in hidden:
        return [f"b = {HIDDEN}"]
    bias = np.ravel(solution.value(layer.bias))
    return [f"b = {format_number(bias[unit if bias.size > 1 else 0], precision)}"]
