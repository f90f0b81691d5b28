"""The README's layout table (section Layout) describes the real package: every folder and module
of nncheck/ is in it, every module it names exists, and its rows and what each may import are the
layers of the import-linter contract, in order."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nncheck"
CONTRACT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"][0]


def layout_rows() -> list[tuple[list[str], str, str]]:
    """(paths, what it holds, may import) for each row of the table."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows.append((re.findall(r"`([^`]+)`", cells[0]), cells[1], cells[2]))
    return rows


def layer_of(path: str) -> str:
    return path.removesuffix("/").removesuffix(".py").replace("/", ".")


def test_every_folder_and_module_of_the_package_has_a_row():
    listed = {path for paths, _, _ in layout_rows() for path in paths}
    present = {f"nncheck/{entry.name}/" if entry.is_dir() else f"nncheck/{entry.name}"
               for entry in PACKAGE.iterdir() if entry.name != "__pycache__" and entry.suffix in ("", ".py")}
    assert present - listed == set()
    assert {path for path in listed if path.startswith("nncheck/")} - present == set()


def test_a_folder_row_names_every_module_of_the_folder_and_only_those():
    for paths, holds, _ in layout_rows():
        for path in (path for path in paths if path.startswith("nncheck/") and path.endswith("/")):
            folder = ROOT / path
            named = set(re.findall(r"`([\w/]+\.py|\w+/)`", holds)) - {path}
            present = {module.name for module in folder.rglob("*.py") if module.name != "__init__.py"}
            present |= {f"{sub.name}/" for sub in folder.iterdir() if sub.is_dir() and sub.name != "__pycache__"}
            assert named - present - {"__init__.py"} == set(), path
            assert present - named == set(), path


def test_the_rows_are_the_layers_of_the_contract_in_order_each_importing_the_ones_below():
    rows = {layer_of(paths[0]) if len(paths) == 1 else " : ".join(sorted(map(layer_of, paths))): may
            for paths, _, may in layout_rows() if all(path.startswith("nncheck/") for path in paths)}
    layers = [" : ".join(sorted(part.strip() for part in layer.split(":"))) for layer in CONTRACT["layers"]]
    assert [name for name in rows if name in layers] == layers
    for layer, below in zip(layers, layers[1:]):
        assert sorted(map(layer_of, re.findall(r"`([^`]+)`", rows[layer]))) == below.split(" : "), layer
    assert rows[layers[-1]].startswith("nothing of nncheck")
