"""Run at the start of a Python process whose parent ran flows in drop-in mode (this
folder is first on its ``PYTHONPATH``: ``flowtop.compat.children``).

With the parent's list of modules in the environment, it installs the finder that runs
them inside ``prefect_imports()``, loading ``children.py`` by its path: the flowtop
package itself, and the ``__import__`` hook for their functions, come only when one of
them (or flowtop) is imported. Then any other ``sitecustomize`` on the path runs, as it
would have without this one.
"""

from __future__ import annotations

import importlib.util
import os
import sys


def _install() -> None:
    if not os.environ.get("FLOWTOP_PREFECT_CHILD_MODULES"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(os.path.dirname(here), "children.py")
    spec = importlib.util.spec_from_file_location("_flowtop_child_site", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.install()


def _next_sitecustomize() -> None:
    """The ``sitecustomize`` this one hides, if any, imported as Python would have."""
    here = os.path.dirname(os.path.abspath(__file__))
    mine = sys.modules.pop("sitecustomize", None)
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    try:
        importlib.import_module("sitecustomize")  # run for its effects
    except ImportError as exc:
        if exc.name != "sitecustomize":
            raise
        if mine is not None:
            sys.modules["sitecustomize"] = mine
    finally:
        sys.path[:] = saved


try:
    _install()
except Exception as exc:  # noqa: BLE001 - never stop a process from starting
    print(f"flowtop: drop-in mode in this process: {exc!r}", file=sys.stderr)
_next_sitecustomize()
