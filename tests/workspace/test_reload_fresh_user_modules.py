"""A saved flow file loads in the monitor as in a fresh process: the user's own modules it
imports are imported afresh, wherever they live (``workspace/user_modules.py``).

The monitor showed ``report.py:3: ImportError: cannot import name 'X_RETRIES'`` for a
file ``flowtop list`` loaded fine: the helper it names, outside the workspace (a folder
``common.py`` put on ``sys.path``), had changed since its first import, and its old copy
stayed in ``sys.modules``; likewise a ``KeyError`` for a key added to a data file a helper
reads at import. And a saved ``lib/util.py`` was said as "which imports lib/__init__.py,
lib/http.py, lib/util.py": every module evicted with it, not the file saved.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import Workspace
from flowtop.workspace.user_modules import user_file

COMMON = """
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).parent
SHARED = str(HERE.parent / "shared")
if SHARED not in sys.path:
    sys.path.insert(0, SHARED)
CONFIG = tomllib.loads((HERE / "config.toml").read_text())
"""

REPORT = """
from flowtop import Flow, task
from common import CONFIG
from secrets_helper import TOKEN{extra}

@task
def build():
    return CONFIG["name"], TOKEN{value}

flow = Flow("report")
flow.add_task(build)
"""

INGEST = """
from flowtop import Flow, task
import common
from lib import get

@task
def fetch():
    return get(common.CONFIG["name"])

flow = Flow("ingest")
flow.add_task(fetch)
"""

Write = Callable[[str, str], Path]


@pytest.fixture
def project(write: Write) -> Path:
    """``flows/`` (report.py, ingest.py, common.py, config.toml, lib/) and ``shared/``
    beside it, on ``sys.path`` once ``common`` is imported."""
    write("flows/common.py", COMMON)
    write("flows/report.py", REPORT.format(extra="", value=""))
    write("flows/ingest.py", INGEST)
    write("flows/lib/__init__.py", "from .http import get\n")
    write("flows/lib/http.py", "from .util import clean\n\ndef get(x):\n    return clean(x)\n")
    write("flows/lib/util.py", "def clean(x):\n    return x\n")
    write("shared/secrets_helper.py", 'TOKEN = "t"\n')
    return write("flows/config.toml", 'name = "demo"\n').parent


def opened(folder: Path, careful: bool) -> Workspace:
    ws = Workspace(folder, isolate_imports=careful)
    ws.load()
    assert ws.errors == {} and sorted(ws.flows) == ["ingest", "report"]
    return ws


def task_value(ws: Workspace, flow: str) -> object:
    node = next(iter(ws.flows[flow].nodes.values()))
    return node.task.fn()


@pytest.mark.parametrize("careful", [False, True], ids=["in-process", "loader-child-first"])
def test_a_helper_outside_the_workspace_is_imported_afresh(
    project: Path, write: Write, careful: bool
) -> None:
    ws = opened(project, careful)
    try:
        write("shared/secrets_helper.py", 'TOKEN = "t"\nX_RETRIES = 3\n')  # not watched
        report = write("flows/report.py", REPORT.format(extra=", X_RETRIES", value=", X_RETRIES"))
        change = ws.reload_paths([report])
        assert ws.errors == {}, change.summary()
        assert change.summary() == "Reloaded flows/report.py (1 flow)"
        assert task_value(ws, "report") == ("demo", "t", 3)
        assert task_value(ws, "ingest") == "demo"  # the other flow file keeps working
    finally:
        ws.close()


@pytest.mark.parametrize("careful", [False, True], ids=["in-process", "loader-child-first"])
def test_a_data_file_a_helper_reads_at_import_is_read_again(
    project: Path, write: Write, careful: bool
) -> None:
    ws = opened(project, careful)
    try:
        write("flows/config.toml", 'name = "demo"\ndescribe_retries = 2\n')
        assert not ws.reload_paths([project / "config.toml"])  # a data file: nothing reloads
        value = ', CONFIG["describe_retries"]'
        report = write("flows/report.py", REPORT.format(extra="", value=value))
        change = ws.reload_paths([report])
        assert ws.errors == {}, change.summary()
        assert task_value(ws, "report") == ("demo", "t", 2)
    finally:
        ws.close()


def test_a_saved_package_module_is_the_only_helper_named(project: Path, write: Write) -> None:
    ws = opened(project, careful=False)
    try:
        util = write("flows/lib/util.py", "def clean(x):\n    return f'<{x}>'\n")
        change = ws.reload_paths([util])
        assert change.helpers == ("flows/lib/util.py",)
        assert (
            change.summary() == "Reloaded flows/ingest.py (1 flow), which imports flows/lib/util.py"
        )
        assert task_value(ws, "ingest") == "<demo>"
    finally:
        ws.close()


def test_installed_modules_a_flow_file_imports_are_kept(
    write: Write,
    workspace: Callable[..., Workspace],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A module of a ``site-packages`` folder is a library's: a reload imports it once only."""
    installed = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    write("venv/lib/python3.11/site-packages/fakelib_rv89.py", "VALUE = 1\n")
    monkeypatch.syspath_prepend(str(installed))  # put back as it was after the test
    etl = write(  # on the path in the loader child too (a shared one has its own sys.path)
        "flows/etl.py",
        f"import sys\nsys.path.insert(0, {str(installed)!r})\n"
        "from flowtop import Flow\nimport fakelib_rv89\nimport mine\nflow = Flow('etl')\n",
    )
    write("flows/mine.py", "X = 1\n")
    ws = workspace("flows")
    library, mine = sys.modules["fakelib_rv89"], sys.modules["mine"]
    ws.reload_paths([etl])
    assert ws.errors == {}
    assert sys.modules["fakelib_rv89"] is library  # the same module: not imported again
    assert sys.modules["mine"] is not mine  # the user's helper: imported afresh


def test_which_modules_are_the_users(write: Write, tmp_path: Path) -> None:
    import json

    import watchfiles

    import flowtop

    helper = write("anywhere/helper.py", "X = 1\n")
    module = type(sys)("helper")
    module.__file__ = str(helper)
    assert user_file("helper", module) == helper
    assert user_file("json", json) is None  # the standard library
    assert user_file("watchfiles", watchfiles) is None  # an installed distribution
    assert user_file("flowtop", flowtop) is None  # flowtop itself (an editable install here)
    assert user_file("sys", sys) is None  # built in
