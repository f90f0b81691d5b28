import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Skip reasons that mean a tool or an optional package is missing: in CI (CI=true) a failure.
MISSING_TOOL = re.compile(r"not installed|could not import|No module named")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI every tool a test needs is installed (.ci/run), so a skip for a missing one fails."""
    report = (yield).get_result()
    if (os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail")
            and MISSING_TOOL.search(str(report.longrepr))):
        report.outcome = "failed"
        report.longrepr = f"CI=true, and a tool this test needs is missing: {report.longrepr}"


@pytest.fixture(autouse=True)
def _run_from_repository_root(monkeypatch):
    """Problem paths in tests are relative to the repository root."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NNCHECK_DEBUG", raising=False)


@pytest.fixture
def write(tmp_path):
    """Write a file under a temporary directory and return its path as a string."""

    def _write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return os.fspath(path)

    return _write
