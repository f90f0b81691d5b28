"""JSON for programs: `run`, `verify` and `grade` (public shapes documented in docs/).

Strict JSON only: a number that is not finite (a diverging descent) is written null, and
-0.0 as 0.0.
"""

from __future__ import annotations

import json
import re

import numpy as np

from nncheck.formats.sections import asked_selected
from nncheck.text import printable
from nncheck.check.results import ItemResult, Verification
from nncheck.engine.solution import Solution
from nncheck.check.class_summary import bin_edges
from nncheck.check.gradebook import records_json


def solution_json(solution: Solution, references=(), hidden=frozenset(), only=None, asked=()) -> dict:
    """The public JSON shape of `nncheck run --format json`; entries in `hidden` are null.

    Tensors stay numpy arrays, which `dumps` and `write_json` write as nested lists; `only`,
    when given, keeps just those names in `values` and `gradients`."""
    extra = {}
    if references:
        extra["answers"] = [{"id": item.id, "kind": item.kind, "reference": dict(lines)} for item, lines in references]
    loss = solution.loss
    wanted = (lambda name: True) if only is None else (lambda name: name in only)
    kept = [item for item in asked if asked_selected(item.id, item.quantity, only)]
    if kept:
        extra["asked"] = {item.id: None if item.hidden else item.value for item in kept}
    return extra | {
        "title": solution.problem.title,
        "variant": variant_json(solution.problem),
        "loss": {"name": loss, "value": float(np.ravel(solution.value(loss))[0])},
        "values": {name: None if name in hidden else value for name, value in solution.values.items()
                   if wanted(name)},
        "gradients": {name: None if f"d{loss}/d{name}" in hidden else grad
                      for name, grad in solution.gradients().items() if wanted(name)},
    }


def verification_json(verification: Verification) -> dict:
    """The public JSON shape of `nncheck verify --format json` (one object per answer file)."""
    return {
        "file": verification.answers_path,
        "problem": verification.problem.path,
        "title": verification.problem.title,
        "student": verification.student,
        "variant": verification.problem.variant.json() if verification.problem.variant is not None else None,
        "score": verification.score,
        "max_score": verification.max_score,
        "items": [_item_json(item) for item in verification.items],
        "ignored": verification.ignored,
        "did_you_mean": verification.did_you_mean,
        "hidden_checks": verification.withheld_checks,
        "hidden_points": verification.withheld_points,
    }


def variant_json(problem) -> dict | None:
    """`{"student": ..., "seed": ...}` for a student's variant; null for the problem's own numbers."""
    return problem.variant.json() if problem.variant is not None else None


def _item_json(item: ItemResult) -> dict:
    data = {
        "id": item.id,
        "verdict": item.verdict,
        "points": item.points,
        "max_points": item.max_points,
        "diagnosis": item.diagnosis,
        "message": printable(item.message),
        "visibility": item.visibility,
    }
    if item.expected is not None:  # a non-visible item is here only in the grader's view (--show-hidden)
        data["expected"] = np.asarray(item.expected).tolist()
    if item.wrong_entries:
        data["wrong_entries"] = [[i + 1 for i in index] for index in item.wrong_entries]
    if item.based_on:
        data["based_on"] = [printable(item_id) for item_id in item.based_on]
    if item.read_as and item.visibility == "visible":
        data["read_as"] = printable(item.read_as)
    return data


def gradebook_json(gradebook) -> dict:
    """The public JSON shape of `nncheck grade --format json` and `nncheck merge --format json`:
    the records (which `merge` reads back) and the class summary computed from them."""
    data = records_json(gradebook)
    data["summary"] = class_summary_json(gradebook)
    return data


def class_summary_json(gradebook) -> dict:
    tally = gradebook.tally()
    return {
        "files": tally.files,
        "graded": tally.files - tally.broken,
        "broken": tally.broken,
        "skipped": len(gradebook.skipped),
        "problems": [problem_summary_json(summary) for summary in gradebook.summaries()],
    }


def write_gradebook_json(gradebook, stream) -> None:
    rows = JsonRows(gradebook, stream)
    for record in gradebook.files:
        rows.add(record)
    rows.close()


class JsonRows:
    """`dumps(gradebook_json(gradebook))` and a newline, written as the records pass: the
    problems at once, a record at a time, then the skipped files and the summary."""

    def __init__(self, gradebook, stream):
        self.gradebook, self.stream, self.written = gradebook, stream, 0
        head = records_json(gradebook, files=False)
        stream.write("{")
        for key in ("version", "shard", "problems"):
            stream.write(json.dumps(key) + ": ")
            write_json(head[key], stream)
            stream.write(", ")
        stream.write('"files": [')

    def add(self, record) -> None:
        self.stream.write((", " if self.written else "") + plain_dumps(record.json()))
        self.written += 1

    def close(self) -> None:
        self.stream.write('], "skipped": ')
        write_json(list(self.gradebook.skipped), self.stream)
        self.stream.write(', "summary": ')
        write_json(class_summary_json(self.gradebook), self.stream)
        self.stream.write("}\n")


def plain_dumps(data) -> str:
    """`dumps(data)` for plain data (text, numbers, lists, dicts): json's C encoder in one call,
    as `dumps` writes it where nothing needs changing (no -0.0, NaN or infinity, no arrays)."""
    try:
        text = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError):
        return dumps(data)
    return dumps(data) if _NEGATIVE_ZERO.search(text) else text


_NEGATIVE_ZERO = re.compile(r"-0\.0[,\]}]")    # json.dumps(-0.0), where dumps writes 0.0


def problem_summary_json(summary) -> dict:
    """One problem's summary in `grade --format json` (the problem named by its path)."""
    return {"problem": summary.problem.path, "graded": summary.graded, "broken": summary.broken,
            "mean": summary.mean, "median": summary.median, "lowest": summary.lowest, "highest": summary.highest,
            "histogram": summary.histogram, "items": [item.json() for item in summary.items],
            "histogram_edges": bin_edges(summary.problem.max_score)}


def dumps(data) -> str:
    """Strict JSON on one line: NaN and infinities as null, -0.0 as 0.0."""
    import io

    buffer = io.StringIO()
    write_json(data, buffer)
    return buffer.getvalue()


def write_json(data, stream) -> None:
    """`dumps(data)` written to `stream` piece by piece: large numpy arrays are written a block
    of rows at a time, so memory stays bounded and numbers go through json's C encoder."""
    if isinstance(data, np.ndarray):
        _write_array(data, stream)
    elif isinstance(data, dict):
        stream.write("{")
        for k, (key, value) in enumerate(data.items()):
            stream.write((", " if k else "") + json.dumps(str(key)) + ": ")
            write_json(value, stream)
        stream.write("}")
    elif isinstance(data, (list, tuple)) and any(isinstance(value, (np.ndarray, dict)) for value in data):
        stream.write("[")
        for k, value in enumerate(data):
            stream.write(", " if k else "")
            write_json(value, stream)
        stream.write("]")
    else:
        stream.write(json.dumps(_strict(data), allow_nan=False))


BLOCK_ENTRIES = 1 << 16


def _write_array(array: np.ndarray, stream) -> None:
    """A float array as nested lists, BLOCK_ENTRIES numbers at a time."""
    if array.size <= BLOCK_ENTRIES or array.ndim == 0:
        stream.write(_block_text(array))
        return
    row_size = array.size // len(array)
    if row_size > BLOCK_ENTRIES:
        stream.write("[")
        for k, row in enumerate(array):
            stream.write(", " if k else "")
            _write_array(row, stream)
        stream.write("]")
        return
    rows = max(1, BLOCK_ENTRIES // max(row_size, 1))
    stream.write("[")
    for start in range(0, len(array), rows):
        stream.write((", " if start else "") + _block_text(array[start:start + rows])[1:-1])
    stream.write("]")


FAST_BLOCK_ENTRIES = 4096  # float blocks this large go through orjson where it is installed


def _block_text(block: np.ndarray) -> str:
    """A block of numbers as JSON: -0.0 becomes 0.0 (adding 0.0 does it), non-finite null.
    Large float blocks are written by orjson (`pip install 'nncheck[fast]'`) when it is
    installed, about 17 times faster; the numbers read back the same (orjson spells some
    differently, `0.00001` for `1e-05`), and homework-sized tensors are always written by json."""

    if block.dtype.kind == "f":
        block = block + 0.0
        fast = _orjson() if block.size >= FAST_BLOCK_ENTRIES else None
        if fast is not None:
            return fast.dumps(np.ascontiguousarray(block, dtype=np.float64),
                              option=fast.OPT_SERIALIZE_NUMPY).decode("ascii")
        if not np.isfinite(block).all():
            return json.dumps(_strict(block.tolist()), allow_nan=False)
    return json.dumps(block.tolist(), allow_nan=False)


def _orjson():
    """orjson, if installed (an optional extra), else None."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson


def _strict(data):
    if isinstance(data, float):
        return None if data != data or data in (INFINITY, -INFINITY) else 0.0 if data == 0 else data
    if isinstance(data, dict):
        return {key: _strict(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_strict(value) for value in data]
    if isinstance(data, np.ndarray):
        return _strict(data.tolist())
    return data


INFINITY = float("inf")
