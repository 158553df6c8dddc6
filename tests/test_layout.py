"""The package's folders are its stages, and imports run downwards.

Every import of a package module by another, at module level or inside a
function, is an edge; the graph must have no cycle, and no module may import
from a later stage (the order of :data:`ORDER`). The verifier re-derives the
rules' outcomes in its own code path, so it imports nothing from the
optimiser.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "solidarity"
#: Stages, earliest first: a module may import from its own stage and earlier ones.
ORDER = ["schema", "errors", "numbers", "inputs", "pact", "optimise", "outputs", "designs", "pipeline", "studies",
         "web", "cli"]


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Package modules ``path`` imports (relative imports resolved)."""
    mod = module_of(path)
    pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = pkg[: len(pkg) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            names = [a.name for a in node.names]
            found |= {_module(f"{target}.{n}") or _module(target) for n in names} - {None}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("solidarity"):
            found |= {_module(f"{node.module}.{a.name}") or _module(node.module) for a in node.names} - {None}
        elif isinstance(node, ast.Import):
            found |= {_module(a.name) for a in node.names if a.name.startswith("solidarity")} - {None}
    return found - {mod}


def _module(dotted: str) -> str | None:
    p = ROOT.joinpath(*dotted.split("."))
    if p.with_suffix(".py").is_file() or (p / "__init__.py").is_file():
        return dotted
    return None


def graph() -> dict[str, set[str]]:
    return {module_of(p): imports(p) for p in PACKAGE.rglob("*.py")}


def stage(mod: str) -> str | None:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ORDER else None


def test_every_module_is_in_a_stage():
    loose = sorted(m for m in graph() if stage(m) is None and m.count(".") >= 1
                   and m.split(".")[1] not in ("__main__",))
    assert loose == [], f"modules outside the stages {ORDER}: {loose}"


def test_imports_run_downwards():
    up = []
    for mod, targets in graph().items():
        for t in targets:
            s, u = stage(mod), stage(t)
            if s and u and ORDER.index(u) > ORDER.index(s):
                up.append(f"{mod} -> {t}")
    assert up == [], "imports from a later stage:\n" + "\n".join(sorted(up))


def test_no_import_cycle():
    g = graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(g.get(node, ())):
            if nxt == "solidarity":  # the package's lazy __init__ imports nothing at load
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]) if nxt in path else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node, [node])
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_the_verifier_imports_nothing_from_the_optimiser():
    g = graph()
    seen, todo = set(), ["solidarity.pact.verify"]
    while todo:  # everything it reaches, not only what it names
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        todo += [t for t in g.get(mod, ()) if t != "solidarity"]
    assert sorted(m for m in seen if stage(m) == "optimise") == []


def _reach(g: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        mod = todo.pop()
        if mod not in seen:
            seen.add(mod)
            todo += [t for t in g.get(mod, ()) if t != "solidarity"]
    return seen


def test_each_designs_verifier_reaches_neither_its_law_nor_the_optimiser():
    """``pact/verify_<design>.py`` re-derives the design's outcomes from the inputs
    in its own code: it may not reach ``pact/<design>.py`` (the law's code that
    produced the tables) nor the optimiser nor the design's runner."""
    g = graph()
    checked = 0
    for mod in g:
        name = mod.rpartition(".")[2]
        if mod.startswith("solidarity.pact.verify_"):
            law = "solidarity.pact." + name.removeprefix("verify_")
            reached = _reach(g, mod)
            assert law not in reached, f"{mod} reaches {law}"
            assert [m for m in reached if stage(m) in ("optimise", "designs")] == [], mod
            checked += 1
    designs = [m for m in g if m.startswith("solidarity.designs.")]
    assert checked >= len(designs), "every design has its own verifier module"


def test_commands_import_no_private_name():
    bad = []
    for path in (PACKAGE / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                bad += [f"{path.name}: {a.name} from {node.module}" for a in node.names
                        if a.name.startswith("_") and a.name != "__version__"]
    assert bad == []


#: Lines above which a function needs a reason in its docstring.
LONG = 80


def test_no_long_function_without_a_reason():
    """A function of more than :data:`LONG` lines of code (its docstring not
    counted) says why in its docstring ("Long because ..."); otherwise it is
    split into named steps."""
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                size = (body[-1].end_lineno - body[0].lineno + 1) if body else 0
                if size > LONG and "Long because" not in (ast.get_docstring(node) or ""):
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({size} lines)")
    assert long == [], "long functions without a reason:\n" + "\n".join(sorted(long))
