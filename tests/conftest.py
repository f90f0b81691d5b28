import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
