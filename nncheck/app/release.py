"""`nncheck release`: the students' copy of a problem, and the grader-only file of what it leaves out.

A student holds the problem file, so everything in it can be read, and every value and gradient
of its graph computed. The copy leaves out what the graph cannot give: items that are not
visible, case groups of designs that are not visible, expected values written in the file
(numbers and formulas), mistakes with their messages and points, and the reference design in
`values:` (the parameters of design items become zeros). The grader-only file (read/secret.py)
holds all of it, so that the copy with `--secret` grades exactly as the original problem.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field

import numpy as np

from nncheck.check.checker import Checker
from nncheck.app.output_file import write_file
from nncheck.errors import Location, NncheckError
from nncheck.text import one_line
from nncheck.formats.yaml_text import yaml_text
from nncheck.check.problems import load_problem
from nncheck.read.problem import Problem
from nncheck.read.yamlfile import read_yaml

GRADER_FOLDER = "grader"
KEPT_VALUE_KEYS = ("id", "points", "prompt", "visibility", "tolerance", "forbid", "allow", "follow_through", "layout")


@dataclass(eq=False)
class Release:
    """What `release` writes for one problem: the students' copy, the grader-only file, and a
    line for each thing taken out of the copy."""

    name: str
    student: dict
    grader: dict
    taken: list[str] = field(default_factory=list)


def release_problem(path: str) -> Release:
    """The students' copy of the problem at `path` and its grader-only file (as data)."""
    problem = load_problem(path)
    raw = read_yaml(path).data
    student = copy.deepcopy(raw)
    name = os.path.basename(path)
    grader: dict = {"problem": f"../{name}"}
    release = Release(name, student, grader)
    placeholders = _design_placeholders(problem)
    if placeholders:
        grader["values"] = {key: copy.deepcopy(raw["values"][key]) for key in placeholders}
        student["values"] = dict(student["values"]) | placeholders
        release.taken.append(f"values {', '.join(placeholders)}: the reference design (zeros instead)")
    kept, secret = _split_items(problem, raw.get("ask") or [], release)
    if "ask" in raw:
        student["ask"] = kept
    grader["ask"] = secret
    return release


def _design_placeholders(problem: Problem) -> dict:
    """Zeros for the values a design item asks for (the problem's `parameters:`)."""
    if not any(item.kind == "design" for item in problem.asks):
        return {}
    return {name: np.zeros(problem.leaves[name].shape).tolist() for name in problem.parameters}


def _split_items(problem: Problem, specs: list, release: Release) -> tuple[list, list]:
    """The items of the students' copy, and the grader's (new ones with their `position:`)."""
    checker = Checker(problem) if problem.asks else None
    designed = problem.computed_from(problem.parameters) if _design_placeholders(problem) else set()
    kept, secret = [], []
    for position, (item, spec) in enumerate(zip(problem.asks, specs), 1):
        spec = {"id": spec} if isinstance(spec, str) else copy.deepcopy(spec)
        full = spec | {"visibility": item.visibility}
        if item.visibility != "visible" or (item.kind == "design" and not _visible_groups(item)):
            secret.append(full | {"position": position})
            release.taken.append(f"{item.id}: {item.visibility} item")
            continue
        copied = _students_item(checker, item, spec, designed)
        if copied is not spec:
            secret.append(full)
            release.taken.append(f"{item.id}: {_what_changed(item, spec)}")
        kept.append(copied)
    return kept, secret


def _students_item(checker: Checker, item, spec: dict, designed: set) -> dict:
    """The item as students get it (`spec` itself when nothing in it is for the grader only)."""
    if item.kind == "design":
        groups = _visible_groups(item)
        if len(groups) == len(item.spec.groups):
            return spec
        visible_names = {group.name for group in groups}
        cases = [dict(case) | {"points": group.points} for case, group in zip(spec["cases"], item.spec.groups)
                 if group.name in visible_names]
        return spec | {"cases": cases, "points": sum(group.points for group in groups)}
    if item.kind != "value":
        return spec
    if "expected" in spec or _uses(item, designed):
        shape = np.shape(checker.item_expected(checker.base, item))
        placeholder = {key: spec[key] for key in KEPT_VALUE_KEYS if key in spec}
        return placeholder | {"grader_only": True, "shape": list(shape)}
    if spec.get("mistakes"):
        return {key: value for key, value in spec.items() if key != "mistakes"}
    return spec


def _uses(item, designed: set) -> bool:
    """Whether a value item's answer follows from the reference design (so the copy cannot give it)."""
    quantity = item.quantity
    return quantity is not None and bool({quantity.name, quantity.of} & designed)


def _visible_groups(item) -> list:
    return [group for group in item.spec.groups if group.visibility == "visible"]


def _what_changed(item, spec: dict) -> str:
    if item.kind == "design":
        return "case groups that are not visible"
    if "expected" in spec:
        return "expected value" + (" and mistakes" if spec.get("mistakes") else "")
    if not spec.get("mistakes"):
        return "computed from the reference design"
    return "mistakes"


def student_text(release: Release, source: str) -> str:
    header = (f"# {release.name}: the students' copy, written by nncheck release from {os.path.basename(source)}.\n"
              f"# What only the grader may know is in {GRADER_FOLDER}/{release.name}: grade with\n"
              f"# nncheck verify ANSWERS --secret {GRADER_FOLDER}/{release.name}\n")
    return _commented(header) + yaml_text(release.student)


def grader_text(release: Release) -> str:
    header = (f"# The grader-only file of {release.name} (nncheck release): never give it to students.\n"
              "# It holds what the students' copy leaves out; with it the copy grades as the original problem.\n")
    return _commented(header) + yaml_text(release.grader)


def _commented(text: str) -> str:
    return "".join("# " + one_line(line[2:]) + "\n" for line in text.splitlines())


def write_release(paths, out_dir: str) -> list[Release]:
    """Each problem's copy as OUT/<name> and its grader-only file as OUT/grader/<name>."""
    names = [os.path.basename(path) for path in paths]
    for path, name in zip(paths, names):
        if names.count(name) > 1:
            raise NncheckError(f"two problems are named {name}; release them into different folders", Location(path))
    releases = [release_problem(path) for path in paths]
    os.makedirs(os.path.join(out_dir, GRADER_FOLDER), exist_ok=True)
    for path, release in zip(paths, releases):
        target = os.path.join(out_dir, release.name)
        if os.path.exists(target) and os.path.samefile(target, path):
            raise NncheckError(f"--out {out_dir} would overwrite the problem itself; choose another folder",
                               Location(path))
        write_file(target, student_text(release, path))
        write_file(os.path.join(out_dir, GRADER_FOLDER, release.name), grader_text(release))
    return releases

