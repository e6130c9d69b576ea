"""Workspaces shared between users: what flowtop makes in ``.flowtop`` takes that folder's
permissions, and a user shut out of it is told so in one line, not a traceback.

A tester ran flowtop as two users of one group: a ``.flowtop`` its owner shared
(``chmod 2770``) got ``0600`` files from the other user (the retry editor's
``overrides.toml``, the cache, ``limits.db``, the variables), and its owner's next
``flowtop run``, ``list`` and ``limits`` ended on ``Permission denied``. Another user's
private ``.flowtop`` gave tracebacks (``history``, ``watch``, ``cancel``, ``run
--detach``), and the retry editor said "the flow host failed" for a folder it may not
write. Tests run as root: "another user" is a process that has lost the capabilities that
let root read and write anything (``setpriv``), and files given to uids no account has.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import fork_cli
from flowtop.workspace.store_reader import StoreReader
from pty_kit import read_until

from .conftest import flowtop

#: Uids and a group no account has: the owner of a private ``.flowtop``, the group it is
#: shared with.
ALICE, BOB, DATA = 60001, 60002, 60010

SHARED_FLOW = """
    from flowtop import Flow, task
    from flowtop.cache_policies import INPUTS
    from flowtop.concurrency.sync import concurrency
    from flowtop.variables import Variable

    @task(cache_policy=INPUTS)
    def cached(x):
        return x * 2

    @task
    def remember():
        Variable.set("seen", 1, overwrite=True)
        with concurrency("db", occupy=1):
            return Variable.get("seen")

    with Flow("shared") as flow:
        cached(21)
        remember()
"""

PLAIN_FLOW = """
    from flowtop import Flow, task

    @task
    def extract():
        return 1

    with Flow("etl") as flow:
        extract()
"""

WAITING_FLOW = """
    from flowtop import Flow, task

    @task(max_retries=3, retry_delay=30)
    def waiter():
        raise ConnectionError("not yet")

    with Flow("waiting") as flow:
        waiter()
"""


def another_user() -> tuple[str, ...]:
    """A process that reads and writes only what the modes let it: root without the
    capabilities that pass over them (uid 0 still: the owner of what root made)."""
    if os.geteuid() != 0:
        pytest.skip("the owners below are set with chown, which needs root")
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: every file is readable")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner")


def workspace(folder: Path, flow: str, **extra: str) -> Path:
    (folder / "flow.py").write_text(textwrap.dedent(flow))
    for name, text in extra.items():
        (folder / name).write_text(text)
    return folder


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line a refusal is said in (no traceback)."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def umask_077() -> Iterator[None]:
    """The most private umask: what flowtop makes must not depend on it."""
    before = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(before)


def test_a_new_flowtop_is_private_and_keeps_the_setgid_bit_it_inherits(tmp_path: Path) -> None:
    """``private_folder`` chmodded a new ``.flowtop`` to 0700, dropping the setgid bit of
    a group's workspace (``chmod 2775``): its files then got the creator's group."""
    from flowtop.workspace.private import private_file, private_folder

    tmp_path.chmod(0o2775)
    state = private_folder(tmp_path / ".flowtop")
    assert stat.S_IMODE(state.stat().st_mode) == 0o2700
    assert stat.S_IMODE(private_file(state / "history.db").stat().st_mode) == 0o600
    plain = tmp_path / "plain"
    plain.mkdir(mode=0o755)
    plain.chmod(0o755)
    assert stat.S_IMODE(private_folder(plain / ".flowtop").stat().st_mode) == 0o700


def test_what_any_run_makes_in_a_shared_flowtop_is_shared(tmp_path: Path, umask_077: None) -> None:
    """The owner shares ``.flowtop`` (``chgrp data; chmod 2770``); a run that caches, sets
    a variable and takes a concurrency slot, a detached run's log folder and the retry
    editor's save all make files 0660 and folders 2770 of that group, under umask 077."""
    if os.geteuid() != 0:
        pytest.skip("giving the folder a group this user is not in needs root")
    from flowtop.workspace import Workspace

    folder = workspace(tmp_path, SHARED_FLOW, **{"flowtop.toml": "[concurrency]\ndb = 2\n"})
    state = folder / ".flowtop"
    state.mkdir()
    os.chown(state, -1, DATA)
    state.chmod(0o2770)
    first = flowtop("run", ".", cwd=folder)
    assert first.returncode == 0, first.stderr
    detached = flowtop("run", ".", "--detach", cwd=folder)
    assert detached.returncode == 0, detached.stderr
    watched = flowtop("watch", ".", detached.stdout.strip(), cwd=folder, timeout=60)
    assert watched.returncode == 0, watched.stderr
    with Workspace(str(folder), isolate_imports=False) as ws:
        ws.read_settings()
        ws.set_override("shared", "cached", max_retries=2)
    made = sorted(state.rglob("*"))
    names = {path.relative_to(state).as_posix() for path in made}
    assert {"cache", "logs", "history.db", "limits.db", "overrides.toml"} <= names, names
    assert {"overrides.lock", "variables.json", "variables.lock"} <= names, names
    for path in made:
        info = path.stat()
        want = 0o2770 if path.is_dir() else 0o660
        assert (stat.S_IMODE(info.st_mode), info.st_gid) == (want, DATA), path


def test_another_user_s_private_flowtop_is_said_in_one_line(tmp_path: Path) -> None:
    """``history``, ``watch`` and ``cancel`` raised PermissionError; ``list``, ``run`` and
    ``run --no-history`` said ``cannot read settings: overrides.toml: Permission denied``
    of a file that does not exist. Now: whose private folder, and what to ask; ``list``
    and a ``--no-history`` run go on with flowtop.toml's settings, warned."""
    prefix = another_user()
    folder = workspace(tmp_path, PLAIN_FLOW)
    assert flowtop("run", ".", cwd=folder).returncode == 0
    state = folder / ".flowtop"
    for path in [state, *state.rglob("*")]:
        os.chown(path, ALICE, ALICE)
    state.chmod(0o700)
    private = f".flowtop is private to uid {ALICE} (drwx------): ask them to share it"
    for command in (["history", "."], ["watch", ".", "1"], ["cancel", ".", "1"]):
        done = flowtop(*command, cwd=folder, prefix=prefix)
        assert done.returncode == 2, (command, done.stderr)
        assert private in one_line(done), command
    for command in (["run", "."], ["run", ".", "--detach"]):
        done = flowtop(*command, cwd=folder, prefix=prefix)
        assert done.returncode == 2, (command, done.stderr)
        assert private in one_line(done), command
    for command in (["list", "."], ["run", ".", "--no-history"]):
        done = flowtop(*command, cwd=folder, prefix=prefix)
        assert done.returncode == 0, (command, done.stderr)
        warning = one_line(done)
        assert "overrides.toml is not read (flowtop.toml's settings apply)" in warning
        assert private in warning, command


def test_an_overrides_file_another_user_keeps_closed_names_them(tmp_path: Path) -> None:
    """Alice's ``list`` and ``run`` said only ``Permission denied`` of the overrides Bob's
    retry editor left ``0600``, and her task's ``Variable.set`` raised PermissionError of
    his ``variables.lock``. Now each names the file's owner and what to ask them."""
    prefix = another_user()
    folder = workspace(tmp_path, PLAIN_FLOW)
    state = folder / ".flowtop"
    state.mkdir()
    state.chmod(0o2770)
    for name in ("overrides.toml", "variables.lock"):
        (state / name).write_text("")
        os.chown(state / name, BOB, DATA)
        (state / name).chmod(0o600)
    for command in (["list", "."], ["run", ".", "--no-history"]):
        done = flowtop(*command, cwd=folder, prefix=prefix)
        assert done.returncode == 2, (command, done.stderr)
        line = one_line(done)
        assert f".flowtop/overrides.toml is uid {BOB}'s and not readable by you" in line
        assert "chmod g+rw .flowtop/overrides.toml" in line, line
    setting = subprocess.run(
        [
            *prefix,
            sys.executable,
            "-c",
            "from flowtop.variables import Variable; Variable.set('x', 1)",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert setting.returncode == 1
    last = setting.stderr.strip().splitlines()[-1]
    assert "FolderError" in last and f"variables.lock is uid {BOB}'s and not writable" in last


def saving(folder: Path, prefix: tuple[str, ...]) -> dict[str, object]:
    """What the flow host answers the retry editor's save (as its loop says a failure)."""
    script = textwrap.dedent(
        """
        import json
        from flowtop.workspace.flow_host import FlowHost
        from flowtop.workspace.workspace import Workspace

        with Workspace(".", isolate_imports=False) as workspace:
            workspace.load()
            request = {"kind": "set_override", "flow": "etl", "task": "extract",
                       "values": {"max_retries": 2}}
            try:
                reply = FlowHost(workspace).answer(request)
            except Exception as exc:
                reply = {"failed": f"{type(exc).__name__}: {exc}"}
        print(json.dumps({k: reply[k] for k in ("failed", "refused") if k in reply}))
        """
    )
    done = subprocess.run(
        [*prefix, sys.executable, "-c", script],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_retry_editor_says_a_flowtop_it_may_not_write(tmp_path: Path) -> None:
    """Saving said "the flow host failed: PermissionError … overrides.lock (a flow file
    may have ended or hung it)": the save is refused, saying whose folder it is."""
    prefix = another_user()
    folder = workspace(tmp_path, PLAIN_FLOW)
    state = folder / ".flowtop"
    state.mkdir()
    os.chown(state, ALICE, 0)
    state.chmod(0o2750)
    reply = saving(folder, prefix)
    assert "failed" not in reply, reply
    refused = str(reply["refused"])
    assert "not saved" not in refused.lower(), refused  # the editor says it ("Not saved: …")
    assert f".flowtop is not writable by you (drwxr-s--- uid {ALICE}:root)" in refused


@pytest.fixture
def live_run(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A detached run waiting 30 s for its retry, in ``tmp_path``; cancelled after."""
    folder = workspace(tmp_path, WAITING_FLOW)
    started = flowtop("run", ".", "--detach", cwd=folder)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip()
    db = folder / ".flowtop" / "history.db"
    deadline = time.monotonic() + 30
    # read here, not by `flowtop history` each time: a process each look cost 0.2 s of CPU
    while not waits_for_its_retry(db, run_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield folder, run_id
    finally:
        state = folder / ".flowtop"
        for path in [state, *state.rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)
        flowtop("cancel", ".", run_id, cwd=folder)


def waits_for_its_retry(db: Path, run_id: str) -> bool:
    """Whether run ``run_id``'s first attempt failed and it waits for its retry."""
    try:
        tasks = StoreReader(db).run_detail(run_id).tasks
    except (KeyError, sqlite3.Error):  # not recorded yet
        return False
    return any(task.state == "AWAITING_RETRY" for task in tasks)


def first_line_of_stderr(prefix: tuple[str, ...], *args: str, cwd: Path) -> str:
    """The first line ``flowtop ARGS`` writes to stderr, run by ``prefix`` (another user)
    and stopped once it has: still running then, as a ``watch`` of a live run is."""
    command = [*prefix, sys.executable, "-m", "flowtop", *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    with fork_cli.popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as process:
        assert process.stderr is not None
        try:
            said = read_until(process.stderr.fileno(), b"\n", seconds=30)
            assert process.poll() is None, f"{args[0]} ended: {said!r}"
        finally:
            process.kill()
    return said.decode("utf-8", "backslashreplace").split("\n", 1)[0]


def read_only(state: Path) -> None:
    """The store as a backup or another user's share leaves it: nothing may be written."""
    for path in state.iterdir():
        path.chmod(0o500 if path.is_dir() else 0o400)
    state.chmod(0o500)


def test_cancel_on_a_store_this_user_may_only_read_is_one_line(
    live_run: tuple[Path, str],
) -> None:
    """``cancel`` raised ``sqlite3.OperationalError`` from queueing its request."""
    prefix = another_user()
    folder, run_id = live_run
    read_only(folder / ".flowtop")
    done = flowtop("cancel", ".", run_id, cwd=folder, prefix=prefix)
    assert done.returncode == 2, done.stderr
    line = one_line(done)
    assert "the request could not be queued in .flowtop/history.db" in line
    assert ".flowtop/history.db is not writable even by you, its owner" in line


def test_run_detach_on_a_store_this_user_may_only_read_is_one_line(
    live_run: tuple[Path, str],
) -> None:
    """``run --detach`` raised PermissionError (or EROFS) making its run's log."""
    prefix = another_user()
    folder, _ = live_run
    read_only(folder / ".flowtop")
    done = flowtop("run", ".", "--detach", cwd=folder, prefix=prefix)
    assert done.returncode == 2, done.stderr
    line = one_line(done)
    assert line.startswith("flowtop run: waiting was not started: cannot create "), line
    assert ".flowtop/logs is read-only (dr-x------ root:root)" in line


def test_a_store_read_without_its_write_ahead_log_says_so(live_run: tuple[Path, str]) -> None:
    """With the store's ``-shm`` unreadable, ``history`` and ``watch`` read it as last
    checkpointed (``immutable=1``), the live run's newest events missing, without a word."""
    prefix = another_user()
    folder, run_id = live_run
    state = folder / ".flowtop"
    read_only(state)
    (state / "history.db-shm").chmod(0o000)
    done = flowtop("history", ".", cwd=folder, prefix=prefix)
    assert done.returncode == 0, done.stderr
    warning = one_line(done)
    assert "history.db is read without its write-ahead log, so live runs" in warning
    assert ".flowtop/history.db-shm is not readable even by you, its owner" in warning
    # it follows the run (a wait of 30 s): its first line tells
    said = first_line_of_stderr(prefix, "watch", ".", run_id, cwd=folder)
    assert said.startswith("flowtop watch: warning: .flowtop/history.db is read without its")
