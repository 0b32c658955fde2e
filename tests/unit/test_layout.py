"""The library's layout: one package a pipeline stage, imports running one way, modules a newcomer can read.

The stages, in the order the data flow (README "How it works"):
core <- data <- analysis <- report <- build -> render, with cli.py on top. A module may import its own
package and the packages before it; render (the book's renderers) needs only core. Imports inside
functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pcnreport"
STAGES = ["core", "data", "analysis", "report", "build"]
ALLOWED = {stage: set(STAGES[: i + 1]) for i, stage in enumerate(STAGES)}
ALLOWED["build"] |= {"render"}
ALLOWED["render"] = {"core", "render"}
ALLOWED["cli"] = {*STAGES, "render", "cli"}
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The pcnreport modules `name` imports (a package imported as such counts as its __init__)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from pcnreport.data import readers` imports the module pcnreport.data.readers.
            candidates = [f"{origin}.{alias.name}" for alias in node.names]
            candidates = [c if c in known else origin for c in candidates]
        else:
            continue
        found.update(c for c in candidates if c in known and c != name)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_the_stages_are_the_packages_of_the_library():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == {*STAGES, "render"}
    loose = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "cli"}
    assert not loose, f"modules outside a stage package: {sorted(loose)}"


def test_each_stage_imports_only_the_stages_before_it():
    wrong = []
    for module, targets in graph().items():
        stage = stage_of(module)
        if stage is None:
            continue
        wrong += [f"{module} imports {t}" for t in sorted(targets) if stage_of(t) not in ALLOWED[stage] | {None}]
    assert not wrong, "imports against the flow core <- data <- analysis <- report <- build -> render:\n" + "\n".join(wrong)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each a list of modules."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle_and_nothing_else():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    assert _cycles(graph()) == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_over_500_lines(name):
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by concern"


@pytest.mark.parametrize("stage", [*STAGES, "render"])
def test_each_stage_says_what_it_takes_and_gives_in_three_lines(stage):
    docstring = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
    assert docstring, f"pcnreport.{stage} has no docstring"
    summary = docstring.split("\n\n")[0].splitlines()
    assert 1 <= len(summary) <= 3, f"pcnreport.{stage}'s summary is {len(summary)} lines: {summary}"
