"""The programs that read nncheck's outputs, found for the tests that run them: Debian's tools
on PATH, Node packages that .ci/run installs (.ci/node_modules, or NNCHECK_NODE_MODULES), and
the files of ../shared/consumers/. Missing, a test skips on a developer's machine and fails
in CI (CI=true), where .ci/run must have installed it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONSUMERS = ROOT.parent / "shared" / "consumers"
NODE_MODULES = Path(os.environ.get("NNCHECK_NODE_MODULES", ROOT / ".ci" / "node_modules"))
IN_CI = os.environ.get("CI") == "true"


def missing(what: str):
    """Skip, or fail in CI: `what` is not installed."""
    if IN_CI:
        pytest.fail(f"{what} is not installed, and CI must install it (.ci/run)")
    pytest.skip(f"{what} is not installed")


def program(name: str) -> str:
    path = shutil.which(name)
    return path if path else missing(name)


def node_package(name: str) -> Path:
    """The folder of an npm package that .ci/run installs (with `node` on PATH)."""
    program("node")
    folder = NODE_MODULES / name
    return folder if folder.is_dir() else missing(f"the npm package {name} (in {NODE_MODULES})")


def consumer_file(name: str) -> Path:
    path = CONSUMERS / name
    return path if path.is_file() else missing(f"../shared/consumers/{name}")


def chromium() -> str:
    return shutil.which("chromium") or shutil.which("chromium-browser") or missing("chromium")
