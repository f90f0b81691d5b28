"""kind: interval: the step sizes for which gradient descent converges (seed 002, question 3)."""

import json

import pytest
from click.testing import CliRunner

from nncheck.cli import cli

GD_QUADRATIC = open("problems/gd-quadratic.yaml").read()

TWO_BY_TWO = """values:
  x: [1.0, -0.5]
  A: [[3.0, 1.0], [1.0, 2.0]]
parameters: [x]
graph:
  q: 0.5 * x @ A @ x
  v: A @ x
  lin: sum(x)
  neg: -sum(x**2)
ask:
  - id: range
    kind: interval
    objective: q
"""

QUARTIC = """values:
  x: 1.0
parameters: [x]
graph:
  g: x**4 / 4 + x**2
ask:
  - id: range
    kind: interval
"""


def verify(write, problem_text, answers, *extra):
    """`nncheck verify --format json`: (exit code, items by id)."""
    write("problem.yaml", problem_text)
    lines = ["problem: problem.yaml", "answers:"] + [f"  {key}: {value}" for key, value in answers.items()]
    result = CliRunner().invoke(cli, ["verify", write("answers.yaml", "\n".join(lines) + "\n"), "--format", "json",
                                      *extra])
    assert "Traceback" not in result.output
    report = json.loads(result.output.splitlines()[-1])
    return result.exit_code, {item["id"]: item for item in report["items"]}


def eta_range(write, answer, problem=GD_QUADRATIC):
    code, items = verify(write, problem, {"eta range": answer})
    item = items["eta range"]
    return item["verdict"], item["diagnosis"], item["message"]


# --- f(x) = 5x^2: (0, 1/5) -------------------------------------------------------------


@pytest.mark.parametrize("answer", ['"(0, 1/5)"', '"(0, 0.2)"', '"( 0 , 2/10 )"', '"(0.0, 0.2001)"', "(0, 1/5)"])
def test_the_open_interval_to_one_fifth_is_right(write, answer):
    assert eta_range(write, answer) == ("correct", None, "")


def test_including_one_fifth(write):
    assert eta_range(write, '"(0, 1/5]"') == ("wrong", "interval_ends", (
        "the endpoints are right, but not the right end: at eta = 1/5, x goes 1 → -1 → 1 → -1: it jumps across the "
        "minimum to the mirror point and back, never getting closer; 1/5 is not in the range. The range is (0, 1/5)"))


def test_including_zero(write):
    assert eta_range(write, '"[0, 0.2)"') == ("wrong", "interval_ends", (
        "the endpoints are right, but not the left end: at eta = 0, x goes 1 → 1 → 1 → 1: the iterate never moves, "
        "so it never reaches the minimum; 0 is not in the range. The range is (0, 0.2)"))


def test_both_ends_closed(write):
    verdict, diagnosis, message = eta_range(write, '"[0, 1/5]"')
    assert (verdict, diagnosis) == ("wrong", "interval_ends")
    assert message.startswith("the endpoints are right, but not the ends: at eta = 0, x goes 1 → 1 → 1 → 1")
    assert "; at eta = 1/5, x goes 1 → -1 → 1 → -1" in message


def test_a_list_reads_as_the_same_interval_in_quotes_does(write):
    listed, quoted = eta_range(write, "[0, 0.2]"), eta_range(write, '"[0, 0.2]"')
    assert listed[:2] == quoted[:2] == ("wrong", "interval_ends")
    assert listed[2].startswith(quoted[2]) and listed[2].endswith(
        '; a list [0, 0.2] is the closed interval, as "[0, 0.2]" is: write "(0, 0.2)" in quotes')
    assert eta_range(write, "[0, 1/5]")[:2] == eta_range(write, '"[0, 1/5]"')[:2] == ("wrong", "interval_ends")


def test_a_list_is_right_where_the_range_is_closed_or_its_ends_are_not_graded(write):
    closed = GD_QUADRATIC.replace("ends: graded", "ends: graded\n    expected: \"[0, 1/5]\"")
    assert eta_range(write, "[0, 0.2]", closed) == eta_range(write, '"[0, 0.2]"', closed) == ("correct", None, "")


def test_ends_ignored(write):
    problem = GD_QUADRATIC.replace("ends: graded", "ends: ignored")
    assert eta_range(write, '"[0, 1/5]"', problem) == ("correct", None, "")
    assert eta_range(write, "[0, 0.2]", problem) == ("correct", None, "")


def test_steps_that_never_overshoot_are_only_half_the_range(write):
    assert eta_range(write, '"(0, 1/10)"') == ("wrong", "no_overshoot", (
        "(0, 1/10) is where each step moves toward the minimum without overshooting it; for larger eta up to 1/5 "
        "each step overshoots, yet the distance to the minimum still shrinks, so gradient descent converges there too"))


def test_wrong_endpoints_show_the_interval_only_for_visible_items(write):
    code, items = verify(write, GD_QUADRATIC, {"eta range": '"(0, 0.3)"'})
    assert code == 1
    item = items["eta range"]
    assert (item["verdict"], item["diagnosis"], item["points"], item["expected"]) == ("wrong", None, 0.0, [0.0, 0.2])
    assert item["message"] == ("gradient descent converges for eta in (0, 1/5) = (0, 0.2) (found analytically); "
                               "your interval is (0, 0.3)")
    hidden = GD_QUADRATIC.replace("    ends: graded\n", "    ends: graded\n    visibility: hidden\n")
    code, items = verify(write, hidden, {"eta range": '"(0, 0.3)"'})
    assert "eta range" not in items
    code, items = verify(write, hidden, {"eta range": '"(0, 0.3)"'}, "--show-hidden")
    assert "expected" in items["eta range"]   # the grader's view shows every expected value
    assert items["eta range"]["message"] == "(0, 0.3) is not the range of step sizes for which gradient descent converges"


@pytest.mark.parametrize("answer, message", [
    ('"0 < eta < 1/5"', "write an interval with brackets, such as (low, high) or [low, high): ( ) leaves an "
                        "end out, [ ] includes it (at answers.yaml:3:15)"),
    ('"(0, eta)"', "`eta`: endpoints are numbers or formulas of numbers such as a fraction p/q; names are not allowed "
                   "(at answers.yaml:3:19)"),
    ('"(0, 1/0)"', "`1/0` is not a finite number (at answers.yaml:3:19)"),
    ('"(1/5, 0)"', "the left end 1/5 is larger than the right end 0 (at answers.yaml:3:15)"),
    ('"(0, 1/5, 1)"', "an interval has two endpoints separated by a comma, such as (low, high) (at answers.yaml:3:15)"),
    ('"(0, (1/5)"', "`(`: syntax error: '(' was never closed: add its ) (at answers.yaml:3:19)"),
    ('"(, 1/5)"', "an endpoint is missing (at answers.yaml:3:16)"),
    ("0.2", 'give an interval with brackets in quotes, such as "(low, high)", or its two endpoints as a list [low, high] '
            "(at answers.yaml:3:14)"),
    ("[0, 0.1, 0.2]", "a list answer gives the two endpoints, [low, high] (at answers.yaml:3:14)"),
    ("[0, eta]", "`eta`: endpoints are numbers or formulas of numbers such as a fraction p/q; names are not allowed "
                 "(at answers.yaml:3:18)"),
])
def test_answers_that_are_not_intervals_are_invalid(write, answer, message):
    verdict, diagnosis, got = eta_range(write, answer)
    assert (verdict, diagnosis) == ("invalid", None)
    reason, where = message.split(" (at ")
    assert got.startswith(reason + " (at ") and got.endswith("/" + where)


def test_no_answer_is_missing(write):
    assert eta_range(write, "") == ("missing", None, "no answer given")


# --- other objectives ------------------------------------------------------------------


def test_a_quadratic_in_two_variables_converges_below_two_over_the_largest_eigenvalue(write):
    # eigenvalues of A: (5 ± sqrt 5) / 2, so 2 / lambda_max = 0.5528
    code, items = verify(write, TWO_BY_TWO, {"range": '"(0, 2/3.618)"'})
    assert items["range"]["verdict"] == "correct"
    assert items["range"]["expected"] == pytest.approx([0, 4 / (5 + 5 ** 0.5)])
    code, items = verify(write, TWO_BY_TWO, {"range": '"(0, 0.553]"'})
    assert items["range"]["message"] == (
        "the endpoints are right, but not the right end: at eta = 0.552786, q goes 1.25 → 0.6598 → 0.6269 → 0.6251: "
        "the part along the direction of largest curvature flips sign at every step without shrinking, so q levels "
        "off above its minimum; 0.552786 is not in the range. The range is (0, 0.553)")


def test_a_quartic_is_bisected(write):
    # from x = 1, x <- x - eta (x^3 + 2x) lands on -1 at eta = 2/3 and cycles there
    code, items = verify(write, QUARTIC, {"range": '"(0, 2/3)"'})
    assert items["range"]["verdict"] == "correct"
    assert items["range"]["expected"][1] == pytest.approx(2 / 3, rel=1e-4)
    result = CliRunner().invoke(cli, ["run", write("problem.yaml", QUARTIC), "--format", "json"])
    [answer] = json.loads(result.output)["answers"]
    assert answer["reference"]["interval"] == "eta in (0, 0.6667)"
    assert answer["reference"]["method"].startswith("bisection: g is not quadratic in x: bisection over the step "
                                                    "size, each simulated for 60 steps from the given start and 2")


def test_an_expected_interval_is_taken_as_given(write):
    problem = TWO_BY_TWO.replace("    objective: q\n", '    objective: q\n    expected: "(0, 1/2]"\n')
    code, items = verify(write, problem, {"range": '"(0, 0.5)"'})
    assert (items["range"]["diagnosis"], items["range"]["message"]) == ("interval_ends", (
        "the endpoints are right, but not the right end: at eta = 1/2 gradient descent still converges "
        "(q goes 1.25 → 0.4688 → 0.2734 → 0.1758), so the range includes 1/2. The range is (0, 0.5]"))
    result = CliRunner().invoke(cli, ["run", write("problem.yaml", problem), "--format", "json"])
    assert json.loads(result.output)["answers"][0]["reference"] == {
        "interval": "eta in (0, 1/2] = (0, 0.5]", "method": "given: stated by the problem (expected:)"}


# --- run, template, check --------------------------------------------------------------


def test_run_shows_the_interval_and_how_it_was_found():
    result = CliRunner().invoke(cli, ["run", "problems/gd-quadratic.yaml"])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.startswith("│ eta range")]
    assert [cell.strip() for cell in lines[0].split("│")[2:4]] == ["interval", "eta in (0, 1/5) = (0, 0.2)"]
    words = " ".join(result.output.replace("│", " ").split())
    assert ("analytic: f is quadratic in x with second derivative 10: each step multiplies the distance to the "
            "minimum by 1 - 10 eta") in words


def test_template_asks_for_an_interval_in_quotes():
    result = CliRunner().invoke(cli, ["template", "problems/gd-quadratic.yaml"])
    assert ('  # eta range: an interval in quotes, "(low, high)" with numbers or fractions as ends; ( ) leaves an '
            "end out, [ ] includes it, 2 points\n  eta range:\n") in result.output
    assert "1/5" not in result.output, "an example must never be this problem's answer"


@pytest.mark.parametrize("item, error", [
    ("    objectve: q\n", "problem.yaml:13:5: error: ask[0]: unknown key 'objectve'; did you mean 'objective'?"),
    ("    ends: maybe\n", "problem.yaml:13:11: error: ask[0].ends: use graded (open or closed ends count) or ignored"),
    ("    expected: [0, 1]\n", 'problem.yaml:13:15: error: ask[0].expected: write the interval in quotes with '
                                'brackets, such as "(0, 1/5)"'),
    ('    expected: "(0, eta)"\n', "problem.yaml:13:20: error: ask[0].expected: `eta`: endpoints are numbers or "
                                   "formulas of numbers such as a fraction p/q; names are not allowed"),
    ("    objective: nope\n", "problem.yaml:13:16: error: ask[0].objective: 'nope' is not a node of this problem"),
    ("    tolerance: 3\n", "problem.yaml:13:16: error: ask[0].tolerance: expected a mapping such as {sigfigs: 3} "
                           "or {rtol: 0.01, atol: 1e-6}"),
])
def test_bad_interval_items_are_located(write, item, error):
    problem = write("problem.yaml", TWO_BY_TWO.replace("    objective: q\n", item))
    result = CliRunner().invoke(cli, ["check", problem])
    assert result.exit_code == 2
    assert result.output.replace(problem, "problem.yaml") == error + "\n"


def test_an_interval_needs_parameters(write):
    problem = write("problem.yaml", TWO_BY_TWO.replace("parameters: [x]\n", ""))
    result = CliRunner().invoke(cli, ["check", problem])
    assert result.exit_code == 2
    assert result.output.replace(problem, "problem.yaml") == (
        "problem.yaml:10:5: error: ask[0]: an interval item needs the values gradient descent changes: add "
        "parameters: [x] at the top level\n")


@pytest.mark.parametrize("objective, error", [
    ("v", "ask range: objective v has shape (2,); gradients are taken of a scalar"),
    ("lin", "ask range: lin is linear in the parameters: gradient descent has no minimum to converge to"),
    ("neg", "ask range: neg is quadratic with a negative curvature (-2): it has no minimum"),
])
def test_objectives_without_a_range_are_errors_of_the_problem(write, objective, error):
    problem = TWO_BY_TWO.replace("objective: q", f"objective: {objective}")
    write("problem.yaml", problem)
    answers = write("answers.yaml", 'problem: problem.yaml\nanswers:\n  range: "(0, 1)"\n')
    result = CliRunner().invoke(cli, ["verify", answers])
    assert result.exit_code == 2
    assert "problem.yaml:11:5: error: " + error in result.output
