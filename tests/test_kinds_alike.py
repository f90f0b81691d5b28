"""Every kind of asked item, value included, is a module with the same entries."""

from __future__ import annotations

from pathlib import Path

import nncheck
from nncheck.check.kinds import KIND_MODULES, load_kind, value
from nncheck.read.asks import VALUE_KEYS

KIND_ENTRIES = ("KEYS", "read_spec", "check", "reference", "answer_keys", "template", "reference_entries",
                "selftest_tolerance")


def test_every_kind_value_included_has_the_same_entries_in_its_own_module():
    for kind in KIND_MODULES:
        module = load_kind(kind)
        assert [entry for entry in KIND_ENTRIES if not hasattr(module, entry)] == [], kind
        assert kind in module.KEYS


def test_the_value_kinds_keys_are_the_ones_the_reader_checks():
    assert value.KEYS == {"value": VALUE_KEYS}
    assert {"tolerance", "expected", "mistakes", "forbid", "allow", "follow_through", "layout", "grader_only",
            "shape"} == set(VALUE_KEYS)


def test_no_module_but_the_value_kinds_own_asks_whether_an_item_is_a_value():
    root = Path(nncheck.__file__).parent
    found = [str(path.relative_to(root)) for path in root.rglob("*.py")
             if 'kind == "value"' in path.read_text(encoding="utf-8")]
    assert set(found) <= {"check/kinds/value.py"}
