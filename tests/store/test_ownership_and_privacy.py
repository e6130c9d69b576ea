"""Who owns a live run, files only their owner can read, and reading a read-only store."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowtop.workspace import overrides
from flowtop.workspace.history import History
from flowtop.workspace.ownership import STALE_AFTER, Owner, owner_gone, process_start

from .conftest import ETL, env, flowtop


def test_an_owner_elsewhere_is_gone_only_when_its_heartbeat_is_stale() -> None:
    me = Owner.current()
    elsewhere = Owner("another-host", 1, "another-boot", "123")
    now, beat = time.monotonic(), time.time()
    assert owner_gone(elsewhere, beat, now) is None  # beating: alive, whatever pid 1 is here
    assert owner_gone(elsewhere, beat + 1, now + STALE_AFTER) is None  # a new beat
    why = owner_gone(elsewhere, beat + 1, now + 2 * STALE_AFTER + 1)
    assert why is not None and "sent no heartbeat for 6s" in why
    assert owner_gone(me, now - 3600, now) is None  # this very process: alive


def test_a_reused_pid_or_a_pid_namespace_is_not_taken_for_the_owner() -> None:
    me = Owner.current()
    # pid 1 is alive on this host, but it is not the process that recorded the run (a
    # container's pid 1, or a pid reused since): its start time tells them apart.
    impostor = Owner(me.host, 1, me.boot, "0")
    assert process_start(1) != "0"
    why = owner_gone(impostor, None)
    assert why is not None and "pid now names another process" in why
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = Owner(me.host, dead.pid, me.boot, "1")
    assert "is gone" in (owner_gone(gone, time.time()) or "")  # even with a fresh heartbeat


def test_the_store_folder_and_files_are_private(ws) -> None:
    folder = ws(etl=ETL)
    (folder / "ok").touch()
    assert flowtop("run", ".", cwd=folder).returncode == 0
    state = folder / ".flowtop"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "history.db").stat().st_mode) == 0o600


def test_overrides_keep_their_mode_and_a_killed_writer_s_temporary_goes(tmp_path: Path) -> None:
    path = tmp_path / ".flowtop" / "overrides.toml"
    overrides.write_toml_atomic(path, {"flows": {}})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # new: private
    os.chmod(path, 0o640)
    stale = path.parent / ".overrides.toml.abc123.tmp"  # what a SIGKILL mid-write leaves
    stale.write_text("half a file")
    old = time.time() - overrides.STALE_TMP_SECONDS - 1
    os.utime(stale, (old, old))
    overrides.write_toml_atomic(path, {"flows": {"etl": {}}})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the user's choice is kept
    assert not stale.exists()


def test_history_reads_a_read_only_store(ws) -> None:
    folder = ws(etl=ETL)
    (folder / "ok").touch()
    assert flowtop("run", ".", cwd=folder).returncode == 0
    state = folder / ".flowtop"
    for path in state.iterdir():
        path.chmod(0o400)
    state.chmod(0o500)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads and writes anything: drop that power for the check
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: a read-only folder can't be made")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    try:
        listed = subprocess.run(
            [*prefix, sys.executable, "-m", "flowtop", "history", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env(),
            timeout=60,
        )
        assert listed.returncode == 0, listed.stderr
        assert "etl   1  COMPLETED" in listed.stdout
        run = subprocess.run(
            [*prefix, sys.executable, "-m", "flowtop", "run", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env(),
            timeout=60,
        )
        assert run.returncode != 0
        assert "history.db" in run.stderr.strip().splitlines()[-1]
    finally:
        state.chmod(0o700)
        for path in state.iterdir():
            path.chmod(0o600)
    with History(state / "history.db") as history:
        assert len(history.runs()) == 1  # nothing was written by the refused run
