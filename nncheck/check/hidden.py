"""What a student may see of checks that are not `visible`: the one place for the rule.

A hidden, after-due-date or after-published check counts in the grade, but what a student
reads shows nothing of it beyond its existence and its points: no verdict (a verdict would
let a student search for the value by trying answers), no expected value, interval,
failing input or diagnosis. `--show-hidden` (for the grader) shows everything.
"""

from __future__ import annotations

from dataclasses import replace

from nncheck.check.results import Verification
from nncheck.numbers import format_number


def student_view(verification: Verification) -> Verification:
    """The verification without its non-visible items, which are counted in `withheld`."""
    shown = [item for item in verification.items if item.visibility == "visible"]
    withheld = [item for item in verification.items if item.visibility != "visible"]
    if not withheld:
        return verification
    return replace(verification, items=shown, withheld_checks=len(withheld),
                   withheld_points=sum(item.max_points for item in withheld))


def withheld_note(verification: Verification) -> str:
    """`N hidden checks (P points) are graded later`, or "" when nothing is withheld."""
    count = verification.withheld_checks
    if not count:
        return ""
    points = format_number(verification.withheld_points, 6)
    return (f"{count} hidden check{'s' if count != 1 else ''} ({points} point{'s' if points != '1' else ''}) "
            f"{'is' if count == 1 else 'are'} graded later")


def is_shown(item, show_hidden: bool) -> bool:
    """Whether `run` may show an asked item's reference answer."""
    return show_hidden or item.visibility == "visible"


def hidden_entries(problem, loss: str, show_hidden: bool) -> frozenset:
    """Labels of `run`'s entries that answer a non-visible asked value (`y`, `dL/dW1`)."""
    if show_hidden:
        return frozenset()
    labels = set()
    for item in problem.asks:
        quantity = item.quantity
        if item.visibility == "visible" or item.kind != "value" or quantity is None or quantity.step:
            continue
        if quantity.of is None:
            labels.add(quantity.name)
        elif quantity.of == loss:
            labels.add(f"d{loss}/d{quantity.name}")
    return frozenset(labels)
