"""The event loop that ``async def`` tasks run on, one per process, on a thread of its own.

An attempt of an async task is started by a pool thread in a few microseconds (it only
hands the coroutine to this loop) and concluded by a callback when the coroutine ends:
no thread is held while the task awaits, and a retry wait is the runner's timer entry as
for any task. Output is captured per attempt as for thread tasks: each step of the
coroutine runs with that attempt's capture buffer installed on the loop thread.

An attempt's outcome is judged off the loop, on one of the loop's judges (threads a pool
keeps for that): judging runs the user's code (a ``retry_predicate``, a ``retry_delay``
callable, ``on_failure`` hooks, a result's ``repr``), and a slow one on the loop's thread
held up every other async attempt and every await of the run meanwhile. A sync attempt is
judged on its own worker thread so.

An async attempt that calls a sync ``@flow`` blocks the loop's thread until that subflow
ends, and the subflow's own async tasks need a loop: started on the blocked one, they
never ran, and the call hung for good. While a loop's thread waits so (``blocked``), the
attempts that start meanwhile get another loop, on a thread of its own, as Prefect runs
a sync flow's async tasks on a loop of their own. The first loop that is not blocked
serves; the others stop with it, when the last runner releases them.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterator
from typing import TYPE_CHECKING, Any

from . import capture, given_up, hook_output, live_output, user_call
from .backends import Done
from .pool import WorkerPool
from .records import from_user_code
from .use_counts import UseCounts
from .user_call import left_in_a_fork
from .user_threads import UserCodeThread

if TYPE_CHECKING:
    import asyncio

    from .async_call import AsyncCall

# ``asyncio`` is imported where a loop is made or used, not with flowtop: it is half of
# ``import flowtop``'s time, and most flows have no ``async def`` task.

_lock = threading.Lock()
#: The shared loops, the first started first, each with the thread it runs on: the first
#: one not ``_blocked`` serves (``get_loop``).
_loops: dict[asyncio.AbstractEventLoop, threading.Thread] = {}
#: The loops whose thread waits now for work that may need a loop (``blocked``): how
#: many waits each, as a subflow's task can call one more.
_blocked: UseCounts[asyncio.AbstractEventLoop] = UseCounts()
_users: set[int] = set()  # ids of the runners that started async attempts on the loops
#: Per loop, the capture buffers of the attempts it runs (touched on its thread only):
#: what a coroutine still running when the loop stops leaves open (``_abandon``).
_launched: dict[asyncio.AbstractEventLoop, set[capture.Captured]] = {}
#: The loops their last runner released, stopping once what runs there ended (on their
#: own thread only): an attempt ending meanwhile is concluded no more (``_let_go``).
_released: set[asyncio.AbstractEventLoop] = set()
#: The most a released loop runs on for what it cancelled (seconds): a coroutine that
#: awaits in its ``except CancelledError:`` (a cleanup) ends, and what it prints then
#: shows, as a thread given up on gets at the exit (``given_up``).
GRACE = given_up.GRACE
#: Most threads judging the outcomes of one loop's attempts at once (``_judges``). Judging
#: is brief, and the GIL lets one run at a time; the others are there for callbacks that
#: wait (on a lock, an API), which then hold up no other attempt. A judge starts when an
#: outcome finds none idle, and one stuck past its attempt's timeout is replaced.
JUDGES = 32
#: Per loop, the threads that judge the outcomes of its attempts (touched under ``_lock``).
_judges: dict[asyncio.AbstractEventLoop, WorkerPool] = {}


class _Carried(Exception):
    """An async task's ``SystemExit`` or ``KeyboardInterrupt``, carried out of its step as
    an ordinary error and reported as itself (``raised``): asyncio re-raises those two out
    of ``run_forever``, and the loop's thread ended with every attempt on it left waiting
    (a task's ``sys.exit()`` hung its run for good)."""

    def __init__(self, raised: BaseException) -> None:
        super().__init__(repr(raised))
        self.raised = raised


def _judge(
    on_done: Done,
    call: AsyncCall | None,
    value: Any,
    error: BaseException | None,
    output: str,
) -> None:
    """On a judge: the attempt (``call``'s) came back; ``on_done`` judges its outcome."""
    if call is not None:  # the thread a timeout gives up on when it finds it judging
        call.judge = threading.current_thread()
    on_done(value, error, output)


def give_up_judge(call: AsyncCall) -> bool:
    """A timeout came while the outcome of ``call``'s attempt was judged (its judge is
    still in that, as the caller holds the run's lock it needs to end): start another
    judge in its place, so a callback stuck for good holds up no other async attempt.
    False when none was started (``WorkerPool.abandon``)."""
    judge = call.judge
    if judge is None:
        return False
    with _lock:
        pools = list(_judges.values())
    return any(pool.abandon(judge) for pool in pools)


def get_loop(user: object) -> asyncio.AbstractEventLoop:
    """The shared loop that is not ``blocked``, started on first use (another one while
    every loop is blocked); ``user`` (a runner) keeps them until it calls :func:`release`.
    Daemon threads: they never keep a process up."""
    with _lock:
        _users.add(id(user))
        for loop in _loops:
            if loop not in _blocked:
                return loop
        return _start_loop()


def _start_loop() -> asyncio.AbstractEventLoop:
    """Under ``_lock``: a new shared loop, running on its own thread once this returns.
    The first one's thread is ``flowtop-async-loop``, a later one's ``…-2``, ``…-3``."""
    import asyncio

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    _launched[loop] = set()
    judges = _judges[loop] = WorkerPool(JUDGES, "flowtop-async-judge")

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            _abandon(loop)
            _released.discard(loop)
            loop.close()
            with _lock:
                del _judges[loop]
            # An outcome handed over is judged still; the judges end once idle.
            judges.shutdown(wait=False, cancel_futures=False)

    name = "flowtop-async-loop" if not _loops else f"flowtop-async-loop-{len(_loops) + 1}"
    thread = UserCodeThread(serve, name)  # its async tasks' threads: not daemons
    thread.start()
    ready.wait()
    _loops[loop] = thread
    return loop


def on_shared_loop() -> bool:
    """Whether this thread runs a shared loop (an async task attempt runs here)."""
    loop = running_loop()
    return loop is not None and loop in _loops


@contextlib.contextmanager
def blocked() -> Iterator[None]:
    """For the block, this thread's shared loop (if it runs one) waits on work that may
    need a loop: a sync subflow an async attempt called, whose async tasks start while it
    waits. ``get_loop`` hands them another loop meanwhile. Elsewhere (a worker thread, a
    flow body's own loop) it changes nothing."""
    loop = running_loop()
    with _lock:
        shared = loop is not None and loop in _loops
        if shared:
            assert loop is not None
            _blocked.add(loop)
    try:
        yield
    finally:
        if shared:
            assert loop is not None
            with _lock:
                _blocked.remove(loop)


def release(user: object) -> None:
    """``user`` is done with the loops (its runner shut down); the last one stops them,
    after cancelling what still runs there, and waits for their threads to end. A
    coroutine cancelled already (past its time limit) is not cancelled again, and each
    gets at most ``GRACE`` seconds to end (a cleanup that awaits, then prints, in its
    ``except CancelledError:``): ``flowtop run`` exiting after a timeout or a cancel, or a
    ``@flow`` call returning, took that print with it."""
    with _lock:
        _users.discard(id(user))
        if _users or not _loops:
            return
        loops = dict(_loops)
        _loops.clear()
        _blocked.clear()
        for loop in loops:
            _mailboxes.pop(loop, None)
    for loop in loops:
        loop.call_soon_threadsafe(_stop, loop)
    for thread in loops.values():
        if thread is not threading.current_thread():
            thread.join(5)


def _stop(loop: asyncio.AbstractEventLoop) -> None:
    """On ``loop``'s thread, released: cancel what runs there, stop once it ended."""
    import asyncio

    _released.add(loop)
    left = asyncio.all_tasks(loop)
    for task in left:
        if not task.cancelling():  # a second cancel would cut its cleanup short
            task.cancel()
    _stop_once_ended(loop, left)


def _stop_once_ended(loop: asyncio.AbstractEventLoop, tasks: set[asyncio.Task[Any]]) -> None:
    """Stop ``loop`` once ``tasks`` have ended, or ``GRACE`` seconds from now."""
    if not tasks:
        loop.stop()
        return
    limit = loop.call_later(GRACE, loop.stop)

    def ended(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not tasks:
            limit.cancel()
            loop.stop()

    for task in list(tasks):
        task.add_done_callback(ended)


def _abandon(loop: asyncio.AbstractEventLoop) -> None:
    """On the loop's thread, as it stops: the attempts whose coroutine is still running
    (cancelled by ``release``, and awaiting in its ``except CancelledError:``) never reach
    their ``finished``, which runs after the stop. Their captures are closed here, or each
    would keep flowtop's handler on the root logger, and its run alive, for good."""
    for buffer in _launched.pop(loop, ()):
        _let_go(buffer)


def _let_go(buffer: capture.Captured) -> None:
    """The capture of an attempt whose outcome nobody takes, closed."""
    live_output.ended(buffer)
    buffer.attempt = buffer.live = buffer.taken = None
    buffer.getvalue()  # closes it (``capture._close``)


class _Captured:
    """Awaits ``coro`` with ``buffer`` as the capture buffer (and ``attempt`` as the
    current attempt) during each of its steps."""

    __slots__ = ("coro", "buffer", "attempt")

    def __init__(self, coro: Coroutine[Any, Any, Any], buffer: Any, attempt: object) -> None:
        self.coro = coro
        self.buffer = buffer
        self.attempt = attempt

    def __await__(self) -> Generator[Any, Any, Any]:
        local = capture._local
        send: Any = None
        throw: BaseException | None = None
        while True:
            previous = local.buffer
            previous_attempt = local.attempt
            local.buffer, local.attempt = self.buffer, self.attempt
            try:
                yielded = self.coro.throw(throw) if throw is not None else self.coro.send(send)
            except StopIteration as stop:
                return stop.value
            finally:
                local.buffer, local.attempt = previous, previous_attempt
            try:
                send, throw = (yield yielded), None
            except GeneratorExit:
                self.coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - passed into the coroutine, as await does
                send, throw = None, exc


class _Mailbox:
    """Calls posted to one loop from other threads, delivered with one wake-up per batch:
    a thousand tasks starting at once cost one self-pipe write, not a thousand."""

    __slots__ = ("loop", "lock", "calls", "scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lock = threading.Lock()
        self.calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.scheduled = False

    def post(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        with self.lock:
            self.calls.append((fn, args))
            if self.scheduled:
                return
            self.scheduled = True
        self.loop.call_soon_threadsafe(self.drain)

    def drain(self) -> None:
        with self.lock:
            calls, self.calls = self.calls, []
            self.scheduled = False
        for fn, args in calls:
            fn(*args)


_mailboxes: dict[asyncio.AbstractEventLoop, _Mailbox] = {}


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running on this thread, if any: asked without importing ``asyncio``
    (no loop runs where nothing imported it)."""
    module = sys.modules.get("asyncio")
    if module is None:
        return None
    try:
        loop: asyncio.AbstractEventLoop = module.get_running_loop()
    except RuntimeError:
        return None
    return loop


def post(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> None:
    """``loop.call_soon_threadsafe(fn, *args)``, batched. Never runs ``fn`` right away,
    even on ``loop`` itself: the caller may hold a lock that ``fn`` takes."""
    if running_loop() is loop:
        loop.call_soon(fn, *args)
        return
    box = _mailboxes.get(loop)
    if box is None:
        with _lock:
            for old in [lp for lp in _mailboxes if lp.is_closed()]:
                del _mailboxes[old]
            box = _mailboxes.setdefault(loop, _Mailbox(loop))
    box.post(fn, args)


def wake(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None]) -> None:
    """Resolve ``waiter`` on its ``loop`` from any thread (a flow body awaiting a task)."""
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody awaits any more
        post(loop, _set_done, waiter)


def _set_done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def start_attempt(
    fn: Callable[..., Awaitable[Any]],
    args: list[Any],
    kwargs: dict[str, Any],
    on_done: Done,
    *,
    user: object,
    attempt: object = None,
    live: tuple[Any, Any] | None = None,
    call: AsyncCall | None = None,
) -> None:
    """Run ``fn(*args, **kwargs)`` on the loop; ``on_done(value, error, output)`` when it ends,
    on one of the loop's judges (``_judges``), not on the loop.
    ``attempt``: the thread-local ``capture`` attempt during each step (``TaskRunContext``);
    ``live``: the run and task record whose output is followed while it runs
    (``Captured.live``); ``call``: what a time limit cancels the attempt's task by."""
    import asyncio

    loop = get_loop(user)
    judges = _judges[loop]  # (read outside ``_lock``: a loop in use keeps its judges)
    taken = output_taken(live, call)  # its token read now, as it starts
    told = hook_output.take_prelude() if attempt is not None else None  # on_running's

    def launch() -> None:
        started_at = user_call.forks  # a child its coroutine forks ends as it ends (user_call)
        buffer = capture.begin()  # installs the stream proxies; ours only during steps
        capture._local.buffer = None
        buffer.live, buffer.taken = live, taken
        buffer.echo = live is not None and live[0].runner.echo_output
        if told is not None:  # its output starts with what its task's hooks printed
            buffer.write(told[0])
        launched = _launched.get(loop)
        if launched is not None:
            launched.add(buffer)
        try:
            coro = fn(*args, **kwargs)
            if not asyncio.iscoroutine(coro):
                raise TypeError(f"async task returned {type(coro).__name__}, not a coroutine")
        except BaseException as exc:  # noqa: BLE001 - reported like any attempt's error
            if launched is not None:
                launched.discard(buffer)
            live_output.ended(buffer)
            judges.submit(_judge, on_done, call, None, exc, buffer.getvalue())
            return

        async def body() -> Any:
            if attempt is not None:  # in its task's own context: a thread it starts with
                capture.enter_attempt(buffer, attempt)  # that context copied is in it too
            try:
                return await _Captured(coro, buffer, attempt)
            except (SystemExit, KeyboardInterrupt) as exc:  # its own error, not the loop's
                raise _Carried(exc) from None

        def finished(task: asyncio.Task[Any]) -> None:
            if launched is not None:
                launched.discard(buffer)
            if call is not None:
                call.ended()
            if task.cancelled():
                coro.close()  # cancelled before its first step: never started, no warning
                error: BaseException | None = asyncio.CancelledError("async task was cancelled")
                value = None
            else:
                error = task.exception()
                value = None if error is not None else task.result()
                error = error.raised if isinstance(error, _Carried) else error
            left_in_a_fork(started_at, error)
            if loop in _released:  # its runner shut down: nobody takes its outcome
                _let_go(buffer)
                return
            if error is not None:
                error.__traceback__ = from_user_code(error.__traceback__)
            live_output.ended(buffer)
            buffer.attempt = None  # ended: a thread it started writes no more to it
            judges.submit(_judge, on_done, call, value, error, buffer.getvalue())

        task = loop.create_task(body())
        if call is not None:
            call.begun(coro, task)
        task.add_done_callback(finished)

    post(loop, launch)


def output_taken(live: tuple[Any, Any] | None, call: AsyncCall | None) -> Callable[[], bool] | None:
    """Whether the run has taken the output of the async attempt of ``live``'s task record
    (the one ``call`` interrupts, else the one that record runs now) for good, while its
    coroutine may still run: a time limit interrupted it (``call.asked``: its output was
    read first), or the run moved on without it (a cancel, a timeout: a newer token).

    Its coroutine is cancelled after that (at once, or when the runner stops), and a
    ``print`` in its ``except CancelledError:`` went into a buffer no one read any more:
    it now goes to the real stream (``Captured.taken``)."""
    tr = None if live is None else live[1]
    if call is not None:
        token = call.token
        return lambda: call.asked or (tr is not None and tr.token != token)
    if tr is None:
        return None
    token = tr.token
    return lambda: bool(tr.token != token)


def run_sync(awaitable: Awaitable[Any]) -> Any:
    """Run an awaitable to its end from synchronous code: on a new loop on this thread, or,
    when a loop already runs on this thread, on a new loop on a helper thread."""

    import asyncio

    async def wrap() -> Any:
        return await awaitable

    if running_loop() is None:
        return asyncio.run(wrap())
    box: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(asyncio.run(wrap()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            errors.append(exc)

    # in this context (a hook's attempt, whose output it prints into: ``hook_output``)
    context = contextvars.copy_context()
    thread = UserCodeThread(context.run, "flowtop-coroutine", (target,))
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]
