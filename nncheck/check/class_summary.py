"""A class's summary, counted as its records pass: the score distribution of each problem
(histogram, mean, median, lowest, highest) and per item the verdicts, the points and the
commonest mistake. Nothing but a score per graded file is kept, so a class of any size is
summarised in bounded memory, and the figures are those of the whole list (exact sums)."""

from __future__ import annotations

import math
import statistics
from array import array
from collections import Counter
from dataclasses import dataclass

from nncheck.check.results import ItemResult

HISTOGRAM_BINS = 10
COUNTED_VERDICTS = ("correct", "follow_through", "wrong", "invalid", "missing")


@dataclass(eq=False)
class ProblemInfo:
    path: str
    title: str
    max_score: float
    items: list[tuple[str, float, str]]
    error: str | None = None
    varies: bool = False            # each student has their own numbers (`vary:`)

    def json(self) -> dict:
        return {"path": self.path, "title": self.title, "max_score": self.max_score, "items": self.items,
                "error": self.error, "varies": self.varies}

    @classmethod
    def from_json(cls, entry: dict) -> "ProblemInfo":
        return cls(**dict(entry, items=[tuple(item) for item in entry["items"]]))


@dataclass(eq=False)
class ItemSummary:
    id: str
    max_points: float
    visibility: str
    counts: dict[str, int]
    mean_points: float
    top_diagnosis: str | None
    top_diagnosis_count: int

    def json(self) -> dict:
        return {"id": self.id, "max_points": self.max_points, "visibility": self.visibility, "counts": self.counts,
                "mean_points": self.mean_points, "top_diagnosis": self.top_diagnosis,
                "top_diagnosis_count": self.top_diagnosis_count}


@dataclass(eq=False)
class ProblemSummary:
    problem: ProblemInfo
    graded: int
    broken: int
    mean: float | None
    median: float | None
    lowest: float | None
    highest: float | None
    histogram: list[int]
    items: list[ItemSummary]


class ExactSum:
    """A running sum kept exactly (Shewchuk's partials, as math.fsum keeps them): `total()` is
    math.fsum of every number added, so a mean streamed is the mean of the whole list."""

    def __init__(self):
        self.partials: list[float] = []

    def add(self, x: float) -> None:
        partials, kept = self.partials, 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            high = x + y
            low = y - (high - x)
            if low:
                partials[kept] = low
                kept += 1
            x = high
        partials[kept:] = [x]

    def total(self) -> float:
        return math.fsum(self.partials)


class ItemTally:
    """One asked item across the class: verdicts, diagnoses of wrong answers, points."""

    def __init__(self):
        self.verdicts: Counter = Counter()
        self.diagnoses: Counter = Counter()
        self.points, self.answers = ExactSum(), 0

    def add(self, item: ItemResult) -> None:
        self.verdicts[item.verdict] += 1
        if item.diagnosis and item.verdict != "correct":
            self.diagnoses[item.diagnosis] += 1
        self.points.add(item.points)
        self.answers += 1


class ProblemTally:
    """One problem across the class, counted record by record: a score per graded file (eight
    bytes each, for the median) and a running tally per item."""

    def __init__(self, problem: ProblemInfo):
        self.problem, self.records, self.scores = problem, 0, array("d")
        self.items = {item_id: ItemTally() for item_id, _, _ in problem.items}

    def add(self, record) -> None:
        self.records += 1
        if record.status != "graded":
            return
        self.scores.append(record.score)
        for item in record.items:
            tally = self.items.get(item.id)
            if tally is not None:
                tally.add(item)

    def summary(self) -> ProblemSummary:
        scores, problem = self.scores, self.problem
        return ProblemSummary(
            problem=problem, graded=len(scores), broken=self.records - len(scores),
            mean=statistics.fmean(scores) if scores else None,
            median=float(statistics.median(scores)) if scores else None,
            lowest=min(scores) if scores else None, highest=max(scores) if scores else None,
            histogram=histogram(scores, problem.max_score),
            items=[_item_summary(item_id, max_points, visibility, self.items[item_id])
                   for item_id, max_points, visibility in problem.items])


def _item_summary(item_id: str, max_points: float, visibility: str, tally: ItemTally) -> ItemSummary:
    diagnoses = tally.diagnoses
    top = min(diagnoses.items(), key=lambda pair: (-pair[1], pair[0])) if diagnoses else (None, 0)
    return ItemSummary(id=item_id, max_points=max_points, visibility=visibility,
                       counts={verdict: tally.verdicts.get(verdict, 0) for verdict in COUNTED_VERDICTS},
                       mean_points=tally.points.total() / tally.answers if tally.answers else 0.0,
                       top_diagnosis=top[0], top_diagnosis_count=top[1])


class Tally:
    """The class summary, counted as records pass by: files, files not graded (and the first
    FIRST_BROKEN of them, for the table), whether any answer follows through, and per problem."""

    FIRST_BROKEN = 10

    def __init__(self, problems: list[ProblemInfo]):
        self.files, self.broken, self.first_broken, self.followed = 0, 0, [], False
        self._summaries: list[ProblemSummary] | None = None
        self.problems = [ProblemTally(problem) for problem in problems]
        self._by_path: dict[str, list[ProblemTally]] = {}
        for tally in self.problems:
            self._by_path.setdefault(tally.problem.path, []).append(tally)

    def add(self, record) -> None:
        self.files += 1
        if record.status != "graded":
            self.broken += 1
            if len(self.first_broken) < self.FIRST_BROKEN:
                self.first_broken.append(record)
        self.followed = self.followed or any(item.verdict == "follow_through" for item in record.items)
        for tally in self._by_path.get(record.problem, ()):
            tally.add(record)

    def summaries(self) -> list[ProblemSummary]:
        if self._summaries is None:
            self._summaries = [tally.summary() for tally in self.problems]
        return self._summaries


def histogram(scores: list[float], max_score: float) -> list[int]:
    """Counts of scores in HISTOGRAM_BINS equal bins from 0 to max_score (full marks in the last)."""
    counts = [0] * HISTOGRAM_BINS
    for score in scores:
        fraction = score / max_score if max_score > 0 else 1.0
        counts[min(HISTOGRAM_BINS - 1, max(0, int(fraction * HISTOGRAM_BINS)))] += 1
    return counts


def bin_edges(max_score: float) -> list[float]:
    return [max_score * k / HISTOGRAM_BINS for k in range(HISTOGRAM_BINS + 1)]
