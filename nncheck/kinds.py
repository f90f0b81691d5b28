"""The kinds of asked item. `value` (a number, matrix or formula) is checked by verify.py;
every other kind lives in a module of its own with the same four entries:

    KEYS[kind]                                  the item keys it adds to id/kind/points/visibility/prompt
    read_spec(kind, doc, path, label, names)    its keys, read and checked when the problem loads
    check(kind, checker, item, answer_file)     list of ItemResult for a student's answers
    reference(kind, checker, item)              list of (label, text): the reference answer, for `run`
    answer_keys(kind, item, problem)            the answer-file keys the item reads
    template(kind, item, problem)               list of (answer key, comment) for `nncheck template`
"""

from __future__ import annotations

import importlib

KIND_MODULES = {
    "value": None,
    "zero": "nncheck.properties",
    "identical": "nncheck.properties",
    "design": "nncheck.design",
    "interval": "nncheck.intervals",
}


def load_kind(kind: str):
    return importlib.import_module(KIND_MODULES[kind])


def reference_answers(checker) -> list[tuple[object, list[tuple[str, str]]]]:
    """For each asked item of a non-value kind, its reference answer as (label, text) lines."""
    return [(item, load_kind(item.kind).reference(item.kind, checker, item))
            for item in checker.problem.asks if item.kind != "value"]
