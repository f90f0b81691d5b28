"""Grading a class: files per second, design answers per file, a whole class, and whether
the results are the same with any number of jobs and with shards merged.

Makes a class of answer files with students' mistakes (tests/class_factory.py) in a
temporary directory, then measures:

  (1) numeric answers (relu-4-samples), `nncheck grade --jobs 2`: files per second and the
      peak memory of the largest process (goal: >= 1,000 files/s);
  (2) design answers (descending-order-mlp): milliseconds per answer file, read and
      verified in one process with the problem loaded once (goal: <= 10 ms);
  (3) a whole class, STUDENTS x 5 problems including the design problem, `grade --jobs 2`
      (goal: <= 15 s for 1,000 students);
  (4) `--jobs 1` and `--jobs 2` give the same JSON; shards 1/2 and 2/2 merged give the
      JSON of one run;
  (5) for the record, a problem that varies per student (one Checker per student), with
      answers that do not match the students' numbers, so every item is diagnosed.

Prints plain text and asserts nothing; exit 0 (2 for a bad argument).
Usage: python benchmarks/bench_grade.py [--students 1000] [--runs 3] [--wait-idle 60]
"""

from __future__ import annotations

import glob
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
sys.path.insert(0, HERE)

from class_factory import PROBLEMS, write_class  # noqa: E402
from class_options import class_options  # noqa: E402
from noise import OtherLoad, wait_for_idle  # noqa: E402

CLASS_PROBLEMS = ("relu-4-samples", "descending-order-mlp", "relu5-regression", "softmax-cross-entropy",
                  "dag-backprop")
VARYING = "tanh-sigmoid-mse"  # numbers per student: one Checker per student
DESIGN = "descending-order-mlp"


def nncheck(*args) -> tuple[float, int, bytes]:
    """Wall seconds, peak RSS (KB) of the largest process so far, and stdout of one run."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nncheck", *args], capture_output=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 2):
        sys.exit(f"nncheck {' '.join(args)} failed:\n{done.stderr.decode()}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.stdout


def best_of(runs: int, *args) -> tuple[float, int]:
    times, peak = [], 0
    for _ in range(runs):
        seconds, peak, _ = nncheck(*args)
        times.append(seconds)
    return statistics.median(times), peak


def design_ms_per_file(directory: str, runs: int) -> float:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from nncheck.read.answers import load_answer_file
    from nncheck.errors import NncheckError
    from nncheck.check.problems import load_problem
    from nncheck.check.checker import Checker

    checker = Checker(load_problem(os.path.join(PROBLEMS, f"{DESIGN}.yaml")))
    files = sorted(glob.glob(os.path.join(directory, "*.yaml")))
    per_file = []
    for _ in range(runs):
        started = time.perf_counter()
        for path in files:
            try:
                checker.verify(load_answer_file(path))
            except NncheckError:
                pass
        per_file.append(1000 * (time.perf_counter() - started) / len(files))
    return statistics.median(per_file)


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def main() -> int:
    args = class_options(__doc__.splitlines()[0], students=1000)
    if args is None:
        return 2
    with tempfile.TemporaryDirectory(prefix="nncheck-bench-grade-") as root:
        for problem in CLASS_PROBLEMS:
            write_class(os.path.join(root, "class"), problem, args.students, seed=7, broken_every=97)
        write_class(os.path.join(root, "numeric"), "relu-4-samples", args.students, seed=7, broken_every=97)
        write_class(os.path.join(root, "design"), DESIGN, min(args.students, 200), seed=7)
        print(wait_for_idle(args.wait_idle) or "")

        load = OtherLoad()
        numeric = os.path.join(root, "numeric")
        seconds, peak = best_of(args.runs, "grade", numeric, "--jobs", "2", "--format", "json")
        one_job, _ = best_of(args.runs, "grade", numeric, "--jobs", "1", "--format", "json")
        rate = args.students / seconds
        print(f"(1) numeric answers, {args.students} files: --jobs 2 {seconds:.2f} s = {rate:.0f} files/s "
              f"({args.students / one_job:.0f} files/s with --jobs 1); peak memory of one process "
              f"{peak / 1024:.0f} MB  {verdict(rate >= 1000)} (goal >= 1000 files/s)")
        print(f"    {load.stop().describe()}")

        load = OtherLoad()
        ms = design_ms_per_file(os.path.join(root, "design"), args.runs)
        print(f"(2) design answers ({DESIGN}): {ms:.2f} ms per answer file  {verdict(ms <= 10)} (goal <= 10 ms)")
        print(f"    {load.stop().describe()}")

        load = OtherLoad()
        whole = os.path.join(root, "class")
        seconds, peak = best_of(args.runs, "grade", whole, "--jobs", "2", "--format", "json")
        goal = 15 * args.students / 1000
        print(f"(3) whole class, {args.students} students x {len(CLASS_PROBLEMS)} problems: --jobs 2 {seconds:.2f} s; "
              f"peak memory of one process {peak / 1024:.0f} MB  {verdict(seconds <= goal)} (goal <= {goal:g} s)")
        print(f"    {load.stop().describe()}")

        load = OtherLoad()
        varying = os.path.join(root, "varying")
        write_class(varying, VARYING, min(args.students, 200), seed=7)
        seconds, _ = best_of(1, "grade", varying, "--jobs", "2", "--format", "json")
        print(f"(5) a problem that varies per student ({VARYING}), {min(args.students, 200)} students answering "
              f"with the base numbers (so every item is diagnosed): --jobs 2 {seconds:.2f} s = "
              f"{1000 * seconds / min(args.students, 200):.1f} ms per file (no goal)")
        print(f"    {load.stop().describe()}")

        _, _, one = nncheck("grade", whole, "--jobs", "1", "--format", "json")
        _, _, two = nncheck("grade", whole, "--jobs", "2", "--format", "json")
        shards = []
        for k in (1, 2):
            _, _, shard = nncheck("grade", whole, "--shard", f"{k}/2", "--format", "json")
            shards.append(os.path.join(root, f"shard{k}.json"))
            with open(shards[-1], "wb") as handle:
                handle.write(shard)
        _, _, merged = nncheck("merge", *shards, "--format", "json")
        print(f"(4) --jobs 1 and --jobs 2 identical: {one == two}; shards merged identical to one run: "
              f"{merged == one}  {verdict(one == two and merged == one)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
