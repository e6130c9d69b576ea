"""Starting a run in a process of its own, which outlives whoever started it.

A run started from the TUI, a browser tab or ``flowtop run --detach`` executes in a new
``flowtop run`` process in its own session: a hang-up of the terminal, ``q`` in the TUI
or a closed tab never reaches it. It imports the flow file afresh, so the run uses the
code and settings saved when it started. The starter picks the run id, so it can watch
the run (or print its id) before the process has even imported the flows. A client's
rerun (``exclusive``) is recorded before its process starts, refused when one of the same
source is live already (``run_numbers.reserve_rerun``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.runner import new_run_id
from ..printable import NOTICE_MARK
from .json_text import storable_json
from .places import STORE_FILE
from .private import private_file, private_folder
from .run_numbers import hand_over, reserve_launched, reserve_rerun

#: The run processes' own output goes here: what says why a run never reached the store
#: (a crash while importing), kept until the run's end is recorded (``forget_log``).
LOGS = "logs"


@dataclass(frozen=True, slots=True)
class Launched:
    run_id: str
    pid: int
    log: Path
    #: Its run number (None if the store could not be written yet: the run process says).
    number: int | None = None
    #: What the run process's notices in ``log`` say they are by, ``flowtop[MARK]: …``
    #: (``printable.NOTICE_MARK``): the run's own output there cannot pass for one.
    notice_mark: str = ""


def launch(
    path: Path,
    flow: str,
    *,
    state_dir: Path,
    rerun_of: str | None = None,
    task: str | None = None,
    executor: str | None = None,
    workers: int | None = None,
    parameters: Mapping[str, Any] | None = None,
    exclusive: bool = False,
    busy_ms: int | None = None,
) -> Launched:
    """Start ``flowtop run PATH --flow FLOW`` detached; return at once with its run id.

    With ``exclusive``, a rerun (``rerun_of`` a full run id) is recorded first, and
    ``run_numbers.RerunRunning`` raised, no process started, when its source or another
    rerun of it is live, and ``run_numbers.StoreBusy`` when another process held the
    store past ``busy_ms`` (the reaper's 5 s unless given)."""
    run_id = new_run_id()
    store = state_dir / STORE_FILE
    waits = {} if busy_ms is None else {"busy_ms": busy_ms}
    reserved = (
        reserve_rerun(store, flow, run_id, rerun_of, **waits)
        if exclusive and rerun_of is not None
        else None
    )
    # ``--flow=NAME``: a name starting with "-" (a flow named "--detach") is a value,
    # not an option that leaves ``--flow`` without one
    command = [sys.executable, "-m", "flowtop", "run", str(path), f"--flow={flow}"]
    command += ["--run-id", run_id, "--quiet"]
    if rerun_of is not None:
        command += ["--rerun-of", rerun_of]
    if task is not None:
        command += [f"--task={task}"]
    if executor is not None:
        command += ["--executor", executor]
    if workers is not None:
        command += ["--workers", str(workers)]
    if parameters:  # JSON values (``--param``, the TUI's form): JSON carries them exactly
        given = json.dumps(dict(parameters), ensure_ascii=False)
        command += ["--params", storable_json(given)]  # a lone surrogate: no argv takes it
    mark = secrets.token_hex(4)
    try:
        log = private_file(private_folder(state_dir / LOGS) / f"{run_id}.log")
        with open(log, "wb", buffering=0) as out:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # no SIGHUP from the terminal, no ^C from its group
                close_fds=True,
                env={**os.environ, NOTICE_MARK: mark},
            )
    except BaseException:
        if reserved is not None:  # no process will take it: the record goes
            hand_over(store, run_id, None)
        raise
    if reserved is not None:
        hand_over(store, run_id, process.pid)
        return Launched(run_id, process.pid, log, reserved, mark)
    # Recorded now, with the new process as its owner: killed before it reserved the run
    # itself (its interpreter still starting), it left nothing, and `watch ID` waited.
    number = reserve_launched(store, flow, run_id, process.pid)
    return Launched(run_id, process.pid, log, number, mark)


def forget_log(state_dir: Path, run_id: str) -> None:
    """Delete a launched run's log once its end is in the store: every run the TUI or
    ``--detach`` started left one, holding its whole output, until a prune."""
    with contextlib.suppress(OSError):
        (state_dir / LOGS / f"{run_id}.log").unlink()
