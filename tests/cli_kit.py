"""The ``flowtop`` command as a user types it, the runs it left in a folder's store and
runs a test writes there, for the command tests of every folder.

``tests/`` is not a package, but pytest puts it on ``sys.path`` for the packages under
it (as for ``pilot_kit``), so a test module in any folder imports this by its plain name.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

import fork_cli
from flowtop.engine.events import Event, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.store_reader import StoreReader

#: Set over the test's environment for every ``flowtop`` a test starts: its output
#: written as it comes, so a hang shows what came before it.
UNBUFFERED: Mapping[str, str] = {"PYTHONUNBUFFERED": "1"}
#: ``flowtop``'s default: plain output too, whatever the test's terminal asks for.
PLAIN: Mapping[str, str] = {**UNBUFFERED, "NO_COLOR": "1"}
#: ``flowtop_here`` bound to a test's fixtures (the ``flowtop_here`` fixture): ``ARGS``, then
#: ``cwd`` and ``env`` by keyword.
Here = Callable[..., subprocess.CompletedProcess[str]]
#: A subflow run for ``stored_calls``: its run id, flow, number, state, the run it is a
#: retry of (or None) and the run that called it.
Call = tuple[str, str, int, StateType, str | None, str]


def flowtop(
    *args: str, cwd: Path | None = None, timeout: float = 60, env: Mapping[str, str] = PLAIN
) -> subprocess.CompletedProcess[str]:
    """``flowtop ARGS`` as a user types it, in ``cwd``, with ``env`` set over this process's
    environment (read at the call: a test's ``monkeypatch.setenv`` counts); a hang fails
    the test instead of the suite. The one way the command tests of every folder start
    it: theirs differed only in the variables (``functools.partial`` binds a folder's)."""
    return fork_cli.run(args, cwd=cwd, timeout=timeout, env={**os.environ, **env})


def flowtop_here(
    *args: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    cwd: Path | None = None,
    env: Mapping[str, str] = PLAIN,
) -> subprocess.CompletedProcess[str]:
    """``flowtop ARGS`` called in this process as ``python -m flowtop`` calls it, from
    ``cwd`` with ``env`` set (both put back after the test): the command's own exit code
    and output, without the 0.15-0.2 s of CPU a new interpreter costs. For what does not
    depend on the process boundary (argument errors, what ``list``, ``history`` or
    ``watch`` of an ended run print); signals, detach, a real exit, a terminal and the
    environment of a process are ``flowtop``'s. Its children (a loader's) are still
    processes of their own. Not for a ``run`` or ``open`` past its arguments: those pin
    flowtop's log handler on the process (``capture_info_logs``), the worker's here, and
    the later tests of the worker would run under it. Tests take it bound to their
    ``monkeypatch`` and ``capfd`` as the ``flowtop_here`` fixture (``conftest.py``)."""
    from flowtop import cli

    if cwd is not None:
        monkeypatch.chdir(cwd)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capfd.readouterr()  # only the command's output
    environ = dict(os.environ)  # as the command leaves it for a process of its own
    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # argparse's usage errors, as the process would exit
        code = exc.code if isinstance(exc.code, int) else 1
    finally:  # (`--prefect-compat` sets FLOWTOP_PREFECT_COMPAT: the worker's later
        os.environ.clear()  # tests loaded Prefect flows in drop-in mode)
        os.environ.update(environ)
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(["flowtop", *args], code, out, err)


def stored_runs(folder: Path) -> list[RunRecord]:
    """The runs of ``folder``'s store, newest first ([] before it has one), read here."""
    db = folder / ".flowtop" / "history.db"
    return StoreReader(db).runs() if db.exists() else []


def wait_for_runs(
    folder: Path, done: Callable[[list[RunRecord]], bool], timeout: float = 30.0
) -> None:
    """Let ``folder``'s runs go on until ``done(stored_runs(folder))``, or ``timeout``
    seconds pass (the caller's assertion then says what was not so). Read in this
    process: a wait that asked ``flowtop history`` each look cost 0.2 s of CPU a look."""
    deadline = time.monotonic() + timeout
    while not done(stored_runs(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)


def stored_calls(folder: Path, calls: Sequence[Call], parent_ended: float) -> Path:
    """``folder``'s new store: ``mom`` #1 (run ``p``, completed ``parent_ended`` s after it
    began) and the subflow runs ``calls``, a second apart, numbered as listed. The
    parent and subflow runs that ``history --run`` and the run page tests read."""
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir()
    store = History(db)
    now = time.time()
    try:
        for flow in ("mom", *(call[1] for call in calls)):
            store.next_number(flow)
        events: list[Event] = [RunStarted("p", "mom", 1, (), (), (), ts=now)]
        for at, (child, flow, number, state, retry_of, parent) in enumerate(calls, 1):
            start = RunStarted(
                child, flow, number, (), (), (), retry_of, now + at, parent_run=parent
            )
            events += [start, RunFinished(child, flow, number, state, {}, 0.5, now + at + 0.5)]
        events.append(RunFinished("p", "mom", 1, StateType.COMPLETED, {}, 5.0, now + parent_ended))
        store.sink(events)
        assert store.flush(10)
    finally:
        store.close()
    return db


def parent_run_said(flowtop_here: Here, folder: Path, *more: str) -> str:
    """What ``flowtop history . --run 1 --flow mom`` (and ``more``) prints in ``folder``
    of the parent run ``stored_calls`` wrote, once it has exited 0."""
    shown = flowtop_here("history", ".", "--run", "1", "--flow", "mom", *more, cwd=folder)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout
