"""A ``@flow`` default whose ``repr`` never returns (rv401 §0): describing the flow's
parameters ran outside ``load_timeout``, so ``flowtop list``, ``flowtop run`` and the
monitor's flow host hung for good; Ctrl+C or SIGTERM raised inside that repr was
swallowed (``safe_repr`` caught ``BaseException``) and the run then started and
COMPLETED, exit 0. Now the file is broken once ``load_timeout`` passes, naming the
parameter, and a Ctrl+C stops the command (130) with no run COMPLETED."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import fork_cli
from cli_kit import PLAIN, flowtop, stored_runs
from flowtop.engine.value_text import safe_repr
from flowtop.workspace import RemoteWorkspace, Workspace

#: The repr says it started (``started``), then blocks until the test opens its gate: a
#: repr that never returns while the test needs it to, and ends once it is over.
FLOWS = """
import pathlib
import time
from flowtop import flow, task

HERE = pathlib.Path(__file__).parent

class Hang:
    def __repr__(self):
        (HERE / "started").touch()
        while not (HERE / "gate").exists():
            time.sleep(0.01)
        return "Hang()"

@task
def t(v):
    return 1

@flow(name="fp-hang")
def fp_hang(x=Hang()):
    return t(1)
"""

SAID = "describing parameter x's default timed out: its repr did not return"


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "fp.py").write_text(FLOWS, encoding="utf-8")
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 0.5\n")
    yield tmp_path
    (tmp_path / "gate").touch()  # whatever still runs that repr returns and ends


def test_list_says_the_file_is_broken_naming_the_parameter(folder: Path) -> None:
    done = flowtop("list", "fp.py", cwd=folder, timeout=30)
    assert done.returncode == 2, done.stderr
    assert "fp.py:" in done.stderr and SAID in done.stderr
    assert "'fp-hang'" in done.stderr


def test_run_refuses_the_flow_of_that_file_and_records_nothing(folder: Path) -> None:
    for target in ("fp.py", "."):  # the run process's own import, and a folder's
        done = flowtop("run", target, "--flow", "fp-hang", cwd=folder, timeout=30)
        assert done.returncode == 2, done.stderr
        assert "cannot run: its file failed to load" in done.stderr and SAID in done.stderr
    assert stored_runs(folder) == []


def test_probed_in_a_loader_child_and_in_the_flow_host(
    folder: Path, workspace: Callable[..., Workspace]
) -> None:
    ws = workspace()  # each file probed in a loader child first
    assert SAID in str(ws.errors[folder / "fp.py"]) and "fp-hang" not in ws.flows
    remote = RemoteWorkspace(folder)  # the monitor's flow host
    try:
        remote.load()
        assert SAID in str(remote.errors[folder / "fp.py"])
        assert remote.host_error is None
    finally:
        remote.close()


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_during_the_repr_stops_the_run(
    folder: Path, sent: signal.Signals, code: int
) -> None:
    (folder / "flowtop.toml").write_text("[defaults]\nload_timeout = 60\n")
    process = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "fp.py", "--flow", "fp-hang"],
        cwd=folder,
        env={**os.environ, **PLAIN},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: (folder / "started").exists(), "the repr to start")
        process.send_signal(sent)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == code, err
    assert "interrupted" in err
    assert "COMPLETED" not in out
    assert all(run.state.value == "CANCELLED" for run in stored_runs(folder))


def test_safe_repr_passes_a_stop_on_and_keeps_a_users_own_exit() -> None:
    class Stops:
        def __init__(self, exc: BaseException) -> None:
            self.exc = exc

        def __repr__(self) -> str:
            raise self.exc

    with pytest.raises(KeyboardInterrupt):  # on the main thread: maybe Ctrl+C's
        safe_repr(Stops(KeyboardInterrupt()))
    with pytest.raises(SystemExit):
        safe_repr(Stops(SystemExit(3)))
    with pytest.raises(GeneratorExit):
        safe_repr(Stops(GeneratorExit()))
    assert safe_repr(Stops(RuntimeError())) == "<unrepresentable Stops: RuntimeError>"
    shown: list[str] = []  # elsewhere no signal lands: the user's own sys.exit()
    thread = threading.Thread(target=lambda: shown.append(safe_repr(Stops(SystemExit(3)))))
    thread.start()
    thread.join()
    assert shown == ["<unrepresentable Stops: SystemExit>"]


#: A flow file whose import holds the flow host (FAST: imported in the host itself) until
#: the test opens the gate; it says which process imports it.
HOLDS_THE_HOST = """
import os
import pathlib
import time
from flowtop import flow

HERE = pathlib.Path(__file__).parent
(HERE / "host.pid").write_text(str(os.getpid()))
while not (HERE / "gate").exists():
    time.sleep(0.01)

@flow
def held():
    return 1
"""

#: The monitor, as far as its flow host sees it: a process that starts one and loads.
TUI = """
import sys
from flowtop.workspace import RemoteWorkspace
RemoteWorkspace(sys.argv[1]).load()
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="reads /proc (Linux)")
def test_the_flow_host_ends_with_its_tui_while_a_flow_file_holds_it(tmp_path: Path) -> None:
    """rv401 §0: the TUI's terminal closed while the host ran the user's code left the
    host orphaned, for as long as that code ran (here up to its 60 s load_timeout)."""
    (tmp_path / "held.py").write_text(HOLDS_THE_HOST, encoding="utf-8")
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 60\n")
    tui = subprocess.Popen([sys.executable, "-c", TUI, str(tmp_path)], env={**os.environ})
    host = 0
    try:
        _wait_for(lambda: (tmp_path / "host.pid").exists(), "the host to import held.py")
        _wait_for(lambda: (tmp_path / "host.pid").read_text().isdigit(), "its pid")
        host = int((tmp_path / "host.pid").read_text())
        tui.kill()  # as a closed terminal's SIGHUP ends it, or kill -9
        tui.wait()
        _wait_for(lambda: not _running(host), "the host to end with the TUI", timeout=20)
    finally:
        (tmp_path / "gate").touch()
        if tui.poll() is None:
            tui.kill()
            tui.wait()
        if host and _running(host):
            os.kill(host, signal.SIGKILL)
