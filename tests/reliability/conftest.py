"""Shared kit: the real CLI in a subprocess, and the real TUI over a real workspace folder.

These tests load user code into the test process (the TUI checks), so every test gets its
own ``sys.modules``/``sys.path`` back afterwards and runs from its ``tmp_path``, which also
makes error messages show short relative paths, as a user running ``flowtop`` in the
folder would see them.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import watchfiles

import flowtop as flowtop_package  # `flowtop` is the command below
import fork_cli
from flowtop.engine.flow_package import FLOW_PACKAGE
from flowtop.engine.user_call import current_frames
from pilot_kit import wait_for

SIZE = (200, 40)  # wide enough that one error message fits on a line of the detail pane


@pytest.fixture(autouse=True)
def isolated_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    modules = set(sys.modules)
    path = list(sys.path)
    monkeypatch.chdir(tmp_path)
    yield
    for name in set(sys.modules) - modules:
        file = getattr(sys.modules[name], "__file__", None) or ""
        if name.split(".")[0] == FLOW_PACKAGE or Path(file).is_relative_to(tmp_path):
            del sys.modules[name]
    sys.path[:] = path


def flowtop(
    *args: str, cwd: Path, prefix: tuple[str, ...] = (), timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """``flowtop ARGS`` as a user would type it; a hang fails the test instead of the suite."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    if not prefix:
        return fork_cli.run(
            args, cwd=cwd, timeout=timeout, env=env, encoding="utf-8", errors="backslashreplace"
        )
    return subprocess.run(
        [*prefix, sys.executable, "-m", "flowtop", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        encoding="utf-8",
        errors="backslashreplace",
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@contextlib.asynccontextmanager
async def tui(folder: Path, *, watch: bool = True) -> AsyncIterator[tuple[Any, Any]]:
    """``flowtop FOLDER`` in a pilot: a real ``Workspace``, loaded after the first frame as
    ``run_tui`` does, with the real file watcher; yields ``(app, pilot)``."""
    from flowtop.tui.app import FlowtopApp
    from flowtop.workspace import Workspace

    workspace = Workspace(folder)
    app = FlowtopApp(workspace, load=True, watch=watch)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the workspace to load")
            await pilot.pause(0.05)
            yield app, pilot
            assert app.is_running, "the app died"
    finally:
        app.shutdown()
        if app.control is not None:
            app.control.runner.shutdown(wait=True)
        workspace.close()


async def run_flow(app: Any, pilot: Any, name: str) -> Any:
    """Select flow ``name``, press ``r`` and wait for the run to end; return its model."""
    app.flow_list.select_flow(name)
    await wait_for(
        pilot,
        lambda: app.selected_flow == name and app.selected_error is None,
        f"flow {name} to be selected",
    )
    before = app.store.latest_for(name)
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: (
            (run := app.store.latest_for(name)) is not None
            and run is not before
            and not run.is_live
        ),
        f"the run of {name} to finish",
    )
    await pilot.pause(0.05)
    return app.store.latest_for(name)


#: The packages whose threads must be gone after a quit: found by where they are
#: installed, not by a folder name. "/flowtop/" in a path matched every installed package
#: when the virtualenv was inside the clone (the README's ``flowtop/.venv``), so an idle
#: anyio worker counted as flowtop's own.
OWN_CODE = (Path(flowtop_package.__file__).parent, Path(watchfiles.__file__).parent)
ANYIO = Path(anyio.__file__).parent


def is_in(filename: str, *folders: Path) -> bool:
    """Whether the code file ``filename`` (a frame's ``co_filename``) is under a folder."""
    return any(Path(filename).is_relative_to(folder) for folder in folders)


def leftover_threads() -> list[str]:
    """Threads still running flowtop or watchfiles code; idle pool threads do not count.

    watchfiles waits in Rust on an anyio worker thread, which leaves no Python frame of
    its own: a busy anyio worker sits in its ``run`` (an idle one waits on its queue).
    """
    frames = current_frames()  # paused collector: python/cpython#106883
    found = []
    for thread in threading.enumerate():
        if thread is threading.current_thread() or not thread.is_alive():
            continue
        top = frame = frames.get(thread.ident or -1)
        files = []
        while frame is not None:
            files.append(frame.f_code.co_filename)
            frame = frame.f_back
        ours = [f for f in files if is_in(f, *OWN_CODE)]
        native_call = (
            top is not None and is_in(top.f_code.co_filename, ANYIO) and top.f_code.co_name == "run"
        )
        if thread.name.startswith("flowtop-") or ours or native_call:
            found.append(f"{thread.name} in {(ours or [top.f_code.co_filename if top else ''])[0]}")
    return found


def wait_no_leftover_threads(timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := leftover_threads()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left
