"""Documentation and releases as Python projects have them: the docs site builds strictly, the
wheel and sdist pass `twine check` with complete metadata, and the CHANGELOG names every
command, option and output format."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import click
import pytest

import nncheck
from nncheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def commands() -> dict[str, click.Command]:
    context = click.Context(cli)
    return {name: cli.get_command(context, name) for name in cli.list_commands(context)}


def test_the_docs_site_builds_strictly_with_the_api_reference_from_docstrings(tmp_path):
    pytest.importorskip("mkdocstrings_handlers.python")
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr
    reference = (site / "reference" / "index.html").read_text(encoding="utf-8")
    for name in ("nncheck.load", "nncheck.Problem", "nncheck.Verification", "nncheck.grade"):
        assert f'id="{name}"' in reference, name
    assert "Raise AssertionError naming every item that is not correct" in reference
    assert (site / "notebooks" / "relu-4-samples.ipynb").is_file() and (site / "ci" / "release.yml").is_file()
    assert "Otter-Grader" in (site / "notebooks" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_the_wheel_and_sdist_pass_twine_check(dist):
    pytest.importorskip("twine")
    files = sorted(dist.iterdir())
    assert [path.name for path in files] == [f"nncheck-{nncheck.__version__}-py3-none-any.whl",
                                             f"nncheck-{nncheck.__version__}.tar.gz"]
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and done.stdout.count("PASSED") == 2, done.stdout + done.stderr


def test_the_wheel_has_complete_metadata_the_licence_and_the_types(dist):
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = email.message_from_bytes(archive.read(f"nncheck-{nncheck.__version__}.dist-info/METADATA"))
    assert "nncheck/py.typed" in names and f"nncheck-{nncheck.__version__}.dist-info/licenses/LICENSE" in names
    assert not [name for name in names if name.startswith(("tests/", "docs/", "problems/"))]
    assert metadata["Version"] == PROJECT["version"] == nncheck.__version__
    assert metadata["License-Expression"] == "MIT" and metadata["Requires-Python"] == ">=3.10"
    assert metadata["Description-Content-Type"] == "text/markdown"
    classifiers = metadata.get_all("Classifier")
    assert {"Typing :: Typed", "Intended Audience :: Education", "Framework :: Jupyter"} <= set(classifiers)
    assert {f"Programming Language :: Python :: 3.{minor}" for minor in range(10, 14)} <= set(classifiers)
    assert sorted(re.split(r"[<>=]", line)[0] for line in metadata.get_all("Requires-Dist")
                  if "extra ==" not in line) == ["click", "numpy", "pyyaml", "rich"]
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        assert f"nncheck-{nncheck.__version__}/LICENSE" in archive.getnames()
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_the_changelog_names_every_command_option_and_output_format():
    for name, command in commands().items():
        assert f"`nncheck {name}" in CHANGELOG, name
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert f"`{parameter.opts[0]}" in CHANGELOG, (name, parameter.opts)
            if isinstance(parameter.type, click.Choice):
                missing = [choice for choice in parameter.type.choices if f"`{choice}`" not in CHANGELOG]
                assert not missing, (name, parameter.opts, missing)
    assert f"## {nncheck.__version__}" in CHANGELOG
    for extra in PROJECT["optional-dependencies"]:
        assert f"`{extra}`" in CHANGELOG, extra


def test_the_changelog_names_every_public_name_of_the_python_api():
    for name in nncheck.__all__:
        assert f"`{name}" in CHANGELOG or f"{name}(" in CHANGELOG, name
