"""Design problems (`kind: design`): a problem, the student's weights, the verdict per case group."""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from nncheck.cli import cli

DESCENDING = os.path.abspath("problems/descending-order-mlp.yaml")
PARITY = os.path.abspath("problems/parity-network.yaml")
TANH = os.path.abspath("problems/sigmoid-tanh-equivalence.yaml")
SEED_ANSWERS = "tests/data/seed-answers"

# One threshold unit that fires when x[0] + x[1] >= 1.5: an AND of two bits.
GATE = """title: An AND gate from one threshold unit
values:
  x: [1, 1]
  w: [1, 1]
  b: -1.5
graph:
  z: w @ x + b
  y: step(z)
loss: y
parameters: [w, b]
ask:
  - id: gate
    kind: design
    points: 6
    input: x
    output: y
    target: x[0] + x[1] >= 1.5
    cases:
      - name: bits
        points: 2
        enumerate: [0, 1]
      - name: listed
        scoring: proportional
        inputs: [[1, 1], [0, 1], [1, 0], [0.9, 0.9]]
      - name: unit square
        visibility: hidden
        draw: {dist: uniform, low: 0, high: 1, count: 50, seed: 3}
"""


def invoke(*args):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result


def verify(*paths):
    """`nncheck verify PATHS --format json --show-hidden` (the grader's view of every group):
    (exit code, one report per answer file)."""
    result = invoke("verify", *paths, "--format", "json", "--show-hidden")
    return result.exit_code, [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def verdicts(report):
    return {item["id"]: (item["verdict"], item["diagnosis"], item["points"]) for item in report["items"]}


def messages(report):
    return {item["id"]: item["message"] for item in report["items"]}


def answers(write, problem, name="answers.yaml", **values):
    lines = [f"problem: {json.dumps(problem)}", "answers:"]
    lines += [f"  {key}: {json.dumps(value)}" for key, value in values.items()]
    return write(name, "\n".join(lines) + "\n")


@pytest.fixture
def gate(write):
    return write("gate.yaml", GATE)


# --- seed 004, problem 1: the descending-order detector -----------------------------------

DETECTOR_GROUPS = ["no ties, any order", "no ties, descending or one pair swapped", "no ties, listed",
                   "ties, small integers in descending order", "equal neighbours", "all equal",
                   "near ties, no two entries equal", "near ties beside exact ties"]
NEGATED_DIFFERENCES = [[-1, 1, 0, 0, 0], [0, -1, 1, 0, 0], [0, 0, -1, 1, 0], [0, 0, 0, -1, 1]]


def test_seed_004_designs_the_detector(write):
    """The seed's answer has a 5-entry bias for 4 hidden units: invalid, every group. With four
    zeros the seed's design is right, ties included (h_i = step(x_{i+1} - x_i) flags a broken
    pair; step(-sum h) fires when none is). Feeding x_i - x_{i+1} instead fires on ties: the
    seed's marking scheme A, 10 of 20."""
    fixed = answers(write, DESCENDING, "fixed.yaml", W1=NEGATED_DIFFERENCES, b1=[0, 0, 0, 0], w2=[-1] * 4, b2=0)
    differences = [[-value for value in row] for row in NEGATED_DIFFERENCES]
    ties_fire = answers(write, DESCENDING, "ties.yaml", W1=differences, b1=[0, 0, 0, 0], w2=[1] * 4, b2=-4)
    code, [seed, good, naive, reference] = verify(f"{SEED_ANSWERS}/seed-004-descending-order.yaml", fixed,
                                                  ties_fire, "problems/answers/descending-order-mlp.yaml")
    assert code == 1
    ids = [f"detector: {group}" for group in DETECTOR_GROUPS]
    assert list(verdicts(seed)) == ids
    assert set(verdicts(seed).values()) == {("invalid", "shape", 0)}
    assert set(messages(seed).values()) == {"b1 has shape (4,) in this problem; your answer has shape (5,)"}
    assert (seed["score"], seed["max_score"], seed["ignored"]) == (0, 20, [])
    assert {verdict for verdict, _, _ in verdicts(good).values()} == {"correct"} and good["score"] == 20
    assert [verdict for verdict, _, _ in verdicts(naive).values()] == ["correct"] * 3 + ["wrong"] * 3 + [
        "correct", "wrong"]
    assert naive["score"] == 10
    assert messages(naive)["detector: ties, small integers in descending order"] == (
        "fails on 148 of 200 inputs: x = [7, 6, 4, 4, 0] gives y = 1, target 0; "
        "x = [8, 6, 2, 0, 0] gives y = 1, target 0; x = [9, 7, 7, 7, 5] gives y = 1, target 0")
    assert messages(naive)["detector: equal neighbours"].startswith(
        "fails on 8 of 8 inputs: x = [10, 10, 9, 8, 7] gives y = 1, target 0;")
    assert reference["score"] == reference["max_score"] == 20


# --- seed 000, problem 8.2: parity ----------------------------------------------------------


def test_seed_000_parity_construction_is_incomplete(write):
    """The seed only sets each w_i to the indicator of I: biases and output weights are missing.
    Completed the simplest way (b = 0, a = 1) the network says odd for every p > 0 and 0 at p = 0."""
    completed = answers(write, PARITY, W=[[1, 1, 0, 1]] * 8, b=[0] * 8, a=[1] * 8)
    code, [seed, simplest, reference] = verify(f"{SEED_ANSWERS}/seed-000-parity.yaml", completed,
                                               "problems/answers/parity-network.yaml")
    assert code == 1
    assert verdicts(seed) == {"parity: examples": ("missing", None, 0),
                              "parity: every input in {0, 1}^4": ("missing", None, 0)}
    assert set(messages(seed).values()) == {"no answer for b, a"}
    assert verdicts(simplest) == {"parity: examples": ("wrong", None, 0.8),
                                  "parity: every input in {0, 1}^4": ("wrong", None, 0)}
    assert messages(simplest)["parity: every input in {0, 1}^4"] == (
        "fails on 8 of 16 inputs: x = [0, 0, 0, 0] gives y = 0, target -1; "
        "x = [0, 0, 1, 0] gives y = 0, target -1; x = [0, 1, 0, 1] gives y = 1, target -1")
    assert reference["score"] == reference["max_score"] == 10


# --- seed 004, problem 2: a tanh network equivalent to a sigmoid network -------------------


def test_seed_004_tanh_equivalent_passes_and_a_forgotten_bias_correction_fails(write):
    forgotten = answers(write, TANH, W1_tanh="W1 / 2", b1_tanh="b1 / 2", W2_tanh="W2 / 2", b2_tanh="b2")
    code, [seed, wrong, reference] = verify(f"{SEED_ANSWERS}/seed-004-sigmoid-tanh.yaml", forgotten,
                                            "problems/answers/sigmoid-tanh-equivalence.yaml")
    assert code == 1
    assert {key: value for key, value in verdicts(seed).items() if key.startswith("equivalent")} == {
        "equivalent: normal inputs": ("correct", None, 0), "equivalent: wide uniform inputs": ("correct", None, 0)}
    assert {key: value for key, value in verdicts(wrong).items() if key.startswith("equivalent")} == {
        "equivalent: normal inputs": ("wrong", None, 0), "equivalent: wide uniform inputs": ("wrong", None, 0)}
    assert verdicts(wrong)["b2_tanh"] == ("wrong", "authored", 0)
    visible, hidden = [message for key, message in messages(wrong).items() if key.startswith("equivalent")]
    assert visible.startswith("fails on 200 of 200 inputs: x = [")
    assert "; largest deviation 0.291 at x = [-0.47405, 0.514521, -0.13207] (accepted: atol 1e-09)" in visible
    assert hidden == ("fails on 200 of 200 inputs (inputs not shown for this group); "
                      "largest deviation 0.291 (accepted: atol 1e-09)")
    assert reference["score"] == 20


def test_a_parameter_written_as_itself_reads_the_reference_design_and_is_invalid(write):
    path = answers(write, TANH, W1_tanh="W1_tanh", b1_tanh="b1 / 2", W2_tanh="W2 / 2", b2_tanh="z")
    code, [report] = verify(path)
    assert {verdicts(report)[key] for key in verdicts(report) if key.startswith("equivalent")} == {("invalid", None, 0)}
    assert messages(report)["equivalent: normal inputs"] == (
        "W1_tanh: `W1_tanh`: W1_tanh is part of the network you design; write W1_tanh with numbers and the "
        f"problem's other values (at {path}:3:13); b2_tanh: `z`: z is part of the network you design; "
        f"write b2_tanh with numbers and the problem's other values (at {path}:6:13)")


# --- the verdicts on a small problem --------------------------------------------------------


def test_the_right_gate_passes_every_group(write, gate):
    code, [report] = verify(answers(write, gate, w=[1, 1], b=-1.5))
    assert code == 0
    assert verdicts(report) == {"gate: bits": ("correct", None, 2), "gate: listed": ("correct", None, 2),
                                "gate: unit square": ("correct", None, 2)}
    assert messages(report)["gate: bits"] == "gives the target on all 4 inputs"
    assert report["items"][0]["visibility"] == "visible" and report["items"][2]["visibility"] == "hidden"


def test_an_or_gate_fails_all_or_nothing_and_in_proportion(write, gate):
    code, [report] = verify(answers(write, gate, w=[1, 1], b=-0.5))
    assert code == 1
    assert verdicts(report) == {"gate: bits": ("wrong", None, 0), "gate: listed": ("wrong", None, 1.0),
                                "gate: unit square": ("wrong", None, 0)}
    assert messages(report)["gate: bits"] == (
        "fails on 2 of 4 inputs: x = [0, 1] gives y = 1, target 0; x = [1, 0] gives y = 1, target 0")
    assert messages(report)["gate: unit square"] == "fails on 38 of 50 inputs (inputs not shown for this group)"


def test_shapes_and_formulas_of_parameters(write, gate):
    """A column for a vector is fine; a scalar where a vector belongs is a shape error; formulas
    may use numbers and the input's value."""
    column = answers(write, gate, "column.yaml", w=[[1], [1]], b="-3 / 2")
    scalar = answers(write, gate, "scalar.yaml", w=1, b=-1.5)
    code, [good, bad] = verify(column, scalar)
    assert {verdict for verdict, _, _ in verdicts(good).values()} == {"correct"}
    assert set(verdicts(bad).values()) == {("invalid", "shape", 0)}
    assert set(messages(bad).values()) == {"w has shape (2,) in this problem; your answer has shape ()"}


def test_unusable_parameters_and_missing_ones(write, gate):
    ragged = answers(write, gate, "ragged.yaml", w=[1, [1]], b=-1.5)
    unknown = answers(write, gate, "unknown.yaml", w="v + 1", b=None)
    missing = answers(write, gate, "missing.yaml", w=[1, 1])
    code, [bad_list, bad_formula, absent] = verify(ragged, unknown, missing)
    assert code == 1
    assert set(verdicts(bad_list).values()) == {("invalid", None, 0)}
    assert messages(bad_list)["gate: bits"].startswith("w: ragged list: entry 1 has shape (1,) but entry 0 has ()")
    assert set(verdicts(bad_formula).values()) == {("invalid", None, 0)}
    assert messages(bad_formula)["gate: bits"] == (
        f"w: `v`: unknown name 'v' (at {unknown}:3:7); no answer for b")
    assert set(verdicts(absent).values()) == {("missing", None, 0)}
    assert messages(absent)["gate: bits"] == "no answer for b"


def test_a_network_whose_values_overflow_fails_on_those_inputs(write, gate):
    code, [report] = verify(answers(write, gate, w=[1e308, 1e308], b=-1))
    assert verdicts(report)["gate: bits"] == ("wrong", None, 0)
    assert messages(report)["gate: bits"] == (
        "fails on 3 of 4 inputs: x = [0, 1] gives y = 1, target 0; x = [1, 0] gives y = 1, target 0; "
        "x = [1, 1]: the network's values are not finite")


def test_answers_other_than_the_parameters_are_ignored(write, gate):
    _, [report] = verify(answers(write, gate, w=[1, 1], b=-1.5, gate=1))
    assert report["ignored"] == ["gate"]


def test_the_verify_table(write, gate):
    result = invoke("verify", answers(write, gate, w=[1, 1], b=-0.5))
    assert result.exit_code == 1
    assert "gate: bits" in result.output and "2 of 4 inputs pass" in result.output
    assert "note: 1 hidden check (2 points) is graded later; the score below leaves it out" in result.output
    assert "Score: 1 / 4" in result.output and "unit square" not in result.output


# --- points ---------------------------------------------------------------------------------


def test_groups_without_points_share_the_items_points(write):
    text = GATE.replace("        points: 2\n", "")
    code, [report] = verify(answers(write, write("shared.yaml", text), w=[1, 1], b=-1.5))
    assert [item["max_points"] for item in report["items"]] == [2, 2, 2]
    text = text.replace("    points: 6\n", "")
    code, [report] = verify(answers(write, write("ones.yaml", text), w=[1, 1], b=-1.5))
    assert [item["max_points"] for item in report["items"]] == [1, 1, 1]


# --- run, template, check -------------------------------------------------------------------


def test_run_shows_how_the_problems_own_design_does(gate):
    result = invoke("run", gate, "--format", "json")
    assert result.exit_code == 0
    visible = {"bits": "w, b as given pass 4 of 4 inputs (2 points)",
               "listed": "w, b as given pass 4 of 4 inputs (2 points)"}
    assert json.loads(result.output)["answers"] == [{"id": "gate", "kind": "design", "reference": visible}]
    grader = json.loads(invoke("run", gate, "--format", "json", "--show-hidden").output)
    assert grader["answers"][0]["reference"] == visible | {
        "unit square": "w, b as given pass 50 of 50 inputs (2 points)"}


def test_run_shows_where_a_wrong_reference_design_fails(write):
    path = write("or.yaml", GATE.replace("b: -1.5", "b: -0.5"))
    reference = json.loads(invoke("run", path, "--format", "json").output)["answers"][0]["reference"]
    assert reference["bits"] == ("w, b as given pass 2 of 4 inputs (2 points); fails on 2 of 4 inputs: "
                                 "x = [0, 1] gives y = 1, target 0; x = [1, 0] gives y = 1, target 0")


def test_template_gives_each_parameter_with_its_shape():
    result = invoke("template", DESCENDING)
    assert result.exit_code == 0
    assert "  # W1: shape (4, 5); design detector (W1, b1, w2, b2 together), 20 points\n  W1:\n" in result.output
    assert "  # b1: shape (4,)\n  b1:\n  # w2: shape (4,)\n  w2:\n  # b2: shape ()\n  b2:\n" in result.output


def test_check_runs_the_problems_own_design(write):
    assert invoke("check", PARITY).exit_code == 0
    path = write("or.yaml", GATE.replace("b: -1.5", "b: -0.5"))
    result = invoke("check", path)
    assert result.exit_code == 0 and f"{path}: ok (" in result.output


BAD_ITEMS = [
    ("    input: x\n", "    input: w\n", "15:12", "ask[0].input: 'w' must be one of the values (not a parameter)"),
    ("    input: x\n", "    input: q\n", "15:12", "ask[0].input: 'q' is not a value or node of this problem"),
    ("    output: y\n", "    output: b\n", "16:13",
     "ask[0].output: 'b' must be a graph node computed from the parameters"),
    ("    target: x[0] + x[1] >= 1.5\n", "    target: w @ x >= 1.5\n", "17:13",
     "ask[0].target: `w`: the target cannot use w: it is part of the network being designed"),
    ("    target: x[0] + x[1] >= 1.5\n", "    target: y\n", "17:13",
     "ask[0].target: `y`: the target cannot use y: it is part of the network being designed"),
    ("    target: x[0] + x[1] >= 1.5\n", "    target: x[0] + u\n", "17:20", "ask[0].target: `u`: unknown name 'u'"),
    ("    target: x[0] + x[1] >= 1.5\n", "", "12:5", "ask[0]: a design item needs target:"),
    ("        enumerate: [0, 1]\n", "        enumerate: [0, 1]\n        inputs: [[1, 1]]\n", "19:9",
     "ask[0].cases[0]: give exactly one of draw, enumerate, inputs, edge"),
    ("        enumerate: [0, 1]\n", "        enumrate: [0, 1]\n", "21:9",
     "ask[0].cases[0]: unknown key 'enumrate'; did you mean 'enumerate'?"),
    ("        enumerate: [0, 1]\n", "        enumerate: [0, 1, 0]\n", "21:20",
     "ask[0].cases[0].enumerate: expected a list of different numbers"),
    ("      - name: listed\n", "      - name: bits\n", "22:15", "ask[0].cases[1].name: 'bits' is used twice"),
    ("        scoring: proportional\n", "        scoring: some\n", "23:18",
     "ask[0].cases[1].scoring: use all (all-or-nothing) or proportional"),
    ("[[1, 1], [0, 1], [1, 0], [0.9, 0.9]]", "[1, 1]", "24:17",
     "ask[0].cases[1].inputs: expected a list of inputs, each of shape (2,)"),
    ("dist: uniform, low: 0, high: 1", "dist: uniform, low: 2, high: 1", "27:15",
     "ask[0].cases[2].draw: low must not exceed high"),
    ("dist: uniform, low: 0, high: 1", "dist: beta", "27:22", "ask[0].cases[2].draw.dist: use one of normal"),
    ("count: 50", "count: 5000", "27:15", "ask[0].cases[2].draw: 5000 inputs of shape (2,) is too many"),
    ("count: 50", "count: 50, std: 2", "27:59", "ask[0].cases[2].draw (dist uniform): unknown key 'std'"),
    ("count: 50", "count: 50, sort: up", "27:65", "ask[0].cases[2].draw.sort: use ascending or descending"),
    ("        visibility: hidden\n", "        visibility: secret\n", "26:21", "ask[0].cases[2].visibility: use one of"),
    ("        draw: {dist: uniform, low: 0, high: 1, count: 50, seed: 3}\n", "        edge: ties\n", "27:15",
     "ask[0].cases[2].edge: use one of equal_neighbours, all_equal"),
    ("    points: 6\n", "    points: 1\n", "14:13",
     "ask[0].points: the case groups' points add up to 2, but the item's points: is 1"),
    ("parameters: [w, b]\n", "", "11:5", "ask[0]: a design item needs the top-level list parameters:"),
    ("parameters: [w, b]\n", "parameters: w\n", "10:13",
     "ask[0]: a design item needs the top-level list parameters:"),
    (GATE[GATE.index("    cases:"):], "    cases: []\n", "18:12", "ask[0].cases: expected a list of 1 to 50 case groups"),
]


@pytest.mark.parametrize("old, new, where, message", BAD_ITEMS)
def test_bad_items_are_located_when_the_problem_loads(write, old, new, where, message):
    assert old in GATE
    path = write("bad.yaml", GATE.replace(old, new, 1))
    result = invoke("check", path)
    assert result.exit_code == 2
    assert f"{path}:{where}: error: {message}" in result.output


def test_enumerating_too_many_inputs_is_refused(write):
    path = write("big.yaml", GATE.replace("x: [1, 1]", "x: {shape: [13]}").replace("w: [1, 1]", "w: {shape: [13]}"))
    result = invoke("check", path)
    assert result.exit_code == 2
    assert (f"{path}:21:20: error: ask[0].cases[0].enumerate: every input of shape (13,) with entries from 2 "
            "numbers is more than 4096 inputs; draw them instead") in result.output


@pytest.mark.parametrize("old, new, where, message", [
    ("  y: step(z)\n", "  y: step(z)\n  c: 2 * x\n", "17:13",
     "ask[0].output: c does not depend on the parameters w, b"),
    ("  y: step(z)\n", "  y: step(z)\n  t: 2 * z\n", "18:13",
     "ask[0].target: `t`: the target cannot use t: it is computed from the parameters"),
    ("x[0] + x[1] >= 1.5", "x", "17:13", "ask[0].target: the target has shape (2,), but y has shape ()"),
])
def test_problems_found_with_the_graph_stop_run_and_verify(write, old, new, where, message):
    text = GATE.replace(old, new)
    if "c: 2 * x" in new:
        text = text.replace("    output: y\n", "    output: c\n")
    if "t: 2 * z" in new:
        text = text.replace("    target: x[0] + x[1] >= 1.5\n", "    target: t\n")
    path = write("graph.yaml", text)
    run = invoke("run", path)
    assert run.exit_code == 2 and f"{path}:{where}: error: {message}" in run.output
    code, [report] = verify(answers(write, path, w=[1, 1], b=-1.5))
    assert code == 2 and report["error"] == f"{path}:{where}: {message}"


# --- all inputs at once (nncheck/engine/batched.py) and one input at a time agree --------

DESIGN_PROBLEMS = [DESCENDING, PARITY, TANH]
DESIGN_ANSWERS = ["problems/answers/descending-order-mlp.yaml", "problems/answers/parity-network.yaml",
                  "problems/answers/sigmoid-tanh-equivalence.yaml", f"{SEED_ANSWERS}/seed-004-descending-order.yaml",
                  f"{SEED_ANSWERS}/seed-000-parity.yaml", f"{SEED_ANSWERS}/seed-004-sigmoid-tanh.yaml"]


def design_items(checker):
    return [item for item in checker.problem.asks if item.kind == "design"]


def designs(checker, spec):
    """The problem's own design, then random ones: small whole numbers (ties at step(0)),
    normal draws, and huge ones (values that overflow at some inputs only)."""
    rng = np.random.default_rng(2024)
    shapes = {name: checker.base.value(name).shape for name in spec.parameters}
    yield {name: checker.base.value(name) for name in spec.parameters}
    for _ in range(3):
        yield {name: rng.integers(-2, 3, shape).astype(float) for name, shape in shapes.items()}
        yield {name: rng.normal(0.0, 3.0, shape) for name, shape in shapes.items()}
    yield {name: rng.normal(0.0, 4e307, shape) for name, shape in shapes.items()}


def same_cases(batch, one_by_one):
    assert len(batch) == len(one_by_one)
    for a, b in zip(batch, one_by_one):
        assert (a.passed, a.deviation) == (b.passed, b.deviation)
        assert np.array_equal(a.input, b.input)
        for x, y in ((a.output, b.output), (a.target, b.target)):
            assert (x is None) == (y is None)
            assert x is None or (x.shape == y.shape and x.tobytes() == y.tobytes())  # finite: every bit


def run_both_ways(monkeypatch, checker, spec, parameters, group):
    """(all inputs at once, one input at a time); the first may not run a Solution per input."""
    from nncheck.check.kinds import design

    one_by_one = design.run_group(checker, spec, parameters, group, batched=False)
    with monkeypatch.context() as patch:
        patch.setattr(design, "_run_case", lambda *args: pytest.fail("ran one input at a time"))
        batch = design.run_group(checker, spec, parameters, group)
    return batch, one_by_one


@pytest.mark.parametrize("problem", DESIGN_PROBLEMS)
def test_every_input_at_once_gives_the_cases_of_one_input_at_a_time(monkeypatch, problem):
    """Bit for bit: outputs, targets, deviations and verdicts of every input, every group."""
    from nncheck.check.problems import load_problem
    from nncheck.check.checker import Checker

    checker = Checker(load_problem(problem))
    outcomes = set()
    for item in design_items(checker):
        for parameters in designs(checker, item.spec):
            for group in item.spec.groups:
                batch, one_by_one = run_both_ways(monkeypatch, checker, item.spec, parameters, group)
                same_cases(batch, one_by_one)
                outcomes.update("not finite" if case.output is None else case.passed for case in batch)
    assert outcomes == {True, False, "not finite"}


def test_verification_reports_are_the_same_either_way(monkeypatch):
    from functools import partial

    from nncheck.read.answers import load_answer_file
    from nncheck.check.kinds import design
    from nncheck.check.problems import load_problem
    from nncheck.check.checker import Checker

    def report(path):
        answer_file = load_answer_file(path)
        verification = Checker(load_problem(answer_file.problem_path)).verify(answer_file)
        return [(r.id, r.verdict, r.diagnosis, r.points, r.message, str(r.answer)) for r in verification.items]

    at_once = [report(path) for path in DESIGN_ANSWERS]
    monkeypatch.setattr(design, "run_group", partial(design.run_group, batched=False))
    assert at_once == [report(path) for path in DESIGN_ANSWERS]


@pytest.mark.parametrize("primitive", ["step", "ge", "index"])
def test_a_formula_without_a_batch_rule_runs_one_input_at_a_time(monkeypatch, write, primitive):
    """In the network (step) or the target (>=, x[0]): the per-input run takes over for the
    group, with the verdicts it always gave."""
    from nncheck.engine.batched import BATCH_RULES
    from nncheck.check.kinds import design

    monkeypatch.delitem(BATCH_RULES, primitive)
    runs, run_case = [], design._run_case
    monkeypatch.setattr(design, "_run_case", lambda *args: runs.append(args[3]) or run_case(*args))
    code, [report] = verify(answers(write, write("gate.yaml", GATE), w=[1, 1], b=-0.5))
    assert verdicts(report) == {"gate: bits": ("wrong", None, 0), "gate: listed": ("wrong", None, 1.0),
                                "gate: unit square": ("wrong", None, 0)}
    assert messages(report)["gate: bits"] == (
        "fails on 2 of 4 inputs: x = [0, 1] gives y = 1, target 0; x = [1, 0] gives y = 1, target 0")
    assert len(runs) == 4 + 4 + 50


def test_a_node_apart_from_the_output_that_is_not_finite_fails_the_input(write):
    """A Solution refuses any value that is not finite, so an input where log(z) is nan fails,
    though the output y does not use it."""
    gate = write("log.yaml", GATE.replace("  y: step(z)\n", "  y: step(z)\n  L: log(z + 2)\n"))
    code, [report] = verify(answers(write, gate, w=[1, 1], b=-2.5))
    assert verdicts(report)["gate: bits"] == ("wrong", None, 0)
    assert messages(report)["gate: bits"] == (
        "fails on 2 of 4 inputs: x = [0, 0]: the network's values are not finite; "
        "x = [1, 1] gives y = 0, target 1")


@pytest.mark.parametrize("compare", ["{sigfigs: 2}", "{rtol: 0.25, atol: 0.01}", "{atol: 0.3}"])
def test_tolerances_and_batches_of_inputs(monkeypatch, write, compare):
    """compare: without atol is checked input by input; a group larger than a batch is split."""
    from nncheck.check.kinds import design
    from nncheck.check.problems import load_problem
    from nncheck.check.checker import Checker

    text = (GATE.replace("  y: step(z)\n", "  y: sigmoid(z)\n")
            .replace("target: x[0] + x[1] >= 1.5", "target: x[0] * x[1]")
            .replace("    cases:\n", f"    compare: {compare}\n    cases:\n").replace("count: 50", "count: 120"))
    checker = Checker(load_problem(write("soft.yaml", text)))
    monkeypatch.setattr(design, "BATCH_ENTRIES", 7)
    [item] = design_items(checker)
    for parameters in designs(checker, item.spec):
        for group in item.spec.groups:
            same_cases(*run_both_ways(monkeypatch, checker, item.spec, parameters, group))
    assert all(len(group.batches) > 1 for group in item.spec.groups)


@pytest.mark.parametrize("old, new", [
    ("target: x[0] + x[1] >= 1.5", "target: (x[0] + x[1] >= 1.5) + 0 * log(x[0])"),  # not finite: an error
    ("target: x[0] + x[1] >= 1.5", "target: x"),  # another shape than y: an error
    ("target: x[0] + x[1] >= 1.5", "target: 1"),  # the same target at every input
    ("  z: w @ x + b\n", "  z: w @ x[:, None] + b\n"),  # y has shape (1,), the target ()
    ("  z: w @ x + b\n", "  z: sum(w) + b\n"),  # y does not depend on x
    ("  y: step(z)\n", "  y: step(z)\n  L: log(z + 2)\n"),  # not finite at some inputs, apart from y
])
def test_unusual_items_give_the_same_reports_either_way(monkeypatch, write, old, new):
    from functools import partial

    from nncheck.check.kinds import design

    path = answers(write, write("item.yaml", GATE.replace(old, new)), w=[1, 1], b=-2.5)
    at_once = verify(path)
    monkeypatch.setattr(design, "run_group", partial(design.run_group, batched=False))
    assert at_once == verify(path)
