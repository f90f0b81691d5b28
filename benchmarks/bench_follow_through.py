"""Grading a class with many mistakes: follow-through and the named wrong step stay cheap.

Makes STUDENTS numeric answer files for the two-layer test problem that asks forward values,
deltas and gradients part by part (tests/data/follow-through/two-layer-parts.yaml): a third
right, a third with one early mistake and every later item right for it (follow-through), a
third wrong everywhere (every item diagnosed, nothing follows through). Measures `nncheck grade
--jobs 2` in files per second (goal, issue 19: >= 1,000 numeric files/s), and for comparison
the same class against the problem with `follow_through: false`; then, for the record, wrong
formula answers one edit away (the named step) in ms per file.

Prints plain text and asserts nothing; exit 0 (2 for a bad argument).
Usage: python benchmarks/bench_follow_through.py [--students 3000] [--runs 3] [--wait-idle 60]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from class_options import class_options  # noqa: E402
from noise import OtherLoad, wait_for_idle  # noqa: E402

PARTS = os.path.join(ROOT, "tests", "data", "follow-through", "two-layer-parts.yaml")
ONE_EDIT = ["W2.T @ (z2 - t) * h1 * (1 - h1)", "W2 @ (z2 - t) * dsigmoid(z1)", "W2.T @ (z2 - t) * sigmoid(z1)"]


def answers_for(problem, kind: int, rng) -> dict:
    """0: right; 1: one early item wrong and the rest computed from it; 2: every entry off."""
    from nncheck.check.checker import Checker
    from nncheck.check.follow_through import recomputed
    from nncheck.engine.substituted import Pin, Substituted

    checker = Checker(problem)
    base = checker.base
    values = {item.id: np.asarray(checker.expected(base, item.quantity)) for item in problem.asks}
    if kind == 2:
        return {key: (value + rng.uniform(0.2, 0.5, value.shape)).tolist() for key, value in values.items()}
    if kind == 0:
        return {key: value.tolist() for key, value in values.items()}
    early = problem.asks[int(rng.integers(0, 3))] if rng.random() < 0.5 else problem.asks[int(rng.integers(4, 7))]
    wrong = values[early.id] + 0.3
    pin = Pin(early.id, early.quantity.name, early.quantity.of, wrong)
    substituted = Substituted(base, [pin])
    answers = {}
    for item in problem.asks:
        found = recomputed(checker, substituted, item.quantity) if item is not early else None
        answers[item.id] = (wrong if item is early else found.value if found is not None else values[item.id]).tolist()
    return answers


def write_class(directory: str, students: int, formulas: bool = False) -> None:
    from nncheck.check.problems import load_problem

    problem = load_problem(PARTS)
    rng = np.random.default_rng(19)
    kinds = [answers_for(problem, kind, rng) for kind in (0, 1, 2) for _ in range(20)]
    os.makedirs(directory)
    for k in range(students):
        answers = dict(kinds[k % len(kinds)])
        if formulas:
            answers["dL/dz1"] = ONE_EDIT[k % len(ONE_EDIT)]
        with open(os.path.join(directory, f"s{k:05d}.yaml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump({"student": f"s{k:05d}", "answers": answers}, handle)


def grade_seconds(runs: int, directory: str, problem: str) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "nncheck", "grade", directory, "--problem", problem,
                               "--jobs", "2", "--format", "json"], capture_output=True)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1, 2):
            sys.exit(f"nncheck grade failed:\n{done.stderr.decode()}")
    return statistics.median(times)


def main() -> int:
    args = class_options(__doc__.splitlines()[0], students=3000)
    if args is None:
        return 2
    with tempfile.TemporaryDirectory(prefix="nncheck-bench-follow-") as root:
        numeric, formulas = os.path.join(root, "numeric"), os.path.join(root, "formulas")
        write_class(numeric, args.students)
        write_class(formulas, min(args.students, 600), formulas=True)
        off = os.path.join(root, "off.yaml")
        with open(PARTS, encoding="utf-8") as source, open(off, "w", encoding="utf-8") as handle:
            handle.write(source.read() + "follow_through: false\n")
        print(wait_for_idle(args.wait_idle) or "")

        load = OtherLoad()
        seconds = grade_seconds(args.runs, numeric, PARTS)
        without = grade_seconds(args.runs, numeric, off)
        rate = args.students / seconds
        print(f"(1) numeric answers with many mistakes, {args.students} files, 11 items each: --jobs 2 {seconds:.2f} s "
              f"= {rate:.0f} files/s ({args.students / without:.0f} files/s with follow_through: false)  "
              f"{'PASS' if rate >= 1000 else 'FAIL'} (goal >= 1000 files/s)")
        print(f"    {load.stop().describe()}")

        load = OtherLoad()
        count = min(args.students, 600)
        seconds = grade_seconds(1, formulas, PARTS)
        print(f"(2) the same with dL/dz1 a formula one edit away ({len(ONE_EDIT)} different ones), {count} files: "
              f"--jobs 2 {seconds:.2f} s = {count / seconds:.0f} files/s (no goal)")
        print(f"    {load.stop().describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
