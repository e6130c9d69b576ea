"""A program's own logging, beside flowtop's capture of its runs' log lines.

flowtop's handler on the root logger kept Python's last resort from printing a script's
warnings after its first flow call, and made ``logging.basicConfig`` a no-op; the run's
echoed log lines went to stdout (into the JSON a script prints), and twice to the terminal
when the program's handler printed them too. The scripts run as a user's do: in a process
of their own, with no logging set up but their own.
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
import threading

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import capture
from flowtop.logging import get_run_logger

from .logging_kit import no_program_handlers


def run_script(source: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_warnings_outside_any_run_reach_stderr_after_flow_calls_as_without_flowtop() -> None:
    done = run_script(
        """
        import asyncio, contextvars, logging, threading
        from flowtop import Flow, flow, task
        from flowtop.logging import get_run_logger

        log = logging.getLogger("etl")

        @task
        def t():
            return 1

        @task
        async def at():
            await asyncio.sleep(0)
            return 2

        @flow
        def f():
            # a thread the body starts with its context writes into the body's output
            thread = threading.Thread(
                target=contextvars.copy_context().run,
                args=(lambda: get_run_logger().info("from a body thread"),),
            )
            thread.start()
            thread.join()
            return t()

        log.warning("before any flow")
        f()
        log.warning("after a @flow call")
        print(logging.getLogger().handlers)
        with Flow("static") as static:
            at()
        static.run()
        log.warning("after Flow.run() of an async task")
        print(logging.getLogger().handlers)
        t()
        logging.getLogger().critical("after a task called outside any flow")
        print(logging.getLogger().handlers)
        """
    )
    assert done.stdout == "[]\n[]\n[]\n"  # as without flowtop: logging.basicConfig() works
    assert done.stderr.splitlines()[0] == "before any flow"
    for line in (
        "after a @flow call",
        "after Flow.run() of an async task",
        "after a task called outside any flow",
    ):
        assert f"{line}\n" in done.stderr, done.stderr  # Python's last resort, as it words them


def test_basic_config_after_a_flow_call_configures_logging() -> None:
    done = run_script(
        """
        import logging
        from flowtop import flow

        @flow
        def f():
            return 1

        f()
        logging.basicConfig(level=logging.INFO, format="configured %(name)s %(message)s")
        logging.getLogger("etl").info("rows loaded")
        """
    )
    assert done.stderr == "configured etl rows loaded\n"


def test_a_script_s_stdout_holds_only_what_it_prints() -> None:
    """`python export.py > out.json`: the run's log lines go to stderr, as Prefect's do."""
    done = run_script(
        """
        import json
        from flowtop import flow, task
        from flowtop.logging import get_run_logger

        @task
        def rows():
            get_run_logger().info("fetched rows")
            return [1, 2]

        @flow
        def export():
            get_run_logger().info("exporting")
            return rows()

        print(json.dumps(export()))
        """
    )
    assert done.stdout == "[1, 2]\n"
    assert "INFO flowtop.flow_runs: exporting\n" in done.stderr
    assert "INFO flowtop.task_runs: fetched rows\n" in done.stderr


def test_a_line_the_program_s_own_handler_prints_is_not_printed_again() -> None:
    done = run_script(
        """
        import logging
        logging.basicConfig(level=logging.INFO, format="mine %(name)s %(message)s")
        from flowtop import flow, task
        from flowtop.logging import get_run_logger

        log = logging.getLogger("etl")

        @task
        def load():
            log.info("loading rows")
            get_run_logger().info("run logger line")
            return 1

        @flow
        def etl():
            log.info("in body")
            return load()

        etl()
        """
    )
    assert done.stderr == (
        "mine etl in body\nmine etl loading rows\nmine flowtop.task_runs run logger line\n"
    )
    assert done.stdout == ""


def test_a_line_logged_outside_any_attempt_during_a_run_reaches_the_last_resort(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A thread of the program's, started plainly, is in no run: flowtop's handler, on the
    root logger meanwhile, dropped its warnings."""

    @task
    def starts_a_plain_thread() -> None:
        thread = threading.Thread(
            target=lambda: logging.getLogger("watcher").warning("disk almost full")
        )
        thread.start()
        thread.join()

    @flow
    def during() -> None:
        starts_a_plain_thread()

    with no_program_handlers():
        during()
    assert "disk almost full\n" in capsys.readouterr().err


def test_an_echoed_line_a_program_s_handler_receives_is_kept_but_not_echoed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Under pytest, "Captured log" and "Captured stderr" both had each line."""
    heard: list[str] = []
    collector = logging.Handler(logging.INFO)
    collector.emit = lambda record: heard.append(record.getMessage())  # type: ignore[method-assign]

    @task
    def noisy() -> int:
        get_run_logger().info("a log line")
        logging.getLogger("etl").debug("below the program's handler: echoed")
        return 1

    with Flow("script") as script:
        noisy()
    etl = logging.getLogger("etl")
    with no_program_handlers():
        logging.getLogger().addHandler(collector)
        etl.setLevel(logging.DEBUG)  # the DEBUG record is made; the collector drops it
        try:
            result = script.run()
        finally:
            etl.setLevel(logging.NOTSET)
            logging.getLogger().removeHandler(collector)
    assert heard == ["a log line"]
    err = capsys.readouterr().err
    assert "a log line" not in err
    assert "DEBUG etl: below the program's handler: echoed\n" in err
    (attempt,) = result.attempts["noisy"]
    assert "INFO flowtop.task_runs: a log line\n" in attempt.output  # still the attempt's


def test_the_stand_in_streams_answer_as_the_streams_they_pass_through_to() -> None:
    """`sys.stdout.writable()` was False and `sys.stdout.errors` None once flowtop ran."""
    raw = io.BytesIO()
    real = io.TextIOWrapper(raw, encoding="latin-1", errors="replace", line_buffering=True)
    stand_in = capture._ThreadRoutedStream(real)  # type: ignore[arg-type]
    for name in ("encoding", "errors", "newlines", "line_buffering", "closed"):
        assert getattr(stand_in, name) == getattr(real, name), name
    for name in ("writable", "readable", "seekable", "isatty", "fileno", "tell"):
        try:
            expected = getattr(real, name)()
        except io.UnsupportedOperation:
            with pytest.raises(io.UnsupportedOperation):
                getattr(stand_in, name)()
            continue
        assert getattr(stand_in, name)() == expected, name
    assert stand_in.writable() and stand_in.errors == "replace"
    real.close()
    assert stand_in.closed


class _TakenOffMeanwhile(list):  # type: ignore[type-arg]
    """The root logger's handlers, from which the program takes flowtop's handler (on a
    thread of its own, ``basicConfig(force=True)``) right after flowtop checked it is on."""

    def __contains__(self, item: object) -> bool:
        found = list.__contains__(self, item)
        if found and item is capture._handler:
            list.remove(self, item)
        return found


def test_the_program_taking_the_handler_off_as_a_capture_ends_fails_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`end()` raised ValueError (an engine failure of the run): the handler was checked
    on the root logger, then removed, without logging's lock."""
    monkeypatch.setattr(capture, "_pinned", False)
    monkeypatch.setattr(capture, "_open", set())
    monkeypatch.setattr(capture, "_held", 0)
    root = logging.getLogger()
    with no_program_handlers():
        handlers = root.handlers
        capture.begin()
        print("captured")
        root.handlers = _TakenOffMeanwhile(handlers)
        try:
            assert capture.end() == "captured\n"
            assert capture._handler not in root.handlers
        finally:
            root.handlers = handlers
            if capture._handler in handlers:
                handlers.remove(capture._handler)
