"""Writing `run --format json` of a large network: seconds and peak memory.

Solves an MLP problem (default 784-1024-4096-10, batch 256, drawn with the `layers:`
shorthand), then, each in a fresh process, writes its JSON to a temporary file four ways:

* `before`: the whole object as nested Python lists, cleaned by Python recursion, one
  `json.dumps` string (what `run --format json` did until the streaming writer);
* `after`: `nncheck.formats.json.write_json`, streamed a block of rows at a time; large
  float blocks through orjson where it is installed (`nncheck[fast]`);
* `after-json`: the same without orjson (json's C encoder only);
* `only`: `after` with `--only W1,b1` (what a question about one layer needs).

Prints seconds for solving and for writing, the output size, nanoseconds per number and
the peak resident memory of each process, and checks that `before` and `after-json` wrote
the same bytes (orjson's output reads back the same numbers: tests/test_output_size.py).
The size limits are lifted in these processes as `run --large` does. Only measures;
asserts nothing; exits 0.

Usage:  python benchmarks/bench_json.py [--sizes 784,1024,4096,10] [--batch 256] [--skip-before]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))


def problem_yaml(batch: int, sizes: list[int]) -> str:
    activations = ", ".join(["relu"] * (len(sizes) - 2) + ["linear"])
    return (f"title: {'-'.join(map(str, sizes))} MLP, batch {batch}\nvalues:\n"
            f"  x: {{shape: [{batch}, {sizes[0]}]}}\n  t: {{shape: [{batch}, {sizes[-1]}]}}\n"
            f"layers:\n  convention: rows\n  input: x\n  activations: [{activations}]\n"
            f"  sizes: [{', '.join(map(str, sizes))}]\ngraph:\n  L: mean((y - t)**2)\nloss: L\n")


def child(mode: str, problem_path: str, output: str) -> None:
    """One contender in this process; prints a JSON line of figures."""
    from nncheck.formats import json as json_format
    from nncheck.check.problems import load_problem
    from nncheck.engine.solution import Solution
    from nncheck.limits import LARGE

    if mode == "after-json":
        json_format._orjson = lambda: None  # the writer without the optional orjson
    started = time.perf_counter()
    solution = Solution(load_problem(problem_path, limits=LARGE))  # as `run --large`: an author's own network
    solution.gradients()
    solved = time.perf_counter()
    rss_solved = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    only = {"W1", "b1"} if mode == "only" else None
    data = json_format.solution_json(solution, only=only)
    numbers = sum(getattr(value, "size", 1) for part in ("values", "gradients") for value in data[part].values())
    with open(output, "w", encoding="utf-8") as handle:
        if mode == "before":
            as_lists = {key: ({name: value.tolist() for name, value in part.items()} if key in ("values", "gradients")
                              else part) for key, part in data.items()}
            handle.write(json.dumps(json_format._strict(as_lists), allow_nan=False) + "\n")
        else:
            json_format.write_json(data, handle)
            handle.write("\n")
    written = time.perf_counter()
    print(json.dumps({"solve_s": solved - started, "write_s": written - solved, "numbers": numbers,
                      "bytes": os.path.getsize(output), "rss_solved_mb": rss_solved / 1024,
                      "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="784,1024,4096,10")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--skip-before", action="store_true", help="Skip the slow, memory-hungry old writer.")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        problem = os.path.join(folder, "mlp.yaml")
        Path(problem).write_text(problem_yaml(args.batch, sizes), encoding="utf-8")
        print(f"{'-'.join(map(str, sizes))} MLP, batch {args.batch}")
        print(f"{'writer':8} {'solve s':>8} {'write s':>8} {'numbers':>11} {'MB out':>8} {'ns/number':>10} "
              f"{'RSS solved MB':>14} {'RSS peak MB':>12}")
        outputs = {}
        modes = ["after", "after-json", "only"]
        for mode in (modes if args.skip_before else ["before"] + modes):
            outputs[mode] = os.path.join(folder, f"{mode}.json")
            run = subprocess.run([sys.executable, __file__, "--child", mode, problem, outputs[mode]],
                                 capture_output=True, text=True, check=False)
            if run.returncode:
                print(f"{mode:8} failed: {run.stderr.strip()[-300:]}")
                continue
            figures = json.loads(run.stdout)
            print(f"{mode:8} {figures['solve_s']:8.2f} {figures['write_s']:8.2f} {figures['numbers']:11,} "
                  f"{figures['bytes'] / 1e6:8.1f} {1e9 * figures['write_s'] / figures['numbers']:10.0f} "
                  f"{figures['rss_solved_mb']:14.0f} {figures['rss_peak_mb']:12.0f}")
        if "before" in outputs and all(os.path.exists(p) for p in outputs.values()):
            same = filecmp.cmp(outputs["before"], outputs["after-json"], shallow=False)
            print(f"before and after-json wrote {'the same bytes' if same else 'DIFFERENT bytes'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
