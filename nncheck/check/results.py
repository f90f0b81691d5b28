"""What verification produces: a verdict, points and a reason per item, per answer file."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nncheck.errors import Location, NncheckError

CORRECT, WRONG, INVALID, MISSING = "correct", "wrong", "invalid", "missing"
FOLLOW_THROUGH = "follow_through"  # wrong, but right for the student's own earlier wrong answers (based_on)


@dataclass(eq=False)
class ItemResult:
    id: str
    verdict: str
    points: float
    max_points: float
    visibility: str = "visible"
    diagnosis: str | None = None
    message: str = ""
    answer: np.ndarray | str | None = None
    expected: np.ndarray | str | None = None
    location: Location | None = None
    wrong_entries: tuple = ()                       # indices (in expected's shape) outside their interval
    formula_value: np.ndarray | None = None         # a wrong formula's value at the problem's numbers
    based_on: tuple = ()                            # follow_through: the ids of the wrong answers it was built on
    read_as: str | None = None                      # a formula in another notation, as nncheck read it
    expected_text: str | None = None                # how a table shows `expected` when numbers do not say it all


@dataclass(eq=False)
class Verification:
    answers_path: str
    problem: object
    student: str
    items: list[ItemResult]
    ignored: list[str] = field(default_factory=list)
    withheld_checks: int = 0
    withheld_points: float = 0.0
    did_you_mean: dict[str, str] = field(default_factory=dict)  # ignored key -> the asked key it resembles
    chosen: tuple = ()          # `verify --item`: the only items checked (all when empty)

    @property
    def score(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def max_score(self) -> float:
        return sum(item.max_points for item in self.items)

    @property
    def all_correct(self) -> bool:
        return all(item.verdict == CORRECT for item in self.items)


@dataclass(eq=False)
class BrokenFile:
    """An answer file that could not be graded, and the points of its problem where known."""

    path: str
    error: NncheckError
    max_score: float = 0.0
    problem: str | None = None


@dataclass(eq=False)
class Submission:
    """One hand-in as `verify` saw it: the verified answer files, the files that could not be
    used (each with its error), and the seconds it took. Machine formats write this."""

    verifications: list[Verification]
    broken: list[BrokenFile] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(verification.score for verification in self.verifications)

    @property
    def max_score(self) -> float:
        return (sum(verification.max_score for verification in self.verifications)
                + sum(broken.max_score for broken in self.broken))
