"""The gateway's modules import one another without a cycle, counting imports made inside
functions too (a function-level import is how a cycle hides until it bites at run time)."""

import ast
from pathlib import Path

import gateway

ROOT = Path(gateway.__file__).parent.parent
PACKAGES = ("gateway", "scim", "seats", "auth")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            # Importing a.b.c runs a/__init__ and a/b/__init__ first.
            imported |= {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
    return {module for module in imported if module in modules and module != name}


def _cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from `start` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for after in graph[node]:
            if after == start:
                return [*path, start]
            if after not in seen:
                seen.add(after)
                stack.append((after, [*path, after]))
    return None


def test_no_gateway_module_imports_itself_through_others() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles = [
        cycle
        for name in sorted(graph)
        if name.startswith("gateway") and (cycle := _cycle_through(name, graph)) is not None
    ]
    assert cycles == []
