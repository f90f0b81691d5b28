"""What verification produces: a verdict, points and a reason per item, per answer file.

Every record here is plain data: the problem an answer file was checked against is named by
its facts (ProblemFacts, made once per problem and variant), never by the live Problem, so
every format writes these records and nothing else, and a record survives copying and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nncheck.errors import Location, NncheckError
from nncheck.read.vary import variant_line

CORRECT, WRONG, INVALID, MISSING = "correct", "wrong", "invalid", "missing"
FOLLOW_THROUGH = "follow_through"  # wrong, but right for the student's own earlier wrong answers (based_on)


@dataclass(frozen=True)
class VariantFacts:
    """Whose numbers a student's variant has: the id as given and the seed."""

    student: str
    seed: int

    def json(self) -> dict:
        return {"student": self.student, "seed": self.seed}


@dataclass(frozen=True)
class ProblemFacts:
    """What reports say about the problem (or a student's variant of it) an answer file was
    checked against: its path, title, variant and the line that names whose numbers it has."""

    path: str
    title: str
    variant: VariantFacts | None = None     # None: the problem's own numbers
    varies: bool = False                    # the problem gives every student their own numbers (`vary:`)
    variant_line: str | None = None         # whose numbers, for people (None when it does not vary, and
                                            # in a gradebook read back, which keeps the seed only)

    @property
    def seed(self) -> int | None:
        return self.variant.seed if self.variant is not None else None

    @classmethod
    def of(cls, problem) -> "ProblemFacts":
        """The facts of a read problem (nncheck/read/problem.py), taken once."""
        variant = problem.variant
        return cls(problem.path, problem.title,
                   VariantFacts(variant.student, variant.seed) if variant is not None else None,
                   problem.variation is not None, variant_line(problem))


GRADEBOOK_ITEM_FIELDS = ("id", "verdict", "points", "max_points", "visibility", "diagnosis", "message")


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

    def gradebook_record(self) -> dict:
        """The item as a gradebook keeps it (`grade --format json`, what `merge` reads back)."""
        return {"id": self.id, "verdict": self.verdict, "points": self.points, "max_points": self.max_points,
                "visibility": self.visibility, "diagnosis": self.diagnosis, "message": self.message}

    @classmethod
    def from_gradebook_record(cls, entry: dict) -> "ItemResult":
        """An item read back from `gradebook_record` (exactly its keys, or a TypeError)."""
        if tuple(entry) != GRADEBOOK_ITEM_FIELDS and set(entry) != set(GRADEBOOK_ITEM_FIELDS):
            raise TypeError(f"an item has the keys {', '.join(GRADEBOOK_ITEM_FIELDS)}, not {', '.join(map(str, entry))}")
        return cls(**entry)


@dataclass(eq=False)
class Verification:
    answers_path: str
    problem: ProblemFacts
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
    """An answer file that could not be graded, and the points of its problem where known
    (`problem`: its path, None when it cannot be told). `error` is the error, or its text
    where it crossed a process boundary or was read back from a gradebook."""

    path: str
    error: NncheckError | str
    max_score: float = 0.0
    problem: str | None = None
    student: str = ""           # the file's `student:` where it could be read


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
