"""The engine's layout: rooms in layers, no import cycle, no module too long to read.

The graph is built from the source (AST), counting imports inside functions, which hide cycles
at import time but still tie modules together. Importing ``common.x.y`` counts as importing the
package ``common.x`` (its ``__init__`` runs first) and the module itself.
"""

import ast
from pathlib import Path

import pytest

COMMON = Path(__file__).resolve().parents[1] / "common"
# lowest first: a room may import its own modules and the rooms before it, never one after it
LAYERS = ("core", "spec", "kaggle", "data", "models", "engine", "present", "steps", "scaffold", "cli")
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(COMMON.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(COMMON.rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The common modules and packages that module ``name`` imports, anywhere in its body (a
    submodule's own packages excepted: they are initialised before it runs)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            # every package on the way in runs its __init__
            found |= {".".join(parts[:i]) for i in range(2, len(parts) + 1)} & known
    # its own packages are already running their __init__ when the module is imported
    own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
    return found - own


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imported(name, path, set(mods)) for name, path in mods.items()}


def room(name: str) -> str:
    return name.split(".")[1] if name != "common" else ""


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_module_belongs_to_a_room():
    loose = [n for n in modules() if n != "common" and room(n) not in LAYERS]
    assert not loose, f"modules outside the rooms {LAYERS}: {loose}"


def test_no_room_imports_a_higher_one():
    upward = [f"{a} imports {b}" for a, targets in graph().items() if a != "common" for b in sorted(targets)
              if LAYERS.index(room(b)) > LAYERS.index(room(a))]
    assert not upward, "imports against the layers " + " < ".join(LAYERS) + ":\n" + "\n".join(upward)


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_modules_stay_short():
    long = {n: len(p.read_text().splitlines()) for n, p in modules().items()}
    assert not {n: k for n, k in long.items() if k > MAX_LINES}, f"split modules over {MAX_LINES} lines"


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
])
def test_the_cycle_finder_finds_cycles(edges, expected):
    assert find_cycle(edges) == expected


def test_function_level_and_package_imports_count(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("def f():\n    from ..engine.cv import run_cv\n")
    found = imported("common.data.mod", path, {"common.engine", "common.engine.cv", "common.data"})
    assert found == {"common.engine", "common.engine.cv"}
