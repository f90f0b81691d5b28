"""CPU time per answer file, in one process: a figure that other load on a shared machine
does not change much (wall-clock files/s does).

Writes the classes of bench_follow_through.py (numeric answers with many mistakes; the same
against the problem with `follow_through: false`; dL/dz1 a formula one edit away) and of
bench_grade.py (relu-4-samples), then grades each `--runs` times in this process with
`grade_paths(..., jobs=1)` (reading, checking, the gradebook's records) and writes its JSON as
`grade --format json` does, timing both with time.process_time. Prints files per CPU-second
(best of the runs) for grading, for writing the JSON, and for both. `grade --jobs 2` on two idle
cores can reach about twice the "both" figure, less the start-up and the pool's overhead.

`--profile NAME` prints cProfile's top functions (own time) for that class instead.
`--instructions N` counts instructions with `valgrind --tool=callgrind` instead (slow, about a
minute per class for N=100, and the same on any load): each class is graded in a new process
with its first N files and with its first 2N, and the difference, divided by N, is the count per
file (grading and the JSON; start-up, imports and loading the problem cancel out).
`--dir DIR` keeps the classes in DIR (written there once) instead of a temporary directory.

Prints plain text and asserts nothing; exit 0 (2 for a bad argument).
Usage: python benchmarks/bench_cpu.py [--students 3000] [--runs 3] [--only NAME] [--profile NAME]
       [--instructions N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, HERE)

from bench_follow_through import PARTS, write_class as write_parts_class  # noqa: E402
from class_factory import PROBLEMS, write_class  # noqa: E402

CLASSES = ("follow-through", "follow-through-off", "one-edit", "relu-4-samples")


def make_classes(root: str, students: int) -> dict[str, tuple[str, str]]:
    """name -> (answer directory, problem path); written unless `root` has them already."""
    numeric, formulas = os.path.join(root, "numeric"), os.path.join(root, "formulas")
    off, relu = os.path.join(root, "off.yaml"), os.path.join(root, "relu")
    if not os.path.isdir(relu):
        write_parts_class(numeric, students)
        write_parts_class(formulas, min(students, 600), formulas=True)
        with open(PARTS, encoding="utf-8") as source, open(off, "w", encoding="utf-8") as handle:
            handle.write(source.read() + "follow_through: false\n")
        write_class(relu, "relu-4-samples", students, broken_every=97)
    return {"follow-through": (numeric, PARTS), "follow-through-off": (numeric, off),
            "one-edit": (formulas, PARTS), "relu-4-samples": (relu, os.path.join(PROBLEMS, "relu-4-samples.yaml"))}


def grade_once(directory: str, problem: str, files: int | None = None) -> tuple[float, float, int]:
    """CPU seconds grading, CPU seconds writing the JSON, and the number of files (the first
    `files` of the directory, if given)."""
    from nncheck.app.grading import grade_paths
    from nncheck.formats.json import dumps, gradebook_json

    paths = [directory] if files is None else [os.path.join(directory, name)
                                                for name in sorted(os.listdir(directory))[:files]]
    started = time.process_time()
    gradebook = grade_paths(paths, problem, 1, None, False)
    graded = time.process_time()
    text = dumps(gradebook_json(gradebook))
    written = time.process_time()
    assert text
    return graded - started, written - graded, len(gradebook.files)


def measure(name: str, directory: str, problem: str, runs: int) -> None:
    best = None
    for _ in range(runs):
        grading, writing, files = grade_once(directory, problem)
        if best is None or grading + writing < best[0] + best[1]:
            best = (grading, writing, files)
    grading, writing, files = best
    print(f"{name:20s} {files:6d} files  grading {files / grading:7.0f}/s  JSON {files / writing:7.0f}/s  "
          f"both {files / (grading + writing):7.0f} files per CPU-second")


def profile(directory: str, problem: str, top: int) -> None:
    grade_once(directory, problem)  # warm: imports
    profiler = cProfile.Profile()
    profiler.enable()
    grade_once(directory, problem)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


def instructions(name: str, root: str, files: int) -> None:
    """Instructions per file, counted by callgrind: (2N files - N files) / N."""
    counts = []
    for count in (files, 2 * files):
        done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                               __file__, "--dir", root, "--grade", name, "--files", str(count)],
                              capture_output=True, text=True)
        found = re.search(r"Collected : ([0-9]+)", done.stderr)
        if done.returncode != 0 or not found:
            sys.exit(f"valgrind failed:\n{done.stderr[-2000:]}")
        counts.append(int(found.group(1)))
    per_file = (counts[1] - counts[0]) / files
    print(f"{name:20s} {per_file / 1e6:8.2f} million instructions per file (callgrind, {files} and {2 * files} files)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=CLASSES, action="append")
    parser.add_argument("--profile", choices=CLASSES)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--instructions", type=int, metavar="N")
    parser.add_argument("--dir")
    parser.add_argument("--grade", choices=CLASSES, help=argparse.SUPPRESS)  # one grading, for --instructions
    parser.add_argument("--files", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.students < 1 or args.runs < 1 or (args.instructions is not None and args.instructions < 1):
        parser.print_usage(sys.stderr)
        return 2
    if args.instructions and not shutil.which("valgrind"):
        print("--instructions needs valgrind", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="nncheck-bench-cpu-") as temporary:
        root = args.dir or temporary
        classes = make_classes(root, args.students)
        if args.grade:
            grade_once(*classes[args.grade], args.files)
            return 0
        if args.instructions:
            for name in args.only or CLASSES:
                instructions(name, root, args.instructions)
            return 0
        if args.profile:
            profile(*classes[args.profile], args.top)
            return 0
        for name in args.only or CLASSES:
            measure(name, *classes[name], args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
