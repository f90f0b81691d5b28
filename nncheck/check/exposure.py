"""What a student holding the problem file can find out, for `nncheck check`'s warnings.

A student can compute every value and gradient of the graph, whatever is hidden from display,
and read everything written in the file. Only a grader-only file (`--secret`) keeps something
from them: case inputs, expected values the graph cannot give, mistakes, a reference design.
"""

from __future__ import annotations

from dataclasses import dataclass

from nncheck.check.kinds.design import run_group
from nncheck.errors import Location

RELEASE = "nncheck release PROBLEM --out DIR writes a copy without it and a grader-only file with it"


@dataclass(eq=False)
class Exposure:
    location: Location
    message: str


def exposures(checker) -> list[Exposure]:
    """Every item that is not visible but a student can compute or read, and every answer the
    file gives away (an expected value written in it, a reference design in `values:`)."""
    problem = checker.problem
    found = []
    for index, item in enumerate(problem.asks):
        label = problem.doc.label(("ask", index), f"ask[{index}]") if problem.doc else f"ask[{index}]"
        in_file = item.location.file == problem.path
        message = _computable(item) or (_readable(item) if in_file else "")
        if message:
            found.append(Exposure(item.location, f"{label} {item.id}: {message}"))
    found.extend(_reference_designs(checker))
    return found


def _computable(item) -> str:
    """Why a non-visible item's answer follows from the graph ("" when it does not)."""
    if item.visible or item.grader_only:
        return ""
    if item.spec is None and item.expected is None and item.expected_formula is None:
        what = "a quantity of the graph"
    elif item.kind in ("zero", "identical", "interval"):
        what = "answered by the graph"
    else:
        return ""
    return (f"{item.visibility}, but {what}: whoever holds the problem file computes it (nncheck run), so hiding "
            "it hides only that it is graded; make it visible, or grade what the graph cannot give (an expected: "
            "in the grader-only file)")


def _readable(item) -> str:
    """Why an item's answer can be read in the problem file ("" when it cannot)."""
    if item.spec is None and (item.expected is not None or item.expected_formula is not None):
        state = "" if item.visible else f"{item.visibility}, but "
        return f"{state}its expected value is written in the problem file students hold; {RELEASE}"
    if item.kind == "design":
        groups = [group.name for group in item.spec.groups if group.visibility != "visible"]
        if groups:
            return (f"the inputs of case groups that are not visible ({', '.join(groups)}) are written in the "
                    f"problem file students hold; {RELEASE}")
    return ""


def _reference_designs(checker) -> list[Exposure]:
    """Design items that the problem file's own parameter values pass: a student copies them."""
    problem = checker.problem
    found = []
    for item in problem.asks:
        if item.kind != "design":
            continue
        spec = item.spec
        if not all(problem.leaves[name].location.file == problem.path for name in spec.parameters):
            continue
        parameters = {name: checker.base.value(name) for name in spec.parameters}
        if all(case.passed for group in spec.groups for case in run_group(checker, spec, parameters, group)):
            leaf = problem.leaves[spec.parameters[0]]
            found.append(Exposure(leaf.location, f"values {', '.join(spec.parameters)} hold a design that passes "
                                                 f"{item.id}: a student copies it; {RELEASE}"))
    return found
