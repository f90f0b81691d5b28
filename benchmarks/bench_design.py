"""Verifying design answers: every input of a case group at once, against one Solution per input.

For each answer file, the problem's Checker is built once, then `checker.verify(answer_file)`
is timed `--reps` times in a row (after `--warmup` untimed calls) in each of two ways:

  one at a time   run_group(..., batched=False): a Solution (forward + tape) per input
  all at once     run_group(...): nncheck/engine/batched.py, the group's inputs along a batch axis

Before timing, both ways must give the same report (verdict, points, message of every item),
so they cannot be doing different work. The median ms per answer file is printed for each
way, with the ratio and PASS/FAIL of the batched median against --goal (10 ms).

Besides the answer files of the design problems in problems/answers/ and the seed answers in
tests/data/seed-answers/, two wrong designs are written to a temporary directory, because
a failing group also formats failure messages.

Usage:  python benchmarks/bench_design.py [--reps 21] [--warmup 3] [--goal 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

from nncheck.read.answers import load_answer_file  # noqa: E402
from nncheck.check.kinds import design  # noqa: E402
from nncheck.check.problems import load_problem  # noqa: E402
from nncheck.check.checker import Checker  # noqa: E402
from noise import OtherLoad, wait_for_idle  # noqa: E402  (benchmarks/noise.py)

ANSWER_FILES = [
    "problems/answers/descending-order-mlp.yaml",
    "problems/answers/parity-network.yaml",
    "problems/answers/sigmoid-tanh-equivalence.yaml",
    "tests/data/seed-answers/seed-004-descending-order.yaml",
    "tests/data/seed-answers/seed-000-parity.yaml",
    "tests/data/seed-answers/seed-004-sigmoid-tanh.yaml",
]
WRONG_DESIGNS = {
    "wrong-descending-ties-fire.yaml": """problem: {repo}/problems/descending-order-mlp.yaml
answers:
  W1: [[1, -1, 0, 0, 0], [0, 1, -1, 0, 0], [0, 0, 1, -1, 0], [0, 0, 0, 1, -1]]
  b1: [0, 0, 0, 0]
  w2: [1, 1, 1, 1]
  b2: -4
""",
    "wrong-tanh-forgotten-bias.yaml": """problem: {repo}/problems/sigmoid-tanh-equivalence.yaml
answers:
  W1_tanh: W1 / 2
  b1_tanh: b1 / 2
  W2_tanh: W2 / 2
  b2_tanh: b2
""",
}


def one_at_a_time():
    """run_group as it was: a Solution per input."""
    return mock.patch.object(design, "run_group", partial(design.run_group, batched=False))


def report(checker: Checker, answer_file) -> list[tuple]:
    return [(item.id, item.verdict, item.points, item.message) for item in checker.verify(answer_file).items]


def median_ms(checker: Checker, answer_file, reps: int, warmup: int) -> float:
    for _ in range(warmup):
        checker.verify(answer_file)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        checker.verify(answer_file)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def input_count(checker: Checker) -> int:
    return sum(len(group.inputs) for item in checker.problem.asks if item.kind == "design"
               for group in item.spec.groups)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=21, help="timed calls per way and file (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls first (default %(default)s)")
    parser.add_argument("--goal", type=float, default=10.0, help="ms per answer file, batched (default %(default)s)")
    parser.add_argument("--wait-idle", type=float, default=30, metavar="SECONDS",
                        help="wait up to this long for other processes to go quiet (default %(default)s)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        paths = [str(REPO / path) for path in ANSWER_FILES]
        for name, text in WRONG_DESIGNS.items():
            path = Path(folder) / name
            path.write_text(text.format(repo=REPO), encoding="utf-8")
            paths.append(str(path))
        note = wait_for_idle(args.wait_idle)
        if note:
            print(note)
        load = OtherLoad()
        rows, same = [], True
        for path in paths:
            answer_file = load_answer_file(path)
            checker = Checker(load_problem(answer_file.problem_path))
            at_once = report(checker, answer_file)
            with one_at_a_time():
                agree = report(checker, answer_file) == at_once
                before = median_ms(checker, answer_file, args.reps, args.warmup)
            after = median_ms(checker, answer_file, args.reps, args.warmup)
            score = sum(points for _, _, points, _ in at_once)
            same &= agree
            rows.append((Path(path).name, input_count(checker), score, before, after, agree))
        load.stop()

    print(f"verify one design answer file: median of {args.reps} calls, Checker built once\n")
    print(f"{'answer file':<40} {'inputs':>6} {'score':>6} {'one at a time':>14} {'all at once':>12} "
          f"{'ratio':>7}  goal <= {args.goal:g} ms")
    for name, inputs, score, before, after, agree in rows:
        verdict = "PASS" if after <= args.goal else "FAIL"
        mismatch = "" if agree else "  REPORTS DIFFER"
        print(f"{name:<40} {inputs:>6} {score:>6g} {before:>11.2f} ms {after:>9.2f} ms {before / after:>6.1f}x"
              f"  {verdict}{mismatch}")
    print(f"\n{'both ways give the same reports' if same else 'WARNING: the two ways give different reports'}")
    print(load.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
