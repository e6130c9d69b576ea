"""A Prefect flow file's text imported in drop-in mode, for tests that check what a module
written for Prefect 3 does under flowtop (importable by its plain name, as ``context_kit``)."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path
from types import ModuleType

from flowtop.compat import prefect_imports


def drop_in_module(tmp_path: Path, name: str, source: str) -> ModuleType:
    """``source`` imported as a Prefect flow file is in drop-in mode."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with prefect_imports():
        spec.loader.exec_module(module)
    return module
