"""Tables that fit: every terminal table fits COLUMNS (else the terminal, else 80 when piped),
never splits a matrix row or a number, and has no escape codes unless on a colour terminal."""

from __future__ import annotations

import glob
import json

import numpy as np
import pytest
from click.testing import CliRunner

from nncheck.cli import cli
from nncheck.numbers import matrix_lines

BUNDLED_ANSWERS = sorted(glob.glob("problems/answers/*.yaml"))
BIG = """title: A wide layer with many outputs
values:
  X: {shape: [6, 14], seed: 3}
  W: {shape: [14, 12], seed: 4}
graph:
  Z: X @ W
  L: 0.5 * sum(Z ** 2)
loss: L
ask: [dL/dW, Z]
"""


def invoke(*args, env=None):
    result = CliRunner().invoke(cli, [str(arg) for arg in args], env=env)
    assert "Traceback" not in result.output
    return result


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("columns", ["60", "80", "120"])
def test_verify_fits_the_width_on_every_bundled_answer_file(columns):
    result = invoke("verify", *BUNDLED_ANSWERS, env={"COLUMNS": columns})
    assert result.exit_code in (0, 1)
    assert widest(result.output) <= int(columns)
    assert "\x1b" not in result.output


def test_piped_verify_is_80_columns_wide_and_keeps_every_matrix_row_whole():
    result = invoke("verify", "problems/answers/tanh-sigmoid-mse.yaml", env={"COLUMNS": None})
    assert widest(result.output) <= 80
    data = json.loads(invoke("run", "problems/tanh-sigmoid-mse.yaml", "--format", "json").output)
    for row in matrix_lines(np.array(data["gradients"]["W1"]), 6):
        assert row in result.output


def test_a_wide_wrong_answer_is_elided_and_marked_within_the_width(write):
    problem = write("big.yaml", BIG)
    data = json.loads(invoke("run", problem, "--format", "json").output)
    answer = np.array(data["gradients"]["W"])
    answer[0, 0] += 1.0
    answer[13, 11] += 1.0
    path = write("a.yaml", f"problem: big.yaml\nanswers:\n  dL/dW: {json.dumps(answer.round(8).tolist())}\n")
    for columns in ("70", "100", "200"):
        out = invoke("verify", path, env={"COLUMNS": columns}).output
        assert widest(out) <= int(columns) and "…" in out
        assert out.count("✗") == 2
    assert "2 of 168 entries wrong: row 1, column 1" in invoke("verify", path, "--format", "json").output


def test_no_color_gives_no_escape_codes_even_on_a_terminal(monkeypatch):
    from nncheck.app.verify_many import verify_paths

    class Terminal:
        text = ""

        def isatty(self):
            return True

        def write(self, text):
            Terminal.text += text

    monkeypatch.setattr("sys.stdout", Terminal())
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    verify_paths(["problems/answers/relu-4-samples.yaml"], None, "table", 6, lambda error: None)
    assert "Score:" in Terminal.text and "\x1b" not in Terminal.text
    Terminal.text = ""
    monkeypatch.delenv("NO_COLOR")
    verify_paths(["problems/answers/relu-4-samples.yaml"], None, "table", 6, lambda error: None)
    assert "\x1b[" in Terminal.text


# --- grade, selftest, train and check ----------------------------------------------------------

BUNDLED = sorted(glob.glob("problems/*.yaml"))


@pytest.mark.parametrize("columns", [None, "60", "100"])
def test_grade_selftest_train_and_check_fit(columns):
    width = int(columns or 80)
    outputs = [invoke("grade", "problems/answers", "--jobs", "1", env={"COLUMNS": columns}).stdout,
               invoke("selftest", *BUNDLED[:6], env={"COLUMNS": columns}).output,
               invoke("check", *BUNDLED, env={"COLUMNS": columns}).output]
    outputs += [invoke("train", *args, env={"COLUMNS": columns}).output
                for args in (["problems/two-layer-least-squares.yaml"], ["problems/sigmoid-sum.yaml"],
                             ["problems/descending-order-mlp.yaml", "--lr", "0.1", "--steps", "3"])]
    for output in outputs:
        assert widest(output) <= width and "\x1b" not in output


def test_train_keeps_every_matrix_row_whole_when_it_stacks_the_parameters():
    result = invoke("train", "problems/two-layer-least-squares.yaml", env={"COLUMNS": "60"})
    data = json.loads(invoke("train", "problems/two-layer-least-squares.yaml", "--format", "json").output)
    for name in ("W1", "W2"):
        for row in matrix_lines(np.array(data["steps"][1]["parameters"][name]), 6):
            assert row in result.output
    assert "┃ parameters" in result.output and "W1 =" in result.output


def test_selftest_colours_the_result_without_breaking_the_columns(monkeypatch):
    from nncheck.app.selftest import report_table, selftest_problem

    table = report_table(selftest_problem("problems/relu-4-samples.yaml"), colour=True, width=80)
    plain = table.replace("\x1b[32m", "").replace("\x1b[1;31m", "").replace("\x1b[2m", "").replace("\x1b[1m", "")
    plain = plain.replace("\x1b[0m", "")
    assert "\x1b[32mpass  \x1b[0m" in table
    assert widest(plain) <= 80 and len({len(line) for line in plain.splitlines()[2:-3]}) == 1


# --- any width, any answer -------------------------------------------------------------------

from nncheck.check.results import ItemResult, ProblemFacts, Verification  # noqa: E402
from nncheck.formats.verify_table import verification_text  # noqa: E402
from nncheck.check.problems import load_problem  # noqa: E402

LETTERS = list("abcdefghij -/0123456789.()[]")


def random_tensor(rng):
    shape = [(), (int(rng.integers(1, 15)),), (int(rng.integers(1, 13)), int(rng.integers(1, 13)))][rng.integers(3)]
    scale = 10.0 ** rng.integers(-6, 7)
    return np.round(rng.normal(size=shape) * scale, 6)


def random_words(rng, most=300):
    return "".join(rng.choice(LETTERS, size=int(rng.integers(0, most))))


@pytest.mark.parametrize("seed", range(40))
def test_the_verdict_table_fits_any_width_without_splitting_a_number(seed):
    rng = np.random.default_rng(seed)
    width = int(rng.integers(40, 201))
    problem = load_problem("problems/relu-4-samples.yaml")
    results = []
    for k in range(int(rng.integers(1, 5))):
        expected = random_tensor(rng)
        answer = random_tensor(rng) if rng.random() < 0.7 else random_words(rng, 80)
        result = ItemResult(f"{random_words(rng, 40)}{k}", "wrong", 0.0, 1.0, message=random_words(rng),
                            expected=expected, answer=answer)
        if isinstance(answer, np.ndarray) and answer.shape == expected.shape and answer.size:
            result.wrong_entries = (tuple(0 for _ in answer.shape),)
        results.append(result)
    text = verification_text(Verification("a.yaml", ProblemFacts.of(problem), "s1", results), 6, width)
    assert widest(text) <= width
    for result in results:
        if not result.wrong_entries:
            for value in (result.expected, result.answer):
                if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] <= 3:
                    for line in matrix_lines(value, 6, False):  # narrow matrices: every row shown whole
                        assert line in text
