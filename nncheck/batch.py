"""Verifying many answer files: one bad file never stops the others from being graded."""

from __future__ import annotations

import json
import os
import sys

from nncheck.errors import NncheckError
from nncheck.yamlfile import read_yaml

EXIT_OK, EXIT_WRONG, EXIT_INPUT = 0, 1, 2
ANSWER_SUFFIXES = (".yaml", ".yml")


def answer_files(paths) -> tuple[list[str], list[str]]:
    """Answer files named or found under directories (sorted), and skipped non-answer files."""
    found, skipped = [], []
    for path in paths:
        if not os.path.isdir(path):
            found.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(ANSWER_SUFFIXES):
                    candidate = os.path.join(root, name)
                    (found if _looks_like_answers(candidate) else skipped).append(candidate)
    return found, skipped


def _looks_like_answers(path: str) -> bool:
    try:
        data = read_yaml(path).data
    except NncheckError:
        return True
    return not isinstance(data, dict) or "answers" in data or "problem" in data


def verify_paths(paths, problem_override, output_format, precision, make_console, report_error) -> int:
    """Verify every answer file; returns the exit code (2 if any file was unusable)."""
    from nncheck.answers import load_answer_file
    from nncheck.problem import load_problem
    from nncheck.formats.json import verification_json
    from nncheck.formats.table import render_verification
    from nncheck.verify import Checker

    files, skipped = answer_files(paths)
    console = make_console() if output_format == "table" else None
    checkers: dict[str, Checker | NncheckError] = {}
    unusable = wrong = False
    for path in skipped:
        print(f"note: skipped {path}: not an answer file (no answers: or problem:)", file=sys.stderr)
    if not files:
        report_error(NncheckError("no answer files found in " + ", ".join(paths)))
        return EXIT_INPUT
    for path in files:
        try:
            answer_file = load_answer_file(path, problem_override)
            key = os.path.abspath(answer_file.problem_path)
            if key not in checkers:
                try:
                    checkers[key] = Checker(load_problem(answer_file.problem_path))
                except NncheckError as error:
                    checkers[key] = error
            checker = checkers[key]
            if isinstance(checker, NncheckError):
                raise checker
            verification = checker.verify(answer_file)
        except NncheckError as error:
            unusable = True
            report_error(error)
            if output_format == "json":
                sys.stdout.write(json.dumps({"file": path, "error": str(error)}) + "\n")
            continue
        wrong = wrong or not verification.all_correct
        if output_format == "json":
            sys.stdout.write(json.dumps(verification_json(verification)) + "\n")
        else:
            render_verification(verification, console, precision)
    return EXIT_INPUT if unusable else EXIT_WRONG if wrong else EXIT_OK
