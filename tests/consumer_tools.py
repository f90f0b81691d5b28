"""The programs that read nncheck's outputs, found for the tests that run them: Debian's tools
on PATH, Node packages that .ci/run installs (.ci/node_modules, or NNCHECK_NODE_MODULES), and
the files of ../shared/consumers/. Missing, a test skips on a developer's machine and fails
in CI (CI=true), where .ci/run must have installed it."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
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


def headless_chromium(executable: str, tmp_path: Path, *args) -> subprocess.CompletedProcess:
    """Chromium run headless on local files, with its own profile and no network of its own."""
    return subprocess.run(
        [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         *args], capture_output=True, text=True, timeout=120, check=False)


def png_summary(path: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct colours of a PNG (Pillow when present)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    try:
        from PIL import Image
    except ImportError:
        return width, height, 9 if len(data) > 20_000 else 1  # a blank page compresses to a few kB
    with Image.open(path) as image:
        return width, height, len(image.convert("RGB").getcolors(1 << 20) or range(1 << 20))
