"""What a run remembers: its attempts, one record per task, and the result it leaves.

The records are plain data; only the run (``run.FlowRun``) changes them, under its lock.
"""

from __future__ import annotations

import copy
import functools
import inspect
import linecache
import os
import re
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import CodeType, TracebackType
from typing import TYPE_CHECKING, Any

from .ast_race import despite_ast_race
from .errors import OwnFramesOnly, RemoteTraceback
from .events import ErrorInfo
from .final_states import RETURNED
from .flow_package import FLOW_PACKAGE
from .library_folders import ASYNCIO_FOLDERS, FLOWTOP_FOLDER, library_folders
from .policy import RetryPolicy
from .prefect_exceptions import (
    NAMED_AS,
    PUBLIC_MODULE,
    RETURNED_STATE,
    MadeAt,
    PausedRun,
    PrefectException,
)
from .states import COMPLETED, FAILED, PENDING, RUNNING, State, StateType
from .timer import TimerHandle
from .value_text import safe_str

if TYPE_CHECKING:
    from .flow import Flow
    from .graph import Node
    from .judging import Judging
    from .subflow_reruns import SubflowCall
    from .user_call import UserCall

#: Longest error message carried by an event; the rest is summarised, not dropped silently.
MAX_MESSAGE = 100_000


def new_run_id() -> str:
    """A run's id: unique across processes, short enough to type (``flowtop watch ID``)."""
    return uuid.uuid4().hex[:12]


def error_info(exc: BaseException, *, with_traceback: bool = True) -> ErrorInfo:
    if exc.__traceback__ is None and exc.__cause__ is None:  # raised by nobody
        returned = returned_info(exc)
        if returned is not None:  # a task's attempt that returned ``Failed(...)``
            return returned if with_traceback else returned._replace(traceback="")
    text = safe_str(exc)  # a user's __str__ may raise
    message = text
    if len(message) > MAX_MESSAGE:
        message = f"{message[:MAX_MESSAGE]}… ({len(message) - MAX_MESSAGE} more characters)"
    tb = ""
    if with_traceback:
        if isinstance(exc, OwnFramesOnly):
            hide_own_frames(exc)
        try:
            tb = with_culprit_line(exc, format_traceback(exc, text), text)
        except BaseException:  # noqa: BLE001 - a user's __str__ may raise anything
            tb = ""
        if len(tb) > 2 * MAX_MESSAGE:
            tb = tb[:MAX_MESSAGE] + "\n…\n" + tb[-MAX_MESSAGE:]
    return ErrorInfo(type(exc).__name__, message, tb)


def returned_info(exc: BaseException) -> ErrorInfo | None:
    """The error of an attempt whose task returned a failed state made by hand, ``exc``
    its exception (``FailedRun``, or the state's data): type ``returned Failed`` (the
    state's name), message the state's, as a ``@flow`` that returned one is recorded
    (``flow_result.returned_state_info``), so every view says it was returned, not
    raised; its traceback ``returned_traceback``'s. None for any other."""
    state = _own_dict(exc).get(RETURNED_STATE)
    if state is None:
        return None
    return ErrorInfo(f"{RETURNED}{state.name}", state.message or "", returned_traceback(state, exc))


def returned_traceback(state: Any, exc: BaseException) -> str:
    """What a failed state a task returned (``state``, a ``prefect_state.State``) has for a
    traceback: the line that made it (most often the task's ``return``), when known; the
    exception its result raises (``exc``); and that nothing raised it."""
    name, message = str(state.name), state.message or ""
    made: MadeAt | None = getattr(state, "_made_at", None)
    said = f"{name}({message!r})" if message else f"{name}()"
    stack = ""
    if made is not None:
        source = linecache.getline(made.file, made.line).strip()
        stack = _HEADER + f'  File "{made.file}", line {made.line}, in {made.function}\n'
        stack += f"    {source}\n" if source else ""
    where = " on that line" if made is not None else ""
    last = _exception_line(exc, safe_str(exc))
    return stack + last + f"(not raised: the task returned {said}{where}; its result raises this)\n"


def _own_dict(exc: BaseException) -> dict[str, Any]:
    """``exc``'s attributes set on it, read without running a ``__getattr__`` of its class."""
    found = getattr(exc, "__dict__", None)
    return found if isinstance(found, dict) else {}


#: Formatted stacks by where they ran (see ``format_traceback``).
_STACKS: dict[tuple[Any, ...], str] = {}
_STACKS_MAX = 1024
#: Held while a stack not yet kept is formatted: a retried task's first failures come on
#: every worker thread at once, and each formatted the same stack (a fresh process reads
#: its source file and parses each line for the ``^^^`` markers: 0.2–0.3 ms a time).
_FORMATTING = threading.Lock()
_HEADER = "Traceback (most recent call last):\n"


def format_traceback(exc: BaseException, text: str | None = None) -> str:
    """``"".join(traceback.format_exception(exc))``, each distinct stack formatted once.

    A retried task fails the same way, at the same place, attempt after attempt, and
    formatting its stack (reading source lines, placing the ``^^^`` markers) cost a retry
    with no delay five times the attempt itself — and on first use, reading the source
    files, far more. The stack's text depends only on each frame's code and instruction,
    so it is kept by those; the exception's own line (its message may name the input) is
    written each time (``text``: its ``str``, when the caller has it). A chained exception
    (``__cause__``, ``__context__``), a group, or one with notes is formatted whole each time.
    """
    cause = exc.__cause__
    if isinstance(cause, RemoteTraceback):  # made where it ran: as a thread attempt's reads
        here = exc.__traceback__
        return cause.text if here is None else _called_from(here, cause.text)
    if (
        cause is not None
        or exc.__context__ is not None
        or hasattr(exc, "__notes__")
        or isinstance(exc, BaseExceptionGroup)
    ):
        return flow_classes_bare(
            "".join(despite_ast_race(lambda: traceback.format_exception(exc))), exc
        )
    last = _exception_line(exc, safe_str(exc) if text is None else text)
    tb: TracebackType | None = exc.__traceback__
    if tb is None:
        return last
    where: list[Any] = []
    while tb is not None:
        where.append((tb.tb_frame.f_code, tb.tb_lasti))
        tb = tb.tb_next
    key = tuple(where)
    stack = _STACKS.get(key)
    if stack is None:
        with _FORMATTING:
            stack = _STACKS.get(key)  # another thread may have formatted it meanwhile
            if stack is None:
                # Only the stack: a stand-in for ``exc``, so none of the user's code (its
                # ``__str__``) runs under the lock every worker's first failure waits on.
                summary = traceback.TracebackException(Exception, Exception(), exc.__traceback__)
                stack = "".join(despite_ast_race(summary.stack.format))
                if len(_STACKS) >= _STACKS_MAX:
                    _STACKS.clear()
                _STACKS[key] = stack
    return _HEADER + stack + last


def _called_from(tb: TracebackType, text: str) -> str:
    """A worker's traceback ``text`` with ``tb``'s frames (a ``@flow``'s line that called
    the task, raised here) before the worker's own, as a thread's one stack reads. A text
    whose last section does not start a line with the header (a group's) is left as it is."""
    at = text.rfind(_HEADER)
    if at < 0 or (at > 0 and text[at - 1] != "\n"):
        return text
    at += len(_HEADER)
    summary = traceback.TracebackException(Exception, Exception(), tb)
    return text[:at] + "".join(despite_ast_race(summary.stack.format)) + text[at:]


def with_culprit_line(exc: BaseException, tb: str, text: str) -> str:
    """``tb`` with the definition of the user's callable ``exc`` is about as its last frame
    (``File "flow.py", line 4, in my_delay``), when none of the user's frames is in it: a
    ``retry_delay`` that returned ``"5s"``, or could not take its argument, failed with
    only flowtop's frames on the stack, and its "where" named ``delays.py:284``."""
    code = _code_of(getattr(exc, "culprit", None))
    if code is None:  # (every failure but a policy callable's: nothing more to make)
        return tb
    last = _exception_line(exc, text)
    if not tb.endswith(last) or _has_user_frame(exc):
        return tb
    file, line = code.co_filename, code.co_firstlineno
    source = linecache.getline(file, line).strip()
    frame = f'  File "{file}", line {line}, in {code.co_name}\n'
    frame += f"    {source}\n" if source else ""
    return tb[: len(tb) - len(last)] + frame + last


def _code_of(fn: Any) -> CodeType | None:
    """The code object of a user's callable (a function, a ``functools.partial`` or
    decorated one, an object with a Python ``__call__``), None for a builtin or None."""
    if fn is None:
        return None
    try:
        plain = inspect.unwrap(fn)
    except ValueError:  # a __wrapped__ cycle
        plain = fn
    while isinstance(plain, functools.partial):
        plain = plain.func
    code = getattr(plain, "__code__", None)
    if code is None:
        call = inspect.getattr_static(type(plain), "__call__", None)  # a class of the user's
        code = getattr(call, "__code__", None)
    return code if isinstance(code, CodeType) else None


def _has_user_frame(exc: BaseException) -> bool:
    """Whether ``exc``, or an exception it was raised from, has a frame of the user's code."""
    library = library_folders()
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            if not tb.tb_frame.f_code.co_filename.startswith(library):
                return True
            tb = tb.tb_next
        # (not its context: that is the attempt's own error, shown before it, whose frames
        # are the task's — the callable's place is still to be named)
        current = current.__cause__
    return False


def users_line(frames: Sequence[tuple[str, int, str]]) -> tuple[str, int, str] | None:
    """Of a stack's ``(file, line, function)`` frames, outermost first, the one to name as
    where something happened: the deepest in the user's own code (outside the standard
    library, installed packages and flowtop), else the deepest that is not flowtop's; None
    for none. A timeout inside ``Event.wait`` names the task's ``release.wait(5)`` line,
    not ``threading.py``; a failure deep in an HTTP client names the call that made it.

    Never a line of flowtop's own: a ``Retry(delay=1e308)`` or ``retry_jitter=1e308`` that
    ``compute_delay`` refused had only flowtop's frames, and its line ended ``(delays.py:299
    in compute_delay)``, as if the user's code were there. Such an error says no place."""
    library = library_folders()
    for frame in reversed(frames):
        if not frame[0].startswith(library):
            return frame
    for frame in reversed(frames):  # all of a library's (a stdlib function as the task)
        if not frame[0].startswith(_FLOWTOP_FOLDERS):
            return frame
    return None


#: flowtop's package folder as imported and as resolved (a symbolic link in the path of a
#: virtual environment): a frame's file is written either way.
_FLOWTOP_FOLDERS = (FLOWTOP_FOLDER, os.path.join(os.path.realpath(FLOWTOP_FOLDER), ""))


def from_user_code(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` from its first frame outside flowtop: the frames that called a task's
    function (the attempt's call, the event loop's step) are flowtop's, not the user's.
    The last frame stays, whoever's it is: it is where the error started."""
    while (
        tb is not None
        and tb.tb_next is not None
        and tb.tb_frame.f_code.co_filename.startswith(FLOWTOP_FOLDER)
    ):
        tb = tb.tb_next
    return tb


#: Whose frames ``hide_own_frames`` drops: flowtop's, and the event loop's it runs an
#: ``async def`` flow's body on (``asyncio/runners.py``, ``base_events.py``), which came
#: before the flow's first line.
_HIDDEN_FOLDERS = (FLOWTOP_FOLDER, *ASYNCIO_FOLDERS)


def hide_own_frames(exc: BaseException) -> None:
    """Drop flowtop's frames (and the event loop's) from between the user's in ``exc``'s
    traceback.

    A ``@flow`` that calls a task which fails raises the task's exception through
    flowtop's call and future (``task.py``, ``dynamic_run.py``): its traceback read as if
    flowtop had failed. Without them it reads as the user wrote it: the flow's line that
    called the task, then the task's line that raised. Frames of flowtop's after the last
    user frame stay: an error that starts inside flowtop (or ``asyncio``: a ``wait_for``'s
    ``TimeoutError``) still shows where, unless it is about the user's own setting or the
    cancel's echo (``OwnFramesOnly``), or started in a worker process (its frames there
    are in its ``RemoteTraceback``'s text).
    """
    entries: list[TracebackType] = []
    tb = exc.__traceback__
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    own = [entry.tb_frame.f_code.co_filename.startswith(_HIDDEN_FOLDERS) for entry in entries]
    last_user = max((i for i, mine in enumerate(own) if not mine), default=-1)
    if isinstance(exc, OwnFramesOnly) or isinstance(exc.__cause__, RemoteTraceback):
        last_user = len(entries)  # (a worker's error started there: its frames are in the text)
    kept = [e for i, e in enumerate(entries) if not own[i] or i > last_user]
    if len(kept) == len(entries):
        return
    rebuilt: TracebackType | None = None
    for entry in reversed(kept):
        rebuilt = TracebackType(rebuilt, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    exc.__traceback__ = rebuilt


#: Flow modules' names (``flowtop_flows.etl_1a2b3c4d``): the loader's, not the user's. A
#: class a flow file defines is named bare, as Python names one of the script it runs.
_FLOW_MODULES = FLOW_PACKAGE + "."


def flow_classes_bare(text: str, exc: BaseException) -> str:
    """``text``, ``exc`` formatted by ``traceback``, with each exception class a flow file
    defines named bare (``MyError: mine``), as ``_exception_line`` names it: a chained
    one's, and every one a worker process or Dask formatted, read
    ``flowtop_flows.etl_1a2b3c4d.MyError``, the loader's module name for the file."""
    names: dict[str, str] = {}
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        cls = type(current)
        if cls.__module__.startswith(_FLOW_MODULES):
            names[f"{cls.__module__}.{cls.__qualname__}"] = cls.__qualname__
        elif cls.__module__ == _STATE_ERRORS:  # (``FailedRun``: as ``_exception_line`` names it)
            names[f"{cls.__module__}.{cls.__qualname__}"] = _exception_line(current, "")[:-1]
        todo += [current.__cause__, current.__context__]
        if isinstance(current, BaseExceptionGroup):
            todo += current.exceptions
    if not names:
        return text
    written = "|".join(map(re.escape, names))
    line = re.compile(rf"^([ |+-]*)({written})(?=:|$)", re.MULTILINE)  # (a group's: "  | ")
    return line.sub(lambda found: found[1] + names[found[2]], text)


def _exception_line(exc: BaseException, text: str) -> str:
    """The traceback's last line, ``module.Type: message``, as ``traceback`` writes it.

    ``traceback.format_exception_only`` builds a whole ``TracebackException`` for this
    one line: more than half of what a failed attempt cost the engine. Only a
    ``SyntaxError`` (its line shows the source and a caret) is left to it.
    """
    cls = type(exc)
    if isinstance(exc, SyntaxError):
        return "".join(traceback.format_exception_only(cls, exc))
    name = cls.__qualname__
    module = _shown_module(exc)
    if module not in ("__main__", "builtins") and not module.startswith(_FLOW_MODULES):
        name = f"{module}.{name}"
    return f"{name}: {text}\n" if text else f"{name}\n"


#: Where ``FailedRun`` and its kin are defined: no module their users import.
_STATE_ERRORS = PrefectException.__module__


def _shown_module(exc: BaseException) -> str:
    """The module a traceback names ``exc``'s class by: its own, but for the state
    exceptions (``FailedRun``, …) Prefect's ``prefect.exceptions`` when Prefect code made
    their state (``NAMED_AS``), else ``flowtop.exceptions``, where flowtop's users import them."""
    module = type(exc).__module__
    if module != _STATE_ERRORS:
        return module
    named = _own_dict(exc).get(NAMED_AS)
    if isinstance(named, str):
        return named
    return "prefect.exceptions" if isinstance(exc, PausedRun) else PUBLIC_MODULE  # (drop-in only)


@dataclass(slots=True)
class Attempt:
    """One attempt of one task, as the run remembers it."""

    number: int
    started: float  # wall clock
    duration: float | None = None
    state: StateType = RUNNING
    error: ErrorInfo | None = None
    output: str = ""
    retry_in: float | None = None
    delay_explained: str = ""


#: ``TaskRun.kept`` of a result not kept (a value may be anything, None too).
NOT_KEPT: Any = object()


def pristine(value: Any) -> Any:
    """A copy of a result no later code can change: a ``@flow`` body that appended to
    a returned list made a flow retry (or a rerun from the store) reuse the list with
    the append (Prefect reuses the value as returned). A value that cannot be copied
    (a lock, a generator) is its own copy."""
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - a user's __deepcopy__ or an uncopyable value
        return value


class TaskRun:
    """Mutable per-run record of one node. Only touched under the run's lock."""

    __slots__ = (
        "node",
        "key",
        "policy",
        "state",
        "changed",
        "attempt",
        "token",
        "result",
        "kept",
        "returned",
        "exception",
        "message",
        "waiting_on",
        "children",
        "first_start",
        "began",
        "timer",
        "attempts",
        "reused",
        "max_attempts",
        "call",
        "judging",
        "cache_key",
        "cache_note",
        "cache_error",
        "slots",
        "hurried",
    )

    #: When its latest attempt began, on the run's clock: set as each attempt starts (not
    #: here: read only while one runs), the time so far of one a cancel cuts short.
    began: float

    def __init__(self, node: Node, policy: RetryPolicy) -> None:
        self.node = node
        self.key = node.key
        self.policy = policy
        self.max_attempts = policy.max_attempts
        self.state = PENDING
        #: When it took its state (wall clock): its ``State.timestamp``.
        self.changed = time.time()
        self.attempt = 0
        self.token = 0
        self.result: Any = None
        #: Its result as its task returned it, when kept (``pristine``): what is reused
        #: and stored, whatever the flow body or a downstream task did to ``result``.
        self.kept: Any = NOT_KEPT
        #: A ``Completed(...)`` its last attempt returned by hand, whose data is ``result``:
        #: what calling the task in a flow's body gives back, as Prefect 3.9 does.
        self.returned: Any = None
        self.exception: BaseException | None = None
        self.message = ""
        self.waiting_on = len(node.upstream)
        #: The tasks that wait for this one, once one does (``add_child``): most have none,
        #: and an empty list each was one more object per task for the collector to scan.
        self.children: list[TaskRun] | tuple[()] = ()
        self.first_start: float | None = None
        self.timer: TimerHandle | None = None
        #: One record per attempt: a list grown in place while the task runs, a tuple
        #: once it is final, which the run's result shares (one object, no copy). A
        #: tuple grown by ``+=`` copied every record at each attempt: 40,000 retries of
        #: one task took 13 s of CPU, most of it copying.
        self.attempts: list[Attempt] | tuple[Attempt, ...] = ()
        self.reused = False
        #: The current attempt's call on a pool thread (default backend), which a timeout
        #: or its run's cancel interrupts, giving its thread up (an async attempt's only
        #: when a time limit may cancel it).
        self.call: UserCall | None = None
        #: Its latest attempt (of a task with a timeout) whose call returned, while its
        #: outcome is judged: what its timeout ends it with then (``judging``).
        self.judging: Judging | None = None
        #: A task that caches: the key its result is stored under once it completes, or
        #: why there is none (its COMPLETED step says it).
        self.cache_key: str | None = None
        self.cache_note = ""
        #: Why its ``result_storage_key`` could not be formatted: each attempt fails with
        #: it (``cached_calls.attempt_fn``), as in Prefect.
        self.cache_error: Exception | None = None
        #: The slots of its tags' limits its running attempt holds (``tag_limits``).
        self.slots: object | None = None
        #: Its next attempt was started by the user before its wait was over (`n`).
        self.hurried = False

    def add_child(self, child: TaskRun) -> None:
        """``child`` waits for this task."""
        if isinstance(self.children, list):
            self.children.append(child)
        else:
            self.children = [child]

    def call_of(self, token: int) -> UserCall | None:
        """Attempt ``token``'s interruptible call; None when it has none (another process's,
        an async one with no time limit), or when a newer attempt's has taken its place
        (then this one timed out already)."""
        call = self.call
        return call if call is not None and call.token == token else None

    def drop_timer(self) -> None:
        """Cancel its pending retry or timeout, if any."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    @property
    def kept_result(self) -> Any:
        """Its result as returned when kept, else as it is now."""
        return self.result if self.kept is NOT_KEPT else self.kept

    def to_state(self, *, kept: bool = False) -> State:
        """Its state; with ``kept``, its result as returned (what a retry reuses)."""
        result = (
            self.exception
            if self.state is FAILED and self.exception is not None
            else self.kept_result
            if kept
            else self.result
        )
        # Every field, in order, made as ``tuple.__new__`` makes any named tuple: a run's
        # result builds one per task, and ``State(...)``'s keyword-capable ``__new__`` took
        # twice as long.
        fields = (
            self.state,
            result,
            self.exception,
            self.attempt,
            self.message,
            self.key,
            self.changed,
        )
        return tuple.__new__(State, fields)


@dataclass(frozen=True)
class RunResult:
    """What a finished (or cancelled) run leaves: every task's final ``State``."""

    run_id: str
    flow: Flow
    number: int
    state: StateType
    states: Mapping[str, State]
    attempts: Mapping[str, tuple[Attempt, ...]]
    duration: float
    rerun_of: str | None = None
    #: @flow functions only: what the function returned or raised, and each call's input hash
    value: Any = None
    error: BaseException | None = None
    inputs: Mapping[str, str | None] = field(default_factory=dict)
    #: @flow functions only: the arguments the function was called with (a rerun calls
    #: it with them again)
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    #: @flow functions only: the subflow calls its body made, which its rerun reruns
    subflows: tuple[SubflowCall, ...] = ()

    def __getitem__(self, key: str) -> State:
        return self.states[key]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(s.type.value for s in self.states.values()))

    def is_completed(self) -> bool:
        return self.state is COMPLETED

    def is_failed(self) -> bool:
        return self.state is FAILED

    @property
    def result(self) -> dict[str, State]:
        """Prefect-1 style access: ``flow.run().result[key]``."""
        return dict(self.states)
