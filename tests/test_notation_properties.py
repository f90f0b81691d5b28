"""Property tests of the notation reader (nncheck/read/notation.py): whatever a student types,
it is read or refused with an input error, never a crash, and bounds come before parsing."""

import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncheck.errors import NncheckError
from nncheck.read.formula import parse_formula
from nncheck.read.notation import MAX_ANSWER_TEXT, MAX_NESTING, formula_text, interval_text, read_answer
from tests.cli_runner import invoke

NAMES = ["x", "z", "W1", "b1", "h", "y", "t", "yhat"]
PIECES = ["\\sigma", "\\tanh", "\\exp", "\\log", "\\frac", "\\left(", "\\right)", "\\odot", "\\cdot", "\\circ",
          "^T", "^\\top", "^{(1)}", "_{1}", "{", "}", "(", ")", "[", "]", ",", " ", "np.", ".T", ".transpose()",
          "max(0, ", "np.outer(", "array(", "−", "×", "·", "ᵀ", "²", "'", "\"", "0,5", "1/3", "2", "x", "z", "W",
          "@", "*", "+", "-", "/", "^", "_", "\\", "e", "sum(", "np.sum(", ".sum()", "\t", "\n", "σ"]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(alphabet=string.printable + "−×·ᵀ²σ⊙∘", max_size=120),
)


def _read_or_refuse(call, *args):
    try:
        return call(*args)
    except NncheckError as error:
        assert error.exit_code == 2 and str(error)
        return None


@SETTINGS
@given(texts)
def test_any_text_is_read_or_refused_never_crashes(text):
    reading = _read_or_refuse(read_answer, text, NAMES, "answers.z", None)
    if reading is not None and reading.formula is not None:
        _read_or_refuse(parse_formula, reading.formula, "answers.z")


@SETTINGS
@given(texts)
def test_a_formula_text_as_read_is_read_the_same_way_again(text):
    read = _read_or_refuse(formula_text, text, NAMES, "answers.z", None)
    if read is not None and read[1]:
        again = _read_or_refuse(formula_text, read[0], NAMES, "answers.z", None)
        assert again is None or again[0].strip() == read[0].strip()


@SETTINGS
@given(texts)
def test_intervals_are_read_or_refused(text):
    _read_or_refuse(interval_text, text, "answers.eta", None)


@SETTINGS
@given(st.recursive(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**6, 10**6),
                              st.sampled_from(["1/3", "−0.5", "x", "\\frac{1}{2}", "0,5", "", "sqrt(2)"])),
                    lambda inner: st.lists(inner, min_size=1, max_size=4), max_leaves=30))
def test_any_yaml_list_is_read_or_refused(data):
    _read_or_refuse(read_answer, data, NAMES, "answers.z", None, None)


@pytest.mark.parametrize("text", [
    "(" * (MAX_NESTING + 1) + "z" + ")" * (MAX_NESTING + 1),
    "\\frac" * 300,
    "\\sqrt" * 300 + "z",
    "[" * 1000,
    "x" * (MAX_ANSWER_TEXT + 1),
    "{" * 900 + "}" * 900,
    "x^{" * 400 + "2" + "}" * 400,
])
def test_deep_or_long_answers_are_refused_before_parsing(text):
    with pytest.raises(NncheckError) as refused:
        formula_text(text, NAMES, "answers.z", None) if not text.startswith("[") else read_answer(text, NAMES)
    assert refused.value.exit_code == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join), st.sampled_from(["'", '"', ""]))
def test_any_answer_in_a_file_is_a_verdict_or_exit_2_never_a_crash(write, text, quote):
    problem = os.path.abspath("tests/data/answer-corpus/notation.yaml")
    body = text.replace("\n", " ").replace("\t", " ")
    if quote:
        body = quote + body.replace(quote, quote * 2 if quote == "'" else "\\" + quote) + quote
    path = write("mine.yaml", f"problem: {problem}\nanswers:\n  sigmoid slope: {body}\n")
    result = invoke("verify", path, "--format", "json", "--item", "sigmoid slope")
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
