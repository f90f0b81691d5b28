"""Problem files as commands and the API load them: read by nncheck/read/problem.py, with the
asked items of every kind read by its module (nncheck/check/kinds/)."""

from __future__ import annotations

from nncheck.check.kinds import KINDS
from nncheck.limits import HOMEWORK, Limits
from nncheck.read.problem import Problem, read_problem, read_problem_doc
from nncheck.read.yamlfile import YamlDoc


def load_problem(path: str, secrets=(), limits: Limits = HOMEWORK) -> Problem:
    """Read and validate a problem file under `limits` (LARGE for `--large`), with the hidden checks
    of the grader's `secrets` (nncheck/read/secret.py) that belong to it; raises NncheckError for
    anything to fix."""
    return read_problem(path, KINDS, secrets, limits)


def problem_from_doc(doc: YamlDoc) -> Problem:
    return read_problem_doc(doc, KINDS)
