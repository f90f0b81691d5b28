"""The `layers` shorthand: a plain MLP written as a list of layers, expanded into graph nodes.

convention `rows`    (Machine Learning Assignment 2): z = h @ W + b, weights shaped (inputs, outputs)
convention `columns` (the homework on MLPs): z = W @ h + b, weights shaped (outputs, inputs)
`weight_layout: out_in` (PyTorch's nn.Linear.weight) or `in_out` overrides the shape of the
weights; a weight in the other layout than its convention's is used transposed (h @ W.T + b).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nncheck.errors import Location, NncheckError
from nncheck.read.primitives import PRIMITIVES
from nncheck.read.tensors import RandomSpec, check_size, name_seed
from nncheck.read.yamlfile import YamlDoc

ACTIVATIONS = ("linear", *(name for name, primitive in PRIMITIVES.items() if primitive.activation))
LAYER_KEYS = ("convention", "input", "activations", "weights", "biases", "sizes", "output", "weight_layout")
NATURAL_LAYOUT = {"rows": "in_out", "columns": "out_in"}


@dataclass(eq=False)
class NodeText:
    """A graph node before parsing: its name, formula text and where it was written."""

    name: str
    formula: str
    location: Location
    text_start: Location | None = None


@dataclass(eq=False)
class Layer:
    """One layer, for the neuron diagram: weight and bias names, activation, and whether the
    weight is stored (inputs, outputs)."""

    weight: str
    bias: str | None
    activation: str
    inputs_first: bool


@dataclass(eq=False)
class LayerStack:
    nodes: list[NodeText]
    drawn: dict[str, RandomSpec]
    layers: list[Layer] = field(default_factory=list)
    input: str = ""


def expand_layers(doc: YamlDoc, leaf_shapes: dict[str, tuple]) -> LayerStack:
    """Graph nodes (and any weights to draw) for the `layers` section."""
    spec = doc.data["layers"]
    where = doc.where("layers")
    if not isinstance(spec, dict):
        raise NncheckError("layers: expected a mapping with convention, input, activations, ...", where)
    doc.check_keys(("layers",), LAYER_KEYS, "layers")
    convention = spec.get("convention")
    if convention not in ("rows", "columns"):
        raise NncheckError("layers.convention: write rows (x @ W + b) or columns (W @ x + b)", doc.where("layers", "convention"))
    layout = spec.get("weight_layout", NATURAL_LAYOUT[convention])
    if layout not in ("in_out", "out_in"):
        raise NncheckError("layers.weight_layout: write in_out (W is (inputs, outputs)) or out_in (W is "
                           "(outputs, inputs), as PyTorch's nn.Linear.weight)", doc.where("layers", "weight_layout"))
    activations = _name_list(doc, spec, "activations", None)
    for i, activation in enumerate(activations):
        if activation not in ACTIVATIONS:
            raise NncheckError(
                f"layers.activations: unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)}",
                doc.where("layers", "activations", i),
            )
    count = len(activations)
    weights = _name_list(doc, spec, "weights", [f"W{k}" for k in range(1, count + 1)])
    biases = _name_list(doc, spec, "biases", [f"b{k}" for k in range(1, count + 1)], allow_null=True)
    for key, names in (("weights", weights), ("biases", biases)):
        if len(names) != count:
            raise NncheckError(f"layers.{key}: {len(names)} names for {count} layers; give one per layer", doc.where("layers", key))
    source = spec.get("input")
    if not isinstance(source, str) or source not in leaf_shapes:
        raise NncheckError("layers.input: name the input, one of the values", doc.where("layers", "input"))
    output = spec.get("output", "y")
    drawn = _drawn_parameters(doc, spec, convention, layout, weights, biases, leaf_shapes, source)
    transposed = ".T" if layout != NATURAL_LAYOUT[convention] else ""
    along_columns = convention == "columns" and len(leaf_shapes[source]) > 1
    nodes = []
    current = source
    for k, (activation, weight, bias) in enumerate(zip(activations, weights, biases), start=1):
        last = k == count
        linear = f"{current} @ {weight}{transposed}" if convention == "rows" else f"{weight}{transposed} @ {current}"
        if bias is not None:
            linear += f" + {bias}"
        if last and activation == "linear":
            nodes.append(NodeText(output, linear, where))
            break
        nodes.append(NodeText(f"z{k}", linear, where))
        current = output if last else f"h{k}"
        nodes.append(NodeText(current, _activation_formula(activation, f"z{k}", along_columns), where))
    layers = [Layer(weight, bias, activation, layout == "in_out")
              for weight, bias, activation in zip(weights, biases, activations)]
    return LayerStack(nodes, drawn, layers, source)


def _activation_formula(activation: str, pre: str, along_columns: bool) -> str:
    """f(z); with examples as columns, softmax normalises each column (axis 0)."""
    if activation == "linear":
        return pre
    if activation == "softmax" and along_columns:
        return f"softmax({pre}, axis=0)"
    return f"{activation}({pre})"


def _name_list(doc: YamlDoc, spec: dict, key: str, default, allow_null: bool = False) -> list:
    names = spec.get(key, default)
    ok = isinstance(names, list) and names and all(
        isinstance(n, str) or (allow_null and n is None) for n in names
    )
    if not ok:
        raise NncheckError(f"layers.{key}: expected a list of names, such as [W1, W2]", doc.where("layers", key))
    return names


def _drawn_parameters(doc, spec, convention, layout, weights, biases, leaf_shapes, source) -> dict[str, RandomSpec]:
    """Weights and biases missing from `values`, drawn when `sizes` gives the widths."""
    sizes = spec.get("sizes")
    missing = [n for n in weights + biases if n is not None and n not in leaf_shapes]
    if sizes is None:
        if missing:
            raise NncheckError(
                f"layers: {missing[0]} is not among the values; give it there, or give sizes: [...] to draw it",
                doc.where("layers"),
            )
        return {}
    if not isinstance(sizes, list) or len(sizes) != len(weights) + 1 or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes
    ):
        raise NncheckError(
            f"layers.sizes: give {len(weights) + 1} positive widths, input first, such as [2, 3, 1]",
            doc.where("layers", "sizes"),
        )
    drawn = {}
    batched = len(leaf_shapes[source]) > 1
    for k, (weight, bias) in enumerate(zip(weights, biases)):
        fan_in, fan_out = sizes[k], sizes[k + 1]
        scale = {"mean": 0.0, "std": fan_in ** -0.5}
        if weight not in leaf_shapes:
            shape = (fan_in, fan_out) if layout == "in_out" else (fan_out, fan_in)
            check_size(shape, f"layers.sizes: {weight}", doc.where("layers", "sizes"), doc.limits)
            drawn[weight] = RandomSpec(shape, "normal", scale, name_seed(weight))
        if bias is not None and bias not in leaf_shapes:
            shape = (fan_out, 1) if convention == "columns" and batched else (fan_out,)
            check_size(shape, f"layers.sizes: {bias}", doc.where("layers", "sizes"), doc.limits)
            drawn[bias] = RandomSpec(shape, "normal", scale, name_seed(bias))
    return drawn
