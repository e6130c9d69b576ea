"""The TUI's workspace: flows as shapes from a flow host process (issue 13 item 3).

The host is a real process here; the shapes it sends must equal what an in-process
``Workspace`` builds for the same folder, and nothing of the user's may be imported on
this side.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowtop.workspace import RemoteWorkspace, SettingsError, Workspace
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.helper_process import HelperGone, HelperProcess
from flowtop.workspace.load_error import LoadError

ETL = """
from flowtop import Flow, task


class Throttled(Exception):
    pass


@task(max_retries=2, retry_delay=[1, 5], retry_on=[Throttled])
def extract():
    return 1


@task
def load(x):
    return x


with Flow("etl") as flow:
    load(extract())
"""

REPORT = """
from flowtop import flow, task


@task(max_retries=1)
def fetch(region):
    return region


@flow
def report():
    return [fetch(r) for r in ("eu", "us")]
"""


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Callable[[], RemoteWorkspace]]:
    opened: list[RemoteWorkspace] = []

    def make() -> RemoteWorkspace:
        workspace = RemoteWorkspace(tmp_path)
        opened.append(workspace)
        return workspace

    yield make
    for workspace in opened:
        workspace.close()


def test_the_shapes_equal_those_the_workspace_builds_in_process(
    write: Callable[[str, str], Path], remote: Callable[[], RemoteWorkspace], tmp_path: Path
) -> None:
    write("etl.py", ETL)
    write("report.py", REPORT)
    write(
        "flowtop.toml",
        '[defaults]\nretry_jitter = 0.1\n[flows.report.tasks."fetch-2"]\nmax_retries = 5\n',
    )
    workspace = remote()
    change = workspace.load()
    assert set(change.flows) == {"etl", "report"}
    with Workspace(tmp_path) as local:
        local.load()
        assert workspace.shapes == local.shapes
    etl = workspace.shapes["etl"]
    assert list(etl.nodes) == ["extract", "load"]
    assert etl.nodes["load"].upstream == ("extract",)
    extract = etl.nodes["extract"].policy
    assert extract.summary.startswith("2× [1s, 5s] +0–10%")
    assert extract.texts["retry_on"] == "Throttled"  # bare: a class of the flow's module
    assert extract.layers["retry_jitter"] == ("0.1", "defaults")
    report = workspace.shapes["report"]
    assert report.dynamic and not report.nodes
    assert report.node("fetch-3").policy.summary.startswith("1×")  # the task's own
    assert report.node("fetch-2").policy.summary.startswith("5×")  # its table's
    assert workspace.flow_files["etl"] == tmp_path / "etl.py"


LEVELS = """
import enum

from flowtop import flow


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@flow
def tuned(level: Level, n: int = 1):
    return level
"""


def test_parameters_are_checked_by_the_code_the_host_loaded(
    write: Callable[[str, str], Path], remote: Callable[[], RemoteWorkspace]
) -> None:
    """The run form's check: the TUI cannot know the user's own ``Level``; the host can."""
    write("tuned.py", LEVELS)
    write("etl.py", ETL)
    workspace = remote()
    workspace.load()
    problem = workspace.check_parameters("tuned", {"level": "MEDIUM"})
    assert problem is not None and problem.name == "level"
    assert "Level" in problem.reason and "MEDIUM" in problem.reason, problem
    assert workspace.check_parameters("tuned", {"level": "HIGH"}) is None  # by name
    assert workspace.check_parameters("tuned", {"level": 1, "n": 2}) is None  # by value
    assert workspace.check_parameters("tuned", {"level": "LOW", "n": "x"}) == (
        "n",
        "expected int, got 'x'",
    )
    assert workspace.check_parameters("tuned", {}) == ("level", "has no default: give it a value")
    assert workspace.check_parameters("tuned", {"level": 1, "size": 2}) == (
        "size",  # a form opened before the file was saved without it
        "the flow takes no such parameter; it takes level, n",
    )
    assert workspace.check_parameters("etl", {}) is None  # a static flow: nothing to give
    assert workspace.check_parameters("gone", {"level": 1}) is None  # not loaded: the run says


def test_saves_errors_and_retry_edits_go_through_the_host(
    write: Callable[[str, str], Path], remote: Callable[[], RemoteWorkspace], tmp_path: Path
) -> None:
    write("etl.py", ETL)
    workspace = remote()
    workspace.load()
    write("broken.py", "from flowtop import Flow\n\nflow = Flow(\n")
    change = workspace.reload_paths([tmp_path / "broken.py"])
    assert [error.path.name for error in change.errors] == ["broken.py"]
    assert workspace.errors[tmp_path / "broken.py"].line == 3
    assert "etl" in workspace.shapes  # the others stay

    assert workspace.check_retry_on("etl", ["Throttled", "TimeoutError"]) is None
    assert "unknown exception 'Nope'" in (workspace.check_retry_on("etl", ["Nope"]) or "")
    workspace.set_override("etl", "extract", max_retries=7, retry_on=["Throttled"])
    assert workspace.shapes["etl"].nodes["extract"].policy.summary.startswith("7×")
    assert workspace.override_for("etl", "extract") == {
        "max_retries": 7,
        "retry_on": ["Throttled"],
    }
    with pytest.raises(SettingsError, match=r'tasks\."extract"\]: max_retries') as refused:
        workspace.set_override("etl", "extract", max_retries=-1)
    assert refused.value.key == "max_retries"
    workspace.clear_override("etl", "extract")
    assert workspace.shapes["etl"].nodes["extract"].policy.summary.startswith("2×")
    assert workspace.override_for("etl", "extract") == {}


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_a_host_that_died_between_saves_is_replaced_and_loads_everything(
    write: Callable[[str, str], Path], remote: Callable[[], RemoteWorkspace], tmp_path: Path
) -> None:
    """The fresh host loads every file, but the change it reports is the saved file's:
    the toast names what was saved, and auto-rerun reruns only its flows."""
    path = write("etl.py", ETL)
    write("report.py", REPORT)
    workspace = remote()
    workspace.load()
    first = workspace.host_pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _gone(first) and time.monotonic() < deadline:
        time.sleep(0.01)
    change = workspace.reload_paths([path])  # a fresh host knows nothing: it loads it all
    assert not change.errors
    assert change.flows == ("etl",) and change.summary().startswith("Reloaded etl.py (1 flow)")
    assert set(workspace.shapes) == {"etl", "report"}
    assert workspace.host_pid not in (None, first)


def test_a_host_that_dies_mid_request_is_an_error_then_starts_again(
    write: Callable[[str, str], Path],
    remote: Callable[[], RemoteWorkspace],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ``retry_on`` name typed in the editor imports its (installed) package in the
    host: one that ends the process at import takes the host down, not the TUI."""
    site = tmp_path_factory.mktemp("site")  # outside the workspace: an "installed" package
    (site / "killer").mkdir()
    (site / "killer" / "__init__.py").write_text("import os\nos._exit(9)\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    path = write("etl.py", ETL)
    workspace = remote()
    workspace.load()
    first = workspace.host_pid
    assert workspace.check_retry_on("etl", ["killer.Boom"]) is None  # unknown: said at save
    assert workspace.errors[tmp_path].message.startswith("the flow host died")
    assert "etl" in workspace.shapes  # what it said last stays on screen
    change = workspace.reload_paths([path])  # the next save
    assert "etl" in change.flows and not change.errors
    assert workspace.host_pid not in (None, first)
    assert tmp_path not in workspace.errors


def test_a_helper_that_does_not_answer_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mute_helper.py").write_text(
        "import time\n\ndef serve(fd, *args):\n    time.sleep(60)\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    helper = HelperProcess("mute_helper")
    started = time.monotonic()
    with pytest.raises(HelperGone, match="did not answer in time"):
        helper.ask({"kind": "load"}, timeout=0.5)
    assert time.monotonic() - started < 10
    assert helper.pid is None  # killed and reaped
    helper.close()


def test_closing_as_the_helper_starts_ends_its_request_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``q`` pressed while the flow host was being started found no process to kill and
    waited for the request, which waited out the whole load (CI saw the app hang)."""
    import subprocess
    import threading

    from flowtop.workspace import helper_process

    (tmp_path / "mute_helper.py").write_text(
        "import time\n\ndef serve(fd, *args):\n    time.sleep(60)\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    helper = HelperProcess("mute_helper")
    closing = threading.Thread(target=helper.close)
    real_popen = subprocess.Popen

    def popen_while_closing(*args: object, **kwargs: object) -> object:
        closing.start()  # close() runs now: no process is known yet, the request holds the lock
        time.sleep(0.2)  # ample for it to look for a process and wait for the lock
        return real_popen(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(helper_process.subprocess, "Popen", popen_while_closing)
    started = time.monotonic()
    with pytest.raises(HelperGone):
        helper.ask({"kind": "load"}, timeout=15)
    closing.join(10)
    assert time.monotonic() - started < 10  # not the request's 15 s
    assert not closing.is_alive() and helper.pid is None


def test_this_process_imports_no_flow_file_and_not_the_loader(tmp_path: Path) -> None:
    """In a fresh interpreter with the TUI's modules, as it opens a workspace: the flow
    file runs elsewhere, and neither the loader nor the in-process workspace is even
    imported (the import-linter contract checks the same statically)."""
    (tmp_path / "logged.py").write_text(
        "import os\nfrom flowtop import Flow, task\n"
        "open(os.environ['MARKER'], 'a').write(f'{os.getpid()}\\n')\n"
        "@task\ndef job():\n    return 1\n\nwith Flow('logged') as flow:\n    job()\n"
    )
    marker = tmp_path / "importers"
    probe = (
        "import json, os, sys\n"
        "import flowtop.tui.app, flowtop.tui.run_control, flowtop.workspace.store_client\n"
        "from flowtop.workspace.remote_workspace import RemoteWorkspace\n"
        "with RemoteWorkspace(sys.argv[1]) as ws:\n"
        "    ws.load()\n"
        "    print(json.dumps({'pid': os.getpid(), 'flows': list(ws.shapes),\n"
        "        'modules': sorted(m for m in sys.modules if m.startswith(('flowtop', 'textual')))}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "MARKER": str(marker)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["flows"] == ["logged"]
    importers = {int(pid) for pid in marker.read_text().split()}
    assert importers and seen["pid"] not in importers
    for module in ("flowtop.workspace.loader", "flowtop.workspace.workspace", "flowtop.compat"):
        assert module not in seen["modules"]


def test_the_first_load_waits_as_long_as_flowtop_toml_lets_an_import_take(
    write: Callable[[str, str], Path], remote: Callable[[], RemoteWorkspace]
) -> None:
    """Before the host has said anything, its settings are read from the file: a slow
    import allowed 60 s must not be given up on at the built-in 10 s budget."""
    write("etl.py", ETL)
    write("flowtop.toml", "[defaults]\nload_timeout = 60\n")
    workspace = remote()
    assert workspace._timeout() >= 3 * 60  # (2 × 1 file + 1) × 60 s
    workspace.load()
    assert workspace.settings.load_timeout == 60
    write("flowtop.toml", "[defaults]\nload_timeout = 2\n")  # the host's word counts now
    workspace.reload_paths([workspace.root / "flowtop.toml"])
    assert workspace.settings.load_timeout == 2


#: A flow file that counts its imports in a log beside it.
COUNTED = """
from pathlib import Path

with open(Path(__file__).with_name("imports.log"), "a") as log:
    log.write("imported\\n")

from flowtop import Flow, task


@task
def one():
    return 1


flow = Flow("counted")
flow.add_task(one)
"""


def test_the_host_imports_each_flow_file_once(
    write: Callable[[str, str], Path], remote: Callable[[], RemoteWorkspace], tmp_path: Path
) -> None:
    """A module that takes a second to import (pandas, a cloud SDK) must cost the screen
    one second, not two: the first host imports each file in its own process only."""
    path = write("counted.py", COUNTED)
    log = tmp_path / "imports.log"
    workspace = remote()
    workspace.load()
    assert "counted" in workspace.shapes
    assert log.read_text().splitlines() == ["imported"]
    workspace.reload_paths([path])
    assert log.read_text().splitlines() == ["imported"] * 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("import os\nos._exit(3)\n", "the import ended the process (exit code 3)"),
        (
            "import time\nwhile True:\n    time.sleep(0.05)\n",
            "import did not finish in 0.5 s ([defaults] load_timeout)",
        ),
    ],
    ids=["exit", "hang"],
)
def test_a_file_that_ends_or_hangs_the_host_is_named_and_the_others_load(
    write: Callable[[str, str], Path],
    remote: Callable[[], RemoteWorkspace],
    tmp_path: Path,
    body: str,
    reason: str,
) -> None:
    """The first host dies at that file (a hang is ended at ``load_timeout``); the next
    one imports each file in a child first, and says which file and why."""
    write("counted.py", COUNTED)
    write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    bad = write("bad.py", "from flowtop import Flow\n" + body)
    workspace = remote()
    change = workspace.load()
    assert "counted" in workspace.shapes
    # where the host was: in the sleep, or (rarely) between two
    said = [f"bad.py: {reason}, at bad.py:{n}" for n in (4, 3)] if "finish" in reason else []
    assert [str(e) for e in change.errors] in ([line] for line in said or [f"bad.py: {reason}"])
    assert workspace.errors == {bad: workspace.errors[bad]}  # no error of the host itself
    first = workspace.host_pid
    workspace.reload_paths([bad])  # saved again: the careful host stays, and says so again
    assert str(workspace.errors[bad]) in (said or [f"bad.py: {reason}"])  # (its child's)
    assert workspace.host_pid == first


@pytest.mark.parametrize(
    "body",
    ["import os\nos._exit(3)\n", "import time\nwhile True:\n    time.sleep(0.05)\n"],
    ids=["exit", "hang"],
)
def test_a_file_saved_so_that_it_ends_the_host_keeps_its_last_good_flows(
    write: Callable[[str, str], Path],
    remote: Callable[[], RemoteWorkspace],
    body: str,
) -> None:
    """The host that took the save died, and the careful one that replaced it knew no last
    good version of the file: its flows left the list, as a syntax error's never do."""
    write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    first = write("a_first.py", COUNTED.replace('"counted"', '"first"'))
    good = write("counted.py", COUNTED)
    workspace = remote()
    workspace.load()
    assert list(workspace.flow_files) == ["first", "counted"]
    good.write_text(good.read_text() + body)
    workspace.reload_paths([good])
    assert good in workspace.errors
    assert list(workspace.flow_files) == ["first", "counted"]  # in the order they were
    assert workspace.flow_files["counted"] == good and "counted" in workspace.shapes
    first.unlink()  # a file deleted meanwhile takes its flows with it, as ever
    workspace.reload_paths([first])
    assert list(workspace.flow_files) == ["counted"]


def test_a_whole_load_narrowed_to_the_saved_files(tmp_path: Path) -> None:
    etl, report, toml = tmp_path / "etl.py", tmp_path / "report.py", tmp_path / "flowtop.toml"
    whole = WorkspaceChanged(
        paths=(tmp_path,),
        modules=(str(etl), str(report)),
        flows=("etl", "report"),
        errors=(LoadError(report, 3, None, "SyntaxError"),),
        settings_changed=True,
        helpers=("helpers.py",),
    )
    files = {"etl": etl, "report": report}
    saved_etl = whole.only([etl], files)
    assert saved_etl.modules == (str(etl),) and saved_etl.flows == ("etl",)
    assert not saved_etl.errors and not saved_etl.settings_changed
    assert saved_etl.helpers == ("helpers.py",)  # why etl.py reloaded along
    saved_report = whole.only([report, toml], files)
    assert [e.path for e in saved_report.errors] == [report] and saved_report.settings_changed
    assert not whole.only([toml], files).modules and not whole.only([toml], files).helpers
