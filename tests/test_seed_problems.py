"""The seed-homework problem files, solved a second time by hand.

For each problem file, the forward pass and every gradient are written out here in
plain numpy the way a student derives them (deltas, outer products, the derivatives of
sigmoid, tanh, relu and the smooth maximum), then compared with nncheck's autodiff.
The last part evaluates formulas from the seeds' worked solutions that are wrong and
shows they differ from the true gradient: regression data for `nncheck verify`.
"""

import numpy as np
import pytest

from nncheck.check.problems import load_problem
from nncheck.engine.solution import Solution

RTOL, ATOL = 1e-10, 1e-15


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def dsigmoid(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def dtanh(z):
    return 1.0 - np.tanh(z) ** 2


def softmax(a):
    e = np.exp(a - a.max())
    return e / e.sum()


def smoothmax(a):
    return float(np.sum(a * softmax(a)))


def grad_smoothmax(a):
    """d smoothmax / d a_i = e^(a_i) (1 + a_i - smoothmax(a)) / sum_j e^(a_j)."""
    return softmax(a) * (1.0 + a - smoothmax(a))


def solve(path):
    return Solution(load_problem(path))


def leaves(solution):
    return {name: solution.value(name) for name in solution.problem.leaves}


# --- the problems by hand: (forward values, gradients of the loss) -------------------


def sigmoid_smoothmax_by_hand(v):
    x, W1, W2, y = v["x"], v["W1"], v["W2"], v["y"]
    a1 = W1 @ x
    o1 = sigmoid(a1)
    a2 = W2 @ o1
    yhat = smoothmax(a2)
    l = 0.5 * (yhat - y) ** 2
    dyhat = yhat - y
    delta2 = dyhat * grad_smoothmax(a2)
    do1 = W2.T @ delta2
    delta1 = dsigmoid(a1) * do1
    forward = {"a1": a1, "o1": o1, "a2": a2, "yhat": yhat, "l": l}
    grads = {
        "l": 1.0, "yhat": dyhat, "a2": delta2, "o1": do1, "a1": delta1,
        "W2": np.outer(delta2, o1), "W1": np.outer(delta1, x), "x": W1.T @ delta1, "y": -dyhat,
    }
    return forward, grads


def relu5_by_hand(v):
    x, W1, b1, W2, b2, y = (v[k] for k in ("x", "W1", "b1", "W2", "b2", "y"))
    z1 = W1 @ x + b1
    z2 = 5.0 * np.maximum(z1, 0.0)
    z3 = W2 @ z2 + b2
    yhat = z3
    l = np.sum((y - yhat) ** 2)
    dyhat = -2.0 * (y - yhat)
    dz3 = dyhat  # g is the identity
    dz2 = W2.T @ dz3
    dz1 = 5.0 * (z1 > 0) * dz2
    forward = {"z1": z1, "z2": z2, "z3": z3, "yhat": yhat, "l": l}
    grads = {
        "l": 1.0, "yhat": dyhat, "z3": dz3, "z2": dz2, "z1": dz1,
        "W2": np.outer(dz3, z2), "b2": dz3, "W1": np.outer(dz1, x), "b1": dz1,
        "x": W1.T @ dz1, "y": -dyhat,
    }
    return forward, grads


def tanh_sigmoid_forward(v):
    x, W1, b1, W2, b2 = (v[k] for k in ("x", "W1", "b1", "W2", "b2"))
    z1 = W1 @ x + b1
    z2 = np.tanh(z1)
    z3 = W2 @ z2 + b2
    yhat = sigmoid(z3)
    return {"z1": z1, "z2": z2, "z3": z3, "yhat": yhat}


def tanh_sigmoid_backward(v, forward, dyhat):
    """Everything below yhat, given dl/dyhat: the part 2(a) and 2(b) share."""
    z1, z2, z3 = forward["z1"], forward["z2"], forward["z3"]
    dz3 = dyhat * dsigmoid(z3)
    dz2 = v["W2"].T @ dz3
    dz1 = dtanh(z1) * dz2
    return {
        "yhat": dyhat, "z3": dz3, "z2": dz2, "z1": dz1,
        "W2": np.outer(dz3, z2), "b2": dz3, "W1": np.outer(dz1, v["x"]), "b1": dz1, "x": v["W1"].T @ dz1,
    }


def tanh_sigmoid_mse_by_hand(v):
    y = v["y"]
    forward = tanh_sigmoid_forward(v)
    yhat = forward["yhat"]
    forward["l"] = np.sum((y - yhat) ** 2)
    grads = tanh_sigmoid_backward(v, forward, -2.0 * (y - yhat))
    grads.update(l=1.0, y=2.0 * (y - yhat))
    return forward, grads


def tanh_sigmoid_bce_by_hand(v):
    y = v["y"]
    K = y.size
    forward = tanh_sigmoid_forward(v)
    yhat = forward["yhat"]
    forward["l"] = -np.sum(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)) / K
    dyhat = -(y / yhat - (1 - y) / (1 - yhat)) / K
    grads = tanh_sigmoid_backward(v, forward, dyhat)
    grads.update(l=1.0, y=-(np.log(yhat) - np.log(1 - yhat)) / K)
    return forward, grads


def residual_mlp_by_hand(v):
    x, W1, b1, W2, b2, s, r = (v[k] for k in ("x", "W1", "b1", "W2", "b2", "s", "r"))
    z = W1 @ x + b1
    h = sigmoid(z)
    y = x + W2 @ h + b2
    S = 0.5 * np.sum((y - s) ** 2)
    R = r @ h
    forward = {"z": z, "h": h, "y": y, "S": S, "R": R, "L": S + R}
    L_bar = S_bar = R_bar = 1.0
    y_bar = S_bar * (y - s)
    h_bar = R_bar * r + W2.T @ y_bar
    z_bar = h_bar * dsigmoid(z)
    x_bar = W1.T @ z_bar + y_bar
    grads = {
        "L": L_bar, "S": S_bar, "R": R_bar, "y": y_bar, "h": h_bar, "z": z_bar, "x": x_bar,
        "W1": np.outer(z_bar, x), "b1": z_bar, "W2": np.outer(y_bar, h), "b2": y_bar,
        "s": -y_bar, "r": R_bar * h,
    }
    return forward, grads


def least_squares_by_hand(v):
    x, W1, b, W2, y = (v[k] for k in ("x", "W1", "b", "W2", "y"))
    z = W1 @ x + b
    phi = np.tanh(z)
    e = W2 @ phi - y
    e_id = W2 @ z - y
    forward = {"z": z, "phi": phi, "e": e, "l": 0.5 * e @ e, "e_id": e_id, "l_id": 0.5 * e_id @ e_id}
    dphi = W2.T @ e
    dz = dtanh(z) * dphi
    grads = {
        "l": 1.0, "e": e, "phi": dphi, "z": dz, "l_id": 0.0, "e_id": np.zeros(3),
        "W2": np.outer(e, phi), "W1": np.outer(dz, x), "b": dz, "x": W1.T @ dz, "y": -e,
        "eta": 0.0,  # the step size: no part of l
    }
    return forward, grads


def least_squares_identity_by_hand(v):
    """Gradients of l_id = 1/2 ||W2 (W1 x + b) - y||^2 (part (f), Phi = identity)."""
    x, W1, b, W2, y = (v[k] for k in ("x", "W1", "b", "W2", "y"))
    z = W1 @ x + b
    e_id = W2 @ z - y
    dz = W2.T @ e_id
    return {
        "l_id": 1.0, "e_id": e_id, "z": dz, "l": 0.0, "e": np.zeros(3), "phi": np.zeros(3),
        "W2": np.outer(e_id, z), "W1": np.outer(dz, x), "b": dz, "x": W1.T @ dz, "y": -e_id, "eta": 0.0,
    }


def dag_by_hand(v):
    o_a, o_b = v["o_a"], v["o_b"]
    a_c = v["w_ac"] * o_a + v["w_bc"] * o_b
    o_c = sigmoid(a_c)
    a_d = v["w_cd"] * o_c + v["w_bd"] * o_b
    o_d = sigmoid(a_d)
    a_e = np.array([v["w_de_1"] * o_d + v["w_ae_1"] * o_a, v["w_de_2"] * o_d + v["w_ae_2"] * o_a])
    yhat = smoothmax(a_e)
    forward = {"a_c": a_c, "o_c": o_c, "a_d": a_d, "o_d": o_d,
               "a_e1": a_e[0], "a_e2": a_e[1], "a_e": a_e, "yhat": yhat}
    # deltas from the output down: delta[v] = dyhat/da[v]
    delta_e = grad_smoothmax(a_e)
    do_d = delta_e[0] * v["w_de_1"] + delta_e[1] * v["w_de_2"]
    delta_d = dsigmoid(a_d) * do_d
    do_c = delta_d * v["w_cd"]
    delta_c = dsigmoid(a_c) * do_c
    grads = {
        "yhat": 1.0, "a_e": delta_e, "a_e1": delta_e[0], "a_e2": delta_e[1],
        "o_d": do_d, "a_d": delta_d, "o_c": do_c, "a_c": delta_c,
        # dyhat/dw(u, v) = delta[v] o[u]
        "w_ac": delta_c * o_a, "w_bc": delta_c * o_b, "w_cd": delta_d * o_c, "w_bd": delta_d * o_b,
        "w_de_1": delta_e[0] * o_d, "w_de_2": delta_e[1] * o_d,
        "w_ae_1": delta_e[0] * o_a, "w_ae_2": delta_e[1] * o_a,
        "o_a": delta_c * v["w_ac"] + delta_e[0] * v["w_ae_1"] + delta_e[1] * v["w_ae_2"],
        "o_b": delta_c * v["w_bc"] + delta_d * v["w_bd"],
    }
    return forward, grads


# (file, by-hand solver, loss value computed by hand with the file's numbers)
PROBLEMS = {
    "sigmoid-smoothmax-network": (sigmoid_smoothmax_by_hand, 0.02248355),
    "relu5-regression": (relu5_by_hand, 1.103125),
    "tanh-sigmoid-mse": (tanh_sigmoid_mse_by_hand, 0.13609118),
    "tanh-sigmoid-bce": (tanh_sigmoid_bce_by_hand, 0.29717407),
    "residual-mlp": (residual_mlp_by_hand, 0.14076394),
    "two-layer-least-squares": (least_squares_by_hand, 1.34738708),
    "dag-backprop": (dag_by_hand, 0.45452990),
}


def path_of(name):
    return f"problems/{name}.yaml"


@pytest.fixture(scope="module", params=sorted(PROBLEMS))
def case(request):
    solution = solve(path_of(request.param))
    by_hand, loss_value = PROBLEMS[request.param]
    forward, grads = by_hand(leaves(solution))
    return solution, forward, grads, loss_value


def test_loss_value(case):
    solution, forward, _, loss_value = case
    assert forward[solution.loss] == pytest.approx(loss_value, abs=5e-9)
    assert solution.value(solution.loss) == pytest.approx(forward[solution.loss], rel=RTOL)


def test_forward_pass_matches_hand_computation(case):
    solution, forward, _, _ = case
    assert set(forward) == {node.name for node in solution.problem.nodes}
    for name, expected in forward.items():
        np.testing.assert_allclose(solution.value(name), expected, rtol=RTOL, atol=ATOL, err_msg=name)


def test_gradients_match_hand_derivation(case):
    solution, _, grads, _ = case
    computed = solution.gradients()
    assert set(grads) == set(computed), "every value and node has a gradient derived by hand"
    for name, expected in grads.items():
        assert np.shape(computed[name]) == np.shape(expected), name
        np.testing.assert_allclose(computed[name], expected, rtol=RTOL, atol=ATOL, err_msg=f"d{solution.loss}/d{name}")


def test_identity_variant_gradients():
    solution = solve(path_of("two-layer-least-squares"))
    assert solution.loss == "l"
    expected = least_squares_identity_by_hand(leaves(solution))
    computed = solution.gradients("l_id")
    assert set(expected) == set(computed)
    for name, grad in expected.items():
        np.testing.assert_allclose(computed[name], grad, rtol=RTOL, atol=ATOL, err_msg=f"dl_id/d{name}")


def test_identity_variant_gradient_descent_step():
    """Seed 003 2(f): with e = W2 (W1 x + b) - y, one step is
    W1 <- W1 - eta W2^T e x^T and W2 <- W2 - eta e (W1 x + b)^T."""
    solution = solve(path_of("two-layer-least-squares"))
    v, eta = leaves(solution), 0.1
    z = v["W1"] @ v["x"] + v["b"]
    e = v["W2"] @ z - v["y"]
    np.testing.assert_allclose(v["W1"] - eta * np.outer(v["W2"].T @ e, v["x"]),
                               v["W1"] - eta * solution.gradient("l_id", "W1"), rtol=RTOL)
    np.testing.assert_allclose(v["W2"] - eta * np.outer(e, z),
                               v["W2"] - eta * solution.gradient("l_id", "W2"), rtol=RTOL)


HOMEWORK = {"000": "TTIC 31020 Problem Set 8", "001": "HW1 (theory)",
            "002": "Machine Learning Assignment 2 (neural networks)", "003": "CS 189/289A discussion 4",
            "004": "Homework on MLPs"}


def test_every_problem_names_its_homework_and_question_as_a_course_would():
    expected = {
        "sigmoid-smoothmax-network": "000", "dag-backprop": "000", "parity-network": "000",
        "relu5-regression": "001", "tanh-sigmoid-mse": "001", "tanh-sigmoid-bce": "001",
        "relu-4-samples": "002", "softmax-cross-entropy": "002", "gd-quadratic": "002",
        "constant-init-symmetry": "003", "sigmoid-sum": "003", "two-layer-least-squares": "003",
        "descending-order-mlp": "004", "sigmoid-tanh-equivalence": "004", "relu-sparsity": "004",
        "residual-mlp": "004",
    }
    for name, document in expected.items():
        problem = load_problem(path_of(name))
        assert problem.source.startswith(HOMEWORK[document] + ", "), name
        student_facing = [problem.title, problem.description, problem.source]
        student_facing += [item.prompt for item in problem.asks]
        student_facing += [mistake.message for item in problem.asks for mistake in item.mistakes]
        assert not any("seed" in text.lower() for text in student_facing), name


# --- the seeds' worked solutions: what is right, and what is not --------------------


def not_close(a, b):
    return np.shape(a) != np.shape(b) or not np.allclose(a, b, rtol=1e-3, atol=1e-6)


def test_seed000_8_1b_formulas_are_right():
    """grad_W2 = (yhat - y) grad_smoothmax(a2) o1^T, delta1 = sigmoid'(a1) * W2^T delta2,
    grad_W1 = (yhat - y) delta1 o0^T: all correct."""
    solution = solve(path_of("sigmoid-smoothmax-network"))
    v = leaves(solution)
    a1 = v["W1"] @ v["x"]
    o1 = sigmoid(a1)
    a2 = v["W2"] @ o1
    yhat = smoothmax(a2)
    delta2 = grad_smoothmax(a2)
    delta1 = dsigmoid(a1) * (v["W2"].T @ delta2)
    np.testing.assert_allclose((yhat - v["y"]) * np.outer(delta2, o1), solution.gradient("l", "W2"), rtol=RTOL)
    np.testing.assert_allclose((yhat - v["y"]) * np.outer(delta1, v["x"]), solution.gradient("l", "W1"), rtol=RTOL)


def test_seed000_8_1a_sigmoid_formula_drops_the_edge_weight():
    """The seed's last line for a sigmoid unit v is dyhat/dw(u,v) = (sum_w delta[w] sigma'(a[v])) o[u]:
    the factor w(v,w) of its previous line is gone. Unit c has one child, d, with w_cd = 2,
    so the seed's dyhat/dw_ac is half the true one (0.0504 instead of 0.1008)."""
    solution = solve(path_of("dag-backprop"))
    v = leaves(solution)
    delta_d = solution.gradient("yhat", "a_d")
    a_c = solution.value("a_c")
    seed = delta_d * dsigmoid(a_c) * v["o_a"]
    true = solution.gradient("yhat", "w_ac")
    assert seed == pytest.approx(0.0503983, abs=1e-7)
    assert true == pytest.approx(0.1007966, abs=1e-7)
    assert not_close(seed, true)
    np.testing.assert_allclose(seed * v["w_cd"], true, rtol=RTOL)  # the missing factor


def test_seed000_8_1a_smoothmax_derivative_is_right():
    """softmax_i(z) = e^(z_i) (1 + z_i - softmax(z)) / sum_j e^(z_j), the seed's formula: correct."""
    solution = solve(path_of("dag-backprop"))
    a_e = solution.value("a_e")
    seed = np.exp(a_e) * (1 + a_e - smoothmax(a_e)) / np.exp(a_e).sum()
    np.testing.assert_allclose(seed, solution.gradient("yhat", "a_e"), rtol=RTOL)


@pytest.fixture(scope="module")
def relu5():
    solution = solve(path_of("relu5-regression"))
    return solution, leaves(solution)


def test_seed001_1_dl_dyhat_and_bias_gradients_are_right(relu5):
    solution, v = relu5
    dl_dz3 = -2 * (v["y"] - solution.value("yhat"))  # dl/dyhat times dyhat/dz3 = I_K
    np.testing.assert_allclose(dl_dz3, solution.gradient("l", "b2"), rtol=RTOL)
    dz2_dz1 = np.diag(5.0 * (solution.value("z1") > 0))
    np.testing.assert_allclose(dl_dz3 @ v["W2"] @ dz2_dz1, solution.gradient("l", "b1"), rtol=RTOL)


def test_seed001_1_dl_dW2_has_the_transposed_shape(relu5):
    """dl/dW2 = z2 dl/dz3 (z2 a column, dl/dz3 a row) is m x K = 4 x 2; W2 is K x m = 2 x 4."""
    solution, v = relu5
    dl_dz3 = (-2 * (v["y"] - solution.value("yhat")))[None, :]
    seed = solution.value("z2")[:, None] @ dl_dz3
    true = solution.gradient("l", "W2")
    assert seed.shape == (4, 2) and true.shape == (2, 4)
    assert not_close(seed, true)
    np.testing.assert_allclose(seed.T, true, rtol=RTOL)  # right numbers, transposed


def test_seed001_1_dl_dW2_expanded_form_loses_the_relu(relu5):
    """The expanded form 5 (W1 x + b1)^T dl/dyhat dyhat/dz3 drops the ^+ of z2 = 5 (W1 x + b1)^+:
    the inactive unit 2 (z1 = -0.4) gets -2.6 and 3.3 where the true gradient has 0 and 0,
    even after transposing."""
    solution, v = relu5
    dl_dz3 = -2 * (v["y"] - solution.value("yhat"))
    seed = np.outer(5 * (v["W1"] @ v["x"] + v["b1"]), dl_dz3)
    true = solution.gradient("l", "W2")
    assert not_close(seed.T, true)
    np.testing.assert_allclose(seed.T[:, 1], [-2.6, 3.3], rtol=RTOL)
    np.testing.assert_allclose(true[:, 1], [0.0, 0.0], atol=ATOL)


def test_seed001_1_dl_dW1_has_the_transposed_shape(relu5):
    """dl/dW1 = x dl/dz1 is n x m = 3 x 4; W1 is m x n = 4 x 3."""
    solution, v = relu5
    dl_dz1 = solution.gradient("l", "z1")
    seed = v["x"][:, None] @ dl_dz1[None, :]
    true = solution.gradient("l", "W1")
    assert seed.shape == (3, 4) and true.shape == (4, 3)
    assert not_close(seed, true)
    np.testing.assert_allclose(seed.T, true, rtol=RTOL)


def test_seed001_2a_tanh_derivative_is_wrong():
    """The seed's dz2/dz1 = diag(1 - tanh(z1^2)); the derivative is 1 - tanh(z1)^2.
    At z1 = 1.2: 1 - tanh(1.44) = 0.1063 against 1 - tanh(1.2)^2 = 0.305."""
    solution = solve(path_of("tanh-sigmoid-mse"))
    v = leaves(solution)
    z1, z3, yhat = solution.value("z1"), solution.value("z3"), solution.value("yhat")
    dl_dz3 = -2 * (v["y"] - yhat) * sigmoid(z3) * (1 - sigmoid(z3))
    np.testing.assert_allclose(dl_dz3, solution.gradient("l", "b2"), rtol=RTOL)  # this part is right
    seed_db1 = dl_dz3 @ v["W2"] @ np.diag(1 - np.tanh(z1 ** 2))
    true_db1 = solution.gradient("l", "b1")
    assert not_close(seed_db1, true_db1)
    np.testing.assert_allclose(dl_dz3 @ v["W2"] @ np.diag(1 - np.tanh(z1) ** 2), true_db1, rtol=RTOL)
    assert (1 - np.tanh(1.2 ** 2), 1 - np.tanh(1.2) ** 2) == pytest.approx((0.10630, 0.30502), abs=1e-5)
    seed_dW1 = np.outer(seed_db1, v["x"])  # even with the shape put right
    assert not_close(seed_dW1, solution.gradient("l", "W1"))


def test_seed001_2a_dl_dW2_has_the_transposed_shape():
    """dl/dW2 = tanh(W1 x + b1) dl/dyhat dyhat/dz3 is 4 x 2; W2 is 2 x 4."""
    solution = solve(path_of("tanh-sigmoid-mse"))
    seed = np.tanh(solution.value("z1"))[:, None] @ solution.gradient("l", "z3")[None, :]
    true = solution.gradient("l", "W2")
    assert seed.shape == (4, 2) and true.shape == (2, 4)
    np.testing.assert_allclose(seed.T, true, rtol=RTOL)


@pytest.fixture(scope="module")
def bce():
    solution = solve(path_of("tanh-sigmoid-bce"))
    return solution, solution.value("y"), solution.value("yhat")


def test_seed001_2b_dl_dyhat_misses_the_1_over_K(bce):
    """The seed's dl/dyhat_i = -(y_i/yhat_i - (1 - y_i)/(1 - yhat_i)) drops the 1/K of the loss:
    with K = 2 it is twice the true value ([-1.4485, 1.2508] against [-0.7243, 0.6254])."""
    solution, y, yhat = bce
    seed = -(y / yhat - (1 - y) / (1 - yhat))
    true = solution.gradient("l", "yhat")
    assert not_close(seed, true)
    np.testing.assert_allclose(seed, y.size * true, rtol=RTOL)
    np.testing.assert_allclose(seed, [-1.448548, 1.250804], atol=1e-6)


def test_seed001_2b_first_loss_line_is_wrong_second_is_right(bce):
    """Line 1 has (1 - y_i)(1 - log yhat_i) for (1 - y_i) log(1 - yhat_i); line 2 (vector form) is right."""
    solution, y, yhat = bce
    K = y.size
    line1 = np.sum(-(y * np.log(yhat) + (1 - y) * (1 - np.log(yhat)))) / K
    line2 = -(y @ np.log(yhat) + (1 - y) @ np.log(1 - yhat)) / K
    assert line2 == pytest.approx(solution.value("l"), rel=RTOL)
    assert not_close(line1, solution.value("l"))
    assert line1 == pytest.approx(-1.1182, abs=1e-4)  # negative: not even a loss


@pytest.fixture(scope="module")
def residual():
    solution = solve(path_of("residual-mlp"))
    return solution, leaves(solution)


def test_seed004_p4_starts_from_x_bar_equal_1(residual):
    """The seed's first line sets x-bar = dL/dx = 1; the seed meant L-bar = 1. dL/dx is a vector
    [0.1697, 0.1884, -0.3078], not 1."""
    solution, _ = residual
    true = solution.gradient("L", "x")
    assert not_close(np.ones(3), true)
    assert solution.gradient("L", "L") == 1.0


def test_seed004_p4_h_bar_uses_x_bar_for_r(residual):
    """h-bar = x-bar R-bar + W2^T y-bar with the seed's x-bar = 1, where its previous line has
    [r_1 ... r_K] R-bar: h-bar comes out as 1 + W2^T y-bar instead of r + W2^T y-bar, and the
    final x-bar = W1^T z-bar + y-bar built on it is wrong too."""
    solution, v = residual
    y_bar = solution.value("y") - v["s"]
    seed_h_bar = 1.0 * 1.0 + v["W2"].T @ y_bar
    assert not_close(seed_h_bar, solution.gradient("L", "h"))
    seed_z_bar = seed_h_bar * dsigmoid(solution.value("z"))
    seed_x_bar = v["W1"].T @ seed_z_bar + y_bar
    assert not_close(seed_x_bar, solution.gradient("L", "x"))


def test_seed004_p4_sigma_prime_of_z_bar_is_wrong(residual):
    """z-bar = h-bar o sigma'(z-bar) evaluates sigma' at z-bar; it belongs at z."""
    solution, _ = residual
    h_bar, z_bar = solution.gradient("L", "h"), solution.gradient("L", "z")
    assert not_close(h_bar * dsigmoid(z_bar), z_bar)
    np.testing.assert_allclose(h_bar * dsigmoid(solution.value("z")), z_bar, rtol=RTOL)


def test_seed004_p4_last_line_is_right(residual):
    """y-bar = S-bar (y - s) and x-bar = W1^T z-bar + y-bar hold with the true z-bar."""
    solution, v = residual
    y_bar = solution.gradient("L", "y")
    np.testing.assert_allclose(y_bar, solution.value("y") - v["s"], rtol=RTOL)
    np.testing.assert_allclose(v["W1"].T @ solution.gradient("L", "z") + y_bar,
                               solution.gradient("L", "x"), rtol=RTOL)
