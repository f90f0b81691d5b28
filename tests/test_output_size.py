"""Output that fits: tables laid out for the terminal's width, and JSON of large tensors
written a block at a time, byte for byte what json.dumps writes."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from nncheck.cli import cli
from nncheck.formats import json as json_format
from nncheck.numbers import format_number, matrix_lines

WIDE = """\
title: A wide layer
values:
  x: {shape: [3, 7], seed: 1}
  W: {shape: [7, 12], seed: 2}
graph:
  z: tanh(x @ W) * 0.123456789
  L: sum(z ** 2)
loss: L
"""


def invoke(*args, env=None):
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=env)


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


# --- tables ----------------------------------------------------------------------------

@pytest.mark.parametrize("columns", ["60", "80", "100"])
def test_every_line_fits_the_width_and_wide_rows_are_elided(write, columns):
    result = invoke("run", write("wide.yaml", WIDE), env={"COLUMNS": columns})
    assert result.exit_code == 0 and widest(result.output) <= int(columns)
    assert "…" in result.output


def test_piped_output_is_80_columns_wide(write):
    result = invoke("run", write("wide.yaml", WIDE), env={"COLUMNS": None})
    assert widest(result.output) <= 80


def test_with_room_the_documented_first_and_last_four_show():
    row = matrix_lines(np.arange(12.0), 6, full=False, width=240)
    assert row == ["[ 0  1  2  3  …  8  9  10  11 ]"]
    assert matrix_lines(np.arange(12.0), 6, full=False, width=20) == ["[ 0  1  …  10  11 ]"]


def test_full_tensors_come_in_column_blocks_with_every_number_whole(write):
    result = invoke("run", write("wide.yaml", WIDE), "--full", env={"COLUMNS": "60"})
    assert widest(result.output) <= 60 and "columns 1-" in result.output
    data = json.loads(invoke("run", write("wide.yaml", WIDE), "--format", "json").output)
    shown = set(re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", result.output))
    for entry in np.ravel(data["values"]["W"]):
        assert format_number(entry, 6) in shown


def test_small_tables_are_unchanged_by_the_width():
    wide = invoke("run", "problems/relu-4-samples.yaml", env={"COLUMNS": "240"}).output
    assert invoke("run", "problems/relu-4-samples.yaml", env={"COLUMNS": "80"}).output == wide


# --- JSON ------------------------------------------------------------------------------

def reference_dumps(data) -> str:
    """What dumps wrote before the streaming writer: lists cleaned in Python, one json.dumps."""
    plain = json.loads(json.dumps(data, default=lambda array: array.tolist()))
    return json.dumps(json_format._strict(plain), allow_nan=False)


@pytest.mark.parametrize("shape", [(), (5,), (1000,), (30, 40), (3, 20, 50), (2, 600)])
def test_blocks_of_rows_write_the_same_bytes(monkeypatch, shape):
    monkeypatch.setattr(json_format, "BLOCK_ENTRIES", 64)  # many blocks, rows larger than a block
    scale = 1e3 ** np.random.default_rng(1).integers(-3, 3, size=shape)
    array = np.asarray(np.random.default_rng(0).normal(size=shape) * scale)
    array[np.random.default_rng(2).random(shape) < 0.1] = -0.0
    data = {"title": "t", "values": {"a": array, "b": None}, "n": [1, 2.5, -0.0]}
    assert json_format.dumps(data) == reference_dumps(data)


def test_non_finite_numbers_are_null_and_negative_zero_is_zero():
    array = np.array([[1.0, np.nan, -0.0], [np.inf, -np.inf, 2.0]])
    assert json_format.dumps({"a": array}) == '{"a": [[1.0, null, 0.0], [null, null, 2.0]]}'


def test_run_json_writes_what_it_always_wrote():
    result = invoke("run", "problems/relu-4-samples.yaml", "--format", "json")
    data = json.loads(result.output)
    assert result.output == json.dumps(json_format._strict(data), allow_nan=False) + "\n"


def test_only_limits_what_run_writes():
    result = invoke("run", "problems/relu-4-samples.yaml", "--format", "json", "--only", "W1, L")
    data = json.loads(result.output)
    assert list(data["values"]) == ["W1", "L"] and list(data["gradients"]) == ["W1", "L"]
    unknown = invoke("run", "problems/relu-4-samples.yaml", "--format", "json", "--only", "W9")
    assert unknown.exit_code == 2 and "W9 is not a value or node" in unknown.output


def large_array() -> np.ndarray:
    rng = np.random.default_rng(3)
    array = rng.normal(size=(90, 70)) * 10.0 ** rng.integers(-8, 17, size=(90, 70))
    array[rng.random((90, 70)) < 0.05] = -0.0
    array[0, :3] = [np.nan, np.inf, -np.inf]
    return array


def strict_loads(text: str):
    return json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))


def test_large_blocks_through_orjson_read_back_the_same_numbers():
    pytest.importorskip("orjson")
    data = {"a": large_array()}
    fast = json_format.dumps(data)
    assert fast.startswith('{"a": [[null,null,null,')  # orjson's spacing, for blocks this large
    assert strict_loads(fast) == strict_loads(reference_dumps(data))
    assert not re.search(r"[\[,]\s*-0\.0\s*[,\]]", fast) and "NaN" not in fast and "Infinity" not in fast


def test_without_orjson_large_blocks_are_what_json_writes(monkeypatch):
    monkeypatch.setattr(json_format, "_orjson", lambda: None)
    data = {"a": large_array()}
    assert json_format.dumps(data) == reference_dumps(data)
