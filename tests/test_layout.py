"""The house's layout: imports run one way, and forecast/ stays pure.

io -> inventory -> calibration -> plan -> scenarios / simulate -> report -> pipeline -> run -> cli, with no
cycles anywhere (a function-level import counts: it is a dependency all the same)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: each layer may import only from the layers before it (and itself); modules not listed are free
LAYERS = [
    ("planner.io",),
    ("planner.inventory",),
    ("planner.calibration",),
    ("planner.plan",),
    ("planner.scenarios", "planner.simulate"),
    ("planner.report",),
    ("planner.pipeline",),
    ("planner.run",),
    ("planner.cli",),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for package in ("forecast", "planner") for p in (ROOT / package).rglob("*.py")}


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports: ``from pkg import sub`` names the submodule when it is one."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def layer(module: str) -> int | None:
    for k, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return k
    return None


def test_no_import_cycles():
    edges = graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])


def test_forecast_imports_nothing_of_the_planner():
    offenders = {m: sorted(d for d in deps if d.startswith("planner")) for m, deps in graph().items()
                 if m.startswith("forecast")}
    assert not {m: d for m, d in offenders.items() if d}


def test_imports_run_one_way_through_the_layers():
    wrong = []
    for module, deps in graph().items():
        mine = layer(module)
        if mine is None:
            continue
        wrong += [f"{module} -> {d}" for d in deps if layer(d) is not None and layer(d) > mine]
    assert not wrong, wrong


def test_the_layer_check_sees_an_upward_import(tmp_path):
    """The checks above can fail: a plan module importing the pipeline is reported."""
    known = {"planner.plan.x": tmp_path / "x.py", "planner.pipeline": tmp_path / "p.py"}
    known["planner.plan.x"].write_text("def f():\n    from planner import pipeline\n", encoding="utf-8")
    assert imports(known["planner.plan.x"], known) == {"planner.pipeline"}
    assert layer("planner.pipeline") > layer("planner.plan.x")
