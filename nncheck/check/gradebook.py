"""A class's results: one record per answer file, the problems they answer, and the summary
a teacher reads (score distribution, per item right/wrong/missing and the commonest mistake).

Records are plain data, so they cross process boundaries and JSON unchanged (each writes its
own JSON, field by field: no dataclasses.asdict, which deep-copies and costs a fifth of a
grade); shards written by `grade --shard` are read back here and merged into the gradebook
one run would give. An item is the ItemResult of nncheck/check/results.py, kept without values.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from nncheck.check.class_summary import ProblemInfo, ProblemSummary, Tally
from nncheck.check.results import BrokenFile, ItemResult, ProblemFacts, VariantFacts, Verification
from nncheck.errors import Location, NncheckError
from nncheck.read.vary import normalised_id

GRADEBOOK_VERSION = 1
MAX_GRADEBOOK_BYTES = 500_000_000


@dataclass(eq=False)
class Shard:
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(eq=False)
class GradedFile:
    """One answer file of a class: the record verify makes of it (a Verification, its items
    kept without values, or a BrokenFile: unreadable, or its problem is), and how it counts:
    `graded`, `broken`, or `duplicate` (a second file of a student; `note` names the one that
    counts). Its other fields are the result's, read through."""

    result: Verification | BrokenFile
    status: str
    note: str | None = None

    @cached_property
    def broken_result(self) -> bool:
        return isinstance(self.result, BrokenFile)

    @property
    def file(self) -> str:
        return self.result.path if self.broken_result else self.result.answers_path

    @property
    def student(self) -> str:
        return self.result.student

    @property
    def problem(self) -> str | None:
        """The path of the problem (None: a broken file whose problem cannot be told)."""
        return self.result.problem if self.broken_result else self.result.problem.path

    @cached_property
    def score(self) -> float:
        """Its points (added up once: a record's items do not change)."""
        return 0.0 if self.broken_result else self.result.score

    @property
    def max_score(self) -> float:
        return self.result.max_score

    @property
    def items(self) -> list[ItemResult]:
        return [] if self.broken_result else self.result.items

    @property
    def error(self) -> str | None:
        return self.note if self.note is not None else str(self.result.error) if self.broken_result else None

    @property
    def seed(self) -> int | None:
        """The seed of the student's variant (None: the problem's own numbers, or broken)."""
        return None if self.broken_result else self.result.problem.seed

    def json(self) -> dict:
        return {"file": self.file, "student": self.student, "problem": self.problem, "status": self.status,
                "score": self.score, "max_score": self.max_score,
                "items": [item.gradebook_record() for item in self.items], "error": self.error, "seed": self.seed}

    @classmethod
    def from_json(cls, entry: dict, problems: dict[str, "ProblemInfo"]) -> "GradedFile":
        """A record read back from `json()`; `problems` (by path) give the titles."""
        if set(entry) != set(GRADED_FILE_FIELDS):
            raise TypeError(f"a file has the keys {', '.join(GRADED_FILE_FIELDS)}, not {', '.join(map(str, entry))}")
        items = [ItemResult.from_gradebook_record(item) for item in entry["items"]]
        if entry["status"] == "broken":
            if items or entry["score"] != 0 or entry["seed"] is not None:
                raise ValueError(f"{entry['file']}: a broken file has no items, score or seed")
            result = BrokenFile(entry["file"], entry["error"], entry["max_score"], entry["problem"], entry["student"])
            return cls(result, "broken")
        if entry["status"] not in ("graded", "duplicate") or not isinstance(entry["problem"], str):
            raise ValueError(f"{entry['file']}: status {entry['status']!r} of a file with problem {entry['problem']!r}")
        info = problems.get(entry["problem"])
        seed = entry["seed"]
        facts = ProblemFacts(entry["problem"], info.title if info else "",
                             VariantFacts(normalised_id(entry["student"]), seed) if seed is not None else None,
                             bool(info and info.varies))
        made = cls(Verification(entry["file"], facts, entry["student"], items), entry["status"],
                   entry["error"] if entry["status"] == "duplicate" else None)
        if (made.score, made.max_score) != (entry["score"], entry["max_score"]):
            raise ValueError(f"{entry['file']}: score {entry['score']} / {entry['max_score']} is not the sum of its items")
        return made


GRADED_FILE_FIELDS = ("file", "student", "problem", "status", "score", "max_score", "items", "error", "seed")


@dataclass(eq=False)
class Gradebook:
    """A class's records: `files` a list, or a RecordSpill (a class of any size, read back from
    a temporary file each time it is iterated), in path order."""

    problems: list[ProblemInfo]
    files: "list[GradedFile] | RecordSpill"
    skipped: list[str] = field(default_factory=list)
    shard: Shard | None = None
    counted: Tally | None = None        # the tally, when grade counted it as the files were graded
    _summaries: list[ProblemSummary] | None = field(default=None, repr=False)

    def tally(self) -> Tally:
        """The class counted (once: in one pass over the records, unless grade counted it)."""
        if self.counted is None:
            tally = Tally()
            for record in self.files:
                tally.add(record)
            self.counted = tally
        return self.counted

    def summaries(self) -> list[ProblemSummary]:
        if self._summaries is None:
            self._summaries = self.tally().summaries(self.problems)
        return self._summaries

    def not_graded(self):
        """The records of the files not graded (broken or duplicate), in path order; from a
        spill only their lines are read."""
        if isinstance(self.files, RecordSpill):
            return self.files.records_at(self.files.not_graded_positions())
        return (record for record in self.files if record.status != "graded")


def duplicate_key(student: str, problem: str | None) -> bytes | None:
    """What makes two graded files one student's twice: 16 bytes of BLAKE2b of the normalised
    `student:` and the problem (None for a file without either, which is never a duplicate)."""
    student = normalised_id(student)
    if not student or problem is None:
        return None
    return hashlib.blake2b(f"{student}\0{problem}".encode("utf-8", "surrogatepass"), digest_size=16).digest()


class DuplicateFinder:
    """A student counts once per problem: of graded files with the same `student:` and problem,
    the first in path order counts and the later ones are `duplicate`. Keys are added in path
    order (16 bytes per file, in arrays); `duplicates()` sorts them once, with numpy."""

    def __init__(self):
        self._keys, self._positions = bytearray(), array("q")

    def add(self, position: int, key: bytes | None) -> None:
        if key is not None:
            self._keys += key
            self._positions.append(position)

    def duplicates(self) -> dict[int, int]:
        """{position of a duplicate: position of the file that counts}."""
        if not self._positions:
            return {}
        keys = np.frombuffer(bytes(self._keys), dtype=">u8").reshape(-1, 2)
        positions = np.frombuffer(self._positions, dtype=np.int64)
        order = np.lexsort((positions, keys[:, 1], keys[:, 0]))
        sorted_keys = keys[order]
        same = np.all(sorted_keys[1:] == sorted_keys[:-1], axis=1)
        if not same.any():
            return {}
        starts = np.where(np.concatenate(([True], ~same)), np.arange(len(order)), 0)
        firsts = positions[order][np.maximum.accumulate(starts)]
        later = np.flatnonzero(np.concatenate(([False], same)))
        return {int(positions[order][k]): int(firsts[k]) for k in later}


def duplicate_note(student: str, first_file: str) -> str:
    return (f"a second answer file of student {student} for this problem; the student is counted "
            f"once, by {first_file}")


def flag_duplicates(files: list[GradedFile]) -> None:
    """Mark the later files of a student for one problem `duplicate` (`files` in path order)."""
    finder = DuplicateFinder()
    for position, record in enumerate(files):
        finder.add(position, duplicate_key(record.student, record.problem) if record.status == "graded" else None)
    for position, first in finder.duplicates().items():
        record = files[position]
        record.status, record.note = "duplicate", duplicate_note(record.student, files[first].file)


class RecordSpill:
    """A class's records in a temporary file, one JSON line each (GradedFile.json), read back in
    order each time it is iterated: memory stays flat however large the class. `fixes`, set
    once every record is in, completes a record as it is read (see app/grading.py)."""

    BLOCK = 1 << 20

    def __init__(self):
        self._file = tempfile.TemporaryFile()
        self._count = 0
        self.problems: dict[str, ProblemInfo] = {}
        self.fixes = None
        self.broken = array("q")        # positions of the records not graded as written
        self.duplicates: set[int] = set()   # positions the fixes make `duplicate`

    def append(self, line: bytes, graded: bool = True) -> None:
        """One record's JSON (no newline in it: JSON escapes them)."""
        if not graded:
            self.broken.append(self._count)
        self._file.write(line + b"\n")
        self._count += 1

    def not_graded_positions(self) -> list[int]:
        return sorted(set(self.broken) | self.duplicates)

    def __len__(self) -> int:
        return self._count

    def lines(self):
        """Each record's JSON line, in order (independent of any other reader)."""
        self._file.flush()
        descriptor, offset, rest = self._file.fileno(), 0, b""
        while True:
            block = os.pread(descriptor, self.BLOCK, offset)
            if not block:
                break
            offset += len(block)
            *whole, rest = (rest + block).split(b"\n")
            yield from whole
        if rest:
            yield rest

    def __iter__(self):
        for position, line in enumerate(self.lines()):
            yield self._record(position, line)

    def records_at(self, positions: list[int]):
        """The records at these positions (ascending), only their lines read as JSON."""
        wanted = iter(positions)
        position_wanted = next(wanted, None)
        for position, line in enumerate(self.lines()):
            if position_wanted is None:
                return
            if position == position_wanted:
                yield self._record(position, line)
                position_wanted = next(wanted, None)

    def _record(self, position: int, line: bytes) -> GradedFile:
        record = GradedFile.from_json(json.loads(line.decode("utf-8")), self.problems)
        if self.fixes is not None:
            self.fixes(position, record)
        return record

    def close(self) -> None:
        self._file.close()


# --- shards: the gradebook's records as JSON and back -----------------------------------


def records_json(gradebook: Gradebook, files: bool = True) -> dict:
    """The records of the gradebook (what `merge` reads back); without `files`, its place
    holds None (for a writer that streams them)."""
    return {
        "version": GRADEBOOK_VERSION,
        "shard": str(gradebook.shard) if gradebook.shard else None,
        "problems": [problem.json() for problem in gradebook.problems],
        "files": [record.json() for record in gradebook.files] if files else None,
        "skipped": list(gradebook.skipped),
    }


def read_gradebook(path: str) -> Gradebook:
    """A shard written by `grade --format json`, read back."""

    try:
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:  # a FIFO: no wait
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise NncheckError("not a regular file", Location(path))
            raw = handle.read(MAX_GRADEBOOK_BYTES + 1)
    except OSError as error:
        raise NncheckError(f"cannot read file: {error.strerror or error}", Location(path)) from None
    if len(raw) > MAX_GRADEBOOK_BYTES:
        raise NncheckError(f"file is larger than {MAX_GRADEBOOK_BYTES // 1_000_000} MB", Location(path))
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except ValueError as error:
        raise NncheckError(f"not the JSON output of nncheck grade ({error})", Location(path)) from None
    return gradebook_from_json(data, path)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not strict JSON")


def gradebook_from_json(data, source: str) -> Gradebook:
    """A gradebook from `grade --format json` output, or an error naming what is wrong with it."""
    try:
        if data.get("version") != GRADEBOOK_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {GRADEBOOK_VERSION}")
        problems = [ProblemInfo.from_json(entry) for entry in data["problems"]]
        by_path = {problem.path: problem for problem in problems}
        files = [GradedFile.from_json(entry, by_path) for entry in data["files"]]
        shard = data.get("shard")
        return Gradebook(problems, files, list(data.get("skipped", [])),
                         Shard(*map(int, shard.split("/"))) if shard else None)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise NncheckError(f"not the JSON output of nncheck grade ({error})", Location(source)) from None


def merge(gradebooks: list[Gradebook], sources: list[str]) -> Gradebook:
    """Shards 1..N of one class, each exactly once, joined into the gradebook of one run."""
    shards = [book.shard for book in gradebooks]
    if all(shard is None for shard in shards) and len(gradebooks) == 1:
        return gradebooks[0]
    counts = {shard.count for shard in shards if shard is not None}
    if None in shards or len(counts) != 1:
        raise NncheckError("merge takes the outputs of grade --shard K/N for one N; got "
                           + ", ".join(f"{source} ({shard or 'no shard'})" for source, shard in zip(sources, shards)))
    count = counts.pop()
    given = Counter(shard.index for shard in shards)
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in given]
    twice = [f"{k}/{count}" for k, times in sorted(given.items()) if times > 1]
    if missing or twice:
        parts = ([f"missing shard {', '.join(missing)}"] if missing else []) + \
                ([f"shard {', '.join(twice)} given twice"] if twice else [])
        raise NncheckError(f"cannot merge: {'; '.join(parts)}")
    problems = {}
    for book in gradebooks:
        for problem in book.problems:
            problems.setdefault(problem.path, problem)
    files = sorted((record for book in gradebooks for record in book.files), key=lambda r: r.file)
    flag_duplicates(files)
    return Gradebook(problems=[problems[path] for path in sorted(problems)],
                     files=files,
                     skipped=sorted(path for book in gradebooks for path in book.skipped))
