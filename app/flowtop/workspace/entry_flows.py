"""Which of a flow file's flows its ``if __name__ == "__main__":`` block runs.

A Prefect-style file defines a parent flow, the subflows it calls and ``with_options``
copies, and ends with ``if __name__ == "__main__": parent()``: ``python file.py`` runs
the parent alone. ``flowtop run FILE`` (no ``--flow``) ran every flow of the file as a
top-level run of its own, each subflow's side effects again, and refused the whole command
for a subflow's parameter. So it runs the flows that block calls, and ``flowtop list``
marks them.

The block is read with ``ast``, never run: the module-level names it calls, as
``parent()``, ``parent.serve(...)``, ``parent.deploy(...)``, ``parent.with_options(...)(...)``,
``etl.run()``, ``Runner().run(etl)`` or inside ``asyncio.run(parent())``.
``flow_claims.find_flows`` then looks at what those names hold once the file is imported:
a name bound to a flow of the file is that flow.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .workspace import Workspace

#: Methods of a flow that run or schedule it: ``parent.serve(...)`` means ``parent``
#: (``etl.run()``: a ``with Flow(...)`` graph's own run, the README's idiom).
SERVING = frozenset({"run", "serve", "deploy", "to_deployment"})


def main_block_names(tree: ast.Module) -> set[str]:
    """The names the module's top-level ``if __name__ == "__main__":`` blocks call (the
    flow ``X`` of ``X.serve(...)`` and ``X.with_options(...)(...)``): its ``else`` runs at
    import, and a block nested in a function is not the module's."""
    names: set[str] = set()
    for statement in tree.body:
        if not (isinstance(statement, ast.If) and _is_main_test(statement.test)):
            continue
        for part in statement.body:
            for node in ast.walk(part):
                if not isinstance(node, ast.Call):
                    continue
                if (name := _called(node.func)) is not None:
                    names.add(name)
                if isinstance(node.func, ast.Attribute) and node.func.attr == "run":
                    # ``Runner().run(etl)``, ``runner.run(etl)``: the flow it is given
                    names.update(arg.id for arg in node.args if isinstance(arg, ast.Name))
    return names


def main_block_flows(workspace: Workspace) -> list[str]:
    """The loaded flows their file's ``__main__`` block calls, in the workspace's order.

    Read from the workspace's loader, which matched the names as it imported each file:
    a function here stands in for a ``Workspace`` property (``workspace.py`` is at its
    600 lines), as ``loader_process`` reaches into the loader it made."""
    called = workspace._loader.main_block_flows()
    return [name for name in workspace.flows if name in called]


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
    ):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _called(func: ast.expr) -> str | None:
    """The name a call of ``func`` runs: ``X`` of ``X(...)``, ``X.serve(...)``,
    ``X.deploy(...)`` and ``X.with_options(...)(...)``; None for anything else."""
    if isinstance(func, ast.Attribute) and func.attr in SERVING:
        func = func.value
    while (
        isinstance(func, ast.Call)
        and isinstance(func.func, ast.Attribute)
        and func.func.attr == "with_options"
    ):
        func = func.func.value
    return func.id if isinstance(func, ast.Name) else None
