"""The ``process`` executor: each attempt in a worker process, killed when abandoned."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

from . import death_output
from .backends import Places
from .shipping import (
    GRACE,
    POLL,
    AttemptStopped,
    ShippingError,
    never,
    pack,
    run_pickled,
    task_name,
    timed_out,
    unpack,
    unshippable,
)
from .spec import check_spec

#: How long the pool's close waits for its idle workers to exit of themselves (seconds).
RETIRE_WAIT = 2.0


# -- processes --------------------------------------------------------------------------
@contextlib.contextmanager
def _current_folder_off_path() -> Iterator[None]:
    """Start multiprocessing's forkserver, resource tracker and spawned workers with
    Python's ``-P``: no current folder first on ``sys.path``.

    They start as ``python -c 'from multiprocessing.forkserver import main; …'``, which
    puts the current folder first: run from a project folder holding a ``multiprocessing.py``
    of its own, that file was imported instead of the standard package ("'multiprocessing'
    is not a package") and every attempt failed to start. The flag is added to the
    command lines multiprocessing builds (its ``util._args_from_interpreter_flags``), not
    to the environment, which every thread's subprocesses would have inherited meanwhile.
    """
    flags = multiprocessing.util._args_from_interpreter_flags  # type: ignore[attr-defined]  # private: not in typeshed

    def with_safe_path() -> list[str]:
        args: list[str] = flags()
        return args if "-P" in args else [*args, "-P"]

    multiprocessing.util._args_from_interpreter_flags = with_safe_path  # type: ignore[attr-defined]  # as above
    try:
        yield
    finally:
        multiprocessing.util._args_from_interpreter_flags = flags  # type: ignore[attr-defined]  # as above


def _worker_main(conn: Any, lifeline: Any, base: str | None = None) -> None:
    """A worker process: run attempts from the pipe until the coordinator goes away;
    each attempt's output kept at ``base`` too until its outcome is sent (``death_output``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    # Its own session (and process group) before any attempt runs, so that what an attempt
    # starts is killed with the worker (``_kill_group``): killed alone, a timed-out
    # attempt's ``sleep`` lived on, reparented to init, holding the run's stdout open. A
    # session, not only a group: a child reading the terminal from a background group of
    # its session would be stopped (SIGTTIN) till its timeout; with no controlling
    # terminal, one opening /dev/tty fails at once. The fork server stays where it was: a
    # worker's kill never reaches it.
    with contextlib.suppress(OSError):  # (never a leader already: it was just forked)
        os.setsid()
    # Started as a daemon, so multiprocessing ends it with the coordinator; but a daemon may
    # not start processes, and a task's own ``Pool`` or ``ProcessPoolExecutor`` failed
    # ("daemonic processes are not allowed to have children"), as on no other executor.
    multiprocessing.current_process().daemon = False
    ending = threading.Thread(target=_end_with_coordinator, args=(lifeline, base), daemon=True)
    ending.start()
    received = 0
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        received += 1
        if base is not None:
            death_output.keep_at(death_output.attempt_base(base, received))
        conn.send_bytes(run_pickled(payload, "process"))
        death_output.forget()


def _end_with_coordinator(lifeline: Any, base: str | None = None) -> None:
    """Exit as soon as the coordinator is gone, even in the middle of an attempt.

    Nothing is ever sent on ``lifeline``: it reads end-of-file when the coordinator's end
    closes, which its death does too. A coordinator killed (``kill -9``, the OOM killer, a
    pod's end) left its workers running their attempts for ever, reparented to init: the
    pipe of attempts is read only between attempts.
    """
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()
    if base is not None:  # a coordinator killed removes nothing itself (``death_output``)
        death_output.abandon(base)
    if os.getsid(0) == os.getpid():  # what its attempts started goes too (``_worker_main``)
        with contextlib.suppress(OSError):
            os.killpg(0, signal.SIGKILL)
    os._exit(1)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (someone else's)
        return True
    return True


def _kill_group(process: Any) -> None:
    """Kill ``process``'s process group (the worker's session), all at once: the worker
    and what its attempts started that stayed in it.

    The group's id is the worker's pid. While any process of the group lives, the OS gives
    that number to no other process, so the kill reaches only ours. Once the worker was
    reaped (``exitcode`` set) a live process with its pid means the number was given out
    again, the group being empty: it is left alone.
    """
    pid = process.pid
    if pid is None or (process.exitcode is not None and _exists(pid)):
        return
    with contextlib.suppress(OSError):  # no such group: nothing of it is left
        os.killpg(pid, signal.SIGKILL)


def oom_kills() -> int | None:
    """How many processes the kernel's OOM killer has killed since boot (``/proc/vmstat``),
    None where it does not say. A count for the whole machine, not for our processes: a
    rise while a process of ours lived says only that some process ran out of memory
    meanwhile, so the hint it gives ends in a question mark. Read as a worker (or a run
    process) starts and again once it has died, never around each attempt."""
    try:
        with open("/proc/vmstat", "rb") as f:
            text = f.read()
    except OSError:
        return None
    start = text.find(b"\noom_kill ")
    if start < 0:
        return None
    start += len(b"\noom_kill ")
    end = text.find(b"\n", start)
    try:
        return int(text[start : end if end >= 0 else None])
    except ValueError:
        return None


def died(name: str, code: int | None, *, oom: bool) -> str:
    """How the worker running ``name`` ended: ``code`` is its ``exitcode``, negative for a
    signal (Python's convention, which "exit code -9" made the user decode); ``oom``: the
    OOM killer killed some process on the machine while the worker lived (``oom_kills``)."""
    if code is None:
        return f"the process running task {name!r} died"
    if code >= 0:
        return f"the process running task {name!r} died (exit code {code})"
    try:
        how = signal.Signals(-code).name
    except ValueError:
        how = f"signal {-code}"
    hint = " (out of memory?)" if oom and -code == signal.SIGKILL else ""
    return f"the process running task {name!r} was killed by {how}{hint}"


@contextlib.contextmanager
def _stderr_with_a_file() -> Iterator[None]:
    """Let multiprocessing pass stderr's descriptor to the helper processes it starts.

    It hands ``sys.stderr.fileno()`` to its resource tracker; under the TUI stderr is a
    capture whose ``fileno()`` is -1, and the start fails ("bad value(s) in fds_to_keep").
    """
    try:
        usable = sys.stderr is None or sys.stderr.fileno() >= 0
    except Exception:  # noqa: BLE001 - multiprocessing skips a stderr without a file itself
        usable = True
    if usable or sys.__stderr__ is None:
        yield
        return
    saved, sys.stderr = sys.stderr, sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = saved


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Start a worker without it re-importing the coordinator's ``__main__``.

    multiprocessing makes each spawned or forkserver child import the parent's main
    script, which re-runs an unguarded script and fails outright for ``python -`` or a
    notebook. Workers need nothing from it: attempts arrive pickled by value.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx: Any, base: str) -> None:
        self._killing = threading.Lock()
        self._killed = False
        #: The machine's OOM kills as the worker started: more once it has died, and a
        #: SIGKILL says "(out of memory?)" (``died``).
        self.oom_kills = oom_kills()
        parent, child = ctx.Pipe()
        lifeline, self._lifeline = ctx.Pipe(duplex=False)  # see _end_with_coordinator
        #: Where its attempts' output is kept till their outcome is sent, and how many
        #: were sent to it (``death_output.attempt_base``).
        self.base = base
        self.sent = 0
        self.process = ctx.Process(
            target=_worker_main,
            args=(child, lifeline, base),
            daemon=True,
            name="flowtop-attempt",
        )
        self.process.start()
        child.close()
        lifeline.close()
        self.conn = parent
        # The group goes at the coordinator's exit too, though nobody closed the backend:
        # multiprocessing runs this before it terminates its daemons (the worker alone).
        self._end_group = multiprocessing.util.Finalize(
            self, _kill_group, args=(self.process,), exitpriority=0
        )

    def kill(self) -> None:
        """Once: an attempt stopped by a shutdown is killed by both (two closes of one
        pipe raised EBADF in the second, and the shutdown ended in a traceback)."""
        with self._killing:
            if self._killed:
                return
            self._killed = True
        try:
            self._end_group()  # the worker and what its attempts started (once)
            self.process.kill()  # (if it could not lead a group of its own)
            self.process.join(5)
        finally:
            self.conn.close()
            self._lifeline.close()
            death_output.remove(self.base)  # (what a killed attempt wrote)

    def retire(self, wait: float) -> None:
        """An idle worker's end at the pool's close: its pipe closed, it exits of itself,
        and what its attempts started and left running on purpose (a server) runs on, as
        under the thread executor. Its lifeline closes after its exit, which would kill its
        group (``_end_with_coordinator``); one that does not exit within ``wait`` seconds
        (a ``Pool`` a task left open, joined at its exit) is killed, group and all."""
        with self._killing:
            if self._killed:
                return
            self._killed = True
        try:
            self.conn.close()
            self.process.join(wait)
            if self.process.exitcode is None:
                self._end_group()
                self.process.kill()
                self.process.join(5)
            else:
                self._end_group.cancel()
        finally:
            self._lifeline.close()
            death_output.remove(self.base)


class ProcessBackend:
    """A pool of worker processes, one attempt at a time each.

    A worker whose attempt timed out or was cancelled is killed, with what the attempt
    started (its process group), and replaced (on demand), which is what threads cannot
    do. Processes start with ``forkserver`` (``spawn`` where there is none): forking the
    multi-threaded app itself could copy a held lock.
    """

    #: How an attempt past its timeout is stopped, as its error says it.
    stopping = "its process was killed"

    def __init__(self, workers: int = 8, *, start_method: str | None = None) -> None:
        check_spec("process")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an int >= 1, got {workers!r}")
        methods = multiprocessing.get_all_start_methods()
        method = start_method or ("forkserver" if "forkserver" in methods else "spawn")
        self.start_method = method
        self._ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            self._ctx.set_forkserver_preload([__name__, "cloudpickle"])
        self.workers = workers
        self._slots = threading.Semaphore(workers)
        #: Attempts handed over at once, whichever runs hand them (``backends.Places``):
        #: one waiting for ``_slots`` had its timeout running.
        self.places = Places(workers)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        #: Where each worker keeps its attempt's output on disk (``death_output``).
        self._folder = death_output.Folder()
        self.closed = False

    def _checkout(self) -> _Worker:
        with self._lock:
            if self.closed:
                raise AttemptStopped("the process executor is shut down")
            worker = self._idle.pop() if self._idle else None
            if worker is None or not worker.process.is_alive():
                if worker is not None:
                    worker.kill()
                with _stderr_with_a_file(), _main_hidden(), _current_folder_off_path():
                    worker = _Worker(self._ctx, self._folder.base())
            self._busy.add(worker)
            return worker

    def _release(self, worker: _Worker, *, keep: bool) -> None:
        with self._lock:
            self._busy.discard(worker)
            if keep and not self.closed:
                self._idle.append(worker)
                return
        worker.kill()

    def call(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None,
        abandoned: Callable[[], bool] | None = None,
        workspace: str | None = None,
        name: str | None = None,
    ) -> tuple[Any, BaseException | None, str]:
        """Run one attempt in a worker process; ``name``: what its errors call it, the
        task run's key (else the function's name)."""
        abandoned = abandoned or never
        name = name or task_name(fn)
        try:
            payload = pack(fn, args, kwargs, workspace, name)
        except Exception as exc:  # noqa: BLE001 - the attempt fails, the run goes on
            return None, unshippable(fn, args, kwargs, exc, "a worker process", name), ""
        while not self._slots.acquire(timeout=POLL):
            if self.closed or abandoned():
                return (
                    None,
                    AttemptStopped(f"attempt of {name!r} was stopped before it started"),
                    "",
                )
        try:
            try:
                worker = self._checkout()
            except AttemptStopped as exc:
                return None, exc, ""
            except Exception as exc:  # noqa: BLE001 - e.g. no more processes
                return None, ShippingError(f"could not start a process for {name!r}: {exc}"), ""
            return self._exchange(worker, payload, name, timeout, abandoned)
        finally:
            self._slots.release()

    def _exchange(
        self,
        worker: _Worker,
        payload: bytes,
        name: str,
        timeout: float | None,
        abandoned: Callable[[], bool],
    ) -> tuple[Any, BaseException | None, str]:
        deadline = None if timeout is None else time.monotonic() + timeout + GRACE
        try:
            worker.sent += 1
            worker.conn.send_bytes(payload)
            while not worker.conn.poll(POLL):
                if deadline is not None and time.monotonic() >= deadline:
                    self._release(worker, keep=False)
                    assert timeout is not None
                    return None, timed_out(name, timeout, "its process was killed"), ""
                if self.closed or abandoned():
                    self._release(worker, keep=False)
                    return None, AttemptStopped(f"attempt of {name!r} was stopped"), ""
            data = worker.conn.recv_bytes()
        except (EOFError, OSError):
            worker.process.join(1)
            code = worker.process.exitcode
            # what it wrote till then
            output = death_output.read(death_output.attempt_base(worker.base, worker.sent))
            self._release(worker, keep=False)
            if self.closed:
                return None, AttemptStopped("the process executor was shut down"), output
            before = worker.oom_kills
            killed = code == -signal.SIGKILL and before is not None  # (read only then)
            oom = killed and (oom_kills() or 0) > (before or 0)
            return None, ShippingError(died(name, code, oom=oom)), output
        self._release(worker, keep=True)
        return unpack(data, name, "process")

    def close(self) -> None:
        with self._lock:
            self.closed = True
            idle, busy = [*self._idle], [*self._busy]
            self._idle.clear()
        for worker in busy:  # their attempts stopped: with what those started
            worker.kill()
        for worker in idle:  # told at once, waited for together
            worker.conn.close()
        deadline = time.monotonic() + RETIRE_WAIT
        for worker in idle:
            worker.retire(max(0.0, deadline - time.monotonic()))
        self._folder.close()
