"""The layers of nncheck (README, Layout): imports go one way, from reading files to the CLI, never
in a cycle, and sit at the top of each module; what is loaded late is loaded by name, in a registry
(the commands, the output formats, the kinds, the public names of the API)."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nncheck"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _enclosing_functions(tree: ast.AST) -> set:
    """The import statements that sit inside a function."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(child) for child in ast.walk(node))
    return inside


def _targets(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = module.split(".") if is_package else module.split(".")[:-1]
        if node.level:
            base = base[:len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module
        return [f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source for alias in node.names]
    return []


def _named_imports(tree: ast.AST) -> list[str]:
    """Modules imported by name through importlib: every nncheck module named in a string of a
    module that calls import_module, and every module under an f-string's constant prefix."""
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"]
    if not calls:
        return []
    named = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value in MODULES]
    for call in calls:
        for argument in call.args[:1]:
            if isinstance(argument, ast.JoinedStr) and isinstance(argument.values[0], ast.Constant):
                prefix = argument.values[0].value
                named += [name for name in MODULES if name.startswith(prefix)]
    return named


def imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported nncheck module, line, whether inside a function) for each import of `module`."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = _enclosing_functions(tree)
    found = [(target, node.lineno, id(node) in inside) for node in ast.walk(tree)
             for target in _targets(node, module, path.name == "__init__.py")]
    found += [(target, 0, False) for target in _named_imports(tree)]
    return [(target, line, nested) for target, line, nested in found
            if target in MODULES and target != module]


def import_graph() -> dict[str, set[str]]:
    return {module: {target for target, _, _ in imports(module)} for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while not component or component[-1] != module:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_import_graph_has_no_cycle_counting_function_level_and_by_name_imports():
    graph = import_graph()
    assert graph["nncheck.check.kinds"] >= {"nncheck.check.kinds.value", "nncheck.check.kinds.design"}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_of_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_module_imports_nncheck_modules_inside_a_function():
    nested = [f"{MODULES[module].relative_to(ROOT)}:{line}: {target}"
              for module in MODULES for target, line, inside in imports(module) if inside]
    assert nested == []


def _loads_by_name(module: str) -> bool:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Attribute) and node.attr == "import_module" for node in ast.walk(tree))


def test_only_the_registries_load_modules_by_name():
    assert [module for module in MODULES if _loads_by_name(module)] == [
        "nncheck", "nncheck.check.kinds", "nncheck.commands", "nncheck.formats"]


def test_every_command_has_a_module_of_its_own_group_and_the_cli_imports_none_of_them():
    from nncheck.cli import cli
    from nncheck.commands import COMMANDS

    assert list(dict.fromkeys(re.findall(r"nncheck (\w+) ", cli.help))) == list(COMMANDS)

    assert set(COMMANDS.values()) == {module for module in MODULES if module.startswith("nncheck.commands.")} - {
        "nncheck.commands.messages", "nncheck.commands.options", "nncheck.commands.screen"}
    assert not {target for target, _, _ in imports("nncheck.cli")} & set(COMMANDS.values())


def _commands_loaded(*argv: str) -> str:
    """The command modules that `nncheck ARGV` imports, as the last line it writes to stderr."""
    code = ("import sys; from nncheck.cli import main; from nncheck.commands import COMMANDS\n"
            "sys.argv = ['nncheck', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(set(COMMANDS.values()) & set(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    return done.stderr.strip().splitlines()[-1]


def test_a_command_imports_only_its_own_module_and_help_none():
    assert _commands_loaded("--help") == "[]"
    assert _commands_loaded("functions") == "['nncheck.commands.functions']"
    assert _commands_loaded("merge", "--help") == "['nncheck.commands.grade']"


def test_the_import_linter_contract_is_kept():
    lint = pytest.importorskip("importlinter.cli", reason="import-linter is not installed")
    assert lint.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0
