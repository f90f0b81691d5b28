"""Numbers as people round them: a matrix written to one common number of decimals is right;
an answer rounded more coarsely than the problem asks is told so; a wrong one stays wrong."""

import numpy as np
import pytest
from click.testing import CliRunner

from cli_runner import verify_items
from nncheck.cli import cli
from nncheck.read.tolerance import Tolerance

PROBLEM = """title: Homework 3, question 2
values:
  A: [[0.1236, -0.00824729], [0.0412, 0.0005]]
  C: [0.0951, -0.00057, 0.0203]
graph:
  B: 2 * A
  D: 1 * C
  L: sum(B) + sum(D)
ask: [B, D, L]
"""


def verify(write, problem=PROBLEM, **answers):
    return verify_items(write, problem, answers)


def test_a_matrix_to_four_decimals_is_right(write):
    items = verify(write, B=[[0.2472, -0.0165], [0.0824, 0.001]], D=[0.0951, -0.0006, 0.0203], L=0.4289)
    assert {key: item["verdict"] for key, item in items.items()} == {"B": "correct", "D": "correct", "L": "correct"}


def test_the_accepted_interval_follows_the_largest_entry(write):
    item = verify(write, D=[0.0951, -0.0007, 0.0203])["D"]
    assert item["verdict"] == "wrong"
    assert "entry 2: yours -0.0007, expected -0.00057 (accepted from -0.00062 to -0.00052)" in item["message"]


def test_too_coarse_a_rounding_is_named(write):
    items = verify(write, B=[[0.25, -0.02], [0.08, 0]], L=0.4)
    for key in ("B", "L"):
        assert items[key]["verdict"] == "wrong" and items[key]["diagnosis"] == "rounding"
        assert items[key]["message"].startswith("right, but rounded too coarsely: give 3 significant figures (")
        assert items[key]["points"] == 0
    assert items["L"]["message"].endswith("(expected 0.428935 (accepted from 0.428435 to 0.429435, 3 significant figures); your answer has 0.4)")


def test_a_wrong_digit_is_not_a_rounding(write):
    items = verify(write, B=[[0.26, -0.02], [0.08, 0]], L=0.5)
    assert items["B"]["verdict"] == items["L"]["verdict"] == "wrong"
    assert items["B"]["diagnosis"] != "rounding" and items["L"]["diagnosis"] != "rounding"


def test_per_entry_tolerance_asks_each_entry_for_its_own_figures(write):
    strict = PROBLEM.replace("ask: [B, D, L]", "tolerance: {sigfigs: 3, per: entry}\nask: [B, D, L]")
    common_decimals = [[0.247, -0.016], [0.082, 0.001]]
    assert verify(write, B=common_decimals)["B"]["verdict"] == "correct"
    items = verify(write, strict, B=common_decimals, D=[0.0951, -0.00057, 0.0203])
    assert items["B"]["verdict"] == "wrong" and items["D"]["verdict"] == "correct"
    assert items["B"]["diagnosis"] == "rounding"


def test_per_must_be_tensor_or_entry(write):
    path = write("bad.yaml", PROBLEM.replace("ask: [B, D, L]", "tolerance: {per: row}\nask: [B, D, L]"))
    result = CliRunner().invoke(cli, ["check", path])
    assert result.exit_code == 2 and f"{path}:9:18" in result.output and "tolerance.per: expected tensor" in result.output


@pytest.mark.parametrize("seed", range(40))
def test_any_rounding_to_three_figures_of_the_largest_entry_is_right_and_no_wrong_second_figure(seed):
    rng = np.random.default_rng(seed)
    expected = rng.normal(size=(3, 4)) * 10.0 ** rng.integers(-4, 3)
    largest = np.max(np.abs(expected))
    decimals = int(2 - np.floor(np.log10(largest)))        # the 3rd significant figure of the largest entry
    tolerance = Tolerance()
    for extra in range(4):
        assert tolerance.accepts(np.round(expected, decimals + extra), expected)
    wrong = expected.copy()
    wrong[1, 2] += np.sign(wrong[1, 2] or 1) * 10.0 ** (np.floor(np.log10(largest)) - 1)   # off in the 2nd figure
    assert not tolerance.accepts(np.round(wrong, decimals + 1), expected)
