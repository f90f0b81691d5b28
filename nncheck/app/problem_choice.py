"""Which problem an answer file is graded against: the grader's choice, never the student's.

`--problem P` (once) grades every file against P. `--problem` repeated, or `--problems DIR`,
gives the problems to choose from: an answer file's `problem:` selects one of them by file
name, and naming anything else is that file's error. Without either, where grades are made,
`problem:` is followed, but never to a problem file inside the folders being graded (a
student's own problem file)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from nncheck.errors import NncheckError

PROBLEM_SUFFIXES = (".yaml", ".yml")


@dataclass
class ProblemChoice:
    override: str | None = None                           # every file against this problem
    by_name: dict[str, str] = field(default_factory=dict)  # file name -> the grader's problem file
    graded_roots: list[str] = field(default_factory=list)  # real paths never to take a problem from

    @classmethod
    def of(cls, problems=None, problem_dirs=(), graded_paths=(), guard: bool = False) -> "ProblemChoice":
        """The grader's options as a choice; `problems` may be one path (today's `--problem`) or
        several. `guard`: refuse problem files inside `graded_paths` (where grades are made)."""
        if isinstance(problems, ProblemChoice):
            return problems
        listed = [problems] if isinstance(problems, str) else list(problems or ())
        choice = cls(graded_roots=[os.path.realpath(path) for path in graded_paths] if guard else [])
        if len(listed) == 1 and not problem_dirs:
            choice.override = listed[0]
            return choice
        for folder in problem_dirs:
            if not os.path.isdir(folder):
                raise NncheckError(f"--problems {folder}: not a folder; give the folder that holds the problem files")
            for name in sorted(os.listdir(folder)):
                if name.endswith(PROBLEM_SUFFIXES) and os.path.isfile(os.path.join(folder, name)):
                    listed.append(os.path.join(folder, name))
            if not listed:
                raise NncheckError(f"--problems {folder}: no problem files (*.yaml) in it")
        for path in listed:
            name = os.path.basename(path)
            if name in choice.by_name and os.path.realpath(choice.by_name[name]) != os.path.realpath(path):
                raise NncheckError(f"two problems are named {name} ({choice.by_name[name]}, {path}); "
                                   "answer files choose by file name, so rename one")
            choice.by_name[name] = path
        return choice

    @property
    def chosen_by_grader(self) -> bool:
        return self.override is not None or bool(self.by_name)

    def problem_for(self, written: str | None, answers_path: str, doc) -> str:
        """The problem file of an answer file whose `problem:` says `written`."""
        where = doc.where("problem") if doc is not None and isinstance(doc.data, dict) and "problem" in doc.data \
            else (doc.where() if doc is not None else None)
        if self.override is not None:
            return self.override
        if self.by_name:
            if not written:
                if len(self.by_name) == 1:
                    return next(iter(self.by_name.values()))
                raise NncheckError(f"problem: name one of the problems graded here ({self.names()})", where)
            name = os.path.basename(written)
            if name not in self.by_name:
                raise NncheckError(f"problem: {written!r} is not one of the problems graded here ({self.names()}); "
                                   "write the file name of yours", where)
            return self.by_name[name]
        if not written:
            raise NncheckError("problem: name the problem file (relative to this file), or pass --problem", where)
        path = os.path.normpath(os.path.join(os.path.dirname(answers_path), written))
        real = os.path.realpath(path)
        for root in self.graded_roots if os.path.exists(path) else ():
            if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
                raise NncheckError(f"problem: {written!r} is a problem file among the answers being graded, and a "
                                   "problem handed in with the answers is never graded against; the grader names "
                                   "the problems with --problem or --problems DIR", where)
        return path

    def names(self) -> str:
        return ", ".join(sorted(self.by_name))
