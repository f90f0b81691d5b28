"""The seed homework verified: reference answers pass, the seeds' own answers get their verdicts.

problems/answers/ holds one reference answer file per seed problem (numbers rounded as a
student writes them, and formulas). tests/data/seed-answers/ holds the answers of the
seeds' worked solutions, transcribed into answer files: their mistakes must be caught,
each with the verdict, diagnosis and points below.
"""

import json
import os

import pytest
from click.testing import CliRunner

from nncheck.cli import cli
from nncheck.check.problems import load_problem
from nncheck.engine.solution import Solution
from nncheck.engine.solution import evaluate_answer

SEED_PROBLEMS = [
    "relu-4-samples", "sigmoid-smoothmax-network", "relu5-regression", "tanh-sigmoid-mse",
    "tanh-sigmoid-bce", "residual-mlp", "two-layer-least-squares", "dag-backprop",
    "relu-sparsity", "constant-init-symmetry", "gd-quadratic", "sigmoid-sum", "softmax-cross-entropy",
    "descending-order-mlp", "parity-network", "sigmoid-tanh-equivalence",
]
SEED_ANSWERS = "tests/data/seed-answers"
SEEDS_README = os.path.join("..", "shared", "seeds", "README.md")


def verify(*paths):
    """`nncheck verify PATHS --format json --show-hidden` (the grader's view): (exit code, the
    reports, one per answer file)."""
    result = CliRunner().invoke(cli, ["verify", *paths, "--format", "json", "--show-hidden"])
    assert "Traceback" not in result.output
    reports = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    return result.exit_code, reports


def verdicts(report):
    return {item["id"]: (item["verdict"], item["diagnosis"], item["points"]) for item in report["items"]}


# --- reference answers -----------------------------------------------------------------


@pytest.mark.parametrize("name", SEED_PROBLEMS)
def test_reference_answers_are_all_correct(name):
    code, [report] = verify(f"problems/answers/{name}.yaml")
    assert code == 0, report
    assert report["problem"] == f"problems/{name}.yaml"
    assert {item["verdict"] for item in report["items"]} == {"correct"}
    assert report["score"] == report["max_score"] > 0
    assert report["ignored"] == []


@pytest.mark.parametrize("name", SEED_PROBLEMS)
def test_every_seed_problem_asks_its_question_and_every_item_has_a_prompt(name):
    problem = load_problem(f"problems/{name}.yaml")
    assert len(problem.asks) >= 3 or all(item.kind == "design" for item in problem.asks)
    assert all(item.prompt.strip() for item in problem.asks)
    assert all(item.points > 0 or item.kind == "design" for item in problem.asks)  # a check worth no points


def test_the_answers_directory_verifies_in_one_call():
    code, reports = verify("problems/answers")
    assert code == 0
    assert sorted(os.path.basename(report["file"]) for report in reports) == sorted(f"{n}.yaml" for n in SEED_PROBLEMS)


def test_points_per_problem():
    points = {name: load_problem(f"problems/{name}.yaml") for name in SEED_PROBLEMS}
    assert {name: sum(item.points for item in problem.asks) for name, problem in points.items()} == {
        "relu-4-samples": 8, "sigmoid-smoothmax-network": 7, "relu5-regression": 11, "tanh-sigmoid-mse": 11,
        "tanh-sigmoid-bce": 9, "residual-mlp": 12, "two-layer-least-squares": 16, "dag-backprop": 10,
        "relu-sparsity": 10, "constant-init-symmetry": 14, "gd-quadratic": 4, "sigmoid-sum": 9,
        "softmax-cross-entropy": 5, "descending-order-mlp": 20, "parity-network": 10, "sigmoid-tanh-equivalence": 20,
    }


def test_all_sixteen_seed_questions_have_a_problem_file():
    if not os.path.exists(SEEDS_README):
        pytest.skip("the seed documents are not beside this checkout")
    listed = [line.split("|")[-2].strip() for line in open(SEEDS_README).read().splitlines()
              if line.strip().endswith(".yaml |")]
    assert sorted(listed) == sorted(f"{name}.yaml" for name in SEED_PROBLEMS)


# --- the seeds' own answers ------------------------------------------------------------

CORRECT = ("correct", None)

# file -> (exit code, {item: (verdict, diagnosis, points)})
SEED_VERDICTS = {
    "seed-002-relu4.yaml": (0, {
        "dL/db2": (*CORRECT, 1), "dL/dW2": (*CORRECT, 2), "dL/db1": (*CORRECT, 2), "dL/dW1": (*CORRECT, 3),
    }),
    "seed-000-sigmoid-smoothmax.yaml": (0, {
        "yhat": (*CORRECT, 1), "dl/dW2": (*CORRECT, 3), "dl/dW1": (*CORRECT, 3),
    }),
    # 8.1(a): the deltas are right; the last line for sigmoid units drops the edge weight.
    "seed-000-dag.yaml": (1, {
        "dyhat/da_e": (*CORRECT, 2), "dyhat/da_d": (*CORRECT, 1), "dyhat/da_c": (*CORRECT, 1),
        "dyhat/dw_de_1": (*CORRECT, 1), "dyhat/dw_ae_2": (*CORRECT, 1),
        "dyhat/dw_cd": ("wrong", "authored", 0.5), "dyhat/dw_bd": ("wrong", "authored", 0.5),
        "dyhat/dw_ac": ("wrong", "authored", 0.5), "dyhat/dw_bc": ("wrong", "authored", 0.5),
    }),
    # 1(b)-(d): right up to the weight gradients, which come out transposed.
    "seed-001-relu5.yaml": (1, {
        "yhat": (*CORRECT, 1), "dl/dyhat": (*CORRECT, 1), "dz2/dz1": (*CORRECT, 1), "dyhat/dz3": (*CORRECT, 1),
        "dl/db2": (*CORRECT, 1), "dl/db1": (*CORRECT, 2),
        "dl/dW2": ("wrong", "transposed", 0), "dl/dW1": ("wrong", "transposed", 0),
    }),
    # 2(a): 1 - tanh(z^2) for tanh'(z), and transposed weight gradients. dl/dW1 is both
    # transposed and wrong: a formula of another shape that is not simply transposed is
    # judged invalid (a number of that shape would be wrong, with no diagnosis).
    "seed-001-tanh-sigmoid-mse.yaml": (1, {
        "yhat": (*CORRECT, 1), "dyhat/dz3": (*CORRECT, 1), "dl/db2": (*CORRECT, 2),
        "dz2/dz1": ("wrong", "authored", 0), "dl/db1": ("wrong", "authored", 1),
        "dl/dW2": ("wrong", "transposed", 0), "dl/dW1": ("invalid", None, 0),
    }),
    # 2(b): the first line of the loss, the missing 1/K, and the mistakes of 2(a) again.
    "seed-001-tanh-sigmoid-bce.yaml": (1, {
        "l": ("wrong", "authored", 0), "dl/dyhat": ("wrong", "authored", 1),
        "dl/db2": ("wrong", "factor", 0), "dl/db1": ("wrong", "authored", 0),
        "dl/dW2": ("invalid", None, 0), "dl/dW1": ("invalid", None, 0),
    }),
    # P4: h-bar = x-bar R-bar + W2^T y-bar with x-bar = 1 where r belongs, and all after it.
    "seed-004-residual.yaml": (1, {
        "dL/dy": (*CORRECT, 2), "dL/dh": ("wrong", "authored", 1),
        "dL/dz": ("wrong", "authored", 2), "dL/dx": ("wrong", "authored", 2),
    }),
    # P3: YES, YES, NO is right.
    "seed-004-relu-sparsity.yaml": (0, {
        "dL/dw1 always 0": (*CORRECT, 4), "dL/dw2 always 0": (*CORRECT, 3), "dL/dw3 always 0": (*CORRECT, 3),
    }),
    # Q3: eta in (0, 1/5) and the iterates are right.
    "seed-002-gd-quadratic.yaml": (0, {"eta range": (*CORRECT, 2), "x@1": (*CORRECT, 1), "x@2": (*CORRECT, 1)}),
    # Q2: the last line p_i t_k - t_i is 0 away from the target class.
    "seed-002-softmax-cross-entropy.yaml": (1, {
        "E": ("missing", None, 0), "dE/dy": ("wrong", "authored", 1), "dE_q/dy": (*CORRECT, 2),
    }),
    # P1: a 5-entry bias for 4 hidden units.
    "seed-004-descending-order.yaml": (1, {f"detector: {group}": ("invalid", "shape", 0) for group in [
        "no ties, any order", "no ties, descending or one pair swapped", "no ties, listed",
        "ties, small integers in descending order", "equal neighbours", "all equal",
        "near ties, no two entries equal", "near ties beside exact ties"]}),
    # 8.2: only the hidden weights are given.
    "seed-000-parity.yaml": (1, {
        "parity: examples": ("missing", None, 0), "parity: every input in {0, 1}^4": ("missing", None, 0),
    }),
    # P2: the seed's parameters make the tanh network equal the sigmoid one.
    "seed-004-sigmoid-tanh.yaml": (0, {
        "sigmoid via tanh": (*CORRECT, 8), "W1_tanh": (*CORRECT, 3), "b1_tanh": (*CORRECT, 3),
        "W2_tanh": (*CORRECT, 3), "b2_tanh": (*CORRECT, 3),
        "equivalent: normal inputs": (*CORRECT, 0), "equivalent: wide uniform inputs": (*CORRECT, 0),
    }),
}


def test_every_seed_answer_file_has_expected_verdicts():
    assert sorted(os.listdir(SEED_ANSWERS)) == sorted(SEED_VERDICTS)


@pytest.mark.parametrize("name", sorted(SEED_VERDICTS))
def test_seed_answers_verdicts(name):
    expected_code, expected = SEED_VERDICTS[name]
    code, [report] = verify(os.path.join(SEED_ANSWERS, name))
    assert verdicts(report) == expected
    assert code == expected_code
    assert report["score"] == sum(points for _, _, points in expected.values())


def test_seed_001_tanh_derivative_message_names_the_right_derivative():
    _, [report] = verify(os.path.join(SEED_ANSWERS, "seed-001-tanh-sigmoid-mse.yaml"))
    items = {item["id"]: item for item in report["items"]}
    assert "1 - tanh(z)^2" in items["dz2/dz1"]["message"]
    assert "W2's shape (2, 4)" in items["dl/dW2"]["message"]


def test_seed_000_dropped_weight_is_not_called_a_factor_of_one_half():
    """w_cd = 2, so the seed's dyhat/dw_ac is half the true value at these numbers only;
    the authored mistake explains it, also when written as a number."""
    _, [report] = verify(os.path.join(SEED_ANSWERS, "seed-000-dag.yaml"))
    items = {item["id"]: item for item in report["items"]}
    assert "w_cd" in items["dyhat/dw_ac"]["message"]


# --- every authored mistake is reachable ------------------------------------------------


def authored_mistakes():
    for name in SEED_PROBLEMS:
        for item in load_problem(f"problems/{name}.yaml").asks:
            for index, mistake in enumerate(item.mistakes):
                yield pytest.param(name, item.id, index, id=f"{name}:{item.id}:{index}")


def answer_file(write, name, item_id, answer):
    problem = os.path.abspath(f"problems/{name}.yaml")
    # variant: base: the problem's own numbers, also for the problems that vary per student
    return write("answers.yaml", f"problem: {json.dumps(problem)}\nvariant: base\n"
                                 f"answers:\n  {json.dumps(item_id)}: {json.dumps(answer)}\n")


@pytest.mark.parametrize("name, item_id, index", list(authored_mistakes()))
def test_authored_mistake_is_caught_as_formula_and_as_number(write, name, item_id, index):
    """Each mistake, written as its formula or as its value to 4 significant figures,
    is reported with its own message and points (no earlier mistake or diagnosis shadows it)."""
    problem = load_problem(f"problems/{name}.yaml")
    item = next(item for item in problem.asks if item.id == item_id)
    mistake = item.mistakes[index]
    value = evaluate_answer(mistake.formula, Solution(problem))
    rounded = json.loads(json.dumps(value.tolist()), parse_float=lambda text: float(f"{float(text):.4g}"))
    for answer in (mistake.formula.text.strip(),) + (() if item.forbid else (rounded,)):
        code, [report] = verify(answer_file(write, name, item_id, answer))
        result = next(r for r in report["items"] if r["id"] == item_id)
        assert (result["verdict"], result["diagnosis"], result["points"]) == ("wrong", "authored", mistake.points)
        assert result["message"] == mistake.message
        assert code == 1
