"""A flow file whose import overran ``[defaults] load_timeout`` is tried again when the
setting changes, and its error names the setting (rv347 §6): raising it in flowtop.toml
left ``✗ slow.py: import did not finish in 1 s`` until the .py itself was saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import RemoteWorkspace, Workspace
from flowtop.workspace import remote_workspace as remote_module

SLOW = """
import pathlib
import time
from flowtop import Flow, task

with open(pathlib.Path(__file__).with_name("imports.log"), "a") as log:
    log.write("imported\\n")
time.sleep({sleep})

@task
def sl():
    return 1

flow = Flow("slowflow")
flow.add_task(sl)
"""

OVERRAN = "slow.py: import did not finish in 0.5 s ([defaults] load_timeout), at slow.py:7"

Write = Callable[[str, str], Path]


def imports(tmp_path: Path) -> int:
    log = tmp_path / "imports.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_raising_load_timeout_loads_the_file_that_overran_it(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    toml = write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    slow = write("slow.py", SLOW.format(sleep=0.8))  # (past 0.5 s, not more: imported twice)
    write("broken.py", "from flowtop import Flow\nraise RuntimeError('down')\n")
    ws = workspace()
    assert str(ws.errors[slow]) == OVERRAN
    assert "slowflow" not in ws.flows
    write("flowtop.toml", "[defaults]\nload_timeout = 0.5\nworkers = 4\n")
    before = imports(tmp_path)
    change = ws.reload_paths([toml])  # load_timeout as it was: no import waited out again
    assert imports(tmp_path) == before and str(ws.errors[slow]) == OVERRAN
    assert change.errors == ()
    write("flowtop.toml", "[defaults]\nload_timeout = 30\n")
    change = ws.reload_paths([toml])
    assert "slowflow" in ws.flows and slow not in ws.errors
    assert change.modules == ("slow.py",) and change.settings_changed
    assert list(ws.errors) == [tmp_path / "broken.py"]  # (broken otherwise: not retried)


def test_the_monitor_waits_for_the_import_under_the_new_load_timeout(
    write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI gives its flow host a reload's time by ``load_timeout``: the old one's
    (0.5 s) would have taken the host for dead while slow.py imports under the new: after
    (2 × 1 file + 1) × 0.5 s, with no ``SLACK``, which the import's 1.7 s outlasts."""
    monkeypatch.setattr(remote_module, "SLACK", 0.0)
    toml = write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    slow = write("slow.py", SLOW.format(sleep=1.7))
    remote = RemoteWorkspace(tmp_path)
    try:
        remote.load()  # (the first host's words, where it was too, reach the careful host)
        assert str(remote.errors[slow]) == OVERRAN
        write("flowtop.toml", "[defaults]\nload_timeout = 30\n")
        remote.reload_paths([toml])
        assert remote.host_error is None
        assert remote.errors == {} and list(remote.flow_files) == ["slowflow"]
    finally:
        remote.close()
