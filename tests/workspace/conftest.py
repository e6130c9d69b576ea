"""Workspace tests import user code: keep every test's modules and sys.path to itself."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowtop.engine.flow_package import FLOW_PACKAGE
from flowtop.workspace import Workspace
from flowtop.workspace.flow_naming import UNTOLD, NameScan


@pytest.fixture(autouse=True)
def isolated_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what loading flows does to ``sys.modules``/``sys.path``; run from ``tmp_path``.

    Working from ``tmp_path`` also makes error messages show short relative paths.
    """
    modules = set(sys.modules)
    path = list(sys.path)
    monkeypatch.chdir(tmp_path)
    yield
    for name in set(sys.modules) - modules:
        file = getattr(sys.modules[name], "__file__", None) or ""
        if name.split(".")[0] == FLOW_PACKAGE or Path(file).is_relative_to(tmp_path):
            del sys.modules[name]  # only what the test's flow files imported; libraries stay
    sys.path[:] = path


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a (dedented) file below ``tmp_path`` and return its path."""

    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Callable[..., Workspace]]:
    """Open (and load) a workspace on ``tmp_path`` or a path in it; closed after the test."""
    opened: list[Workspace] = []

    def open_workspace(path: str | Path = "", *, load: bool = True) -> Workspace:
        ws = Workspace(tmp_path / path)
        opened.append(ws)
        if load:
            ws.load()
        return ws

    yield open_workspace
    for ws in opened:
        ws.close()


@pytest.fixture
def flow_names(tmp_path: Path) -> Callable[[str], set[str]]:
    """The flow names a source gives literally, as the scan for ``--flow NAME`` reads its
    file (``flow_naming.NameScan``): a name an expression gives is not among them."""

    def flow_names(source: str) -> set[str]:
        path = tmp_path / "names_of.py"
        path.write_text(source, encoding="utf-8")
        return set(NameScan([path], "").files[path].names or ()) - {UNTOLD}

    return flow_names
