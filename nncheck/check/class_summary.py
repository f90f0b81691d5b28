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

    def add(self, verdict: str, points: float, diagnosis: str | None, times: int = 1) -> None:
        """Count an answer (`times` -1: take one back out)."""
        self.verdicts[verdict] += times
        if diagnosis and verdict != "correct":
            self.diagnoses[diagnosis] += times
            if not self.diagnoses[diagnosis]:
                del self.diagnoses[diagnosis]
        self.points.add(points * times)
        self.answers += times


class ProblemTally:
    """One problem across the class, counted file by file: a score per graded file (eight
    bytes each, for the median) and a running tally per item."""

    def __init__(self):
        self.records, self.scores = 0, array("d")
        self.items: dict[str, ItemTally] = {}

    def add(self, graded: bool, score: float, items) -> None:
        self.records += 1
        if graded:
            self.scores.append(score)
            self._add_items(items, 1)

    def ungrade(self, score: float, items) -> None:
        """A graded file counted as not graded after all (a duplicate)."""
        self.scores.remove(score)       # one score of that value: the same multiset either way
        self._add_items(items, -1)

    def _add_items(self, items, times: int) -> None:
        for item_id, verdict, points, diagnosis in items:
            tally = self.items.get(item_id)
            if tally is None:
                tally = self.items[item_id] = ItemTally()
            tally.add(verdict, points, diagnosis, times)

    def summary(self, problem: ProblemInfo) -> ProblemSummary:
        scores = self.scores
        return ProblemSummary(
            problem=problem, graded=len(scores), broken=self.records - len(scores),
            mean=statistics.fmean(scores) if scores else None,
            median=float(statistics.median(scores)) if scores else None,
            lowest=min(scores) if scores else None, highest=max(scores) if scores else None,
            histogram=histogram(scores, problem.max_score),
            items=[_item_summary(item_id, max_points, visibility, self.items.get(item_id) or ItemTally())
                   for item_id, max_points, visibility in problem.items])


def _item_summary(item_id: str, max_points: float, visibility: str, tally: ItemTally) -> ItemSummary:
    diagnoses = tally.diagnoses
    top = min(diagnoses.items(), key=lambda pair: (-pair[1], pair[0])) if diagnoses else (None, 0)
    return ItemSummary(id=item_id, max_points=max_points, visibility=visibility,
                       counts={verdict: tally.verdicts.get(verdict, 0) for verdict in COUNTED_VERDICTS},
                       mean_points=tally.points.total() / tally.answers if tally.answers else 0.0,
                       top_diagnosis=top[0], top_diagnosis_count=top[1])


def counted_items(items) -> list[tuple]:
    """(id, verdict, points, diagnosis) of each item: what the tally counts of it."""
    return [(item.id, item.verdict, item.points, item.diagnosis) for item in items]


class Tally:
    """The class summary, counted as the files pass: files, files not graded, whether any
    answer follows through, and per problem (by path) the scores and item tallies. Fed records
    (`add`) or, by grade's parent process, what the workers counted (`count`)."""

    def __init__(self):
        self.files, self.broken, self.followed = 0, 0, False
        self.by_path: dict[str | None, ProblemTally] = {}

    def add(self, record) -> None:
        self.count(record.problem, record.status, record.score, counted_items(record.items))

    def count(self, problem: str | None, status: str, score: float, items: list[tuple]) -> None:
        self.files += 1
        graded = status == "graded"
        self.broken += not graded
        self.followed = self.followed or any(verdict == "follow_through" for _, verdict, _, _ in items)
        tally = self.by_path.get(problem)
        if tally is None:
            tally = self.by_path[problem] = ProblemTally()
        tally.add(graded, score, items)

    def ungrade(self, problem: str, score: float, items: list[tuple]) -> None:
        """A graded file turned out not to count (a second file of a student)."""
        self.broken += 1
        self.by_path[problem].ungrade(score, items)

    def place(self, problem: str) -> None:
        """The files whose problem could not be told count for `problem` (the class's only one)."""
        unplaced = self.by_path.pop(None, None)
        if unplaced is not None:
            self.by_path.setdefault(problem, ProblemTally()).records += unplaced.records

    def summaries(self, problems: list[ProblemInfo]) -> list[ProblemSummary]:
        return [self.by_path.get(problem.path, ProblemTally()).summary(problem) for problem in problems]


def histogram(scores: list[float], max_score: float) -> list[int]:
    """Counts of scores in HISTOGRAM_BINS equal bins from 0 to max_score (full marks in the last)."""
    counts = [0] * HISTOGRAM_BINS
    for score in scores:
        fraction = score / max_score if max_score > 0 else 1.0
        counts[min(HISTOGRAM_BINS - 1, max(0, int(fraction * HISTOGRAM_BINS)))] += 1
    return counts


def bin_edges(max_score: float) -> list[float]:
    return [max_score * k / HISTOGRAM_BINS for k in range(HISTOGRAM_BINS + 1)]
