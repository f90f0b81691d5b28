"""Random values by shape and the layers shorthand."""

import numpy as np
import pytest

from nncheck.errors import NncheckError
from nncheck.check.problems import problem_from_doc
from nncheck.engine.solution import Solution
from nncheck.read.yamlfile import parse_yaml

RELU4_VALUES = """values:
  x: [[0.6, -1.0], [0.8, -1.0], [-0.4, 0.9], [0.2, 0.0]]
  t: [-0.8, -0.1, 0.9, 0.7]
  W1: [[-0.8, -0.7, 0.6], [-1.0, 0.5, -1.0]]
  b1: [-0.2, -1.0, -0.7]
  W2: [0.1, -1.0, 0.5]
  b2: -0.7
"""


def solve(text):
    return Solution(problem_from_doc(parse_yaml(text, "p.yaml")))


def test_random_values_are_reproducible_and_differ_by_name():
    text = "values:\n  A: {shape: [3, 4]}\n  B: {shape: [3, 4]}\ngraph:\n  L: sum(A * B)\n"
    first, second = solve(text), solve(text)
    np.testing.assert_array_equal(first.value("A"), second.value("A"))
    assert not np.allclose(first.value("A"), first.value("B"))


@pytest.mark.parametrize("spec, check", [
    ("{shape: [200], dist: uniform, low: 2, high: 3}", lambda v: 2 <= v.min() and v.max() <= 3),
    ("{shape: [200], dist: integers, low: 0, high: 1}", lambda v: set(v) == {0.0, 1.0}),
    ("{shape: [2, 2], dist: constant, value: 0.5}", lambda v: np.all(v == 0.5)),
    ("{shape: [50], dist: normal, mean: 10, std: 0.1, decimals: 1}", lambda v: np.allclose(v, np.round(v, 1)) and 9 < v.mean() < 11),
    ("{shape: [3], seed: 42}", lambda v: np.allclose(v, np.random.default_rng(42).normal(size=3))),
])
def test_distributions(spec, check):
    value = solve(f"values:\n  v: {spec}\ngraph:\n  L: sum(v)\n").value("v")
    assert check(value)


def test_rows_layers_expand_to_the_4_sample_network():
    solution = solve(RELU4_VALUES + "layers:\n  convention: rows\n  input: x\n  activations: [relu, linear]\n"
                     "graph:\n  L: 0.5 * sum((y - t)**2)\n")
    assert [node.formula.text for node in solution.problem.nodes] == [
        "x @ W1 + b1", "relu(z1)", "h1 @ W2 + b2", "0.5 * sum((y - t)**2)"]
    assert solution.value("L") == pytest.approx(2.38554)
    np.testing.assert_allclose(solution.gradient("L", "W1"), [[0.0122, 0, 0.061], [-0.0268, 0, -0.134]], atol=1e-12)


def test_columns_layers_draw_missing_weights_with_their_shapes():
    solution = solve("values:\n  x: [1, 2, 3, 4, 5]\nlayers:\n  convention: columns\n  input: x\n"
                     "  sizes: [5, 4, 1]\n  activations: [sigmoid, sigmoid]\n  output: p\n")
    shapes = {name: solution.value(name).shape for name in ("W1", "b1", "W2", "b2", "z2", "p")}
    assert shapes == {"W1": (4, 5), "b1": (4,), "W2": (1, 4), "b2": (1,), "z2": (1,), "p": (1,)}
    assert solution.loss == "p"
    assert 1 / (4 * 5) < np.var(solution.value("W1")) < 1.0


def test_columns_layers_with_a_batch_use_column_biases():
    solution = solve("values:\n  X: {shape: [3, 8]}\nlayers:\n  convention: columns\n  input: X\n"
                     "  sizes: [3, 2]\n  activations: [tanh]\n  biases: [c]\ngraph:\n  L: sum(y)\n")
    assert solution.value("c").shape == (2, 1)
    assert solution.value("y").shape == (2, 8)


@pytest.mark.parametrize("layers, words", [
    ("  convention: sideways\n  input: x\n  activations: [relu]\n", "write rows"),
    ("  convention: rows\n  input: x\n  activations: [swish]\n", "unknown activation 'swish'"),
    ("  convention: rows\n  input: q\n  activations: [relu]\n", "layers.input"),
    ("  convention: rows\n  input: x\n  activations: [relu]\n", "W1 is not among the values"),
    ("  convention: rows\n  input: x\n  activations: [relu]\n  sizes: [2]\n", "give 2 positive widths"),
    ("  convention: rows\n  input: x\n  activations: [relu, relu]\n  weights: [A]\n", "1 names for 2 layers"),
    ("  convention: rows\n  input: x\n  activations: [relu]\n  depth: 3\n", "unknown key 'depth'"),
])
def test_layer_errors(layers, words):
    with pytest.raises(NncheckError, match=words.replace("(", r"\(")):
        solve("values:\n  x: [1, 2]\nlayers:\n" + layers)
