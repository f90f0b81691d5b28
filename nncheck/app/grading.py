"""Grading a class: every answer file read once and graded in parallel into a gradebook.

Workers return plain records (nncheck/check/gradebook.py) as the JSON a shard writes and
`nncheck merge` reads back, so one run and merged shards give the same gradebook; they are
kept in a temporary file, not in memory, so a class of any size is graded in bounded memory.
"""

from __future__ import annotations

import os
import re
from array import array
from itertools import chain, islice
from dataclasses import replace

from nncheck.app.problem_choice import ProblemChoice
from nncheck.app.verify_many import Checkers, iter_answer_files, problem_of_broken, require_grader_file, verify_file
from nncheck.errors import NncheckError
from nncheck.read.yamlfile import top_level_text
from nncheck.check.class_summary import ProblemInfo, Tally, counted_items
from nncheck.check.gradebook import (DuplicateFinder, GradedFile, Gradebook, RecordSpill, Shard, duplicate_key,
                                     duplicate_note)
from nncheck.formats.json import plain_dumps
from nncheck.check.results import BrokenFile, ItemResult
from nncheck.read.answers import AnswerFile
from nncheck.check.hidden import is_shown

_SHARD = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$")
HIDDEN_MESSAGE = "hidden check (details hidden; pass --show-hidden to see them)"


def parse_shard(text: str | None) -> Shard | None:
    """`K/N` (1 <= K <= N) -> Shard, or an error saying how to write it."""
    if text is None:
        return None
    match = _SHARD.match(text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)) <= 10_000:
        raise NncheckError(f"--shard {text!r}: write K/N with 1 <= K <= N, such as 1/4")
    return Shard(int(match.group(1)), int(match.group(2)))


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def class_files(found, shard: Shard | None) -> tuple[list[str], set[str]]:
    """Every candidate file once (`found`: app/verify_many.py iter_answer_files), in path
    order, and the ones named one by one; with a shard, every N-th of them."""
    files, named = [], set()
    for path, by_name in found:
        files.append(path)
        if by_name:
            named.add(path)
    files.sort()
    if shard is not None:
        files = files[shard.index - 1::shard.count]
    return files, named


def grade_paths(paths, problem_override, jobs: int, shard: Shard | None,
                show_hidden: bool, secrets=(), problem_dirs=()) -> Gradebook:
    """Grade every answer file under `paths` (this shard of them) with `jobs` processes, against
    the grader's problems (`problem_override`: one path or several, and `problem_dirs`; see
    app/problem_choice.py): never a problem file found among the answers.

    Records stream from the workers, in path order, into a RecordSpill (a temporary file) that
    every writer reads back: the parent keeps the sorted file names while grading, and 32 bytes
    a file to find duplicates; the summary keeps a score a file, for the medians. The workers
    are started before the files are listed, so they do not inherit the list."""
    problem_override = ProblemChoice.of(problem_override, problem_dirs, paths, guard=True)
    settings = (problem_override, show_hidden, list(secrets), list(paths))
    found = iter_answer_files(paths)
    enough = 2 * jobs * (shard.count if shard else 1)      # files for a pool to be worth starting
    head = list(islice(found, enough)) if jobs > 1 else []
    pool = _pool(jobs, settings) if jobs > 1 and len(head) == enough else None
    try:
        files, named = class_files(chain(head, found), shard)
        entries = ((path, path in named) for path in files)
        if pool is None or len(files) < 2 * jobs:
            _start_worker(*settings)
            lines = map(graded_line, entries)
        else:
            lines = pool.imap(graded_line, entries, chunksize=max(1, min(64, len(files) // (jobs * 8))))
        gradebook = _spilled(lines, files, shard, secrets)
    finally:
        if pool is not None:
            pool.terminate()
    gradebook.files.problems = {info.path: info for info in gradebook.problems}
    return gradebook


def _name_problem(record: GradedFile, path: str, known: dict) -> None:
    """One name for each problem, whichever worker loaded it under which of the answer files'
    spellings (`../p.yaml`, `/course/p.yaml`): the first file's in path order, as one process does."""
    if record.problem == path:
        return
    if record.broken_result:
        record.result.problem = path
        return
    info = known.get(path)
    record.result.problem = replace(record.result.problem, path=path, title=info.title if info else "",
                                    varies=bool(info and info.varies))


def _pool(jobs: int, settings):
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    return context.Pool(jobs, initializer=_start_worker, initargs=settings)


def _spilled(lines, files: list[str], shard: Shard | None, secrets) -> Gradebook:
    """The records, as they arrive, into a spill; then the problems they name, the duplicates,
    and what a broken file's record takes from its problem (`fixes`, applied as it is read)."""
    spill, finder, tally, skipped = RecordSpill(), DuplicateFinder(), Tally(), []
    problems, spilled_files = set(), array("q")
    named_first: dict[str, str] = {}    # a problem's path as the first file in path order names it
    for index, graded in enumerate(lines):
        if graded is None:
            skipped.append(files[index])
            continue
        line, problem, status, score, items, key = graded
        if problem is not None:
            problem = named_first.setdefault(os.path.abspath(problem), problem)
            problems.add(problem)
        finder.add(len(spill), key if status == "graded" else None)
        tally.count(problem, status, score, items)
        spilled_files.append(index)
        spill.append(line, status == "graded")
    duplicates = finder.duplicates()
    counted = {first: files[spilled_files[first]] for first in set(duplicates.values())}
    for record in spill.records_at(sorted(duplicates)):     # read before the fixes are set: as graded
        tally.ungrade(named_first[os.path.abspath(record.problem)], record.score, counted_items(record.items))
    infos = _problem_infos(sorted(problems), secrets)
    known = {info.path: info for info in infos}
    only = infos[0].path if len(known) == 1 else None
    if only is not None:
        tally.place(only)

    def fixes(position: int, record: GradedFile) -> None:
        if record.problem is not None:
            _name_problem(record, named_first.get(os.path.abspath(record.problem), record.problem), known)
        if record.status == "broken":
            if record.problem is None and only is not None:
                record.result.problem = only
            info = known.get(record.problem)
            if info is not None:
                record.result.max_score = info.max_score
        first = duplicates.get(position)
        if first is not None:
            record.status, record.note = "duplicate", duplicate_note(record.student, counted[first])

    spill.fixes, spill.duplicates = fixes, set(duplicates)
    return Gradebook(problems=infos, files=spill, skipped=skipped, shard=shard, counted=tally)


_worker: dict = {}


def _start_worker(problem_override: ProblemChoice, show_hidden: bool, secrets: list, paths=()) -> None:
    _worker.clear()
    _worker.update(problem_override=problem_override, show_hidden=show_hidden,
                   checkers=Checkers(secrets, require_gradable, allow_base=False, roster=lambda: class_students(paths)))


def class_students(paths) -> list[str]:
    """The `student:` of every answer file of the whole class (every shard: the diagnosis of an
    answer that fits a classmate's numbers must not depend on the shard), read from the text."""
    students = {top_level_text(path, "student") or "" for path, _ in iter_answer_files(paths)}
    return sorted(student for student in students if student.strip())


def graded_line(entry: tuple[str, bool]):
    """One answer file graded, as its record's JSON line with what the parent counts: the
    problem's path, the status, the score, the items (class_summary.counted_items) and the
    duplicate key (None: not an answer file)."""
    record = grade_file(entry)
    if record is None:
        return None
    problem = os.path.abspath(record.problem) if record.problem is not None else None
    return (plain_dumps(record.json()).encode("utf-8"), record.problem, record.status, record.score,
            counted_items(record.items), duplicate_key(record.student, problem))


def grade_file(entry: tuple[str, bool]) -> GradedFile | None:
    """One answer file graded (None: found in a directory, not an answer file)."""
    path, named = entry
    override = _worker["problem_override"]
    try:
        verification = verify_file(path, named, override, _worker["checkers"])
    except NncheckError as error:
        broken = BrokenFile(path, str(error), 0.0, problem_of_broken(path, override),
                            top_level_text(path, "student") or "")
        return GradedFile(broken, "broken")
    if verification is None:
        return None
    items = [_graded_item(item, _worker["show_hidden"]) for item in verification.items]
    return GradedFile(replace(verification, items=items), "graded")


def _graded_item(item: ItemResult, show_hidden: bool) -> ItemResult:
    """The item as the gradebook keeps it: verdict and points, no values; the diagnosis and
    message of a hidden item redacted unless `show_hidden`."""
    hidden = not is_shown(item, show_hidden)
    return ItemResult(id=item.id, verdict=item.verdict, points=item.points, max_points=item.max_points,
                      visibility=item.visibility, diagnosis=None if hidden else item.diagnosis,
                      message=HIDDEN_MESSAGE if hidden else item.message)


def require_gradable(checker) -> None:
    require_asks(checker)
    require_grader_file(checker)


def require_asks(checker) -> None:
    """grade scores every student out of the same items, so the problem must list them."""
    problem = checker.problem
    if not problem.asks:
        raise NncheckError(
            f"{problem.path} has no ask: list, so each student would be scored out of the answers they "
            "happened to give; add ask: with every item and its points (docs/answer-format.md), then grade again")


def _problem_infos(paths: list[str], secrets) -> list[ProblemInfo]:
    """Title, items and maximum score of every problem the records name, from the problem itself."""
    checkers = Checkers(secrets, require_gradable, allow_base=False)
    infos = []
    for path in paths:
        try:
            checker = checkers.get(path)
        except NncheckError as error:
            infos.append(ProblemInfo(path=path, title="", max_score=0.0, items=[], error=str(error)))
            continue
        blank = checker.verify(AnswerFile(path, path, ""))
        infos.append(ProblemInfo(path=path, title=checker.problem.title, max_score=blank.max_score,
                                 items=[(item.id, item.max_points, item.visibility) for item in blank.items],
                                 varies=checker.problem.variation is not None))
    return infos
