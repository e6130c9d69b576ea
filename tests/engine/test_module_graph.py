"""The engine's modules answer one question each and import each other without a cycle.

A cycle is what forced imports inside functions (runner <-> dynamic <-> flow <-> task);
with none, every module can be read, and imported, from the bottom up. Imports under
``if TYPE_CHECKING:`` are left out: they name types for the checker and never run.
"""

from __future__ import annotations

from pathlib import Path

import grimp

import flowtop
import flowtop.engine

ENGINE = "flowtop.engine"
MAX_LINES = 600


def _engine_imports() -> dict[str, set[str]]:
    graph = grimp.build_graph(
        "flowtop",
        exclude_type_checking_imports=True,
        cache_dir=None,  # no cache in the checkout
    )
    modules = {m for m in graph.modules if m.startswith(ENGINE + ".")}
    return {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}


def find_cycle(imports: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the path of modules that closes it, or None (depth first)."""
    finished: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in finished:
            return None
        path.append(module)
        for imported in sorted(imports.get(module, ())):
            cycle = visit(imported)
            if cycle:
                return cycle
        path.pop()
        finished.add(module)
        return None

    for module in sorted(imports):
        cycle = visit(module)
        if cycle:
            return cycle
    return None


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_inside_the_engine() -> None:
    cycle = find_cycle(_engine_imports())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_module_of_flowtop_is_over_600_lines() -> None:
    """The engine's rule (issue 17), kept for every package: a module that grows past it
    answers more than one question."""
    folder = Path(flowtop.__file__).parent
    long = {
        str(p.relative_to(folder)): n
        for p in folder.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_runner_never_asks_what_kind_of_flow_it_runs() -> None:
    """The flow makes its own run (``Flow.make_run``) and rerun plan: no branching on kind."""
    folder = Path(flowtop.engine.__file__).parent
    for name in ("runner.py", "run.py"):
        text = (folder / name).read_text()
        assert "is_dynamic" not in text and "FlowFunction" not in text, name
