"""The options every class-grading benchmark takes: class size, runs, and how long to wait for a quiet host."""

from __future__ import annotations

import argparse
import os
import sys


def class_options(description: str, students: int) -> argparse.Namespace | None:
    """The parsed options, with the host line printed; None (after the usage) when they make no sense."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--students", type=int, default=students)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait-idle", type=float, default=60)
    args = parser.parse_args()
    if args.students < 1 or args.runs < 1:
        parser.print_usage(sys.stderr)
        return None
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, {args.students} students, "
          f"median of {args.runs} runs")
    return args
