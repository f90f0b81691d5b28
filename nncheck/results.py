"""What verification produces: a verdict, points and a reason per item, per answer file."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CORRECT, WRONG, INVALID, MISSING = "correct", "wrong", "invalid", "missing"


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


@dataclass(eq=False)
class Verification:
    answers_path: str
    problem: object
    student: str
    items: list[ItemResult]
    ignored: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def max_score(self) -> float:
        return sum(item.max_points for item in self.items)

    @property
    def all_correct(self) -> bool:
        return all(item.verdict == CORRECT for item in self.items)
