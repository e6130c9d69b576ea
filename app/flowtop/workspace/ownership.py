"""Who owns a live run, and whether that owner still exists.

A run in the store is owned by the process executing it. Readers in other processes
(another TUI, ``flowtop history``, ``flowtop watch``) must tell a run whose owner died
from one that is merely busy, without being fooled by a reused pid, a container that
shares the folder under another hostname, or a PID namespace where the recorded pid
means another process on this host. So an owner is identified by host, boot id, pid and
the process's start time, and it proves it is alive with a heartbeat.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..engine.delays import fmt_seconds
from .proc_stat import open_files, proc_stat
from .process_ends import how_ended

#: The owner of a live run writes its heartbeat at least this often (seconds).
HEARTBEAT = 1.0
#: A heartbeat a reader has seen unchanged for this long (by its own clock) is stale.
STALE_AFTER = 5.0
#: A heartbeat this old by the reader's wall clock is stale even to a reader that has not
#: watched it change (a one-off ``history`` or ``run --rerun-of`` after a host died):
#: ample for the clocks of hosts kept in step (NTP keeps them within a second).
WALL_STALE_AFTER = 600.0


@cache
def boot_id() -> str:
    """This machine's boot id (Linux), so a pid from before a reboot is never taken as live."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""


@cache
def boot_time() -> float | None:
    """When this machine booted, in seconds since the epoch (``btime`` in ``/proc/stat``,
    whole seconds), None when unknown (not Linux)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            line = next(line for line in handle if line.startswith("btime "))
        return float(line.split()[1])
    except (OSError, StopIteration, ValueError, IndexError):
        return None


#: How long before this machine's boot an owner on it must have sent its last heartbeat
#: to be taken for a process of an earlier boot (seconds): ``btime`` is read to the
#: second, and no machine restarts faster.
BOOT_SLACK = 2.0


def process_start(pid: int) -> str:
    """When ``pid`` started, in clock ticks since boot ('' when unknown or gone).

    Two processes that share a pid never share a start time, so (pid, start) names one
    process for the life of the machine.
    """
    fields = proc_stat(pid)
    return fields[19] if len(fields) > 19 else ""


#: The last part of the owner token of a run its launcher reserved for a new process,
#: until that process takes it over (``run_numbers``).
LAUNCHED = "launched"


#: Where a launched run's process writes its output, beside the store: ``LOGS/ID.log``
#: (``launcher.LOGS`` is this name).
LOGS = "logs"


def launched_runs_on(store: Path, run_id: str) -> bool:
    """Whether the process launched for run ``run_id`` of ``store`` runs on this machine:
    one whose output (stdout or stderr: the run's process keeps one) is the run's log
    (``LOGS``) and whose command line names the run
    (``--run-id ID``). For a run whose row still names its launcher (``LAUNCHED``), which
    the run's process could not take over (a full disk: ``run_numbers.Claims``): the
    launcher (the monitor) quitting is no end of the run. Looks through ``/proc`` (this
    user's processes), only for such a row whose launcher is gone."""
    try:
        log = os.stat(store.parent / LOGS / f"{run_id}.log")
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return False
    named = f"\0--run-id\0{run_id}\0".encode()
    for pid in pids:
        if any(_is_file(f"/proc/{pid}/fd/{fd}", log) for fd in (1, 2)):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    if named in handle.read() and _live_stat(int(pid)) is not None:
                        return True
            except OSError:
                continue  # gone meanwhile
    return False


def _is_file(path: str, file: os.stat_result) -> bool:
    """Whether ``path`` is ``file`` (False when it cannot be looked at: gone meanwhile,
    another user's)."""
    try:
        found = os.stat(path)
    except OSError:
        return False
    return (found.st_dev, found.st_ino) == (file.st_dev, file.st_ino)


@dataclass(frozen=True, slots=True)
class Owner:
    """A process that may own runs, as recorded in the store."""

    host: str
    pid: int
    boot: str
    start: str

    @classmethod
    def current(cls) -> Owner:
        """This process (read once per pid: readers ask for every live run, every second)."""
        return _owner_of(os.getpid())

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"


def host_name() -> str:
    """This machine's name, as ``socket.gethostname()`` gives it (both read ``uname``),
    without importing ``socket``: a run process pays every import before its first task."""
    return os.uname().nodename


@cache
def _owner_of(pid: int) -> Owner:
    return Owner(host_name(), pid, boot_id(), process_start(pid))


def pid_running(pid: int) -> bool:
    """Whether ``pid`` names a process that still runs.

    A process that ended but was not waited for (a zombie) keeps its pid, so
    ``kill(pid, 0)`` finds it: a run process the TUI launched stays one until the TUI
    reaps it, and a run whose process died while importing looked owned meanwhile.
    """
    return _live_stat(pid) is not None


def _live_stat(pid: int) -> list[str] | None:
    """``pid``'s ``/proc/PID/stat`` fields while it runs (``pid_running``; [] where they
    cannot be read), None once it does not: read once for what a liveness check asks."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # someone else's process: alive unless it is a zombie
    except OSError:
        return None
    fields = proc_stat(pid)
    return None if fields and fields[0] in ("Z", "X") else fields


#: The live runs whose process the last liveness check in this process found stopped
#: (``owner_gone``), by run id, with what readers say of it (``stopped_words``), shortest
#: last (``stopped_forms``), and its pid.
_STOPPED: dict[str, tuple[tuple[str, ...], int]] = {}


def stopped_words(run_id: str) -> str | None:
    """What ``history``, ``watch`` and the monitor's header say of live run ``run_id``
    whose process is stopped (state ``T`` in ``/proc/PID/stat``: ``kill -STOP``, or
    Ctrl+Z on a ``flowtop run`` whose shell then gave up job control; ``t``: held by a
    debugger), as the last liveness check here found it (the reaper's, once a second
    in a monitor or a watch: no look of its own); None for one that runs. Its retry
    countdowns read ``overdue`` and nothing said why. Never taken for a dead run."""
    kept = _STOPPED.get(run_id)
    return None if kept is None else kept[0][0]


def stopped_forms(run_id: str) -> tuple[str, ...]:
    """``stopped_words``, then shorter ways to say it, the ``kill -CONT`` hint kept as long
    as it can be (``stopped: kill -CONT 4242 resumes it``, ``stopped (kill -CONT 4242)``),
    then ``stopped``: what a narrow line keeps (the monitor's header); () for one that runs."""
    kept = _STOPPED.get(run_id)
    return () if kept is None else kept[0]


def stopped_pid(run_id: str) -> int | None:
    """The pid of live run ``run_id``'s process when it is stopped (``stopped_words``)."""
    kept = _STOPPED.get(run_id)
    return None if kept is None else kept[1]


def _note_stopped(run_id: str, pid: int, fields: list[str] | None) -> None:
    """Keep whether run ``run_id``'s process ``pid`` is stopped, by the ``fields`` of its
    ``/proc/PID/stat`` that its liveness check read (None: gone, or not looked at)."""
    if not run_id:
        return
    state = fields[0] if fields else ""
    if state == "T":
        resume = f"kill -CONT {pid}"
        forms = (
            f"its process is stopped (paused, pid {pid}: {resume} resumes it)",
            f"stopped: {resume} resumes it",
            f"stopped ({resume})",
            "stopped",
        )
        _STOPPED[run_id] = (forms, pid)
    elif state == "t":
        traced = f"its process is stopped (held by a debugger or tracer, pid {pid})"
        _STOPPED[run_id] = ((traced, f"stopped by a debugger (pid {pid})", "stopped"), pid)
    else:
        _STOPPED.pop(run_id, None)


#: What this process saw of the heartbeat of each owner elsewhere: the value it read
#: last, and when (on this process's monotonic clock) it first read that value.
_seen: dict[Owner, tuple[float, float]] = {}
_seen_lock = threading.Lock()


def heartbeat_unchanged(owner: Owner, heartbeat: float, now: float | None = None) -> float:
    """For how long this process has read ``heartbeat`` as ``owner``'s heartbeat: seconds
    of its own monotonic clock (``now``) since it first read that value, 0 for a new one.

    Only the value is compared, never with this machine's time: the owner wrote it by
    its own clock, which may be minutes ahead of or behind this one (hosts sharing a
    folder on a network file system, a clock set back).
    """
    now = time.monotonic() if now is None else now
    with _seen_lock:
        seen = _seen.get(owner)
        if seen is None or seen[0] != heartbeat:
            _seen[owner] = (heartbeat, now)
            return 0.0
        return now - seen[1]


def owner_gone(
    owner: Owner,
    heartbeat: float | None,
    now: float | None = None,
    store: Path | None = None,
    run_id: str = "",
    *,
    launched: bool = False,
) -> str | None:
    """Why ``owner`` is certainly gone, or None while it may still be running the run.

    An owner on this machine (same host and boot) is looked at directly: gone when its
    pid is free or now names a process that started at another time, and gone from the
    store ``store`` when that is a copy (``_copied_store``). One of this host
    from an earlier boot is gone for sure: after a reboot a one-off ``history`` showed a
    dead run RUNNING for ten minutes, and ``run --rerun-of`` refused to rerun it. (A
    host name alone does not say "this machine": two machines may share one, each with
    its own boot id, so the owner's last heartbeat must also predate this boot.) An
    owner elsewhere (another host, container or boot) can't be looked at, so its
    heartbeat tells: gone once this process has read the same heartbeat for
    ``STALE_AFTER`` seconds of its own monotonic clock (``now``), or it is
    ``WALL_STALE_AFTER`` old by this machine's clock; one it reads for the first time is
    otherwise taken as beating. ``run_id``: the run it owns, whose process is kept as
    stopped or not by what this look read (``stopped_words``). ``launched``: ``owner`` is
    the launcher that reserved the run (``LAUNCHED``), whose process could not take it
    over yet (a full disk): gone only once that process is too (``launched_runs_on``).
    """
    me = Owner.current()
    if owner.host == me.host and owner.boot and owner.boot == me.boot:
        fields = _live_stat(owner.pid)
        why = _gone_here(owner, fields, heartbeat, store)
        if why is not None and launched and store is not None and launched_runs_on(store, run_id):
            why = fields = None  # (its launcher's fields say nothing of the run's process)
        _note_stopped(run_id, owner.pid, fields if why is None else None)
        return why
    _note_stopped(run_id, owner.pid, None)  # (another machine's: not looked at)
    if heartbeat is None:
        return None  # an owner from before heartbeats: nothing says it is gone
    if owner.host == me.host and _before_this_boot(owner, me, heartbeat):
        return f"its process ({owner.describe()}) is gone: this machine restarted since"
    still = heartbeat_unchanged(owner, heartbeat, now)
    if still >= STALE_AFTER:
        return f"its process ({owner.describe()}) sent no heartbeat for {fmt_seconds(round(still))}"
    late = time.time() - heartbeat
    if late >= WALL_STALE_AFTER:
        return (
            f"its process ({owner.describe()}) sent its last heartbeat "
            f"{fmt_seconds(round(late))} ago by this machine's clock"
        )
    return None


def _gone_here(
    owner: Owner, fields: list[str] | None, heartbeat: float | None, store: Path | None
) -> str | None:
    """Why ``owner``, a process of this machine whose ``/proc/PID/stat`` reads ``fields``
    (None: not running), is gone, or None while it may run the run (``owner_gone``)."""
    if fields is None:  # how it ended, where a reader here can tell
        how = how_ended(owner.pid, owner.start)
        return f"its process ({owner.describe()}{f', {how}' if how else ''}) is gone"
    if owner.start and (fields[19] if len(fields) > 19 else "") != owner.start:
        return f"its process ({owner.describe()}) is gone (the pid now names another process)"
    return _copied_store(owner, heartbeat, store)


def _before_this_boot(owner: Owner, me: Owner, heartbeat: float) -> bool:
    """Whether ``owner``, recorded on this host name, ran in an earlier boot of this
    machine: another boot id (both known: a container without one records '') and a
    last heartbeat from before this boot began."""
    booted = boot_time()
    if not owner.boot or not me.boot or owner.boot == me.boot or booted is None:
        return False
    return heartbeat < booted - BOOT_SLACK


def _copied_store(owner: Owner, heartbeat: float | None, store: Path | None) -> str | None:
    """Why the live ``owner`` on this machine does not run its runs of ``store``: that is a
    copy (``cp -r`` of a workspace while a run lived) of the store it writes, else None.

    The copy showed a run RUNNING for good, its owner's pid alive, and ``flowtop cancel``
    there waited for an owner that never reads it. Told so only when both say it: its
    heartbeat here stale (the same machine's clock wrote it) and the process holding
    another file by the store's name open but not this one (``/proc/PID/fd``); one that
    holds none (starting, or another user's) may yet be this store's.
    """
    if store is None or heartbeat is None:
        return None
    late = time.time() - heartbeat
    if late < STALE_AFTER:
        return None
    files = open_files(owner.pid)
    try:
        here = os.stat(store)
    except OSError:
        return None
    if files is None or (here.st_dev, here.st_ino) in files:
        return None
    writes = sorted(path for path in files.values() if os.path.basename(path) == store.name)
    if not writes:
        return None
    return (
        f"its process ({owner.describe()}) runs on, but writes {writes[0]}: this store is a "
        f"copy of it, where its heartbeat stopped {fmt_seconds(round(late))} ago"
    )
