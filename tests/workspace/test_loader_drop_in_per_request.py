"""The loader's server takes drop-in mode from each request, not from its start.

A process with another thread (the monitor; a test worker beside xdist's receiver) asks
one fork server per process (``loader_process.fork_server``), which read
``--prefect-compat`` from the environment it started with. A worker whose in-process
``flowtop --prefect-compat list`` started that server then had Prefect files read as
flows by every later command of the worker: ``flowtop list`` listed ``pf`` and never
said it was not read (four tests failed in the whole suite only).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.compat import ENV_FLAG
from flowtop.workspace import loader_process, workspace_description
from flowtop.workspace.workspace_description import describe_workspace

PREFECT_FLOW = "from prefect import flow\n\n@flow\ndef pf():\n    return 1\n"
OWN_FLOW = "from flowtop import flow\n\n@flow\ndef report():\n    return 2\n"


def test_drop_in_mode_is_each_describe_s_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pf.py").write_text(PREFECT_FLOW)
    (tmp_path / "report.py").write_text(OWN_FLOW)
    monkeypatch.setattr(workspace_description, "single_threaded", lambda: False)  # the server
    monkeypatch.setenv(ENV_FLAG, "1")
    loader_process.fork_server().close()  # started anew, under --prefect-compat
    forced = describe_workspace(str(tmp_path))
    assert sorted(forced.flows) == ["pf", "report"], forced
    monkeypatch.delenv(ENV_FLAG)
    plain = describe_workspace(str(tmp_path))  # the same server, drop-in mode off now
    assert sorted(plain.flows) == ["report"], plain
    assert plain.unread_prefect == ("pf.py",), plain
