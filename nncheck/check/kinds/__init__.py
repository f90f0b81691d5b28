"""The kinds of asked item, a module each, every module with the same entries:

    KEYS[kind]                                  the item keys it adds to id/kind/points/visibility/prompt
    read_spec(kind, doc, path, label, names)    its keys, read and checked when the problem loads
    check(kind, checker, item, answer_file)     list of ItemResult for a student's answers
    reference(kind, checker, item, show_hidden) list of (label, text): the reference answer, for `run`
    answer_keys(kind, item, problem)            the answer-file keys the item reads
    template(kind, item, problem)               list of (answer key, comment) for `nncheck template`
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


def load_kind(kind: str):
    return importlib.import_module(KIND_MODULES[kind])


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
    """For each asked item of a non-value kind, its reference answer as (label, text) lines;
    without `show_hidden`, only what students may see (visible items and case groups)."""
    found = []
    for item in checker.problem.asks:
        if item.kind == "value" or (item.visibility != "visible" and not show_hidden):
            continue
        lines = load_kind(item.kind).reference(item.kind, checker, item, show_hidden)
        if lines:
            found.append((item, lines))
    return found
