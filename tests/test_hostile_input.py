"""Hostile problem and answer files: every one gives exit 2 and one clear message naming the
file (and line and column, or the limit), never a traceback, a signal, a hang or runaway memory.

The limits are listed in docs/problem-format.md ("Limits"). Most tests drive the CLI through
click's runner; those that could crash the interpreter, block or take long run `python -m
nncheck` in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from cli_runner import invoke, refused

ROOT = Path(__file__).resolve().parent.parent
TINY = "values:\n  x: [1.0, 2.0]\ngraph:\n  L: sum(x)\n"




def nncheck(*args, timeout=20):
    """`python -m nncheck ARGS` in a new process: (exit code, stderr, seconds)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    env.pop("NNCHECK_DEBUG", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nncheck", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    return done.returncode, done.stderr, time.perf_counter() - started


# --- text that cannot be read ------------------------------------------------------------


def test_raw_control_characters_are_refused_with_their_place(write):
    path = write("p.yaml", "values:\n  x: [1, 2\x01]\ngraph:\n  L: sum(x)\n")
    refused(invoke("check", path), f"{path}:2:11: error: character U+0001 is not allowed in YAML")


@pytest.mark.parametrize("text, where", [
    ('values:\n  "x\\ud800": [1, 2]\ngraph:\n  L: sum(x)\n', "2:3"),               # a value's name
    ('values:\n  x: [1, 2]\ngraph:\n  "L\\0": sum(x)\n', "4:3"),                    # a node's name
    ('values:\n  x: [1, 2]\ngraph:\n  L: "sum(x) + \\ud800"\n', "4:6"),             # formula text
    ('values:\n  x: [1, 2]\ngraph:\n  L: "sum(x\\0)"\n', "4:6"),
    (TINY + 'ask:\n  - "dL/dx\\udfff"\n', "6:5"),                                     # an asked id
    ('title: "a\\ud800"\n' + TINY, "1:8"),
])
def test_nul_and_lone_surrogates_in_problem_files(write, text, where):
    path = write("p.yaml", text)
    for command in ("check", "run", "template"):
        output = refused(invoke(command, path), f"{path}:{where}: error: character U+")
        assert "is not allowed in YAML text" in output


@pytest.mark.parametrize("answers", [
    'problem: p.yaml\nanswers:\n  "dL/dx\\ud800": 1\n',     # an answer key
    'problem: p.yaml\nanswers:\n  dL/dx: "x\\0"\n',          # formula text
    'problem: "p\\ud800.yaml"\nanswers:\n  dL/dx: 1\n',      # the problem: path (an encoding error)
    'problem: "p\\0.yaml"\nanswers:\n  dL/dx: 1\n',          # NUL in a path
    'problem: p.yaml\nstudent: "\\ud800"\nanswers:\n  dL/dx: [1, 1]\n',
])
def test_nul_and_lone_surrogates_in_answer_files(write, answers):
    write("p.yaml", TINY)
    path = write("a.yaml", answers)
    for output_format in ("table", "json", "junit"):
        refused(invoke("verify", path, "--format", output_format), f"{path}:", "is not allowed in YAML text")


@pytest.mark.parametrize("literal", ["9" * 309, "1" * 4301, "-" + "9" * 400, "0" * 5000 + "9" * 309])
def test_integer_literals_beyond_float64_in_yaml(write, literal):
    path = write("p.yaml", f"values:\n  x: [1, {literal}]\ngraph:\n  L: sum(x)\n")
    refused(invoke("check", path), f"{path}:2:10: error: the number", "too large")


@pytest.mark.parametrize("literal, value", [("-0", 0), ("+0", 0), ("-007", -7), ("+12", 12), ("0", 0),
                                            ("9223372036854775807", 2**63 - 1), ("9223372036854775808", 2.0**63),
                                            ("1" + "0" * 308, 1e308), ("-" + "1" * 309, -float("1" * 309))])
def test_whole_numbers_as_written(literal, value):
    from nncheck.read.yamlfile import parse_yaml

    read = parse_yaml(f"a: {literal}", "f.yaml").data["a"]
    assert read == value and type(read) is type(value)


@pytest.mark.parametrize("train", [f"{{lr: {'9' * 400}}}", f"{{lr: 0.1, steps: {'9' * 400}}}"])
def test_huge_integers_where_settings_are_expected(write, train):
    path = write("p.yaml", TINY + f"parameters: [x]\ntrain: {train}\n")
    refused(invoke("train", path), f"{path}:6:", "too large")


@pytest.mark.parametrize("formula, words", [
    ("sum(x) + " + "9" * 1900, "the number is too large"),
    ("sum(x) * 1e999", "the value is infinite"),
    ("sum(x, axis=" + "9" * 400 + ")", "the number is too large"),
    ("x[" + "9" * 400 + "]", "the number is too large"),
    ("sum(step(x, " + "9" * 400 + "))", "the number is too large"),
])
def test_number_literals_that_overflow_in_formulas(write, formula, words):
    path = write("p.yaml", f"values:\n  x: [1.0, 2.0]\ngraph:\n  L: {formula}\n")
    refused(invoke("check", path), f"{path}:4:", words)


# --- values and formulas that crash numpy or Python --------------------------------------


def test_more_axes_than_numpy_holds_is_refused_without_a_crash(write):
    path = write("p.yaml", "values:\n  x: [1, 2]\ngraph:\n  L: sum(x" + "[None]" * 33 + ")\n")
    code, stderr, _ = nncheck("run", path)  # numpy itself crashed (SIGSEGV) past 32 axes
    assert code == 2, stderr
    assert f"{path}:4:10: error:" in stderr and "axes; the limit is 8" in stderr


@pytest.mark.parametrize("spec, words", [
    ("{shape: [2], std: -1}", "std must be a number >= 0"),
    ("{shape: [2], dist: integers, low: 0, high: 9223372036854775808}", "high must be a number from"),
    ("{shape: [2], dist: integers, low: -9223372036854775809, high: 0}", "low must be a number from"),
    ("{shape: [2], dist: integers, low: 0.5, high: 2}", "low must be a whole number"),
    ("{shape: [2], dist: uniform, low: -1e308, high: 1e308}", "low must be a number from"),
    ("{shape: [2], dist: constant, value: 1e300}", "value must be a number from"),
    ("{shape: [2], decimals: 1.5}", "decimals must be a whole number from 0 to 15"),
    ("{shape: [2], decimals: 100000000000000000000}", "decimals must be a whole number from 0 to 15"),
    ("{shape: [2], dist: [normal]}", "unknown dist ['normal']"),
    ("{shape: [2048, 2048]}", "too large"),
])
def test_random_draw_parameters_are_checked(write, spec, words):
    path = write("p.yaml", f"values:\n  x: {spec}\ngraph:\n  L: sum(x)\n")
    refused(invoke("check", path), f"{path}:2:", words)


def test_a_negative_zero_std_is_a_zero_std(write):
    path = write("p.yaml", "values:\n  x: {shape: [2], std: -0.0}\ngraph:\n  L: sum(x)\n")
    assert invoke("check", path).exit_code == 0  # numpy refuses -0.0 as a scale


def test_design_points_must_be_a_number(write):
    text = (ROOT / "problems" / "descending-order-mlp.yaml").read_text().replace("    points: 20\n", "    points: [20]\n", 1)
    path = write("p.yaml", text)
    refused(invoke("check", path), f"{path}:38:13: error: ask[0].points: expected a number")


def test_design_draws_are_checked_the_same_way(write):
    path = write("p.yaml", "values:\n  x: [1, 2]\n  w: [1, 1]\ngraph:\n  y: sum(x * w)\nparameters: [w]\n"
                           "ask:\n  - {id: d, kind: design, input: x, output: y, target: sum(x),\n"
                           "     cases: [{name: g, draw: {dist: integers, low: 0, high: 1e300, decimals: 99}}]}\n")
    refused(invoke("check", path), f"{path}:9:61: error:", "high must be a number from")


def test_values_with_huge_whole_numbers_are_redrawn_without_a_crash(write):
    problem = write("p.yaml", "values:\n  x: [0, 1e19]\ngraph:\n  L: sum(x * 0)\n")
    answers = write("a.yaml", "problem: p.yaml\nanswers:\n  dL/dx: \"x * 0\"\n")
    assert invoke("check", problem).exit_code == 0
    assert invoke("verify", answers).exit_code == 0


@pytest.mark.parametrize("text, where, words", [
    ("values:\n  x: [1, 2]\ngraph: {}\n", "3:8", "a problem needs a graph"),
    (TINY + "ask:\n  - {id: q, kind: [zero], of: L}\n", "6:19", "unknown kind ['zero']"),
    (TINY + "ask:\n  - {id: q, kind: zero, of: \"x[0:0]\"}\n", "6:30", "the result would have no entries"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: sum(x) < " + "<".join(["1"] * 990) + "\n", "4:6", "a chain of 990"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: x[0]" + " or 1" * 300 + "\n", "4:6", "a chain of 300"),
    ("values:\n  x: [1, 2]\ngraph:\n  L: sum(" + "(" * 300 + "x" + ")" * 300 + ")\n", "4:209", "nested"),
])
def test_wrong_shapes_of_input_are_refused(write, text, where, words):
    path = write("p.yaml", text)
    refused(invoke("check", path), f"{path}:{where}: error:", words)


@pytest.mark.parametrize("problem, where, old, new", [
    ("relu-4-samples", "18:11", "  - id: dL/db2\n", "  - id: dL/db2\n    kind: [zero]\n"),
    ("relu-4-samples", "4:28", "  x: [[0.6, -1.0]", "  x: {shape: [4, 2], dist: [normal]}\n  xx: [[0.6, -1.0]"),
    ("tanh-sigmoid-bce", "30:15", "x: {dist: uniform,", "x: {dist: [uniform],"),
])
def test_a_list_where_a_name_is_expected(write, problem, where, old, new):
    text = (ROOT / "problems" / f"{problem}.yaml").read_text()
    assert old in text
    path = write("p.yaml", text.replace(old, new, 1))
    refused(invoke("check", path), f"{path}:{where}: error:", "['")


@pytest.mark.parametrize("output_format", ["table", "markdown", "latex", "json"])
@pytest.mark.parametrize("empty", ["x[None][0:0]", "x[None][None][:, 0:0]", "x[1:1]"])
def test_a_tensor_with_no_entries_is_refused_before_any_report(write, output_format, empty):
    path = write("p.yaml", f"values:\n  x: [1, 2]\ngraph:\n  e: {empty}\n  L: sum(x)\nloss: L\n")
    refused(invoke("run", path, "--format", output_format), f"{path}:4:6: error:", "no entries")


# --- files that cannot be read or written ------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_instead_of_blocking(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: pipe.yaml\nanswers:\n  dL/dx: 1\n")
    for args in (("check", fifo), ("verify", fifo), ("verify", answers), ("merge", fifo)):
        code, stderr, _ = nncheck(*args, timeout=20)
        assert code == 2 and "not a regular file" in stderr, stderr


def test_a_directory_or_device_is_refused(tmp_path):
    refused(invoke("run", "/dev/zero"), "/dev/zero: error: cannot read file: not a regular file")
    (tmp_path / "d.yaml").mkdir()
    refused(invoke("verify", tmp_path / "d.yaml" / ".."), "no answer files")


def test_template_output_that_cannot_be_written(tmp_path):
    problem = ROOT / "problems" / "relu-4-samples.yaml"
    missing = tmp_path / "no" / "such" / "dir" / "a.yaml"
    refused(invoke("template", problem, "-o", missing), f"{missing}: error: cannot write file")
    long_name = tmp_path / ("a" * 300 + ".yaml")
    refused(invoke("template", problem, "-o", long_name), "error: cannot write file: File name too long")


# --- limits on size and work -------------------------------------------------------------


def big_list(count: int) -> str:
    return "values:\n  x: [" + ", ".join(["0.123456"] * count) + "]\ngraph:\n  L: sum(x)\n"


@pytest.mark.parametrize("name, text, words", [
    ("shape-2048", "values:\n  x: {shape: [2048, 2048]}\ngraph:\n  L: sum(x)\n", "the limit is 32,768 entries"),
    ("identity-chain", "values:\n  x: [1.0]\ngraph:\n" + "".join(
        f"  i{k}: identity(2048) @ identity(2048)\n" for k in range(20)) + "  L: sum(x)\n", "the result would have"),
    ("product-work", "values:\n  x: {shape: [181, 181]}\ngraph:\n  L: sum(" + " @ ".join(["x"] * 20) + ")\n",
     "units of work"),
    ("zero-512", "values:\n  x: {shape: [128, 128]}\ngraph:\n  h: relu(x)\n  L: sum(h)\n"
                 "ask:\n  - {id: q, kind: zero, of: \"h * 0\"}\n", "200 draws are too many"),
    ("never-met", "values:\n  x: [0.5, 0.25]\ngraph:\n  L: sum(x)\n"
                  "ask:\n  - {id: q, kind: zero, of: \"L * 0\", condition: \"x[0] == 0.5\", draws: 1000}\n",
     "draws satisfy the condition"),
    ("design-50x4096", "values:\n  x: [1, 2]\n  w: [1, 1]\ngraph:\n  y: sum(x * w)\nparameters: [w]\nask:\n"
                       "  - {id: d, kind: design, input: x, output: y, target: sum(x), cases: ["
     + ", ".join(f"{{name: g{k}, draw: {{count: 4096}}}}" for k in range(50)) + "]}\n", "design cases"),
    ("did-you-mean", "values:\n" + "".join(f"  value_number_{k}: 1\n" for k in range(2000)) + "graph:\n"
     + "".join(f"  node_number_{k}: value_numbr_{k} + 1\n" for k in range(2000)), "stopped after 20 errors"),
    ("list-1.2MB", big_list(120_000), "larger than 256 kB"),
    ("list-20k", big_list(20_000), "more than 10,000 values"),
    ("mistake-formulas", "values:\n  x: {shape: [128, 256]}\ngraph:\n  L: sum(x)\nask:\n  - id: dL/dx\n"
                         "    mistakes:\n" + "".join(f"      - {{formula: \"sum(x @ x.T @ x @ x.T) + {k}\", "
                                                    f"message: m{k}}}\n" for k in range(200)), "units of work"),
])
def test_what_would_take_long_or_much_memory_is_refused_quickly(tmp_path, name, text, words):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    code, stderr, seconds = nncheck("check", path)
    assert code == 2 and words in stderr, stderr
    assert f"{path}" in stderr and "Traceback" not in stderr
    assert seconds < 10, f"{name} took {seconds:.1f} s"  # ~1 s on an idle machine; generous for busy CI


def test_gradient_descent_steps_are_bounded_by_the_problem_size(write):
    path = write("p.yaml", "values:\n  x: [0.5, 0.25]\ngraph:\n  L: sum(x * x)\nparameters: [x]\n"
                           "train: {lr: 0.0001, steps: 10000}\n")
    refused(invoke("train", path), f"{path}:6:", "steps of gradient descent are too many")
    refused(invoke("train", path, "--steps", "10000"), "steps of gradient descent are too many")
    answers = write("a.yaml", "problem: p.yaml\nanswers:\n  x@10000: [1, 2]\n")
    result = invoke("verify", answers, "--format", "json")
    assert "steps of gradient descent" in json.loads(result.output)["items"][0]["message"]


def test_what_reports_show_is_bounded(write):
    big = "values:\n  x: {shape: [128, 256]}\ngraph:\n  L: sum(x)\n"
    asked = write("asked.yaml", big + "ask:\n" + "".join(f"  - {{id: a{k}, expected: \"x * {k}\"}}\n" for k in range(3)))
    refused(invoke("check", asked), f"{asked}:8:5: error: the values the asked items expect hold more than 65,536")
    write("p.yaml", big)
    answers = write("a.yaml", "problem: p.yaml\nanswers:\n  x: [1]\n  dL/dx: [1]\n  L: [1]\n")
    refused(invoke("verify", answers, "--format", "json"), f"{answers}: error: the answers and the values")


def test_an_answer_file_has_a_work_limit_of_its_own(write):
    problem = write("p.yaml", "values:\n  x: {shape: [64, 181]}\ngraph:\n  L: sum(x)\nask:\n"
                              + "".join(f"  - {{id: q{k}, expected: \"sum(x)\"}}\n" for k in range(10)))
    heavy = "sum(x.T @ x @ x.T @ x @ x.T @ x @ x.T @ x) * 0 + sum(x)"  # right; ~2M units at each of 6 draws
    answers = write("a.yaml", "problem: p.yaml\nanswers:\n" + "".join(f"  q{k}: \"{heavy}\"\n" for k in range(10)))
    assert invoke("check", problem).exit_code == 0
    refused(invoke("verify", answers), f"{answers}", "units of work (the limit per answer file)")


# --- messages ----------------------------------------------------------------------------


def test_nncheck_debug_shows_the_traceback_and_exits_3(monkeypatch):
    import nncheck.commands.run

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(nncheck.commands.run, "load_problem", broken)
    result = invoke("run", "problems/relu-4-samples.yaml", NNCHECK_DEBUG="1")
    assert result.exit_code == 3
    assert invoke("run", "problems/relu-4-samples.yaml").exit_code == 3


def test_of_a_node_that_is_not_a_scalar_names_its_place():
    problem = "problems/relu-4-samples.yaml"
    output = refused(invoke("run", problem, "--of", "y"), f"{problem}:13:6: error: node y has shape (4,)")
    assert "loss y" not in output
    refused(invoke("run", problem, "--of", "nothing"), f"{problem}: error: 'nothing' is not a value or node")


def test_template_names_the_file_of_an_asked_gradient_it_cannot_compute(write):
    path = write("p.yaml", "values:\n  x: {shape: [200]}\ngraph:\n  y: x * 2\n  L: sum(y)\nask:\n  - dy/dx\n")
    refused(invoke("template", path), f"{path}:7:5: error: ask dy/dx:")


def test_a_problem_given_to_verify_and_an_answer_file_given_to_run():
    refused(invoke("verify", "problems/relu-4-samples.yaml"),
            "problems/relu-4-samples.yaml:1:1: error: this is a problem file; did you mean `nncheck run`?")
    for command in ("run", "check", "template", "train"):
        refused(invoke(command, "problems/answers/relu-4-samples.yaml"),
                "error: this is an answer file; did you mean `nncheck verify`?")


# --- a class with hostile files ----------------------------------------------------------


@pytest.fixture
def hostile_class(tmp_path):
    """A directory of answer files: one right, the others hostile in every way above."""
    asked = TINY + "ask:\n  - dL/dx\n"
    (tmp_path / "p.yaml").write_text(asked)
    (tmp_path / "axes.yaml").write_text(asked.replace("sum(x)", "sum(x" + "[None]" * 33 + ")"))
    answers = {
        "good": "problem: ../../p.yaml\nanswers:\n  dL/dx: [1, 1]\n",
        "surrogate": 'problem: ../../p.yaml\nanswers:\n  "dL/dx\\ud800": 1\n',
        "nul-path": 'problem: "../../p\\0.yaml"\nanswers:\n  dL/dx: 1\n',
        "digits": f"problem: ../../p.yaml\nanswers:\n  dL/dx: [1, {'9' * 5000}]\n",
        "axes": "problem: ../../axes.yaml\nanswers:\n  dL/dx: [1, 1]\n",
        "control": "problem: ../../p.yaml\nanswers:\n  dL/dx: [1, 1\x07]\n",
    }
    for name, text in answers.items():
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "answers.yaml").write_text(text)
    if hasattr(os, "mkfifo"):
        (tmp_path / "class" / "fifo").mkdir()
        os.mkfifo(tmp_path / "class" / "fifo" / "answers.yaml")
    return tmp_path / "class"


@pytest.mark.parametrize("command", [["verify"], ["grade", "--jobs", "2"]])
def test_hostile_files_in_a_class_do_not_stop_the_others(hostile_class, command):
    code, stderr, _ = nncheck(*command, hostile_class, "--format", "json", timeout=60)
    assert code == 2, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    broken = set(re.findall(r"/class/([\w-]+)/answers\.yaml", stderr))
    broken |= {"axes"} if "axes.yaml:4:10: " in stderr else set()  # its problem's error, at the problem
    assert broken == {name for name in os.listdir(hostile_class) if name != "good"}


# --- mutations of a real problem file ----------------------------------------------------


HOSTILE_VALUES = ["[zero]", "{a: 1}", "\"\\ud800\"", "-1", "1e308", "9" * 320, "\"\"", "null", "true", "0.5",
                  "\"x[0:0]\"", "[[1, 2], [3]]", "-" + "9" * 30]


def scalar_paths(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from scalar_paths(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from scalar_paths(value, path + (index,))
    else:
        yield path


def replaced(data, path, value):
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = replaced(data[path[0]], path[1:], value)
    return copy


@pytest.mark.parametrize("problem", ["descending-order-mlp", "relu-sparsity", "gd-quadratic", "sigmoid-sum"])
def test_hostile_values_anywhere_in_a_problem_give_no_internal_error(tmp_path, problem):
    """A fixed sample of (place, hostile value) pairs: every run ends with exit 0, 1 or 2."""
    data = yaml.safe_load((ROOT / "problems" / f"{problem}.yaml").read_text())
    places = list(scalar_paths(data))
    sample = random.Random(problem).sample([(p, v) for p in places for v in HOSTILE_VALUES], 25)
    for number, (place, value) in enumerate(sample):
        text = yaml.safe_dump(replaced(data, place, "@@"), sort_keys=False).replace("'@@'", value)
        path = tmp_path / f"{number}.yaml"
        path.write_text(text)
        result = invoke("check", path)
        assert result.exit_code in (0, 2), f"{place} = {value}: {result.output}"
        assert "Traceback" not in result.output and "internal error" not in result.output, (place, value)


# --- the documented limits ---------------------------------------------------------------


def test_every_limit_is_documented_with_its_value():
    from nncheck.engine import tape as engine
    from nncheck import errors
    from nncheck.limits import HOMEWORK
    from nncheck.read import formula
    from nncheck.read import problem
    from nncheck.read import tensors
    from nncheck.read import yamlfile

    limits = (ROOT / "docs" / "problem-format.md").read_text().split("## Limits", 1)[1]
    for value in (yamlfile.MAX_FILE_BYTES // 1000, yamlfile.MAX_NODES, yamlfile.MAX_DEPTH,
                  formula.MAX_FORMULA_LENGTH, formula.MAX_FORMULA_DEPTH, problem.MAX_GRAPH_SIZE,
                  problem.MAX_NAMES, HOMEWORK.max_elements, tensors.MAX_NDIM, HOMEWORK.max_total_entries,
                  HOMEWORK.max_pass_work, HOMEWORK.max_pass_entries, HOMEWORK.max_work, HOMEWORK.max_kept_entries,
                  engine.OPERATION_WORK, engine.PASS_WORK, tensors.MAX_DECIMALS, errors.MAX_REPORTED_ERRORS):
        assert re.search(rf"\b{value:,}\b", limits), f"{value:,} is not in the Limits section"
