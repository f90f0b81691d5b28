"""Grading a class: every answer file read once and graded in parallel into a gradebook.

Workers return plain records (nncheck/check/gradebook.py), the same records a shard writes as
JSON and `nncheck merge` reads back, so one run and merged shards give the same gradebook.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from nncheck.app.problem_choice import ProblemChoice
from nncheck.app.verify_many import Checkers, answer_files, problem_of_broken, verify_file
from nncheck.errors import NncheckError
from nncheck.read.yamlfile import top_level_text
from nncheck.check.gradebook import GradedFile, Gradebook, ProblemInfo, Shard, flag_duplicates
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


def class_files(paths, shard: Shard | None) -> list[tuple[str, bool]]:
    """Every candidate file once, in path order; with a shard, every N-th of them."""
    seen, files = set(), []
    for path, named in answer_files(paths):
        key = os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            files.append((path, named))
    files.sort(key=lambda entry: entry[0])
    if shard is None:
        return files
    return [entry for i, entry in enumerate(files) if i % shard.count == shard.index - 1]


def grade_paths(paths, problem_override, jobs: int, shard: Shard | None,
                show_hidden: bool, secrets=(), problem_dirs=()) -> Gradebook:
    """Grade every answer file under `paths` (this shard of them) with `jobs` processes, against
    the grader's problems (`problem_override`: one path or several, and `problem_dirs`; see
    app/problem_choice.py): never a problem file found among the answers."""
    problem_override = ProblemChoice.of(problem_override, problem_dirs, paths, guard=True)
    files = class_files(paths, shard)
    settings = (problem_override, show_hidden, list(secrets), list(paths))
    if jobs <= 1 or len(files) < 2 * jobs:
        _start_worker(*settings)
        records = [grade_file(entry) for entry in files]
    else:
        import multiprocessing

        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        chunk = max(1, min(64, len(files) // (jobs * 8)))
        with context.Pool(jobs, initializer=_start_worker, initargs=settings) as pool:
            records = list(pool.imap(grade_file, files, chunksize=chunk))
    graded = [record for record in records if record is not None]
    flag_duplicates(graded)
    return Gradebook(problems=_problem_infos(graded, Checkers(secrets, require_asks, allow_base=False)), files=graded,
                     skipped=[path for (path, _), record in zip(files, records) if record is None],
                     shard=shard)


_worker: dict = {}


def _start_worker(problem_override: ProblemChoice, show_hidden: bool, secrets: list, paths=()) -> None:
    _worker.clear()
    _worker.update(problem_override=problem_override, show_hidden=show_hidden,
                   checkers=Checkers(secrets, require_asks, allow_base=False, roster=lambda: class_students(paths)))


def class_students(paths) -> list[str]:
    """The `student:` of every answer file of the whole class (every shard: the diagnosis of an
    answer that fits a classmate's numbers must not depend on the shard), read from the text."""
    students = {top_level_text(path, "student") or "" for path, _ in class_files(paths, None)}
    return sorted(student for student in students if student.strip())


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


def require_asks(checker) -> None:
    """grade scores every student out of the same items, so the problem must list them."""
    problem = checker.problem
    if not problem.asks:
        raise NncheckError(
            f"{problem.path} has no ask: list, so each student would be scored out of the answers they "
            "happened to give; add ask: with every item and its points (docs/answer-format.md), then grade again")


def _problem_infos(records: list[GradedFile], checkers: Checkers) -> list[ProblemInfo]:
    """Title, items and maximum score of every problem the records name, from the problem itself.
    A broken file whose problem cannot be told counts for the class's problem when there is one."""
    infos = []
    for path in sorted({record.problem for record in records if record.problem is not None}):
        try:
            checker = checkers.get(path)
        except NncheckError as error:
            infos.append(ProblemInfo(path=path, title="", max_score=0.0, items=[], error=str(error)))
            continue
        blank = checker.verify(AnswerFile(path, path, ""))
        infos.append(ProblemInfo(path=path, title=checker.problem.title, max_score=blank.max_score,
                                 items=[(item.id, item.max_points, item.visibility) for item in blank.items],
                                 varies=checker.problem.variation is not None))
    known = {info.path: info for info in infos}
    for record in records:
        if record.problem is None and len(known) == 1:
            record.result.problem = infos[0].path
        info = known.get(record.problem)
        if record.status == "broken" and info is not None:
            record.result.max_score = info.max_score
    return infos
