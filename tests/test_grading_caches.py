"""What grading a class keeps from one answer file to the next (remembered tolerances, replay
plans of follow-through, checked formulas, candidate tables) changes no verdict: answer files
graded one after another in one process get the JSON each gets alone, in a fresh process's
state; and every cache has a bound. The faster paths of reading numbers give what the slower
ones give."""

import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from nncheck.app.verify_many import Checkers, verify_file
from nncheck.check import kinds
from nncheck.check.checker import Checker
from nncheck.check.problems import load_problem
from nncheck.engine import substituted
from nncheck.engine.substituted import Pin, Substituted
from nncheck.errors import NncheckError
from nncheck.check.kinds import value
from nncheck.check.kinds.value import MAX_LISTED_ENTRIES, entry_name, miss_message, wrong_entries
from nncheck.formats.json import verification_json
from nncheck.limits import Limits
from nncheck.numbers import format_number
from nncheck.read import tensors, tolerance
from nncheck.read.tensors import read_tensor
from nncheck.read.tolerance import Tolerance, _decimals, _is_rounding, _rounded_from
from nncheck.read.yamlfile import _LINE_BREAK, MAX_FILE_BYTES, parse_yaml
from tests.class_factory import write_class
from tests.test_answer_corpus import CORPUS, ROOT, answer_file

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_follow_through import PARTS, write_class as write_parts_class  # noqa: E402

VARYING = str(ROOT / "problems" / "tanh-sigmoid-mse.yaml")


def _corpus_files(directory: Path) -> list[str]:
    directory.mkdir()
    paths = []
    for group in yaml.safe_load(CORPUS.read_text(encoding="utf-8")):
        for case in group["cases"]:
            path = directory / f"case{len(paths):03d}.yaml"
            path.write_text(answer_file(group["problem"], group.get("student"), case["item"], case["answer"]),
                            encoding="utf-8")
            paths.append(str(path))
    return paths


def _class_files(directory: Path) -> list[tuple[str, str | None]]:
    """(answer file, --problem or None): the corpus, a class with many follow-through chains and
    formulas one edit away, a class with common mistakes, and students of a varying problem."""
    files = [(path, None) for path in _corpus_files(directory / "corpus")]
    write_parts_class(str(directory / "parts"), 60)
    write_parts_class(str(directory / "formulas"), 9, formulas=True)
    files += [(str(path), PARTS) for folder in ("parts", "formulas") for path in sorted((directory / folder).iterdir())]
    files += [(path, None) for path in write_class(str(directory / "relu"), "relu-4-samples", 25, seed=3)]
    files += [(path, None) for path in write_class(str(directory / "varying"), "tanh-sigmoid-mse", 12, seed=4)]
    return files


def _graded(path: str, problem: str | None, checkers: Checkers) -> str:
    try:
        verification = verify_file(path, True, problem, checkers)
    except NncheckError as error:
        return f"error: {error}"
    return json.dumps(verification_json(verification), sort_keys=True, default=str)


def _cold(path: str, problem: str | None) -> str:
    """As a fresh process grades the file alone: nothing remembered."""
    tolerance._REMEMBERED.clear()
    return _graded(path, problem, Checkers())


def test_a_corpus_graded_with_warm_caches_gives_the_json_of_each_file_graded_cold(tmp_path):
    files = _class_files(tmp_path)
    assert len(files) > 300
    cold = [_cold(path, problem) for path, problem in files]
    checkers = Checkers()
    warm = [_graded(path, problem, checkers) for path, problem in files]
    again = [_graded(path, problem, checkers) for path, problem in reversed(files)][::-1]
    for (path, _), alone, first, second in zip(files, cold, warm, again):
        assert first == alone, path
        assert second == alone, path
    verdicts = {item["verdict"] for text in cold if text.startswith("{") for item in json.loads(text)["items"]}
    assert {"correct", "wrong", "invalid", "missing", "follow_through"} <= verdicts
    assert sum(text.startswith("error") for text in cold) > 0  # refused files are in it too


def _parts_answers(checker, wrong: dict) -> dict:
    """The reference answers of two-layer-parts with the items of `wrong` shifted by those amounts,
    and every later item right for them."""
    problem, base = checker.problem, checker.base
    pins = []
    for item in problem.asks:
        if item.id in wrong:
            value = np.asarray(checker.expected(base, item.quantity)) + wrong[item.id]
            pins.append(Pin(item.id, item.quantity.name, item.quantity.of, value))
    replay = Substituted(base, pins)
    answers = {}
    for item in problem.asks:
        pin = next((pin for pin in pins if pin.label == item.id), None)
        if pin is not None:
            answers[item.id] = pin.value.tolist()
        elif item.quantity.of is None:
            answers[item.id] = replay.value(item.quantity.name).value.tolist()
        else:
            answers[item.id] = replay.gradient(item.quantity.of, item.quantity.name).value.tolist()
    return answers


def _write_answers(directory: Path, name: str, answers: dict, student: str = "s") -> str:
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"student": student, "answers": answers}), encoding="utf-8")
    return str(path)


def test_two_students_with_different_mistakes_get_in_one_process_the_verdicts_each_gets_alone(tmp_path):
    checker = Checker(load_problem(PARTS))
    first = _write_answers(tmp_path, "first", _parts_answers(checker, {"z1": 0.3}))
    second = _write_answers(tmp_path, "second", _parts_answers(checker, {"dL/dz2": -0.25, "h1": 0.1}))
    alone = [_cold(path, PARTS) for path in (first, second)]
    checkers = Checkers()
    together = [_graded(path, PARTS, checkers) for path in (first, second, first, second)]
    assert together == alone * 2
    verdicts = [[item["verdict"] for item in json.loads(text)["items"]] for text in alone]
    assert verdicts[0] != verdicts[1] and all("follow_through" in some for some in verdicts)
    based_on = [{tuple(item.get("based_on", ())) for item in json.loads(text)["items"]} for text in alone]
    assert ("z1",) in based_on[0] and ("dL/dz2",) in based_on[1]


def test_two_students_of_a_varying_problem_get_in_one_process_the_verdicts_each_gets_alone(tmp_path):
    reference = yaml.safe_load((ROOT / "problems" / "answers" / "tanh-sigmoid-mse.yaml").read_text(encoding="utf-8"))
    paths = []
    for student in ("ada", "grace", "alan"):
        data = dict(reference, student=student, problem=VARYING)
        data.pop("variant", None)
        path = tmp_path / f"{student}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        paths.append(str(path))
    alone = [_cold(path, None) for path in paths]
    checkers = Checkers()
    assert [_graded(path, None, checkers) for path in paths + paths[::-1]] == alone + alone[::-1]
    assert len({json.dumps(json.loads(text)["variant"]) for text in alone}) == 3


def test_replay_plans_are_kept_per_base_solution_and_bounded(monkeypatch):
    monkeypatch.setattr(substituted, "MAX_REPLAY_PLANS", 4)
    checker = Checker(load_problem(PARTS))
    base = checker.base
    nodes = ["z1", "h1", "z2", "L"]
    for size in range(1, 5):
        for chosen in [nodes[:size], nodes[-size:]]:
            pins = [Pin(name, name, None, base.value(name) + 0.5) for name in chosen]
            Substituted(base, pins)
            assert 1 <= len(base.replay_plans) <= 4
    other = Checker(load_problem(PARTS))
    assert other.base.replay_plans == {}   # kept with its own solution: nothing is shared between checkers


def test_a_replay_gives_the_values_of_a_replay_planned_afresh():
    checker = Checker(load_problem(PARTS))
    base = checker.base
    rng = np.random.default_rng(5)
    labels = set()
    for _ in range(40):
        chosen = [name for name in ("z1", "h1", "z2") if rng.random() < 0.5]
        deltas = [name for name in ("z2", "h1", "z1") if rng.random() < 0.4] or ["h1"]
        pins = [Pin(f"id {name}", name, None, base.value(name) + rng.normal(size=base.value(name).shape))
                for name in chosen]
        pins += [Pin(f"dL/d{name}", name, "L", base.gradient("L", name) + rng.normal(size=base.value(name).shape))
                 for name in deltas]
        Substituted(base, pins).gradient("L", "W1")  # plans these pins
        planned = Substituted(base, pins)            # replayed from the plans kept
        base.replay_plans.clear()
        afresh = Substituted(base, pins)
        for name in ("z1", "h1", "z2", "L"):
            assert np.array_equal(planned.value(name).value, afresh.value(name).value)
            assert planned.value(name).based_on == afresh.value(name).based_on
        for name in ("W1", "b1", "W2", "z1", "h1", "z2"):
            for passed in (False, True):
                now, before = planned.gradient("L", name, passed), afresh.gradient("L", name, passed)
                assert np.array_equal(now.value, before.value)
                assert now.based_on == before.based_on
                labels.add(now.based_on)
    assert len(labels) > 5   # the pins were seen through


def test_remembered_half_widths_are_bounded(monkeypatch):
    monkeypatch.setattr(tolerance, "_REMEMBERED", {})
    monkeypatch.setattr(tolerance, "REMEMBERED_WIDTHS", 8)
    rule = Tolerance(sigfigs=3)
    for k in range(50):
        expected = np.array([1.0 + k, -0.25 * k])
        assert rule.accepts(expected + 1e-4, expected)
        assert len(tolerance._REMEMBERED) <= 8
    assert np.array_equal(rule.slack(np.array([2.0])), rule.half_widths(np.array([2.0])) * (1 + 1e-9))


def test_remembered_texts_of_wrong_entries_are_bounded(monkeypatch):
    monkeypatch.setattr(value, "_ENTRY_TEXTS", {})
    monkeypatch.setattr(value, "MAX_REMEMBERED_TEXTS", 5)
    rule = Tolerance()
    for k in range(30):
        expected = np.array([1.0, 2.0 + k])
        assert "2 of 2 entries wrong" in miss_message(expected + 1, expected, rule)
        assert 1 <= len(value._ENTRY_TEXTS) <= 5
    large = np.arange(value.MAX_REMEMBERED_TEXT_SIZE + 1.0)
    miss_message(large + 1, large, rule)
    assert all(key[1] != large.shape for key in value._ENTRY_TEXTS)


def test_kinds_are_imported_once_each():
    for kind in kinds.KIND_MODULES:
        assert kinds.load_kind(kind) is kinds.load_kind(kind)
    assert len(kinds._LOADED) <= len(kinds.KIND_MODULES)


rounded_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.builds(lambda x, d: round(x, d), st.floats(-1e6, 1e6), st.integers(-6, 15)),
    st.builds(lambda x, d, k: round(x, d) + k * math.ulp(round(x, d)), st.floats(-1e9, 1e9), st.integers(-8, 17),
              st.integers(-3, 3)),
)


@settings(max_examples=1000, deadline=None)
@given(rounded_numbers, st.floats(-1e6, 1e6), st.floats(-1e-3, 1e-3))
def test_a_rounding_is_told_as_it_was_before_the_shortcut(answer, expected, nudge):
    for close in (expected, answer + nudge, answer + nudge * 1e-6):
        assert _rounded_from(answer, close) == _is_rounding(answer, close, _decimals(answer))


def _source_before(text: str, line: int, column: int) -> str:
    """YamlDoc.source as written before its lines were kept."""
    lines = _LINE_BREAK.split(text)
    rest = "\n".join(lines[line - 1:])[column - 1:]
    if not rest.startswith("["):
        return rest.split("\n", 1)[0]
    depth = 0
    for position, char in enumerate(rest[:MAX_FILE_BYTES]):
        depth += (char == "[") - (char == "]")
        if depth == 0:
            return rest[:position + 1]
    return rest


def test_the_text_of_every_answer_is_the_text_found_before():
    rng = random.Random(7)
    breaks = ["\n", "\r\n", "\r", "\u2028"]
    pieces = ["[1, 2]", "[[0.5, 0.25],\n    [1, 2]]", "0,5", "'W.T @ x'", "[1,\n 2,\n 3]", "-2.7  # note", "[]"]
    checked = 0
    for _ in range(200):
        newline = rng.choice(breaks)
        entries = [f"  k{k}: {rng.choice(pieces)}".replace("\n", newline) for k in range(rng.randint(1, 6))]
        text = newline.join(["student: x", "answers:"] + entries) + rng.choice(["", newline])
        try:
            doc = parse_yaml(text, "a.yaml")
        except NncheckError:
            continue
        for path, spot in doc.spots.items():
            assert doc.source(*path) == _source_before(text, spot.location.line, spot.location.column), (text, path)
            checked += 1
    assert checked > 500


def _read_slowly(doc, path, label):
    """read_tensor as written before its fast path: a path per entry."""
    data = tensors._lookup(doc.data, path)
    shape = tensors._shape_of(doc, data, path, label, 0)
    tensors.check_size(shape, label, doc.where(*path), doc.limits)
    flat = []
    tensors._flatten(doc, data, path, label, flat)
    return np.array(flat, dtype=np.float64).reshape(shape)


@pytest.mark.parametrize("written", [
    "0.5", "3", "-7", "[1, 2.5, -3]", "[[1, 2], [3, 4.25]]", "[[[1.5]], [[2]]]", "[1e308, -1e-308]",
    "12345678901234567890123", "[9007199254740993, 1]", "[true, 1]", "[1, .nan]", "[.inf]", "[[1, 2], [3]]",
    "[[1, 2], 3]", "[]", "[[]]", "['1', 2]", "[1, null]", "[[[[[[[[[1]]]]]]]]]", "[[[[[[[[1]]]]]]]]", "x",
])
def test_numbers_read_fast_are_the_numbers_read_entry_by_entry(written):
    doc = parse_yaml(f"value: {written}\n", "v.yaml")
    try:
        expected = _read_slowly(doc, ("value",), "value")
    except NncheckError as error:
        with pytest.raises(NncheckError) as raised:
            read_tensor(doc, ("value",), "value")
        assert str(raised.value) == str(error)
        return
    found = read_tensor(doc, ("value",), "value")
    assert found.shape == expected.shape and found.dtype == expected.dtype
    assert np.array_equal(found, expected)


def test_a_tensor_too_large_is_refused_as_before():
    doc = parse_yaml("value: [[1, 2, 3], [4, 5, 6]]\n", "v.yaml")
    doc.limits = Limits(max_elements=5)
    with pytest.raises(NncheckError, match="too large"):
        read_tensor(doc, ("value",), "value")
    doc.limits = Limits(max_elements=6)
    assert read_tensor(doc, ("value",), "value").shape == (2, 3)
    assert tensors._size((2, 3)) == 6 and tensors._size((0, 1 << 40)) == 0
    assert tensors._size((1 << 31, 1 << 31)) == int(np.prod((1 << 31, 1 << 31), dtype=np.float64))
    assert math.prod((3, 4, 5)) == tensors._size((3, 4, 5))


def _miss_message_before(answer, expected, rule):
    """value.miss_message as written before it looked the intervals up once."""
    widths = rule.half_widths(expected) * (1 + 1e-9)
    misses = tuple(tuple(int(i) for i in index) for index in np.argwhere(~(np.abs(answer - expected) <= widths)))
    if not misses:
        return "does not match the expected value"

    def interval(index):
        width = float(rule.half_widths(expected)[index]) * (1 + 1e-9)
        return float(expected[index]) - width, float(expected[index]) + width

    if expected.size == 1:
        low, high = interval(misses[0])
        return (f"expected {format_number(expected[misses[0]], 6)} (accepted from {format_number(low, 6)} "
                f"to {format_number(high, 6)}, {rule.describe()}); your answer has "
                f"{format_number(answer[misses[0]], 8)}")
    parts = []
    for index in misses[:MAX_LISTED_ENTRIES]:
        low, high = interval(index)
        parts.append(f"{entry_name(index, expected.shape)}: yours {format_number(answer[index], 8)}, expected "
                     f"{format_number(expected[index], 6)} (accepted from {format_number(low, 6)} to "
                     f"{format_number(high, 6)})")
    more = len(misses) - MAX_LISTED_ENTRIES
    return (f"{len(misses)} of {expected.size} entries wrong: " + "; ".join(parts)
            + (f"; and {more} more" if more > 0 else "") + f" ({rule.describe()})")


@pytest.mark.parametrize("shape", [(), (1,), (4,), (2, 3), (3, 4), (2, 2, 3), (0, 3)])
def test_wrong_entries_and_their_listing_are_as_before(shape):
    rng = np.random.default_rng(11)
    for rule in (Tolerance(), Tolerance(sigfigs=2, per="entry"), Tolerance(sigfigs=None, rtol=1e-3, atol=1e-6)):
        for _ in range(20):
            expected = rng.normal(size=shape) * 10.0 ** rng.integers(-3, 3)
            answer = expected + (rng.random(shape) < 0.5) * rng.normal(size=shape) * 0.1
            before = tuple(map(tuple, np.argwhere(~(np.abs(answer - expected) <= rule.slack(expected))).tolist()))
            assert wrong_entries(answer, expected, rule) == before
            assert wrong_entries(answer, expected, rule, np.abs(answer - expected)) == before
            assert miss_message(answer, expected, rule) == _miss_message_before(answer, expected, rule)
