"""Memory and speed of grading a large class: peak resident memory of `nncheck grade` (the
main process and the largest worker), wall time, files per second and files per CPU-second,
for numeric answer files (relu-4-samples) at several class sizes, and the line through them
extrapolated to 1,000,000 files.

Writes the class into a temporary directory (or --root), folders of 1,000 files, each file the
reference answers with students' mistakes (tests/class_factory.py); every 97th is not valid
YAML. Then runs, as a new process, for each size (the first size/1,000 folders):

    nncheck grade FOLDER... --jobs 2 --format json --csv OUT.csv --html OUT.html > OUT.json

and takes the peak resident memory of the largest process from wait4 (ru_maxrss), and of the
largest worker by sampling /proc/PID/status (VmHWM) every 50 ms.
Prints plain text and asserts nothing; exit 0 (2 for a bad argument).
Usage: python benchmarks/bench_grade_memory.py [--sizes 10000,50000,100000] [--jobs 2] [--root DIR]
       [--checkout DIR]   (another source tree, e.g. `git worktree add /tmp/before HEAD~3`, to compare)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
sys.path.insert(0, HERE)

from class_factory import PROBLEMS, answer_text, reference_answers  # noqa: E402
from noise import OtherLoad  # noqa: E402

PROBLEM = "relu-4-samples"
FOLDER_SIZE = 1000
GOAL_MB, GOAL_FILES = 300, 1_000_000
GOAL_RATE = 1500


def write_numeric_class(root: str, files: int, seed: int = 7) -> None:
    """`files` answer files under `root`, FOLDER_SIZE per folder; adds to what is there."""
    rng = random.Random(seed)
    reference = reference_answers(PROBLEM)
    problem = os.path.join(PROBLEMS, f"{PROBLEM}.yaml")
    for number in range(1, files + 1):
        folder = os.path.join(root, f"group{(number - 1) // FOLDER_SIZE:04d}")
        path = os.path.join(folder, f"student{number:07d}.yaml")
        if os.path.exists(path):
            continue
        os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(answer_text(problem, f"student{number:07d}", reference, rng, broken=number % 97 == 0))


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def _peak_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def folders(root: str, files: int) -> list[str]:
    return [os.path.join(root, f"group{k:04d}") for k in range(-(-files // FOLDER_SIZE))]


def measure(directories: list[str], files: int, jobs: int, out: str, checkout: str) -> dict:
    """One run of grade: seconds, CPU seconds (of the process and its workers), the peak resident
    MB of the largest process (wait4's ru_maxrss) and of the largest worker (sampled VmHWM)."""
    command = [sys.executable, "-m", "nncheck", "grade", *directories, "--jobs", str(jobs), "--format", "json",
               "--csv", os.path.join(out, "book.csv"), "--html", os.path.join(out, "book.html")]
    before = os.times()
    started = time.perf_counter()
    with open(os.path.join(out, "book.json"), "wb") as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL, cwd=checkout)
        peaks: dict[int, int] = {}
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            for member in _tree(process.pid):
                if member != process.pid:
                    peaks[member] = max(peaks.get(member, 0), _peak_kb(member))
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    largest = usage.ru_maxrss          # KB: the largest of the process and the workers it waited for
    worker = max(peaks.values(), default=0)
    return {"files": files, "seconds": seconds, "cpu": cpu, "largest_mb": largest / 1024, "worker_mb": worker / 1024,
            "exit": process.returncode, "json_mb": os.path.getsize(os.path.join(out, "book.json")) / 1e6}


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares line (intercept MB, MB per file) through (files, MB)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return mean_y - slope * mean_x, slope


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000", help="numbers of files, multiples of 1,000")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--root", help="where to write the class (kept, so a second run reuses it)")
    parser.add_argument("--checkout", default=os.path.dirname(HERE),
                        help="the nncheck source tree to run (python -m nncheck in it); default: this one")
    args = parser.parse_args()
    try:
        sizes = sorted(int(size) for size in args.sizes.split(","))
        if not sizes or any(size <= 0 or size % FOLDER_SIZE for size in sizes):
            raise ValueError
    except ValueError:
        print(f"--sizes {args.sizes!r}: give multiples of {FOLDER_SIZE:,}, such as 10000,50000", file=sys.stderr)
        return 2
    root = args.root or tempfile.mkdtemp(prefix="nncheck-bench-memory-")
    rows = []
    try:
        write_numeric_class(root, sizes[-1])
        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="nncheck-bench-out-") as out:
                load = OtherLoad()
                row = measure(folders(root, size), size, args.jobs, out, args.checkout)
                row["load"] = load.stop().describe()
            rows.append(row)
            print(f"{size:>9,} files: {row['seconds']:7.1f} s = {size / row['seconds']:6.0f} files/s, "
                  f"{size / row['cpu']:6.0f} files per CPU-second; peak MB: largest process "
                  f"{row['largest_mb']:.0f}, largest worker {row['worker_mb']:.0f}; "
                  f"JSON {row['json_mb']:.0f} MB; exit {row['exit']}")
            print(f"           {row['load']}")
    finally:
        if not args.root:
            shutil.rmtree(root, ignore_errors=True)
    if len(rows) >= 2:
        for name in ("largest_mb", "worker_mb"):
            intercept, slope = fit([(row["files"], row[name]) for row in rows])
            at_goal = intercept + slope * GOAL_FILES
            print(f"{name.split('_')[0]:>6}: {intercept:.0f} MB + {slope * 1000:.3f} MB per 1,000 files -> "
                  f"{at_goal:.0f} MB at {GOAL_FILES:,} files  {'PASS' if at_goal <= GOAL_MB else 'FAIL'} "
                  f"(goal <= {GOAL_MB} MB)")
    rate = max(row["files"] / row["seconds"] for row in rows)
    print(f"best rate {rate:.0f} files/s with --jobs {args.jobs}  {'PASS' if rate >= GOAL_RATE else 'FAIL'} "
          f"(goal >= {GOAL_RATE:,} files/s on an idle 2-core machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
