"""Reading YAML: libyaml (PyYAML's C parser) against PyYAML's Python parser, per file.

For each file, `parse_yaml` (everything nncheck does with the text: composing the nodes,
then the data and the position of every value) runs `--number` times in a row, with
libyaml and then without it, in each of `--rounds` rounds. The script prints the median
and minimum microseconds per call of each path, and the ratio of the medians
(Python / libyaml). "build" is the part both paths share, from nodes to data and
positions: the floor for the libyaml path.

It also says whether libyaml really read the file: on text where libyaml might read
differently (tabs, anchors, values left out, ...), nncheck hands the text to the Python
parser, and both columns then measure the same work.

Only measures; asserts nothing; exits 0 (2 for a missing file).

Usage:  python benchmarks/bench_yaml.py [--all] [--number 200] [--rounds 7] [FILE ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from nncheck import yamlfile  # noqa: E402
from nncheck.read.yamlfile import parse_yaml  # noqa: E402
from noise import OtherLoad, wait_for_idle  # noqa: E402  (benchmarks/noise.py)

DEFAULT_FILES = ["problems/answers/relu-4-samples.yaml", "problems/descending-order-mlp.yaml"]


def per_call_us(calls: dict, number: int, rounds: int) -> dict:
    """Microseconds per call of each function in `calls`, one figure per round of `number`
    calls; each round runs every function in turn, so that a slow phase touches all alike."""
    figures = {label: [] for label in calls}
    for _ in range(rounds):
        for label, call in calls.items():
            start = time.perf_counter()
            for _ in range(number):
                call()
            figures[label].append((time.perf_counter() - start) / number * 1e6)
    return figures


def libyaml_reads(text: str) -> str:
    """Whether libyaml's reading is the one kept for this text, and if not, why."""
    if yamlfile._LibyamlLoader is None:
        return "no (libyaml not installed)"
    try:
        yamlfile._document(yamlfile._compose_with_libyaml(text), "x")
    except yamlfile._Unsure:
        return "no (text where libyaml might differ)"
    except Exception as error:  # noqa: BLE001  (shown, not handled)
        return f"no ({type(error).__name__})"
    return "yes"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help=f"YAML files (default: {' '.join(DEFAULT_FILES)})")
    parser.add_argument("--all", action="store_true", help="every file in problems/ and problems/answers/")
    parser.add_argument("--number", type=int, default=200, help="calls per round (default 200)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per path (default 7)")
    parser.add_argument("--wait-idle", type=float, default=30, help="seconds to wait for an idle machine")
    args = parser.parse_args()

    paths = [Path(f) for f in args.files] or [REPO / f for f in DEFAULT_FILES]
    if args.all:
        paths = sorted((REPO / "problems").glob("*.yaml")) + sorted((REPO / "problems/answers").glob("*.yaml"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2

    print(f"PyYAML {yaml.__version__}, libyaml {'installed' if yaml.__with_libyaml__ else 'NOT installed'}; "
          f"python {sys.version.split()[0]}; {args.rounds} rounds x {args.number} calls")
    note = wait_for_idle(args.wait_idle)
    if note:
        print(note)
    load = OtherLoad()
    print(f"{'file':45s} {'bytes':>6s} {'libyaml us':>17s} {'python us':>17s} {'ratio':>6s} "
          f"{'build us':>9s}  libyaml reads it")
    print(f"{'':45s} {'':6s} {'median':>8s} {'min':>8s} {'median':>8s} {'min':>8s} {'':6s} {'median':>9s}")
    for path in paths:
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
        root = yamlfile._compose_with_python(text, name)
        us = per_call_us({
            "libyaml": lambda: parse_yaml(text, name, libyaml=True),
            "python": lambda: parse_yaml(text, name, libyaml=False),
            "build": lambda: yamlfile._document(root, name),
        }, args.number, args.rounds)
        fast, slow, build = us["libyaml"], us["python"], us["build"]
        ratio = statistics.median(slow) / statistics.median(fast)
        print(f"{name:45s} {len(text.encode()):6d} {statistics.median(fast):8.1f} {min(fast):8.1f} "
              f"{statistics.median(slow):8.1f} {min(slow):8.1f} {ratio:5.1f}x {statistics.median(build):9.1f}"
              f"  {libyaml_reads(text)}")
    print(load.stop().describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
