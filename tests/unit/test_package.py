"""The package's shape: no import cycles, a thin facade, an import with no side effects, no stray prints, and
package data that a wheel ships."""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "assistant"
MODULES = {p.stem: p for p in sorted(PACKAGE.glob("*.py"))}
INIT = "__init__"


def sibling_imports(path: Path) -> set[str]:
    """Sibling modules ``path`` imports anywhere (top level, functions, ``if TYPE_CHECKING:``).

    ``from . import x`` and ``from assistant import x`` name module x when it is one, else the package itself
    (``__init__``)."""
    found: set[str] = set()

    def package_names(names: list[ast.alias]) -> None:
        for alias in names:
            found.add(alias.name if alias.name in MODULES else INIT)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:
                if module:
                    found.add(module.split(".")[0])
                else:
                    package_names(node.names)
            elif node.level == 0 and (module == "assistant" or module.startswith("assistant.")):
                parts = module.split(".")
                if len(parts) > 1:
                    found.add(parts[1])
                else:
                    package_names(node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "assistant":
                    found.add(parts[1] if len(parts) > 1 else INIT)
    return {m for m in found if m in MODULES and m != path.stem}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that starts and ends on the same node, or None when it is acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_dag():
    # the checker itself must work, or the next test proves nothing
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_scanner_sees_every_form_of_sibling_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .models import Answer\n"
        "from . import dates\n"
        "import assistant.news\n"
        "from assistant.textutil import terms\n"
        "if TYPE_CHECKING:\n"
        "    from .store import ChromaStore\n"
        "def later():\n"
        "    from .index import Index\n"
    )
    assert sibling_imports(sample) == {"models", "dates", "news", "textutil", "store", "index"}


def test_modules_inside_assistant_import_each_other_without_cycles():
    graph = {name: sibling_imports(path) for name, path in MODULES.items()}
    assert sum(map(len, graph.values())) > len(MODULES)  # the scan found the package's real imports
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_api_facade_stays_thin():
    n_lines = len((PACKAGE / "api.py").read_text(encoding="utf-8").splitlines())
    assert n_lines <= 300, f"assistant/api.py has {n_lines} lines; move logic out of the facade (limit 300)"


def test_importing_the_package_changes_no_environment_variable():
    code = "import os; e=dict(os.environ); import assistant, assistant.api; assert dict(os.environ)==e"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]


def print_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"]


def test_only_the_cli_prints():
    offenders = {f"{name}.py": lines for name, path in MODULES.items()
                 if name != "cli" and (lines := print_calls(path))}
    assert offenders == {}, f"print() outside cli.py (use logging or return values): {offenders}"


def test_the_print_check_sees_a_print_call(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import logging\nlogging.info('x')\nconsole.print('y')\nif True:\n    print('z')\n")
    assert print_calls(sample) == [5]


PACKAGE_DATA = [("prompts", "answer-v2.system.txt"), ("samples", "syria-refugees-turkey.txt")]


def test_prompt_templates_and_the_sample_article_are_in_the_package():
    for folder, name in PACKAGE_DATA:
        resource = resources.files("assistant") / folder / name
        assert resource.is_file(), f"{folder}/{name} is not package data"
        assert resource.read_text(encoding="utf-8").strip()


def test_pyproject_package_data_ships_the_prompts_and_the_sample():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["assistant"]
    for folder, name in PACKAGE_DATA:
        relative = f"{folder}/{name}"
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), f"{relative} not covered by {patterns}"


def test_every_prompt_template_is_covered_by_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["assistant"]
    for folder in ("prompts", "samples"):
        for file in (PACKAGE / folder).iterdir():
            relative = f"{folder}/{file.name}"
            assert any(fnmatch.fnmatch(relative, p) for p in patterns), f"{relative} would not ship in a wheel"
