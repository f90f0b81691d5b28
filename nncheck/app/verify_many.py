"""Verifying many answer files: one bad file never stops the others from being graded."""

from __future__ import annotations

import os
import sys
import time

from nncheck.app.problem_choice import ProblemChoice
from nncheck.check.results import CORRECT, MISSING, BrokenFile, Submission
from nncheck.errors import ExitCode, Location, NncheckError
from nncheck.read.arrays import read_npz_answers
from nncheck.read.yamlfile import read_yaml
from nncheck.check.hidden import student_view
from nncheck.read.answers import AnswerFile, load_answer_file, looks_like_answers
from nncheck.read.vary import normalised_id, variant_seed
from nncheck.app.classmates import ClassVariants
from nncheck.engine.variants import variant_problem
from nncheck.check.checker import Checker
from nncheck.check.problems import load_problem
from nncheck.text import one_line
from nncheck.formats.json import dumps, verification_json
from nncheck.formats.verify_table import render_verification
from nncheck.formats import SUBMISSION_FORMATS, load_format

ANSWER_SUFFIXES = (".yaml", ".yml", ".npz")
ANSWER_FILE_NAME = "answers.yaml"   # the file graded when a submission holds several for one problem


def answer_files(paths) -> list[tuple[str, bool]]:
    """(path, named): the files named, then the YAML files under named directories (sorted),
    each file once however often it is reached. A file found in a directory is graded only if
    it looks like an answer file and is no symbolic link (a link in a student's folder may point
    at the reference answers or at a classmate's file; it is skipped, never followed)."""
    return list(iter_answer_files(paths))


def iter_answer_files(paths):
    """answer_files, one at a time (each file once: by its real path, a link by its own).

    A walk never enters a linked folder, so it reaches each file once: only files named one by
    one, or folders inside one another, can reach a file twice, and only then are the files
    remembered (a class of separate folders is listed without a set of every file)."""
    seen = set() if _may_repeat(paths) else None
    for path in paths:
        named = not os.path.isdir(path)
        found = [path] if named else (
            os.path.join(root, name) for root, dirs, files in _sorted_walk(path)
            for name in sorted(files) if name.endswith(ANSWER_SUFFIXES))
        for file in found:
            if seen is not None:
                key = os.path.abspath(file) if not named and os.path.islink(file) else os.path.realpath(file)
                if key in seen:
                    continue
                seen.add(key)
            yield file, named


def _may_repeat(paths) -> bool:
    """Whether two of `paths` can reach one file: a path that is no folder, or a folder that
    is (or is inside) another."""
    if not all(os.path.isdir(path) for path in paths):
        return True
    roots = sorted(os.path.join(os.path.realpath(path), "") for path in paths)
    return any(later.startswith(earlier) for earlier, later in zip(roots, roots[1:]))


def _sorted_walk(path: str):
    for root, dirs, files in os.walk(path):
        dirs.sort()
        yield root, dirs, files


def verify_paths(paths, problem_override, output_format, precision, report_error,
                 show_hidden: bool = False, secrets=(), student=None, chosen=(),
                 answer_name: str = ANSWER_FILE_NAME, problem_dirs=()) -> int:
    """Verify every answer file; returns the exit code (2 if any file was unusable). What
    students read (table, json) and the exit code leave out checks that are not visible,
    unless `show_hidden`; the machine formats keep their points (see formats/feedback.py), and
    grade one answer file per problem (`answer_name` among several, see one_file_per_problem)."""
    started = time.perf_counter()
    problem_override = ProblemChoice.of(problem_override, problem_dirs, paths,
                                        guard=output_format not in ("table", "json"))
    files = answer_files(paths)
    submission = Submission([])
    writer = SubmissionWriter(output_format, precision)
    grading = show_hidden or output_format not in ("table", "json")
    checkers = Checkers(secrets, require_grader_file if grading else None,
                        allow_base=output_format in ("table", "json") and not student)
    found_in_directories = set()
    for path, named in files:
        try:
            verification = verify_file(path, named, problem_override, checkers, student, chosen)
            if verification is None:
                print(printable_line(f"note: skipped {path}: {skipped_because(path)}"), file=sys.stderr)
                continue
        except NncheckError as error:
            report_error(error)
            problem = problem_of_broken(path, problem_override)
            submission.broken.append(BrokenFile(path, error, checkers.max_score(problem), problem))
            writer.broken(path, error)
            if not named:
                found_in_directories.add(id(submission.broken[-1]))
            continue
        if not named:
            found_in_directories.add(id(verification))
        submission.verifications.append(verification)
        writer.verified(verification if show_hidden else student_view(verification))
    if not submission.verifications and not submission.broken:
        nothing = NncheckError("no answer files found in " + ", ".join(paths))
        report_error(nothing)
        submission.broken.append(BrokenFile(", ".join(paths), nothing, checkers.max_score(problem_override.override)))
        writer.broken(", ".join(paths), nothing)
    if output_format in ("table", "json"):
        _count_unreadable_files(submission, checkers)
    else:  # a grade: one file per problem, and a file that names none adds no points to one
        for error in one_file_per_problem(submission, answer_name, checkers, found_in_directories):
            report_error(error)
    submission.seconds = time.perf_counter() - started
    writer.finish(submission)
    shown = submission.verifications if show_hidden else map(student_view, submission.verifications)
    wrong = any(not verification.all_correct for verification in shown)
    return ExitCode.INPUT_ERROR if submission.broken else ExitCode.WRONG if wrong else ExitCode.OK


def verify_file(path: str, named: bool, problem_override, checkers: "Checkers",
                student=None, chosen=()):
    """One answer file read once and verified, or None for a file found in a directory that is
    not an answer file. `student` (the grader's `--student`) is whose submission it is."""
    if not named and os.path.islink(path):
        return None
    doc = read_answer_doc(path)
    if not named and not (looks_like_answers(doc) and _problem_known(path, doc, problem_override)):
        return None
    answer_file = load_answer_file(path, chosen_problem(path, doc, problem_override), doc)
    if student:
        try:
            pin_student(answer_file, student)
        except NncheckError as error:
            raise _named_variant_fit(error, answer_file, checkers) from None
    return checkers.for_answers(answer_file).verify(answer_file, chosen)


def _problem_known(path: str, doc, problem_override) -> bool:
    """An .npz archive found in a directory is graded when the grader names the problem (or it
    names its own): another .npz beside the answers may hold anything."""
    return not path.lower().endswith(".npz") or ProblemChoice.of(problem_override).chosen_by_grader \
        or bool(doc.data.get("problem"))


def skipped_because(path: str) -> str:
    if os.path.islink(path):
        return "a symbolic link; only the files in the submission itself are graded"
    if path.lower().endswith(".npz"):
        return "an .npz archive names no problem; pass --problem PROBLEM to grade it"
    return "not an answer file (no answers: or problem:)"


def read_answer_doc(path: str):
    """An answer file as a document: YAML, or an .npz archive of arrays."""
    if path.lower().endswith(".npz"):
        return read_npz_answers(path)
    if path.lower().endswith(".npy"):
        raise NncheckError("a .npy file holds one answer: name it in an answer file (dL/dW1: dW1.npy), or save all "
                           "the answers in one archive with np.savez(\"answers.npz\", **{\"dL/dW1\": dW1})",
                           Location(path))
    return read_yaml(path)


def _named_variant_fit(error: NncheckError, answer_file, checkers: "Checkers") -> NncheckError:
    """A file naming another student than the submitter: when its answers fit that student's
    variant of a varying problem, the error says so."""
    try:
        checker = checkers.for_answers(answer_file)
        if checker.problem.variant is None:
            return error
        answered = [item for item in checker.verify(answer_file).items if item.verdict != MISSING]
    except NncheckError:
        return error
    right = sum(item.verdict == CORRECT for item in answered)
    if not answered or 2 * right < len(answered):
        return error
    head, _, fix = error.message.partition("; ")
    return NncheckError(f"{head}: these answers fit the numbers of another student's variant "
                        f"({answer_file.student}), not yours; {fix}", error.location)


def pin_student(answer_file, student) -> None:
    """The grader says whose submission this is (an id, or the ids of a group's members): the
    file's `student:` must be absent or one of them, so that nobody answers a classmate's variant."""
    members = [student] if isinstance(student, str) else list(student)
    if not members or not all(normalised_id(member) for member in members):
        raise NncheckError("--student: give the submitter's id, such as --student ab1234")
    written = answer_file.student
    if not written.strip():
        answer_file.student, answer_file.pinned = members[0], True
        return
    for member in members:
        if normalised_id(written) == normalised_id(member):
            answer_file.student, answer_file.pinned = member, True
            return
    whose = repr(members[0]) if len(members) == 1 else "one of " + ", ".join(map(repr, members))
    raise NncheckError(f"student: this submission is {whose}'s, but the file says {written!r}; "
                       "write your own id (answers to another student's numbers are not yours)",
                       answer_file.doc.where("student"))


def _count_unreadable_files(submission, checkers: "Checkers") -> None:
    """A file too broken to name its problem counts for the submission's one problem, if it has one."""
    problems = {verification.problem.path for verification in submission.verifications}
    problems.update(broken.problem for broken in submission.broken if broken.problem)
    if len(problems) != 1:
        return
    (problem,) = problems
    for broken in submission.broken:
        if broken.problem is None:
            broken.problem, broken.max_score = problem, checkers.max_score(problem)


def one_file_per_problem(submission, answer_name: str, checkers: "Checkers", found: set) -> list[NncheckError]:
    """A submission (a directory) counts one answer file per problem: of several for the same
    problem, the one named `answer_name` (the others are left out), or, if none is named so, none
    of them (one failed test that lists them). Files the grader names one by one are all graded
    (`found`: ids of the entries found in directories). Returns the errors to report;
    `submission` is changed in place."""
    groups: dict[str, list] = {}
    for entry in [*submission.verifications, *submission.broken]:
        problem = entry.problem.path if hasattr(entry, "answers_path") else entry.problem
        if problem is not None:
            groups.setdefault(os.path.abspath(problem), []).append(entry)
    errors = []
    for problem, entries in groups.items():
        if len(entries) < 2 or not any(id(entry) in found for entry in entries):
            continue
        paths = [entry.answers_path if hasattr(entry, "answers_path") else entry.path for entry in entries]
        chosen = [entry for entry, path in zip(entries, paths) if os.path.basename(path) == answer_name]
        kept = chosen[:1]
        if not kept:
            error = NncheckError(f"{len(entries)} answer files answer the same problem ({', '.join(sorted(paths))}); "
                                 f"only one is graded: keep one and name it {answer_name}")
            errors.append(error)
            kept = [BrokenFile(sorted(paths)[0], error, checkers.max_score(problem), problem)]
        submission.verifications = [v for v in submission.verifications if v not in entries or v in kept]
        submission.broken = [b for b in submission.broken if b not in entries or b in kept]
        submission.broken.extend(entry for entry in kept if isinstance(entry, BrokenFile) and entry not in submission.broken)
    return errors


def chosen_problem(path: str, doc, problem_override) -> str:
    """The problem file an answer file is graded against (see app/problem_choice.py); a
    `problem:` that cannot be followed is the answer file's error, at that line."""
    choice = ProblemChoice.of(problem_override)
    data = doc.data
    if not isinstance(data, dict) or not set(data) & {"problem", "answers"}:
        return choice.override or ""    # not an answer file: load_answer_file says what it is
    written = data.get("problem")
    if written is not None and not isinstance(written, str):
        raise NncheckError("problem: write the problem's file name, such as problem: hw1.yaml", doc.where("problem"))
    written = written.strip() if written else None
    if not written and not choice.chosen_by_grader and path.lower().endswith(".npz"):
        raise NncheckError("an .npz answer file names no problem: pass --problem PROBLEM (and --student ID for a "
                           "problem that varies per student)", doc.where())
    problem = choice.problem_for(written, path, doc)
    if choice.override is not None and written and os.path.basename(written) != os.path.basename(problem):
        print(printable_line(f"warning: {path} says problem: {written}, but it is checked against {problem} "
                             "(--problem)"), file=sys.stderr)
    if not choice.chosen_by_grader and not os.path.exists(problem):
        here = choice.problem_for(written, os.path.join(os.curdir, "answers"), doc)
        if os.path.exists(here):
            print(printable_line(f"note: {path}: problem: {written} is not next to this answer file; used {here} "
                                 "from the current folder"), file=sys.stderr)
            return here
        raise NncheckError(f"problem: cannot read {written!r}: no such file ({problem}, relative to this answer file, "
                           f"nor {os.path.normpath(written)} in the current folder); write the problem file's path "
                           "relative to this answer file, or pass --problem", doc.where("problem"))
    return problem


def problem_of_broken(path: str, problem_override) -> str | None:
    """The problem a broken answer file was meant for, where that can still be told (a problem
    file that cannot be used is never one: the file alone is broken)."""
    choice = ProblemChoice.of(problem_override)
    if choice.override is not None:
        return choice.override
    try:
        doc = read_yaml(path)
        problem = chosen_problem(path, doc, choice)
    except NncheckError:
        return None
    return problem if os.path.isfile(problem) else None


def require_grader_file(checker) -> None:
    """A grade of a students' copy (nncheck release) needs the grader-only file that holds
    what was taken out: without it, its items would score 0 out of their points."""
    taken_out = [item for item in checker.problem.asks if item.grader_only]
    if taken_out:
        item = taken_out[0]
        also = f" (and {len(taken_out) - 1} more)" if len(taken_out) > 1 else ""
        raise NncheckError(f"ask {item.id}{also}: {checker.problem.path} is the students' copy (nncheck release), "
                           "whose expected values are in its grader-only file; grade with --secret "
                           f"OUT/grader/{os.path.basename(checker.problem.path)}, which release wrote beside it",
                           item.location)


class Checkers:
    """One Checker per problem file and per variant (a student's own numbers, keyed by seed),
    made once with the grader's secrets (or the error its problem gave, raised again each
    time). `prepare(checker)` may refuse a problem (grade refuses problems without ask:).
    `allow_base`: answer files may ask for a varying problem's own numbers with `variant: base`
    (verify's table and json; never where grades are made, or a student could choose them)."""

    MAX_VARIANTS = 256      # variant checkers kept (a class is graded student by student)

    def __init__(self, secrets=(), prepare=None, allow_base: bool = True, roster=None):
        """`roster`: a function giving the ids of the class being graded (called once, when a
        varying problem first needs them), so that answers fitting a classmate's variant are
        diagnosed so (app/classmates.py)."""
        self.secrets, self.prepare, self.allow_base = list(secrets), prepare, allow_base
        self._made: dict[str, object] = {}
        self._variants: dict[tuple, object] = {}
        self.roster, self._students = roster, None
        self._classes: dict[str, object] = {}

    def for_answers(self, answer_file):
        """The Checker of an answer file's problem with the numbers of its `student:`."""
        checker = self.get(answer_file.problem_path)
        problem = checker.problem
        if problem.variation is None:
            return checker
        if answer_file.base_variant:
            if not self.allow_base:
                raise NncheckError(f"variant: base answers the numbers printed in {problem.path}, but every student "
                                   "answers their own; remove variant: base (it is for reference answers)",
                                   answer_file.doc.where("variant"))
            return checker
        student = variant_student(answer_file, problem)
        key = (os.path.abspath(answer_file.problem_path), variant_seed(problem.variation.key, student))
        if key not in self._variants and len(self._variants) >= self.MAX_VARIANTS:
            self._variants.pop(next(iter(self._variants)))
        return _made_once(self._variants, key, lambda: self._variant_checker(checker, student))

    def _variant_checker(self, checker, student: str):
        made = Checker(variant_problem(checker.problem, normalised_id(student)), variant_of=checker)
        if self.roster is not None and self._students is None:
            self._students = list(self.roster())
        if self._students:
            path = os.path.abspath(checker.problem.path)
            if path not in self._classes:
                self._classes[path] = ClassVariants(checker, self._students)
            made.classmates = self._classes[path]
        return made

    def get(self, problem_path: str):
        def make():
            made = Checker(load_problem(problem_path, self.secrets))
            if self.prepare is not None:
                self.prepare(made)
            return made

        return _made_once(self._made, os.path.abspath(problem_path), make)

    def max_score(self, problem_path: str | None) -> float:
        """The maximum score of a problem's asked items (0 if unknown or unusable)."""
        if problem_path is None:
            return 0.0
        try:
            return self.get(problem_path).verify(AnswerFile(problem_path, problem_path, "")).max_score
        except NncheckError:
            return 0.0


def _made_once(made: dict, key, make):
    """`made[key]`, made by `make()` the first time; an input error it gave is kept and raised
    again each time (a broken problem is reported for every answer file, read once)."""
    if key not in made:
        try:
            made[key] = make()
        except NncheckError as error:
            made[key] = error
    if isinstance(made[key], NncheckError):
        raise made[key]
    return made[key]


def variant_student(answer_file, problem) -> str:
    """The id whose numbers an answer file to a varying problem answers: its `student:`,
    required, and written as text (a number in YAML loses leading zeros)."""
    if answer_file.pinned:
        return answer_file.student
    doc = answer_file.doc
    written = answer_file.student
    where = doc.where("student") if doc is not None else None
    if not written.strip():
        raise NncheckError(f"{problem.path} gives every student their own numbers: add student: with your id "
                           f"(nncheck template {problem.path} --student ID writes it), so that your answers are "
                           "checked against your numbers", where)
    return written


def printable_line(text: str) -> str:
    return one_line(text)


class SubmissionWriter:
    """Writes verify's output: table and json file by file as they are verified; the machine
    formats (formats.SUBMISSION_FORMATS) once, for the whole submission."""

    def __init__(self, output_format: str, precision: int):
        self.output_format, self.precision = output_format, precision

    def verified(self, verification) -> None:
        if self.output_format == "json":
            sys.stdout.write(dumps(verification_json(verification)) + "\n")
        elif self.output_format == "table":
            render_verification(verification, sys.stdout, self.precision)

    def broken(self, path: str, error: NncheckError) -> None:
        if self.output_format == "json":
            sys.stdout.write(dumps({"file": path, "error": str(error)}) + "\n")

    def finish(self, submission) -> None:
        if self.output_format in SUBMISSION_FORMATS:
            load_format(self.output_format).write_submission(submission, sys.stdout, os.environ)
