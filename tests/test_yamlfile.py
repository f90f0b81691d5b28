"""Reading YAML safely: numbers as people write them, and refusals with line and column.

libyaml (PyYAML's C parser) reads most files; PyYAML's Python parser reads the rest and is
the reference. Every refusal is checked with both (`libyaml` True and False), and they
must agree on every file of problems/ and on every position.
"""

from pathlib import Path

import pytest
import yaml

from nncheck.read import yamlfile
from nncheck.errors import NncheckError
from nncheck.read.yamlfile import parse_yaml, read_yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(REPO.glob("problems/*.yaml")) + sorted(REPO.glob("problems/answers/*.yaml"))
BOTH_PARSERS = pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "python"])
needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


def everything(doc):
    """The data and every position a YamlDoc holds, in a form that compares exactly."""
    spots = {path: (str(spot.location), spot.text_offset) for path, spot in doc.spots.items()}
    return repr(doc.data), spots, {path: str(where) for path, where in doc.key_spots.items()}


def outcome(text, libyaml):
    try:
        return everything(parse_yaml(text, "f.yaml", libyaml=libyaml))
    except NncheckError as error:
        return str(error)


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
    ("a: [1, 2\n", "f.yaml:1:4", "YAML syntax error: this [ is never closed: end it with ]"),
    ("a:\n\tb: 1\n", "f.yaml:2:1", "YAML syntax error: a tab: YAML indents with spaces only"),
])
@BOTH_PARSERS
def test_refusals_name_line_and_column(text, where, words, libyaml):
    with pytest.raises(NncheckError) as caught:
        parse_yaml(text, "f.yaml", libyaml=libyaml)
    assert str(caught.value).startswith(where)
    assert words in str(caught.value)


@BOTH_PARSERS
def test_deep_nesting_is_refused(libyaml):
    with pytest.raises(NncheckError, match="nested too deeply") as caught:
        parse_yaml("a: " + "[" * 60 + "]" * 60, "f.yaml", libyaml=libyaml)
    assert str(caught.value).startswith("f.yaml:1:44:")  # the 41st bracket


@BOTH_PARSERS
@pytest.mark.parametrize("text, where", [
    ("[" * 100_000, "f.yaml:1:42"),  # the 42nd bracket: 41 levels below the top
    ("- " * 100_000 + "x", "f.yaml:1:83"),
    ("{a: " * 100_000, "f.yaml:1:162"),  # the entry (its key) 41 levels down
    ("".join(" " * i + "a:\n" for i in range(2000)), "f.yaml:41:41"),
])
def test_very_deep_nesting_is_a_clean_error_with_its_place(text, where, libyaml):
    with pytest.raises(NncheckError, match="nested too deeply") as caught:
        parse_yaml(text, "f.yaml", libyaml=libyaml)
    assert str(caught.value).startswith(where + ":")


@BOTH_PARSERS
@pytest.mark.parametrize("text, where", [
    ("a: &x [1]\nb: *x\n", "f.yaml:1:4"),
    ("a: &x 1\n", "f.yaml:1:4"),
    ("é: [1, &x 2]\n", "f.yaml:1:8"),
    ("a: 1\nb: *x\n", "f.yaml:2:4"),
    ("- {k: &x v}\n- *x\n", "f.yaml:1:7"),
    ("a: b\n---\nc: &x d\n", "f.yaml:2:1"),  # a second document, refused first
])
def test_anchors_and_aliases_are_refused_where_they_stand(text, where, libyaml):
    with pytest.raises(NncheckError) as caught:
        parse_yaml(text, "f.yaml", libyaml=libyaml)
    assert str(caught.value).startswith(where + ":")


@BOTH_PARSERS
def test_ampersand_and_star_in_text_are_fine(libyaml):
    data = parse_yaml("f: 'x & y'\ng: x * W & b\nh: a&b\n", "f.yaml", libyaml=libyaml).data
    assert data == {"f": "x & y", "g": "x * W & b", "h": "a&b"}


@BOTH_PARSERS
@pytest.mark.parametrize("text, where, code", [
    ("a: \x07\n", "f.yaml:1:4", "U+0007"),
    ("é: [1, 2]\nb: x\x00\n", "f.yaml:2:5", "U+0000"),
    ("a: 1\r\nb: '\x1b[0m'\n", "f.yaml:2:5", "U+001B"),
    ("a: \ud800\n", "f.yaml:1:4", "U+D800"),
])
def test_control_characters_are_refused_with_their_place(text, where, code, libyaml):
    with pytest.raises(NncheckError) as caught:
        parse_yaml(text, "f.yaml", libyaml=libyaml)
    assert str(caught.value) == f"{where}: character {code} is not allowed in YAML; remove it"


def test_a_file_with_a_control_character_is_refused(tmp_path):
    bell = tmp_path / "bell.yaml"
    bell.write_bytes("answers:\n  ŷ: \x07\n".encode())
    with pytest.raises(NncheckError, match="U[+]0007") as caught:
        read_yaml(str(bell), "bell.yaml")
    assert str(caught.value).startswith("bell.yaml:2:6:")


@BOTH_PARSERS
def test_columns_count_characters_not_bytes(libyaml):
    doc = parse_yaml("é: [1, x]\nnäme: 'ünï'\n😀: 2\n", "f.yaml", libyaml=libyaml)
    assert str(doc.where("é", 1)) == "f.yaml:1:8"
    assert str(doc.key_where("näme")) == "f.yaml:2:1"
    assert str(doc.text_start("näme")) == "f.yaml:2:8"
    assert str(doc.where("😀")) == "f.yaml:3:4"


@needs_libyaml
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_both_parsers_read_every_example_alike(path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    by_python = everything(parse_yaml(text, path.name, libyaml=False))
    monkeypatch.setattr(yamlfile, "_PlainLoader", None)  # libyaml must read it alone
    assert everything(parse_yaml(text, path.name)) == by_python


@needs_libyaml
@pytest.mark.parametrize("text", [
    "a: x\ty\n",           # PyYAML refuses a tab that libyaml reads as a space
    "a: |#\n  x\n",        # and a comment glued to a block scalar's header
    "a: [0? 1]\n",         # PyYAML ends a plain scalar at ? inside [...]
    "a: {b: , c: }\n",     # the place of a value left out differs
    "a:\n",
    "---",
    "?",
    "a: x\ufeff\nb: 1\n",  # PyYAML does not count U+FEFF as a column
    "\ufeffa: 1\n",
    "a: 'q' #\tc\n",
    "a: {x @ W:{b: 1}}\n",  # libyaml refuses what PyYAML reads
    "- [[[~, !x, a: b]], '~' ]\n",
    "a: 1\r\nb: [2,\r\n  3]\r\n",
    "a: 1\x85b: 2\u2028c: 3\rd: 4\n",
])
def test_where_libyaml_reads_differently_the_python_parser_decides(text):
    assert outcome(text, True) == outcome(text, False)


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
