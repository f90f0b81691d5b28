"""`nncheck selftest`: every bundled problem passes; broken copies fail, naming the check."""

import json
import os

import pytest
from click.testing import CliRunner

from nncheck.cli import cli

BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "problems")
PROBLEMS = sorted(f"problems/{name}" for name in os.listdir(BUNDLED) if name.endswith(".yaml"))

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
    input: x
    output: y
    target: x[0] + x[1] >= 1.5
    cases:
"""
BITS = "      - {name: bits, enumerate: [0, 1]}\n"
NEAR_THRESHOLD = "      - {name: near the threshold, inputs: [[0.75, 0.75], [0.75, 0.7499999999]]}\n"
ONLY_ONES = "      - {name: both on, inputs: [[1, 1], [2, 2]]}\n"


def selftest(*args):
    result = CliRunner().invoke(cli, ["selftest", *args])
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result


def report(*paths):
    """`nncheck selftest --format json`: (exit code, the JSON object)."""
    result = selftest(*paths, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def failures(data):
    return {f"{check['item']}: {check['check']}": check for problem in data["problems"]
            for check in problem["checks"] if check["result"] == "fail"}


def copy(tmp_path, name, old="", new=""):
    """problems/NAME.yaml copied to tmp_path, with `old` replaced by `new` (once, and it must be there)."""
    text = open(f"problems/{name}.yaml", encoding="utf-8").read()
    assert text.count(old) == 1 or not old
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return os.fspath(path)


def line_of(path, text):
    return next(number for number, line in enumerate(open(path, encoding="utf-8"), 1) if text in line)


# --- the bundled problems --------------------------------------------------------------


@pytest.mark.parametrize("problem", PROBLEMS)
def test_every_bundled_problem_passes_its_selftest(problem):
    result = selftest(problem)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("selftest: ")
    assert "all pass in 1 problem" in result.stdout


def test_the_descending_order_detector_fails_a_margin_of_1e_9_and_ties_that_do_not_fire():
    code, data = report("problems/descending-order-mlp.yaml")
    checks = {check["check"]: check for check in data["problems"][0]["checks"]}
    assert code == 0
    assert checks["margin +1e-09"]["detail"].startswith("b1 + 1e-09, b2 + 1e-09: 0 points on 1 of 8 groups")
    assert "first near ties, no two entries equal" in checks["margin +1e-09"]["detail"]
    assert "first ties, small integers" in checks["margin -1e-09"]["detail"]


def test_margins_apply_only_to_threshold_designs():
    code, data = report("problems/parity-network.yaml", "problems/sigmoid-tanh-equivalence.yaml")
    margins = [check for problem in data["problems"] for check in problem["checks"] if check["check"] == "margin"]
    assert code == 0 and [check["result"] for check in margins] == ["skip", "skip"]


# --- broken copies -------------------------------------------------------------------------


def test_an_expected_value_the_engine_contradicts_fails_the_reference(tmp_path):
    """relu5: dz2/dz1 = diag(5 relu'(z1)); the second unit is off, so its diagonal entry is 0."""
    path = copy(tmp_path, "relu5-regression", "  - id: dz2/dz1\n",
                "  - id: dz2/dz1\n    expected: [[5, 0, 0, 0], [0, 5, 0, 0], [0, 0, 5, 0], [0, 0, 0, 5]]\n")
    code, data = report(path)
    assert code == 1 and not data["passed"]
    [(check_id, check)] = failures(data).items()
    assert check_id == "dz2/dz1: reference"
    assert check["detail"].startswith(
        "expected: disagrees with the engine: the engine's value [[5, 0, 0, 0], [0, 0, 0, 0]")
    assert check["location"] == f"{path}:{line_of(path, '[0, 5, 0, 0]')}:15"


def test_a_reference_answer_file_without_full_marks_fails(tmp_path):
    (tmp_path / "answers").mkdir()
    path = copy(tmp_path, "gd-quadratic")
    answers = open("problems/answers/gd-quadratic.yaml", encoding="utf-8").read()
    assert answers.count('"(0, 1/5)"') == 1
    (tmp_path / "answers" / "gd-quadratic.yaml").write_text(answers.replace('"(0, 1/5)"', '"(0, 1/5]"'))
    code, data = report(path)
    assert code == 1
    [(check_id, check)] = failures(data).items()
    assert check_id == f"{tmp_path / 'answers' / 'gd-quadratic.yaml'}: full marks"
    assert check["detail"].startswith("scores 2 of 4: eta range: wrong (interval_ends), 0 of 2 points: the endpoints")
    assert check["location"] == f"{tmp_path / 'answers' / 'gd-quadratic.yaml'}:5:14"


def test_mistakes_that_never_trigger_fail_with_their_location(tmp_path):
    """A third mistake equal to the right answer, a fourth with the value of the first."""
    extra = """        points: 1
      - formula: (yhat - y) * outer(dsmoothmax(a2), o1)
        message: the right answer, by mistake
      - formula: 2 * outer(dsmoothmax(a2), o1) / 2
        message: the first mistake again
  - id: dl/dW1
"""
    path = copy(tmp_path, "sigmoid-smoothmax-network", "        points: 1\n  - id: dl/dW1\n", extra)
    code, data = report(path)
    assert code == 1
    found = failures(data)
    assert set(found) == {"dl/dW2: mistake 3 (value)", "dl/dW2: mistake 3 (formula)",
                          "dl/dW2: mistake 4 (value)", "dl/dW2: mistake 4 (formula)"}
    assert found["dl/dW2: mistake 3 (value)"]["detail"] == "never triggers: its value is accepted as the right answer"
    assert found["dl/dW2: mistake 3 (value)"]["location"] == f"{path}:{line_of(path, 'the right answer, by') - 1}:9"
    first = line_of(path, "- formula: outer(dsmoothmax(a2), o1)")
    assert found["dl/dW2: mistake 4 (formula)"]["detail"] == (
        f"never triggers: mistake 1 ({path}:{first}:9) has the same value and comes first")


def test_a_design_whose_cases_the_all_zero_network_passes_fails(write):
    """step(0) = 1: with every weight 0 the gate always says 1, right on every input that is on."""
    path = write("gate.yaml", GATE + ONLY_ONES)
    code, data = report(path)
    assert code == 1
    assert failures(data)["gate: all zero"]["detail"] == (
        "every parameter 0 (constant y = 1): scores points on every group (1 of 1); add a case group it fails")
    assert failures(data)["gate: all zero"]["location"] == f"{path}:12:5"


def test_a_design_on_a_lattice_skips_margins_no_input_can_fall_inside(write):
    """Bits only: the inputs are every point of {0, 1}^2, and x[0] + x[1] is never within 0.5 of
    1.5, so b = -1.5 +- 1e-9 is as correct a design as b = -1.5: the margin checks are skipped."""
    code, data = report(write("gate.yaml", GATE + BITS))
    assert code == 0, failures(data)
    margins = {check["check"]: check for check in data["problems"][0]["checks"] if check["check"].startswith("margin")}
    assert set(margins) == {"margin +0.001", "margin +1e-09", "margin -0.001", "margin -1e-09"}
    assert all(check["result"] == "skip" for check in margins.values())
    assert margins["margin +1e-09"]["detail"] == (
        "b + 1e-09: the same output on every input; the inputs are every point of the lattice {0, 1}^n, so no "
        "input falls inside the margin and a design with it is correct")


def test_a_design_whose_inputs_can_be_any_numbers_fails_its_margin_variants(write):
    """Listed inputs beside the bits (0.5 is off the lattice): a margin is not caught."""
    code, data = report(write("gate.yaml", GATE + BITS + ONLY_ONES.replace("[[1, 1], [2, 2]]", "[[1, 1], [0.5, 0.5]]")))
    assert code == 1
    assert set(failures(data)) == {"gate: margin +0.001", "gate: margin +1e-09", "gate: margin -0.001",
                                   "gate: margin -1e-09"}
    code, data = report(write("gate-near.yaml", GATE + BITS + NEAR_THRESHOLD))
    assert code == 0, failures(data)


def test_a_margin_that_changes_an_output_on_the_lattice_is_still_tried(write):
    """The threshold on a lattice point (b = -1, step(0) = 1 fires at x = [0, 1]): the shifted
    designs give other outputs there, so they are checked, and caught."""
    text = GATE.replace("b: -1.5", "b: -1").replace("target: x[0] + x[1] >= 1.5", "target: x[0] + x[1] >= 1")
    code, data = report(write("gate.yaml", text + BITS))
    margins = {check["check"]: check["result"] for check in data["problems"][0]["checks"]
               if check["check"].startswith("margin")}
    assert margins == {"margin +0.001": "skip", "margin +1e-09": "skip", "margin -0.001": "pass",
                       "margin -1e-09": "pass"}
    assert code == 0


def test_the_xor_design_on_bits_passes_its_selftest():
    code, data = report("tests/data/xor-step-design.yaml")
    assert code == 0, failures(data)
    checks = {check["check"]: check["result"] for check in data["problems"][0]["checks"]}
    assert checks["reference"] == "pass" and checks["all zero"] == "pass" and checks["constant y = 0"] == "pass"
    assert [checks[f"margin {m}"] for m in ("+0.001", "+1e-09", "-0.001", "-1e-09")] == ["skip"] * 4


def test_a_varying_problem_answers_its_yes_no_items_in_the_variant_checks():
    """sample-1's unit is off (YES, dL/dw is always 0), the printed numbers' is on (NO)."""
    code, data = report("tests/data/varying-yes-no.yaml")
    assert code == 0, failures(data)
    variants = [check for check in data["problems"][0]["checks"] if check["item"] == "vary"]
    assert [check["result"] for check in variants] == ["pass", "pass"]
    assert variants[0]["detail"] == ("its reference answers score 3 of 3; the printed numbers' answers lose points "
                                     "on 2 of 2 items")
    assert variants[1]["detail"].startswith("its reference answers score 3 of 3")


def test_selftest_takes_the_graders_secret_file(tmp_path):
    path = copy(tmp_path, "relu-4-samples")
    (tmp_path / "secret.yaml").write_text("problem: relu-4-samples.yaml\nask:\n  - id: L\n    points: 2\n"
                                          "    visibility: hidden\n", encoding="utf-8")
    code, data = report(path, "--secret", os.fspath(tmp_path / "secret.yaml"))
    assert code == 0, failures(data)
    checks = [check for check in data["problems"][0]["checks"] if check["item"] == "L"]
    assert checks and checks[0]["check"] == "reference" and checks[0]["result"] == "pass"
    code, data = report(path)
    assert not [check for check in data["problems"][0]["checks"] if check["item"] == "L"]


def test_the_descending_order_detector_without_its_near_ties_fails_the_1e_9_margin(tmp_path):
    """The groups the problem had before: the smallest gap is 0.001, so a margin of 1e-9 passes."""
    text = open("problems/descending-order-mlp.yaml", encoding="utf-8").read()
    groups = [group for group in text.split("      - name: ") if not group.startswith("near ties")]
    path = tmp_path / "descending.yaml"
    path.write_text("      - name: ".join(groups).replace("    points: 20\n", ""), encoding="utf-8")
    code, data = report(os.fspath(path))
    assert code == 1 and set(failures(data)) == {"detector: margin +1e-09"}


# --- exit codes and output ---------------------------------------------------------------


def test_a_problem_that_cannot_be_used_exits_2_with_its_location_and_the_others_still_run(write):
    bad = write("bad.yaml", "title: x\nvalues:\n  x: [1, 2\n")
    result = selftest("problems/gd-quadratic.yaml", bad)
    assert result.exit_code == 2
    assert "problems/gd-quadratic.yaml: 21 checks" in result.stdout
    assert result.stderr.startswith(f"{bad}:3:6: error: YAML syntax error: this [ is never closed")
    assert result.stdout.splitlines()[-1].startswith("selftest: 21 checks, all pass in 1 problem; 1 problem could not")
    missing = selftest("no/such/problem.yaml")
    assert missing.exit_code == 2 and "no/such/problem.yaml: error: cannot read file" in missing.stderr


def test_json_has_one_record_per_check(tmp_path):
    gd = "problems/gd-quadratic.yaml"
    code, data = report(gd)
    assert code == 0
    assert set(data) == {"passed", "checks", "failed", "seconds", "problems", "errors"}
    assert (data["passed"], data["failed"], data["errors"]) == (True, 0, [])
    [problem] = data["problems"]
    assert set(problem) == {"file", "title", "passed", "seconds", "checks"}
    assert problem["file"] == gd and data["checks"] == len(problem["checks"])
    assert problem["checks"][0] == {"item": "eta range", "check": "reference", "result": "pass",
                                    "detail": "(0, 1/5): correct, 2 of 2 points", "location": None}
    factor = next(check for check in problem["checks"] if (check["item"], check["check"]) == ("x@1", "factor 2"))
    assert factor["detail"] == ("1: wrong (steps), 0 of 1 point (also the value after 0 steps: "
                                "the diagnosis is not checked)")
    assert {check["result"] for check in problem["checks"]} == {"pass", "skip"}


def test_the_table_names_each_check_and_ends_with_a_summary():
    result = selftest("problems/relu-4-samples.yaml", "problems/parity-network.yaml")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0] == "problems/relu-4-samples.yaml: Two-layer ReLU regression on four samples"
    assert any("│ dL/dW1: transposed" in line and "│ pass   │" in line for line in lines)
    assert any("parity: margin" in line and "│ skip   │" in line for line in lines)
    assert lines[-1].startswith("selftest: ") and "all pass in 2 problems" in lines[-1]
