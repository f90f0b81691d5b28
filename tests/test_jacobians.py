"""Jacobians dA/dB of a node A that is not a scalar: A's axes, then B's.

The engine's Jacobians are compared with finite differences and with
torch.autograd.functional.jacobian (float64); answers to Jacobian items are checked at
redraws like every other formula, and their common mistakes are diagnosed.
"""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from nncheck.cli import cli
from nncheck.errors import NncheckError
from nncheck.check.problems import load_problem
from nncheck.engine.solution import Solution

RELU5 = "problems/relu5-regression.yaml"
TANH = "problems/tanh-sigmoid-mse.yaml"
TANH_DIAGONAL = [0.3050199962, 0.7115777626, 0.6347395900, 0.6731934499]  # 1 - tanh(z1)^2

# tanh-sigmoid-mse with its numbers (as printed; the file itself gives students variants)
TANH_TEXT = """values:
  x: [1.0, -0.5, 2.0]
  W1: [[0.5, -0.4, 0.2], [-0.3, 0.6, 0.1], [0.2, 0.4, -0.5], [0.1, 0.3, 0.4]]
  b1: [0.1, -0.2, 0.3, -0.1]
  W2: [[0.6, -0.5, 0.3, 0.2], [-0.4, 0.7, 0.5, -0.3]]
  b2: [0.1, -0.2]
  y: [1.0, 0.0]
graph:
  z1: W1 @ x + b1
  z2: tanh(z1)
  z3: W2 @ z2 + b2
  yhat: sigmoid(z3)
  l: sum((y - yhat)**2)
ask: [dz2/dz1, dyhat/dz3, dz3/dz2, dz1/dx]
"""

LAYER = """values:
  x: [0.5, -1.0, 2.0]
  W: [[0.2, -0.4, 0.1], [0.7, 0.3, -0.5]]
  A: [[0.2, -0.4, 0.1], [0.7, 0.3, -0.5], [-0.2, 0.6, 0.4]]
  b: [0.1, -0.2]
graph:
  z: W @ x + b
  h: tanh(z)
  p: softmax(A @ x)
  M: outer(h, x)
  L: sum(h * p[:2]) + sum(M)
"""

BATCH = """title: N = 4 samples, K = 3 outputs
values:
  X: [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [1.0, 1.0]]
  W: [[0.2, -0.4, 0.1], [0.7, 0.3, -0.5]]
  Yt: [[1.0, 0.0, 0.5], [0.0, 1.0, -0.5], [0.5, 0.5, 0.0], [1.0, -1.0, 1.0]]
graph:
  Y: X @ W
  L: 0.5 * sum((Y - Yt)**2)
ask: [dL/dW]
"""


def solve(write, text):
    return Solution(load_problem(write("problem.yaml", text)))


def verify(write, problem, answers):
    """`nncheck verify --format json` on an answer file for `problem` (a path): (exit code, items by id)."""
    lines = [f"problem: {json.dumps(os.path.abspath(problem))}", "answers:"]
    lines += [f"  {key}: {json.dumps(value)}" for key, value in answers.items()]
    result = CliRunner().invoke(cli, ["verify", write("answers.yaml", "\n".join(lines) + "\n"), "--format", "json"])
    assert "Traceback" not in result.output
    report = json.loads(result.output.splitlines()[-1])
    return result.exit_code, {item["id"]: item for item in report["items"]}


def verdict(item):
    return item["verdict"], item["diagnosis"], item["points"]


# --- the engine's Jacobians ------------------------------------------------------------------


def test_layout_is_a_axes_then_b_axes(write):
    """dz/dx of z = W x + b is W itself (rows: z's entries, columns: x's); dM/dh of M = h x^T is 4-D."""
    solution = solve(write, LAYER)
    W, x = solution.value("W"), solution.value("x")
    assert np.array_equal(solution.gradient("z", "x"), W)
    assert solution.gradient("z", "W").shape == (2, 2, 3)
    assert np.allclose(solution.gradient("h", "z"), np.diag(1 - np.tanh(solution.value("z")) ** 2))
    dM_dh = solution.gradient("M", "h")
    assert dM_dh.shape == (2, 3, 2)
    assert np.array_equal(dM_dh[1, :, 1], x) and not np.any(dM_dh[1, :, 0])


def test_a_scalar_node_still_gives_a_gradient_of_the_other_shape(write):
    solution = solve(write, LAYER)
    assert solution.gradient("L", "W").shape == (2, 3)


def test_jacobians_match_finite_differences(write):
    problem = load_problem(write("problem.yaml", LAYER))
    solution = Solution(problem)
    values = problem.leaf_values()
    for of, wrt in [("z", "W"), ("h", "x"), ("p", "A"), ("p", "x"), ("M", "W")]:
        numeric = np.zeros(solution.value(of).shape + values[wrt].shape)
        for index in np.ndindex(values[wrt].shape):
            moved = {sign: dict(values) for sign in (1, -1)}
            for sign, leaves in moved.items():
                leaves[wrt] = values[wrt].copy()
                leaves[wrt][index] += sign * 1e-6
            up, down = (Solution(problem, moved[sign]).value(of) for sign in (1, -1))
            numeric[(...,) + index] = (up - down) / 2e-6
        assert np.allclose(solution.gradient(of, wrt), numeric, rtol=1e-6, atol=1e-8), (of, wrt)


def test_jacobians_match_torch(write):
    torch = pytest.importorskip("torch")
    from torch.autograd.functional import jacobian

    solution = solve(write, LAYER)
    W, x, A, b = (torch.tensor(solution.value(name), dtype=torch.float64) for name in ("W", "x", "A", "b"))
    cases = {
        ("h", "W"): (lambda W_: torch.tanh(W_ @ x + b), W),
        ("p", "x"): (lambda x_: torch.softmax(A @ x_, dim=-1), x),
        ("M", "W"): (lambda W_: torch.outer(torch.tanh(W_ @ x + b), x), W),
        ("M", "x"): (lambda x_: torch.outer(torch.tanh(W @ x_ + b), x_), x),
    }
    for (of, wrt), (function, at) in cases.items():
        expected = jacobian(function, at).numpy()
        assert np.allclose(solution.gradient(of, wrt), expected, rtol=1e-9, atol=1e-12), (of, wrt)


def test_relu5_jacobians_match_torch():
    torch = pytest.importorskip("torch")
    from torch.autograd.functional import jacobian

    solution = Solution(load_problem(RELU5))
    z1 = torch.tensor(solution.value("z1"), dtype=torch.float64)
    expected = jacobian(lambda z: 5 * torch.relu(z), z1).numpy()
    assert np.array_equal(solution.gradient("z2", "z1"), expected)
    assert np.array_equal(expected, np.diag([5.0, 0.0, 5.0, 5.0]))


def test_a_jacobian_too_large_is_refused(write):
    """One backward pass per entry of A; the Jacobian holds at most 4,194,304 entries."""
    solution = solve(write, "values:\n  x: {shape: [3000]}\ngraph:\n  z: 2 * x\n  L: sum(z)\n")
    with pytest.raises(NncheckError, match="dz/dx: the Jacobian would have 9000000 entries"):
        solution.gradient("z", "x")


def test_run_of_a_node_that_is_not_a_scalar_is_still_an_error():
    result = CliRunner().invoke(cli, ["run", RELU5, "--of", "z2"])
    assert result.exit_code == 2
    assert "z2 has shape (4,); gradients are taken of a scalar" in result.output


# --- the seed Jacobian items -----------------------------------------------------------------


@pytest.mark.parametrize("path", [RELU5, TANH])
def test_seed_jacobian_items_are_computed_not_typed(path):
    items = {item.id: item for item in load_problem(path).asks}
    for item_id in ("dz2/dz1", "dyhat/dz3"):
        assert items[item_id].expected is None and items[item_id].expected_formula is None
        assert items[item_id].quantity is not None


def test_a_formula_right_only_at_the_given_numbers_is_a_coincidence(write):
    """z1 = [0.4, -0.5, 0.8, 0.3]: no entry in (-0.3, 0], so the threshold -0.3 fits here only."""
    code, items = verify(write, RELU5, {"dz2/dz1": "diag(5*(z1 > -0.3))"})
    assert verdict(items["dz2/dz1"]) == ("wrong", "coincidence", 0)
    assert "with other values of x, W1" in items["dz2/dz1"]["message"]
    assert code == 1


def test_the_right_formula_and_the_right_matrix_pass(write):
    _, items = verify(write, RELU5, {"dz2/dz1": "diag(5 * (z1 > 0))", "dyhat/dz3": "identity(2)"})
    assert verdict(items["dz2/dz1"]) == verdict(items["dyhat/dz3"]) == ("correct", None, 1)
    _, items = verify(write, RELU5, {"dz2/dz1": [[5, 0, 0, 0], [0, 0, 0, 0], [0, 0, 5, 0], [0, 0, 0, 5]],
                                     "dyhat/dz3": [[1, 0], [0, 1]]})
    assert verdict(items["dz2/dz1"]) == verdict(items["dyhat/dz3"]) == ("correct", None, 1)


def test_tanh_jacobians_pass_as_formulas_and_as_numbers(write):
    _, items = verify(write, write("tanh.yaml", TANH_TEXT), {"dz2/dz1": "diag(dtanh(z1))", "dyhat/dz3": [[0.2138, 0], [0, 0.1603]]})
    assert verdict(items["dz2/dz1"]) == verdict(items["dyhat/dz3"]) == ("correct", None, 1)


def test_the_authored_mistake_still_gets_its_message_and_points(write):
    _, items = verify(write, RELU5, {"dz2/dz1": "diag(drelu(z1))"})
    assert verdict(items["dz2/dz1"]) == ("wrong", "authored", 0.5)


# --- Jacobian mistakes -----------------------------------------------------------------------


def test_missing_activation_derivative(write):
    _, items = verify(write, RELU5, {"dz2/dz1": "5 * identity(4)"})
    assert verdict(items["dz2/dz1"]) == ("wrong", "missing_derivative", 0)
    assert "matches the Jacobian with the derivative of relu left out" in items["dz2/dz1"]["message"]
    _, items = verify(write, write("tanh.yaml", TANH_TEXT), {"dz2/dz1": np.eye(4).tolist(), "dyhat/dz3": "identity(2)"})
    assert verdict(items["dz2/dz1"]) == ("wrong", "missing_derivative", 0)
    assert verdict(items["dyhat/dz3"]) == ("wrong", "missing_derivative", 0)


def test_transposed_jacobians(write):
    """dz3/dz2 = W2 is 2 x 4 (transposed: another shape); dz/dx = A is square."""
    _, items = verify(write, write("tanh.yaml", TANH_TEXT), {"dz3/dz2": "W2.T", "dz1/dx": "W1"})
    assert verdict(items["dz3/dz2"]) == ("wrong", "transposed", 0)
    assert items["dz3/dz2"]["message"].startswith("dz3/dz2 is the Jacobian transposed: row i holds the derivatives "
                                                  "of z3[i]")
    assert verdict(items["dz1/dx"]) == ("correct", None, 1)
    square = "values:\n  x: [0.5, -1.0, 2.0]\n  A: [[0.2, -0.4, 0.1], [0.7, 0.3, -0.5], [-0.2, 0.6, 0.4]]\n" \
             "graph:\n  z: A @ x\n  L: sum(z)\nask: [dz/dx]\n"
    _, items = verify(write, write("square.yaml", square), {"dz/dx": "A.T"})
    assert verdict(items["dz/dx"]) == ("wrong", "transposed", 0)
    _, items = verify(write, write("square.yaml", square), {"dz/dx": [[0.2, 0.7, -0.2], [-0.4, 0.3, 0.6],
                                                                       [0.1, -0.5, 0.4]]})
    assert verdict(items["dz/dx"]) == ("wrong", "transposed", 0)


def test_a_full_matrix_where_the_jacobian_is_diagonal(write):
    """The derivative of row i written across the whole row: the diagonal is right."""
    filled = [[round(d, 4)] * 4 for d in TANH_DIAGONAL]
    _, items = verify(write, write("tanh.yaml", TANH_TEXT), {"dz2/dz1": filled, "dyhat/dz3": "outer(dsigmoid(z3), 1 + 0 * z3)"})
    assert verdict(items["dz2/dz1"]) == ("wrong", "diag_vs_full", 0)
    assert items["dz2/dz1"]["message"].startswith("dz2/dz1 is diagonal: z2[i] depends only on z1[i]")
    assert verdict(items["dyhat/dz3"]) == ("wrong", "diag_vs_full", 0)


def test_the_diagonal_as_a_vector_where_the_matrix_is_asked(write):
    _, items = verify(write, write("tanh.yaml", TANH_TEXT), {"dz2/dz1": "dtanh(z1)", "dyhat/dz3": [0.2138, 0.1603]})
    assert verdict(items["dz2/dz1"]) == ("wrong", "diag_vs_full", 0)
    assert "your answer is its diagonal as a vector" in items["dz2/dz1"]["message"]
    assert verdict(items["dyhat/dz3"]) == ("wrong", "diag_vs_full", 0)


def test_a_diagonal_matrix_where_the_jacobian_is_full(write):
    """softmax: dp_i/dz_j = p_i (delta_ij - p_j); diag(p (1 - p)) keeps only the diagonal."""
    text = "values:\n  z: [1.0, -0.5, 2.0]\ngraph:\n  p: softmax(z)\n  L: sum(p * z)\nask: [dp/dz]\n"
    path = write("softmax.yaml", text)
    p = np.exp([1.0, -0.5, 2.0]) / np.exp([1.0, -0.5, 2.0]).sum()
    _, items = verify(write, path, {"dp/dz": "diag(p * (1 - p))"})
    assert verdict(items["dp/dz"]) == ("wrong", "diag_vs_full", 0)
    assert items["dp/dz"]["message"].startswith("dp/dz is not diagonal: each p[i] depends on every z[j]")
    _, items = verify(write, path, {"dp/dz": np.diag(p * (1 - p)).round(5).tolist()})
    assert verdict(items["dp/dz"]) == ("wrong", "diag_vs_full", 0)
    _, items = verify(write, path, {"dp/dz": "diag(p) - outer(p, p)"})
    assert verdict(items["dp/dz"]) == ("correct", None, 1)


# --- factors of N x outputs ------------------------------------------------------------------


def test_mean_over_samples_and_outputs_is_a_factor_of_n_times_k(write):
    """L sums over N = 4 samples and K = 3 outputs; the mean's gradient is 1/12 of it."""
    solution = solve(write, BATCH)
    expected = solution.gradient("L", "W")
    path = write("batch.yaml", BATCH)
    _, items = verify(write, path, {"dL/dW": (expected / 12).round(6).tolist()})
    assert verdict(items["dL/dW"]) == ("wrong", "factor", 0)
    assert items["dL/dW"]["message"] == ("dL/dW is 1/12 of the expected value (the 4 x 3 entries of a batch with "
                                         "several outputs: a mean where the sum is taken?)")
    _, items = verify(write, path, {"dL/dW": "X.T @ (Y - Yt) / 12"})
    assert verdict(items["dL/dW"]) == ("wrong", "factor", 0)
    mean = write("mean.yaml", BATCH.replace("0.5 * sum((Y - Yt)**2)", "mean((Y - Yt)**2)"))
    _, items = verify(write, mean, {"dL/dW": "2 * X.T @ (Y - Yt)"})
    assert verdict(items["dL/dW"]) == ("wrong", "factor", 0)
    assert "12 times" in items["dL/dW"]["message"]


def test_yes_no_questions_about_a_jacobian(write):
    """The rows of dh/dW (one per hidden unit) differ even with constant weights: each h[i]
    depends on its own column of W."""
    text = ("values:\n  x: [1.0, -2.0]\n  W: {shape: [2, 3], dist: constant, value: 0.3}\ngraph:\n"
            "  h: tanh(x @ W)\n  L: sum(h)\nask:\n  - id: q\n    kind: identical\n    of: dh/dW\n")
    _, items = verify(write, write("p.yaml", text), {"q": "YES"})
    assert verdict(items["q"]) == ("wrong", "counterexample", 0)
    assert items["q"]["message"].startswith("slices 0 and 1 of dh/dW along axis 0 differ")
    assert "dh/dW = [[[0.915137, 0, 0], [-1.83027, 0, 0]], [[0, 0.915137, 0]" in items["q"]["message"]
