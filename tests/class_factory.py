"""A made-up class for tests and benchmarks: answer files built from a problem's reference
answers with the mistakes students make (transposed, sign, factor 2, missing, invalid),
plus a few broken files. Deterministic for a given seed."""

from __future__ import annotations

import json
import os
import random

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBLEMS = os.path.join(ROOT, "problems")
MISTAKES = ("correct",) * 6 + ("transposed", "sign", "factor", "missing", "invalid")


def reference_answers(problem_name: str) -> dict:
    with open(os.path.join(PROBLEMS, "answers", f"{problem_name}.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["answers"]


def mistaken(value, mistake: str, rng: random.Random):
    """`value` (a number, nested list or formula) with one student mistake."""
    if mistake == "missing":
        return None
    if mistake == "invalid":
        return "no_such_name @ W1"
    if isinstance(value, str) or value is None or mistake == "correct":
        return value
    if mistake == "transposed" and isinstance(value, list) and value and isinstance(value[0], list):
        return [list(row) for row in zip(*value)]
    if not _has_nonzero(value):
        return _mapped(value, lambda number: number + 1)
    factor = -1 if mistake == "sign" else 2
    return _mapped(value, lambda number: number * factor)


def _mapped(value, change):
    if isinstance(value, list):
        return [_mapped(entry, change) for entry in value]
    return change(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _has_nonzero(value) -> bool:
    if isinstance(value, list):
        return any(_has_nonzero(entry) for entry in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value != 0


def write_class(directory: str, problem_name: str, students: int, seed: int = 0, broken_every: int = 0,
                prefix: str = "student") -> list[str]:
    """`students` answer files for problems/<problem_name>.yaml in `directory`; every
    `broken_every`-th one is not valid YAML. Returns the paths written."""
    rng = random.Random(f"{problem_name}:{seed}")
    reference = reference_answers(problem_name)
    problem_path = os.path.join(PROBLEMS, f"{problem_name}.yaml")
    os.makedirs(directory, exist_ok=True)
    paths = []
    for number in range(1, students + 1):
        student = f"{prefix}{number:04d}"
        path = os.path.join(directory, f"{student}-{problem_name}.yaml")
        broken = bool(broken_every) and number % broken_every == 0
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(answer_text(problem_path, student, reference, rng, broken))
        paths.append(path)
    return paths


def answer_text(problem_path: str, student: str, reference: dict, rng: random.Random, broken: bool = False) -> str:
    """One student's answer file: the reference answers, each with a random mistake (or none),
    or, `broken`, a file whose YAML never closes its bracket."""
    head = f"problem: {json.dumps(problem_path)}\nstudent: {student}\nanswers:"
    if broken:
        return head + " [unclosed\n"
    answers = {key: mistaken(value, rng.choice(MISTAKES), rng) for key, value in reference.items()}
    return head + "\n" + "".join(f"  {json.dumps(key)}: {json.dumps(value)}\n" for key, value in answers.items())
