"""The 4-sample ReLU network of seed 002: every published figure, from the bundled file."""

import numpy as np
import pytest

from nncheck.check.problems import load_problem
from nncheck.engine.solution import Solution

PROBLEM = "problems/relu-4-samples.yaml"


@pytest.fixture(scope="module")
def solution():
    return Solution(load_problem(PROBLEM))


def test_loss(solution):
    assert solution.value("L") == pytest.approx(2.38554, abs=1e-10)


@pytest.mark.parametrize("name, expected", [
    ("b2", -2.732),
    ("W2", [0.1168, 0, 0.1536]),
    ("b1", [0.0268, 0, 0.134]),
    ("W1", [[0.0122, 0, 0.061], [-0.0268, 0, -0.134]]),
])
def test_seed_gradients(solution, name, expected):
    np.testing.assert_allclose(solution.gradient("L", name), expected, atol=1e-12)


def test_forward_values(solution):
    np.testing.assert_allclose(solution.value("y"), [-0.338, -0.294, -0.7, -0.7], atol=1e-12)
    np.testing.assert_allclose(solution.value("h")[:, 1], 0.0)


def test_deltas(solution):
    grads = solution.gradients()
    np.testing.assert_allclose(grads["y"], solution.value("y") - solution.value("t"), atol=1e-12)
    np.testing.assert_allclose(grads["z"], grads["h"] * (solution.value("z") > 0), atol=1e-12)


def test_gradient_of_another_scalar_node(solution):
    assert solution.gradient("L", "L") == 1.0
    np.testing.assert_allclose(solution.gradient("L", "t"), -(solution.value("y") - solution.value("t")))
