"""The kinds of asked item, a module each, every module with the same entries:

    KEYS[kind]                                  the item keys it adds to id/kind/points/visibility/prompt
    read_spec(kind, doc, path, label, names)    its keys, read and checked when the problem loads (its spec;
                                                value, the default kind, gives the item's own fields)
    check(kind, checker, item, answer_file)     list of ItemResult for a student's answers
    reference(kind, checker, item, show_hidden) list of (label, text): the reference answer, for `run`
    answer_keys(kind, item, problem)            the answer-file keys the item reads
    template(kind, item, problem, solution)     list of (answer key, comment) for `nncheck template`
    reference_entries(kind, checker, item, keys) the reference answer's answer-file entries, for selftest
    selftest_tolerance(kind, item, problem)     when two reference answers are the same answer
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

KIND_MODULES = {
    "value": "nncheck.check.kinds.value",
    "zero": "nncheck.check.kinds.yes_no",
    "identical": "nncheck.check.kinds.yes_no",
    "design": "nncheck.check.kinds.design",
    "interval": "nncheck.check.kinds.interval",
}


_LOADED: dict = {}  # kind -> its module, once imported (one entry per kind: bounded)


def load_kind(kind: str):
    module = _LOADED.get(kind)
    if module is None:
        module = _LOADED[kind] = importlib.import_module(KIND_MODULES[kind])
    return module


class _Kinds(Mapping):
    """Kind name -> its module, each imported when first asked for (nncheck/read/asks.py reads
    the items of each kind through it)."""

    def __getitem__(self, kind: str):
        return load_kind(kind)

    def __iter__(self):
        return iter(KIND_MODULES)

    def __len__(self) -> int:
        return len(KIND_MODULES)

    def __contains__(self, kind) -> bool:
        return kind in KIND_MODULES


KINDS = _Kinds()


def reference_answers(checker, show_hidden: bool = True) -> list[tuple[object, list[tuple[str, str]]]]:
    """For each asked item whose kind has one, its reference answer as (label, text) lines (a value's
    is shown with the values, nncheck/app/asked_values.py);
    without `show_hidden`, only what students may see (visible items and case groups)."""
    found = []
    for item in checker.problem.asks:
        if item.visibility != "visible" and not show_hidden:
            continue
        lines = load_kind(item.kind).reference(item.kind, checker, item, show_hidden)
        if lines:
            found.append((item, lines))
    return found
