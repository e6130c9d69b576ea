"""The monitor's helper processes do not put the folder they start in on ``sys.path``.

They were started as ``python -c …``, which puts that folder first: a package beside
the user's shell imported in the monitor and failed under ``flowtop run`` (whose console
script adds no such folder), and a ``json.py`` there shadowed the standard library in
the flow host. They start with ``-P`` now; flowtop itself comes from PYTHONPATH.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.helper_process import HelperProcess

PROBE = """\
import json
import socket
import sys


def serve(fd, *args):
    from flowtop.workspace.helper_process import receive, send

    sock = socket.socket(fileno=fd)
    while True:
        try:
            receive(sock)
        except EOFError:
            return
        send(sock, {"path": sys.path, "json": json.__file__})
"""


@pytest.fixture
def launch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder flowtop is started in: a package of its own, and a ``json.py`` that
    breaks whatever imports it."""
    here = tmp_path / "launch"
    (here / "pipeline_s41").mkdir(parents=True)
    (here / "pipeline_s41" / "__init__.py").write_text("VALUE = 1\n")
    (here / "json.py").write_text("raise RuntimeError('the json.py of the folder')\n")
    monkeypatch.chdir(here)
    return here


@pytest.mark.skipif(sys.version_info < (3, 11), reason="-P is Python 3.11's")
def test_a_helper_s_sys_path_lacks_the_folder_it_starts_in(
    tmp_path: Path, launch_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "probe_s41.py").write_text(PROBE)
    monkeypatch.setenv("PYTHONPATH", str(lib))
    helper = HelperProcess("probe_s41", cwd=str(launch_folder))
    try:
        reply = helper.ask({}, timeout=60)
    finally:
        helper.close()
    assert "" not in reply["path"] and str(launch_folder) not in reply["path"], reply
    assert str(lib) in reply["path"]  # PYTHONPATH is kept
    assert not reply["json"].startswith(str(launch_folder)), reply


def test_the_flow_host_imports_as_flowtop_run_does(tmp_path: Path, launch_folder: Path) -> None:
    """The workspace's own folder is on sys.path (``import helpers``); the launch
    folder's package is not, as under ``flowtop run``."""
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "helpers_s41.py").write_text("STEP = 2\n")
    (folder / "own.py").write_text(
        "import helpers_s41\nfrom flowtop import flow\n\n@flow\ndef own():\n    return 1\n"
    )
    (folder / "beside.py").write_text(
        "import pipeline_s41\nfrom flowtop import flow\n\n@flow\ndef beside():\n    return 1\n"
    )
    workspace = RemoteWorkspace(folder)
    try:
        workspace.load()
        assert list(workspace.shapes) == ["own"]
        (error,) = workspace.errors.values()
        assert error.path.name == "beside.py"
        assert "No module named 'pipeline_s41'" in error.message, error
    finally:
        workspace.close()
