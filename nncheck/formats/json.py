"""JSON for programs: `run`, `verify` and `grade` (public shapes documented in docs/).

Strict JSON only: a number that is not finite (a diverging descent) is written null, and
-0.0 as 0.0.
"""

from __future__ import annotations

import numpy as np

from nncheck.formats.text import printable
from nncheck.results import ItemResult, Verification
from nncheck.solution import Solution


def solution_json(solution: Solution, references=(), hidden=frozenset()) -> dict:
    """The public JSON shape of `nncheck run --format json`; entries in `hidden` are null."""
    extra = {}
    if references:
        extra["answers"] = [{"id": item.id, "kind": item.kind, "reference": dict(lines)} for item, lines in references]
    loss = solution.loss
    return extra | {
        "title": solution.problem.title,
        "loss": {"name": loss, "value": float(np.ravel(solution.value(loss))[0])},
        "values": {name: None if name in hidden else value.tolist() for name, value in solution.values.items()},
        "gradients": {name: None if f"d{loss}/d{name}" in hidden else grad.tolist()
                      for name, grad in solution.gradients().items()},
    }


def verification_json(verification: Verification) -> dict:
    """The public JSON shape of `nncheck verify --format json` (one object per answer file)."""
    return {
        "file": verification.answers_path,
        "problem": verification.problem.path,
        "title": verification.problem.title,
        "student": verification.student,
        "score": verification.score,
        "max_score": verification.max_score,
        "items": [_item_json(item) for item in verification.items],
        "ignored": verification.ignored,
        "hidden_checks": verification.withheld_checks,
        "hidden_points": verification.withheld_points,
    }


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
    if item.visibility == "visible" and item.expected is not None:
        data["expected"] = np.asarray(item.expected).tolist()
    return data


def gradebook_json(gradebook) -> dict:
    """The public JSON shape of `nncheck grade --format json` and `nncheck merge --format json`:
    the records (which `merge` reads back) and the class summary computed from them."""
    from dataclasses import asdict

    from nncheck.gradebook import bin_edges, records_json

    data = records_json(gradebook)
    data["summary"] = {
        "files": len(gradebook.files),
        "graded": len(gradebook.files) - len(gradebook.broken),
        "broken": len(gradebook.broken),
        "skipped": len(gradebook.skipped),
        "problems": [asdict(summary) | {"problem": summary.problem.path,
                                        "histogram_edges": bin_edges(summary.problem.max_score)}
                     for summary in gradebook.summaries()],
    }
    return data


def dumps(data) -> str:
    """Strict JSON on one line: NaN and infinities as null, -0.0 as 0.0."""
    import json

    return json.dumps(_strict(data), allow_nan=False)


def _strict(data):
    if isinstance(data, float):
        return None if data != data or data in (INFINITY, -INFINITY) else 0.0 if data == 0 else data
    if isinstance(data, dict):
        return {key: _strict(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_strict(value) for value in data]
    return data


INFINITY = float("inf")
