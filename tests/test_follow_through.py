"""Follow-through credit: a wrong answer that is right for the student's own earlier wrong answers."""

import csv
import json

import numpy as np
import yaml
from click.testing import CliRunner

from nncheck.cli import cli

PARTS = "tests/data/follow-through/two-layer-parts.yaml"
X = np.array([1.0, -2.0, 0.5])
W1 = np.array([[0.4, -0.3, 0.2], [0.1, 0.5, -0.6]])
B1 = np.array([0.1, -0.2])
W2 = np.array([[0.7, -0.4], [0.3, 0.8]])
B2 = np.array([0.05, -0.1])
T = np.array([1.0, 0.0])


def two_layer_answers(**wrong) -> dict:
    """A student's answers worked by hand, each step from the student's own previous ones;
    `wrong` replaces a step's result by the student's (wrong) number."""
    steps = {}

    def step(name, value):
        steps[name] = np.asarray(wrong.get(name, value), dtype=float)
        return steps[name]

    z1 = step("z1", W1 @ X + B1)
    h1 = step("h1", 1 / (1 + np.exp(-z1)))
    z2 = step("z2", W2 @ h1 + B2)
    step("L", 0.5 * np.sum((z2 - T) ** 2))
    dz2 = step("dL/dz2", z2 - T)
    dh1 = step("dL/dh1", W2.T @ dz2)
    dz1 = step("dL/dz1", dh1 * h1 * (1 - h1))
    step("dL/dW2", np.outer(dz2, h1))
    step("dL/db2", dz2)
    step("dL/dW1", np.outer(dz1, X))
    step("dL/db1", dz1)
    return {name: np.round(value, 6).tolist() for name, value in steps.items()}


def verify(tmp_path, answers: dict, problem: str = PARTS, extra=()) -> dict:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"answers": answers}))
    result = CliRunner().invoke(cli, ["verify", str(path), "--problem", problem, "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output.splitlines()[0])


def items(report: dict) -> dict:
    return {item["id"]: item for item in report["items"]}


def test_one_forward_value_wrong_and_everything_after_right_for_it(tmp_path):
    got = items(verify(tmp_path, two_layer_answers(z1=[1.3, -1.4])))
    assert got["z1"]["verdict"] == "wrong"
    expected_basis = {"h1": ["z1"], "z2": ["h1"], "L": ["z2"], "dL/dz2": ["z2"], "dL/dh1": ["dL/dz2"],
                      "dL/dz1": ["h1", "dL/dh1"], "dL/dW2": ["h1", "dL/dz2"], "dL/db2": ["dL/dz2"],
                      "dL/dW1": ["dL/dz1"], "dL/db1": ["dL/dz1"]}
    for item_id, basis in expected_basis.items():
        assert got[item_id]["verdict"] == "follow_through", (item_id, got[item_id])
        assert got[item_id]["based_on"] == basis, item_id
        assert got[item_id]["points"] == 0.5
        assert got[item_id]["message"].startswith(f"right for your {basis[0]}")
    assert got["h1"]["message"] == "right for your z1, which is wrong"
    assert got["dL/dz1"]["message"] == "right for your h1 and dL/dh1, which are wrong"


def test_one_delta_wrong_and_the_gradients_after_it_right_for_it(tmp_path):
    got = items(verify(tmp_path, two_layer_answers(**{"dL/dh1": [-0.3, 0.4]})))
    for item_id in ("z1", "h1", "z2", "L", "dL/dz2", "dL/dW2", "dL/db2"):
        assert got[item_id]["verdict"] == "correct", item_id
    assert got["dL/dh1"]["verdict"] == "wrong"
    assert got["dL/dz1"]["verdict"] == "follow_through"
    assert got["dL/dz1"]["based_on"] == ["dL/dh1"]
    assert got["dL/dW1"]["based_on"] == ["dL/dz1"] and got["dL/db1"]["based_on"] == ["dL/dz1"]
    assert "based_on" not in got["dL/dW2"]


def test_a_student_wrong_everywhere_gets_no_follow_through(tmp_path):
    rng = np.random.default_rng(7)
    answers = {name: (np.asarray(value) + rng.uniform(0.2, 0.5, np.shape(value))).tolist()
               for name, value in two_layer_answers().items()}
    report = verify(tmp_path, answers)
    assert {item["verdict"] for item in report["items"]} == {"wrong"}
    assert report["score"] == 0


def problem_values(path: str) -> dict:
    return {name: np.asarray(value, dtype=float) for name, value in yaml.safe_load(open(path))["values"].items()}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_sigmoid_sum_a_wrong_gradient_and_the_step_taken_with_it(tmp_path):
    v = problem_values("problems/sigmoid-sum.yaml")
    df_dW = np.array([[0.1, -0.2], [0.3, 0.05], [-0.4, 0.2]])   # the student's (wrong) gradients
    df_db = np.array([0.2, -0.1, 0.3])
    answers = {"df/dW": df_dW.tolist(), "df/db": df_db.tolist(),
               "W@1": (v["W"] - v["eta"] * df_dW).tolist(), "b@1": (v["b"] - v["eta"] * df_db).tolist()}
    got = items(verify(tmp_path, answers, "problems/sigmoid-sum.yaml"))
    assert got["df/dW"]["verdict"] == got["df/db"]["verdict"] == "wrong"
    assert (got["W@1"]["verdict"], got["W@1"]["based_on"], got["W@1"]["points"]) == ("follow_through", ["df/dW"], 1)
    assert (got["b@1"]["verdict"], got["b@1"]["based_on"]) == ("follow_through", ["df/db"])


def test_two_layer_least_squares_the_step_from_a_wrong_gradient(tmp_path):
    v = problem_values("problems/two-layer-least-squares.yaml")
    wrong = np.arange(9.0).reshape(3, 3) / 10
    got = items(verify(tmp_path, {"dl_id/dW1": wrong.tolist(), "W1@1": (v["W1"] - v["eta"] * wrong).tolist()},
                       "problems/two-layer-least-squares.yaml"))
    assert got["dl_id/dW1"]["verdict"] == "wrong"
    assert (got["W1@1"]["verdict"], got["W1@1"]["based_on"]) == ("follow_through", ["dl_id/dW1"])


def tanh_sigmoid_answers(yhat=None, jacobian2=None, jacobian1=None) -> dict:
    v = problem_values("problems/tanh-sigmoid-mse.yaml")
    z1 = v["W1"] @ v["x"] + v["b1"]
    z2 = np.tanh(z1)
    z3 = v["W2"] @ z2 + v["b2"]
    yhat = sigmoid(z3) if yhat is None else np.asarray(yhat)
    d_yhat = np.diag(yhat * (1 - yhat)) if jacobian2 is None else np.asarray(jacobian2)
    d_z2 = np.diag(1 - z2 ** 2) if jacobian1 is None else np.asarray(jacobian1)
    db2 = d_yhat.T @ (-2 * (v["y"] - yhat))
    db1 = d_z2.T @ (v["W2"].T @ db2)
    steps = {"yhat": yhat, "dz2/dz1": d_z2, "dyhat/dz3": d_yhat, "dl/db2": db2, "dl/dW2": np.outer(db2, z2),
             "dl/db1": db1, "dl/dW1": np.outer(db1, v["x"])}
    return {name: np.round(value, 7).tolist() for name, value in steps.items()}


def verify_base(tmp_path, answers: dict, problem: str) -> dict:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"variant": "base", "answers": answers}))
    result = CliRunner().invoke(cli, ["verify", str(path), "--problem", problem, "--format", "json"])
    return json.loads(result.output.splitlines()[0])


def test_tanh_sigmoid_mse_a_wrong_output_and_a_wrong_jacobian_carried_forward(tmp_path):
    problem = "problems/tanh-sigmoid-mse.yaml"
    got = items(verify_base(tmp_path, tanh_sigmoid_answers(yhat=[0.6, 0.3]), problem))
    assert got["yhat"]["verdict"] == "wrong"
    assert got["dyhat/dz3"]["based_on"] == ["yhat"]     # diag(yhat (1 - yhat)) with the student's yhat
    for item_id in ("dl/db2", "dl/dW2", "dl/db1", "dl/dW1"):
        assert got[item_id]["verdict"] == "follow_through"
        assert got[item_id]["based_on"] == ["yhat", "dyhat/dz3"], item_id
    got = items(verify_base(tmp_path, tanh_sigmoid_answers(jacobian1=np.diag([0.9, 0.5, 0.4, 0.8])), problem))
    assert got["dz2/dz1"]["verdict"] == "wrong" and got["dl/db2"]["verdict"] == "correct"
    assert got["dl/db1"]["based_on"] == got["dl/dW1"]["based_on"] == ["dz2/dz1"]
    assert got["dl/db1"]["verdict"] == "follow_through"


def test_dag_backprop_a_wrong_delta_at_the_output_carried_to_every_weight(tmp_path):
    v = problem_values("problems/dag-backprop.yaml")
    o_c = sigmoid(v["w_ac"] * v["o_a"] + v["w_bc"] * v["o_b"])
    a_d = v["w_cd"] * o_c + v["w_bd"] * v["o_b"]
    o_d = sigmoid(a_d)
    d_e = np.array([0.3, 0.6])                                   # the student's delta[e] (wrong)
    d_d = o_d * (1 - o_d) * (v["w_de_1"] * d_e[0] + v["w_de_2"] * d_e[1])
    d_c = o_c * (1 - o_c) * v["w_cd"] * d_d
    answers = {"dyhat/da_e": d_e, "dyhat/da_d": d_d, "dyhat/da_c": d_c, "dyhat/dw_de_1": d_e[0] * o_d,
               "dyhat/dw_ae_2": d_e[1] * v["o_a"], "dyhat/dw_cd": d_d * o_c, "dyhat/dw_bd": d_d * v["o_b"],
               "dyhat/dw_ac": d_c * v["o_a"], "dyhat/dw_bc": d_c * v["o_b"]}
    got = items(verify(tmp_path, {k: np.round(value, 7).tolist() for k, value in answers.items()},
                       "problems/dag-backprop.yaml"))
    assert got["dyhat/da_e"]["verdict"] == "wrong"
    assert {item_id: item.get("based_on") for item_id, item in got.items()} == {
        "dyhat/da_e": None, "dyhat/da_d": ["dyhat/da_e"], "dyhat/da_c": ["dyhat/da_d"],
        "dyhat/dw_de_1": ["dyhat/da_e"], "dyhat/dw_ae_2": ["dyhat/da_e"], "dyhat/dw_cd": ["dyhat/da_d"],
        "dyhat/dw_bd": ["dyhat/da_d"], "dyhat/dw_ac": ["dyhat/da_c"], "dyhat/dw_bc": ["dyhat/da_c"]}


def parts_problem(tmp_path, **changes) -> str:
    """The two-layer test problem with some fields or asked items changed."""
    data = yaml.safe_load(open(PARTS))
    asks = changes.pop("asks", {})
    data["ask"] = [dict({"id": item}, **asks.get(item, {})) for item in data["ask"]]
    data.update(changes)
    path = tmp_path / "problem.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def test_the_credit_is_the_problems_and_each_items_own(tmp_path):
    problem = parts_problem(tmp_path, follow_through={"credit": 1},
                            asks={"z2": {"points": 4, "follow_through": {"credit": 0.25}},
                                  "L": {"follow_through": False}})
    got = items(verify(tmp_path, two_layer_answers(z1=[1.3, -1.4]), problem))
    assert got["h1"]["points"] == 1 and got["z2"]["points"] == 1
    assert got["L"]["verdict"] == "wrong" and "based_on" not in got["L"]
    assert got["dL/dz2"]["verdict"] == "follow_through"     # built on z2, whose own credit is lower
    off = items(verify(tmp_path, two_layer_answers(z1=[1.3, -1.4]), parts_problem(tmp_path, follow_through=False)))
    assert {item["verdict"] for item in off.values()} == {"wrong"}


def test_a_bad_follow_through_field_is_an_error_at_its_line(tmp_path):
    problem = parts_problem(tmp_path, follow_through={"credit": 2})
    result = CliRunner().invoke(cli, ["check", problem])
    assert result.exit_code == 2
    assert "follow_through.credit: expected a fraction of the item's points from 0 to 1" in result.output


def test_a_visible_answer_is_never_said_to_be_built_on_a_hidden_one(tmp_path):
    problem = parts_problem(tmp_path, asks={"z1": {"visibility": "hidden"}, "dL/dz2": {"visibility": "hidden"}})
    answers = two_layer_answers(z1=[1.3, -1.4])
    shown = items(verify(tmp_path, answers, problem))
    assert "z1" not in shown and "dL/dz2" not in shown
    assert shown["h1"]["verdict"] == "wrong" and "z1" not in shown["h1"]["message"]
    assert shown["z2"]["verdict"] == "follow_through" and shown["z2"]["based_on"] == ["h1"]
    assert all("dL/dz2" not in item.get("based_on", []) for item in shown.values())
    graded = items(verify(tmp_path, answers, problem, ["--show-hidden"]))
    assert graded["h1"]["verdict"] == "wrong"               # the grade does not depend on who looks
    assert graded["dL/dz2"]["based_on"] == ["z2"] and graded["dL/dz2"]["verdict"] == "follow_through"


def test_grade_counts_follow_through_apart_from_right_and_wrong(tmp_path):
    hand_ins = tmp_path / "class"
    hand_ins.mkdir()
    rng = np.random.default_rng(11)     # each entry off by its own amount: nothing is consistent with anything
    wrong_everywhere = {name: (np.asarray(value) + rng.uniform(0.2, 0.5, np.shape(value))).tolist()
                        for name, value in two_layer_answers().items()}
    for student, answers in (("right", two_layer_answers()), ("carried", two_layer_answers(z1=[1.3, -1.4])),
                             ("off", wrong_everywhere)):
        (hand_ins / f"{student}.yaml").write_text(yaml.safe_dump({"student": student, "answers": answers}))
    args = ["grade", str(hand_ins), "--problem", PARTS, "--jobs", "1"]
    book = json.loads(CliRunner().invoke(cli, args + ["--format", "json"]).stdout)
    counts = {item["id"]: item["counts"] for item in book["summary"]["problems"][0]["items"]}
    assert counts["z1"] == {"correct": 1, "follow_through": 0, "wrong": 2, "invalid": 0, "missing": 0}
    assert counts["h1"] == {"correct": 1, "follow_through": 1, "wrong": 1, "invalid": 0, "missing": 0}
    table = CliRunner().invoke(cli, args + ["--csv", str(tmp_path / "book.csv"), "--html", str(tmp_path / "r.html")],
                               env={"COLUMNS": "200"}).stdout
    header = next(line for line in table.splitlines() if "┃ item" in line)
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == \
        ["item", "right", "follow-through", "wrong", "invalid", "missing", "commonest mistake"]
    h1 = next(line for line in table.splitlines() if line.startswith("  │ h1 "))
    assert [cell.strip() for cell in h1.split("│")[2:5]] == ["33 %", "33 %", "33 %"]
    rows = {row["student"]: row for row in csv.DictReader(open(tmp_path / "book.csv"))}
    assert (rows["carried"]["follow_through"], rows["right"]["follow_through"], rows["off"]["follow_through"]) == \
        ("10", "0", "0")
    assert rows["carried"]["total"] == "5"
    assert "<th class=num>follow-through</th>" in (tmp_path / "r.html").read_text()
