"""Reading YAML safely: numbers as people write them, and refusals with line and column."""

import pytest

from nncheck.errors import NncheckError
from nncheck.yamlfile import parse_yaml, read_yaml


@pytest.mark.parametrize("text, number", [
    ("1e-3", 0.001), ("-2", -2), (".5", 0.5), ("1.0E+2", 100.0), ("+3", 3), ("-.25", -0.25),
    ("2.", 2.0), ("1E3", 1000.0),
])
def test_every_usual_number_notation_is_a_number(text, number):
    value = parse_yaml(f"a: {text}", "f.yaml").data["a"]
    assert value == number and not isinstance(value, str)


def test_quoted_numbers_and_yes_no_stay_text():
    data = parse_yaml('a: "1e-3"\nb: yes\nc: NO\nd: null\ne: true', "f.yaml").data
    assert data == {"a": "1e-3", "b": "yes", "c": "NO", "d": None, "e": True}


def test_positions_of_values_and_formula_text():
    doc = parse_yaml("graph:\n  z: x @ W\n  h: 'relu(z)'\n", "p.yaml")
    assert str(doc.where("graph", "z")) == "p.yaml:2:6"
    assert str(doc.text_start("graph", "h")) == "p.yaml:3:7"


@pytest.mark.parametrize("text, where, words", [
    ("a: 1\na: 2\n", "f.yaml:2:1", "duplicate key 'a' (first defined at line 1)"),
    ("a: &x [1]\nb: *x\n", "f.yaml:1:4", "anchors and aliases"),
    ("base: {a: 1}\nb:\n  <<: {a: 1}\n", "f.yaml:3:3", "merge keys"),
    ("a: !!python/object:os.system x\n", "f.yaml:1:4", "tags"),
    ("a: [1, 2\n", "f.yaml:2:1", "YAML syntax error"),
    ("a:\n\tb: 1\n", "f.yaml:2:1", "YAML syntax error"),
])
def test_refusals_name_line_and_column(text, where, words):
    with pytest.raises(NncheckError) as caught:
        parse_yaml(text, "f.yaml")
    assert str(caught.value).startswith(where)
    assert words in str(caught.value)


def test_deep_nesting_is_refused():
    with pytest.raises(NncheckError, match="nested too deeply"):
        parse_yaml("a: " + "[" * 60 + "]" * 60, "f.yaml")


def test_unreadable_files(tmp_path):
    with pytest.raises(NncheckError, match="cannot read file"):
        read_yaml(str(tmp_path / "missing.yaml"))
    binary = tmp_path / "latin1.yaml"
    binary.write_bytes(b"a: \xe9\n")
    with pytest.raises(NncheckError, match="not UTF-8"):
        read_yaml(str(binary))
    huge = tmp_path / "huge.yaml"
    huge.write_text("a: 1\n" * 500_000)
    with pytest.raises(NncheckError, match="larger than"):
        read_yaml(str(huge))
