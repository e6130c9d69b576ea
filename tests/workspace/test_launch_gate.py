"""A stop (SIGHUP, SIGTERM) that comes while a run is being launched waits for the launch.

The monitor records a run, then starts its process and hands it the run; a SIGHUP in
between (a dropped SSH link) ended the monitor there, and the run was marked INTERRUPTED
and cancelled itself once its process came up (``launch_gate``'s module doc).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    from pathlib import Path
    from flowtop.workspace.launch_gate import launching, stops_wait_for_launches

    done = Path(sys.argv[1])
    stops_wait_for_launches()
    started = threading.Event()

    def launch():
        with launching():
            started.set()
            time.sleep(0.4)  # the record written, the process not handed the run yet
            done.write_text("handed over")

    if sys.argv[2] == "launch":
        threading.Thread(target=launch).start()
        started.wait()
    os.kill(os.getpid(), getattr(signal, sys.argv[3]))
    time.sleep(5)
    done.write_text("never stopped")
    """
)


@pytest.mark.parametrize("stop", ["SIGHUP", "SIGTERM"])
def test_a_stop_during_a_launch_ends_the_process_after_it(tmp_path: Path, stop: str) -> None:
    done = tmp_path / "done"
    ended = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(done), "launch", stop], timeout=30, check=False
    )
    assert ended.returncode == -getattr(signal, stop)  # ended by it, as its default does
    assert done.read_text() == "handed over"


def test_a_stop_with_no_launch_under_way_ends_the_process_at_once(tmp_path: Path) -> None:
    done = tmp_path / "done"
    ended = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(done), "idle", "SIGHUP"], timeout=30, check=False
    )
    assert ended.returncode == -signal.SIGHUP
    assert not done.exists()


def test_a_launch_records_and_starts_its_run_inside_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``launcher.launch`` holds the gate from before the run's record to its process."""
    import contextlib

    from flowtop.workspace import launcher

    inside: list[bool] = []
    seen: list[bool] = []

    @contextlib.contextmanager
    def watched() -> Iterator[None]:
        inside.append(True)
        try:
            yield
        finally:
            inside.pop()

    def no_process(*args: object, **kwargs: object) -> None:
        seen.append(bool(inside))
        raise OSError("no process in this test")

    def reserved(*args: object, **kwargs: object) -> int:
        seen.append(bool(inside))
        return 1

    monkeypatch.setattr(launcher, "launching", watched)
    monkeypatch.setattr(launcher, "reserve", reserved)
    monkeypatch.setattr(launcher.subprocess, "Popen", no_process)
    monkeypatch.setattr(launcher, "hand_over", lambda *args: seen.append(bool(inside)))
    (tmp_path / "logs").mkdir()
    with pytest.raises(OSError, match="no process"):
        launcher.launch(tmp_path / "f.py", "f", state_dir=tmp_path)
    assert seen == [True, True, True]  # the record, the process, the record let go
