"""The headless printers: a line per change for people, with a live summary on a terminal."""

from __future__ import annotations

import errno
import io
import json
import sysconfig
from pathlib import Path

import pytest

from flowtop.commands.printers import READER_GONE, HumanPrinter, JsonPrinter, raised_at
from flowtop.engine.bus import EventBus, Subscription
from flowtop.engine.events import (
    ErrorInfo,
    Event,
    RunFinished,
    RunStarted,
    TaskOutput,
    TaskStateChanged,
)
from flowtop.engine.states import StateType as S
from flowtop.printable import printable
from pilot_kit import FrozenClock

T0 = 1_700_000_000.0


def events() -> list:
    return [
        RunStarted("r1", "etl", 3, ("extract", "load"), (4, 1), ("", ""), None, T0),
        TaskStateChanged("r1", "etl", "extract", S.RUNNING, 1, 4, T0),
        TaskStateChanged(
            "r1",
            "etl",
            "extract",
            S.AWAITING_RETRY,
            1,
            4,
            T0,
            retry_in=2.0,
            error=ErrorInfo("ConnectionError", "reset\x1b[2J by peer"),
        ),
    ]


def test_a_terminal_gets_a_live_summary_line_rewritten_in_place(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = io.StringIO()
    printer = HumanPrinter(out, live=True)
    printer.clock = FrozenClock(T0 + 0.5)
    printer(events())
    text = out.getvalue()
    assert "etl #3 started: 2 tasks" in text
    assert "etl/extract ⟳ retry in 2s (attempt 1/4): ConnectionError: reset␛[2J by peer" in text
    assert text.endswith(
        "etl #3: 0/2 done · 0 running · 1 retrying · next retry in 1.5s · 0 failed · 0.5s"
    )
    printer([RunFinished("r1", "etl", 3, S.COMPLETED, {"COMPLETED": 2}, 2.5, T0 + 3)])
    after = out.getvalue()[len(text) :]
    assert after.startswith("\r\x1b[2K")  # the summary line is cleared before the next line
    assert "etl #3 COMPLETED: 2 completed in 2.5s" in after and "retrying" not in after


def test_the_status_clock_counts_from_the_run_s_start_and_ticks_between_events(
    monkeypatch,
) -> None:
    """`watch` joins a run late, and a retry wait brings no event for minutes: the clock
    read 0.000117s and stood still."""
    from flowtop.commands import printers

    monkeypatch.setenv("COLUMNS", "200")
    clock = FrozenClock(T0 + 12.34)
    monkeypatch.setattr(printers.time, "monotonic", lambda: clock.now)
    out = io.StringIO()
    printer = HumanPrinter(out, live=True)
    printer.clock = clock
    printer(events())  # the run started at T0, 12.34 s ago
    assert out.getvalue().endswith("1 retrying · retry overdue 10s · 0 failed · 12.3s")
    printer.tick()  # within a second of the last draw: nothing
    assert out.getvalue().endswith("12.3s")
    clock.now += 65
    before = len(out.getvalue())
    printer.tick()
    assert (
        out.getvalue()[before:]
        == "\r\x1b[2Ketl #3: 0/2 done · 0 running · 1 retrying · retry overdue 1m15s · 0 failed · 1m17s"
    )
    quiet = io.StringIO()
    JsonPrinter(quiet).tick()
    assert quiet.getvalue() == ""


def test_the_live_summary_never_wraps_in_a_narrow_terminal(monkeypatch) -> None:
    """A carriage return goes back to the start of the last row only: each redraw of a
    summary wider than the terminal left copies of its first rows on screen."""
    monkeypatch.setenv("COLUMNS", "30")
    out = io.StringIO()
    printer = HumanPrinter(out, live=True)
    printer.clock = FrozenClock(T0 + 0.5)
    printer(events())
    status = out.getvalue().rsplit("\n", 1)[1]
    assert status == "etl #3: 0/2 done · 1… · 0.5s", status  # in 29 cells, the clock whole


def test_a_live_summary_too_wide_leaves_out_its_zero_counts_not_its_clock(monkeypatch) -> None:
    """On an 80-column terminal a retry's whole summary is wider than the row, and its
    end, the run's clock, was cut to ``1…``: the counts that are 0 give way first."""
    monkeypatch.setenv("COLUMNS", "60")
    out = io.StringIO()
    printer = HumanPrinter(out, live=True)
    printer.clock = FrozenClock(T0 + 0.5)
    printer(events())
    status = out.getvalue().rsplit("\n", 1)[1]
    assert status == "etl #3: 0/2 done · 1 retrying · next retry in 1.5s · 0.5s", status


def test_a_pipe_gets_plain_lines_only() -> None:
    out = io.StringIO()
    HumanPrinter(out, live=False)(events())
    assert "\r" not in out.getvalue() and "retrying ·" not in out.getvalue()


def test_what_an_attempt_printed_goes_under_the_line_of_its_end() -> None:
    """As in a Prefect flow with ``log_prints``, a CI log shows what the tasks printed:
    each attempt's output under its end, made printable, left out with the line
    (``--quiet`` keeps a failure's and drops a success's)."""
    steps = [
        RunStarted("r1", "etl", 1, ("extract",), (2,), ("",), None, T0),
        TaskStateChanged(
            "r1", "etl", "extract", S.AWAITING_RETRY, 1, 2, T0, retry_in=1.0,
            error=ErrorInfo("ConnectionError", "reset"), output="fetching page 1\nfailed\x1b[2J\n",
        ),
        TaskStateChanged("r1", "etl", "extract", S.COMPLETED, 2, 2, T0, result="3", output="done"),
    ]  # fmt: skip
    out = io.StringIO()
    HumanPrinter(out, live=False)(steps)
    lines = out.getvalue().splitlines()
    assert lines[1].endswith("ConnectionError: reset")
    assert lines[2:4] == ["  │ fetching page 1", "  │ failed␛[2J"]
    assert lines[4].endswith("✓ completed (attempt 2/2) → 3") and lines[5] == "  │ done"
    quiet = io.StringIO()
    HumanPrinter(quiet, live=False, verbose=False)(steps)
    assert "fetching page 1" in quiet.getvalue() and "done" not in quiet.getvalue()


def test_a_budget_only_retry_spends_reads_as_in_the_monitor() -> None:
    """A task without ``max_retries`` ends at its first plain failure: ``attempt 1/4``
    would promise three more. The plan says which tasks (a static flow), or a @flow
    call's first step does."""
    out = io.StringIO()
    HumanPrinter(out, live=False)(
        [
            RunStarted("r1", "etl", 1, ("plain", "tuned"), (4, 4), ("3× on Retry only 0s", "3× 1s"), None, T0),
            TaskStateChanged("r1", "etl", "plain", S.RUNNING, 1, 4, T0),
            TaskStateChanged("r1", "etl", "tuned", S.RUNNING, 1, 4, T0),
            TaskStateChanged("r1", "etl", "call", S.PENDING, 0, 4, T0, policy="3× on Retry only 0s"),
            TaskStateChanged("r1", "etl", "call", S.RUNNING, 2, 4, T0),
        ]
    )  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[1].endswith("etl/plain ▶ running (attempt 1/1, +3 on Retry)")
    assert lines[2].endswith("etl/tuned ▶ running (attempt 1/4)")
    assert lines[4].endswith("etl/call ▶ running (attempt 2/4, on Retry)")


def test_quiet_into_a_file_prints_failures_with_an_announced_budget_and_nothing_else() -> None:
    """``--quiet`` in cron or CI: the steps that print nothing are kept back by the bus
    (``flowtop run``) or dropped by the printer (``flowtop watch``), the same lines
    either way, and a @flow call's announced policy still shapes its failure's line."""
    error = ErrorInfo("ValueError", "bad row", "")
    events = [
        RunStarted("r1", "etl", 1, (), (), (), None, T0),
        TaskStateChanged("r1", "etl", "call", S.PENDING, 0, 4, T0, policy="3× on Retry only 0s"),
        TaskStateChanged("r1", "etl", "call", S.RUNNING, 1, 4, T0),
        TaskStateChanged("r1", "etl", "call", S.FAILED, 1, 4, T0, error=error),
        TaskStateChanged("r1", "etl", "other", S.COMPLETED, 1, 1, T0, result="1"),
    ]
    handed: list[list[Event]] = []

    def printed(through_the_bus: bool) -> str:
        out = io.StringIO()
        printer = HumanPrinter(out, live=False, verbose=False)
        if not through_the_bus:  # `flowtop watch`: every event, sorted by the printer
            printer(events)
            return out.getvalue()

        def sink(batch: list[Event]) -> None:
            handed.append(batch)
            printer(batch)

        bus = EventBus([Subscription(sink, wants=printer.wants)])  # `flowtop run`
        for event in events:
            bus.emit(event)
        assert bus.flush()
        bus.close()
        return out.getvalue()

    lines = printed(through_the_bus=False).splitlines()
    assert len(lines) == 2 and "etl #1 started" in lines[0]
    assert lines[1].endswith("etl/call ✗ failed (attempt 1/1, +3 on Retry): ValueError: bad row")
    assert printed(through_the_bus=True).splitlines() == lines
    assert [len(batch) for batch in handed] == [3]  # the bus kept back the two quiet steps


def test_a_flow_run_name_follows_the_run_number() -> None:
    out = io.StringIO()
    HumanPrinter(out, live=False)(
        [RunStarted("r1", "report", 3, (), (), (), None, T0, name="daily-eu")]
    )
    assert out.getvalue().endswith(
        " report #3 (daily-eu) started: tasks appear as the flow reaches them\n"
    )


def test_a_runs_counts_read_in_the_order_history_prints_them() -> None:
    """How it ended first, as in ``flowtop history`` (they were alphabetical here)."""
    out = io.StringIO()
    counts = {"CANCELLED": 63, "COMPLETED": 938}
    HumanPrinter(out, live=False)([RunFinished("r1", "fan", 2, S.CANCELLED, counts, 0.07, T0)])
    assert "fan #2 CANCELLED: 938 completed, 63 cancelled in 70ms" in out.getvalue()


def test_json_printer_writes_one_flushed_object_per_event() -> None:
    out = io.StringIO()
    JsonPrinter(out)(events())
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and '"state": "AWAITING_RETRY"' in lines[2]
    assert "\\u001b[2J" in lines[2]  # JSON keeps the text exactly, escaped


class ClosedPipe(io.StringIO):
    """A stdout whose reader has gone (`flowtop run | head`)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_left_stops_the_output_and_is_reported_at_every_write() -> None:
    for printer in (JsonPrinter(ClosedPipe()), HumanPrinter(ClosedPipe(), live=False)):
        calls: list[int] = []
        printer.output.on_reader_gone = lambda calls=calls: calls.append(1)
        printer(events())  # no BrokenPipeError escapes to the bus thread
        assert printer.output.reader_gone.is_set() and calls == [1]
        printer(events())  # again: a run started since (a @flow's retry) is stopped too
        assert calls == [1, 1]


def test_cli_exits_quietly_when_stdout_s_reader_left(monkeypatch, tmp_path, capsys) -> None:
    from flowtop import cli

    (tmp_path / "one.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef a():\n    return 1\n\nflow = Flow('one')\nflow.add_task(a)\n"
    )
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert cli.main(["list", str(tmp_path)]) == READER_GONE == 141
    assert capsys.readouterr().err == ""


class FullDisk(io.StringIO):
    """A stdout redirected to a file on a full disk (`flowtop run > run.log`)."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_under_stdout_is_said_once_and_the_run_goes_on(capsys) -> None:
    """It logged a traceback for every batch of events, and `run` exited 0."""
    for printer in (JsonPrinter(FullDisk()), HumanPrinter(FullDisk(), live=False)):
        stopped: list[int] = []
        printer.output.on_reader_gone = lambda stopped=stopped: stopped.append(1)
        printer(events())
        printer(events())
        assert isinstance(printer.output.lost, OSError) and stopped == []  # not stopped
        assert capsys.readouterr().err == (
            "flowtop: cannot write to stdout (No space left on device): the output stops "
            "here; the run goes on, and is recorded\n"
        )


def test_cli_says_a_full_disk_under_stdout_in_one_line(monkeypatch, tmp_path, capsys) -> None:
    from flowtop import cli

    (tmp_path / "one.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef a():\n    return 1\n\nflow = Flow('one')\nflow.add_task(a)\n"
    )
    monkeypatch.setattr("sys.stdout", FullDisk())
    assert cli.main(["list", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "flowtop list: cannot write to stdout (No space left on device): the output stops here\n"
    )


def test_every_part_of_a_human_line_is_made_printable() -> None:
    """Not only messages: an exception's class name comes from user code too."""
    out = io.StringIO()
    HumanPrinter(out, live=True)(
        [
            RunStarted("r1", "etl", 1, ("extract",), (2,), ("",), None, T0),
            TaskStateChanged(
                "r1",
                "etl",
                "extract",
                S.FAILED,
                2,
                2,
                T0,
                error=ErrorInfo("Boom\x1b]0;PWNED\x07", "bad\x9b"),
                message="Boom\x1b]0;PWNED\x07 is in retry_on",
            ),
        ]
    )
    text = out.getvalue()
    assert "etl #1 started: 1 task\n" in text
    assert "etl/extract ✗ failed (attempt 2/2): Boom␛]0;PWNED␇: bad\\x9b" in text
    # the only escape written is the printer's own, clearing its live summary line
    assert "\x1b]" not in text and "\x07" not in text and "\x9b" not in text


def test_printable_stream_and_say_sanitise_what_they_write(capsys) -> None:
    from flowtop.printable import PrintableStream, say

    out = io.StringIO()
    print("name\x1b[2J\tkept\nline two", file=PrintableStream(out))
    assert out.getvalue() == "name␛[2J\tkept\nline two\n"
    say("no flow named 'x\x1b[31m'", command="flowtop run")
    assert capsys.readouterr().err == "flowtop run: no flow named 'x␛[31m'\n"


def test_make_room_takes_the_status_line_away_for_a_flow_body_s_line(monkeypatch) -> None:
    """A @flow body's print on a terminal was written after the status line: `… 0.4s
    finished item 0`. ``make_room`` clears it first; the next tick draws it below."""
    from flowtop.commands import printers

    now = {"mono": 100.0}
    monkeypatch.setattr(printers.time, "monotonic", lambda: now["mono"])
    monkeypatch.setenv("COLUMNS", "200")
    out = io.StringIO()
    printer = HumanPrinter(out, live=True)
    printer.clock = FrozenClock(T0)
    printer(events())
    assert out.getvalue().endswith(" · 0 failed · " + out.getvalue().rsplit("· ", 1)[1])
    before = len(out.getvalue())
    printer.make_room()
    assert out.getvalue()[before:] == "\r\x1b[2K"
    printer.make_room()  # nothing shown: nothing written
    out.write("finished item 0\n")  # the body's line
    now["mono"] += 1.5
    printer.tick()  # the status line is back, below the body's line
    below = out.getvalue().split("finished item 0\n", 1)[1]
    assert below.startswith("etl #3: 0/2 done · 0 running · 1 retrying · next retry in 2.0s")


def test_a_running_attempts_output_is_a_json_line_and_no_human_line() -> None:
    """People get an attempt's output under its line once it ends (pieces of several
    tasks' output interleaved would be unreadable); scripts get each piece as it comes."""
    piece = TaskOutput("r1", "etl", "extract", 1, "page 1\n", T0)
    human, quiet, machine = io.StringIO(), io.StringIO(), io.StringIO()
    HumanPrinter(human, live=False)([*events(), piece])
    HumanPrinter(quiet, live=False, verbose=False)([*events(), piece])
    JsonPrinter(machine)([piece])
    assert "page 1" not in human.getvalue() and "page 1" not in quiet.getvalue()
    assert HumanPrinter(quiet, live=False, verbose=False).wants(piece) is False  # not even queued
    assert json.loads(machine.getvalue())["event"] == "task_output"


def test_a_progress_bar_in_an_attempts_output_reads_as_the_terminal_left_it() -> None:
    bar = "".join(f"\r{p:3d}%" for p in range(0, 101, 10))
    out = io.StringIO()
    end = TaskStateChanged(
        "r1", "etl", "load", S.COMPLETED, 1, 1, T0, result="1", output=f"start\r\n{bar}\ndone\n"
    )
    HumanPrinter(out, live=False)([*events()[:1], end])
    assert "  │ start\n  │ 100%\n  │ done" in out.getvalue() and " 90%" not in out.getvalue()


TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/work/flows/etl.py", line 21, in extract\n'
    "    return get(endpoint)\n"
    '  File "/work/flows/flaky_api.py", line 55, in get\n'
    '    raise ConnectionError("reset")\n'
    "ConnectionError: reset\n"
)


def test_a_failure_line_says_where_the_error_was_raised() -> None:
    """A log of `flowtop run` names the file and line without the whole traceback."""
    assert raised_at(TRACE) == "flaky_api.py:55 in get"
    assert raised_at("") == ""  # an error made by flowtop itself (a cancel) has none
    library = sysconfig.get_paths()["stdlib"] + "/socket.py"
    deep = TRACE.replace("ConnectionError: reset\n", "") + (
        f'  File "{library}", line 100, in connect\n    sock.connect(sa)\nConnectionError: reset\n'
    )
    assert raised_at(deep) == "flaky_api.py:55 in get"  # the user's line, not the library's
    out = io.StringIO()
    failed = TaskStateChanged(
        "r1",
        "etl",
        "extract",
        S.FAILED,
        4,
        4,
        T0,
        error=ErrorInfo("ConnectionError", "reset", TRACE),
    )
    HumanPrinter(out, live=False)([*events()[:1], failed])
    assert (
        out.getvalue()
        .splitlines()[-1]
        .endswith(
            "etl/extract ✗ failed (attempt 4/4): ConnectionError: reset (flaky_api.py:55 in get)"
        )
    )


def test_a_failure_with_retries_left_says_why_it_was_the_last() -> None:
    """`failed (attempt 1/4)` alone left the reader asking why three retries went unused
    (the JSON line's message said it); a failure that spent them all says nothing more."""

    def line(attempt: int, why: str) -> str:
        out = io.StringIO()
        failed = TaskStateChanged(
            "r1", "etl", "extract", S.FAILED, attempt, 4, T0,
            error=ErrorInfo("ValueError", "bad row"), message=why,
        )  # fmt: skip
        HumanPrinter(out, live=False)([*events()[:1], failed])
        return out.getvalue().splitlines()[-1]

    assert line(1, "ValueError is not in retry_on").endswith(
        "failed (attempt 1/4): ValueError: bad row; not retried: ValueError is not in retry_on"
    )
    assert line(2, "max_retries is set; retry_deadline 1m would pass").endswith(
        "; not retried: retry_deadline 1m would pass"
    )
    assert line(4, "max_retries is set; no retries left (max_retries=3)").endswith(
        "failed (attempt 4/4): ValueError: bad row"
    )
    out = io.StringIO()  # an error that says it is never retried says it once
    never = "task 'extract' could not be sent to the worker: TypeError: a lock — never retried"
    HumanPrinter(out, live=False)(
        [
            *events()[:1],
            TaskStateChanged("r1", "etl", "extract", S.FAILED, 1, 4, T0,
                error=ErrorInfo("ShippingError", never),
                message="it cannot be sent to a worker"),
        ]
    )  # fmt: skip
    assert out.getvalue().splitlines()[-1].endswith(f"ShippingError: {never}")
    out = io.StringIO()  # a task whose budget is Retry's alone: its +3 went unused too
    HumanPrinter(out, live=False)(
        [
            RunStarted("r1", "etl", 1, ("plain",), (4,), ("3× on Retry only 0s",), None, T0),
            TaskStateChanged("r1", "etl", "plain", S.FAILED, 1, 4, T0,
                error=ErrorInfo("ValueError", "bad row"),
                message="no retry options (only Retry retries)"),
        ]
    )  # fmt: skip
    last = out.getvalue().splitlines()[-1]
    assert last.endswith(
        "(attempt 1/1, +3 on Retry): ValueError: bad row"
        "; not retried: no retry options (only Retry retries)"
    )


def test_a_cancelled_task_says_why() -> None:
    """A task a flow's time limit stopped names the line it was on; one the user cancelled says so."""
    out = io.StringIO()
    why = "the flow run timed out at etl.py:21 in extract"
    cancelled = TaskStateChanged("r1", "etl", "extract", S.CANCELLED, 1, 4, T0, message=why)
    HumanPrinter(out, live=False)([*events()[:1], cancelled])
    assert out.getvalue().splitlines()[-1].endswith(f"etl/extract ■ cancelled (attempt 1/4): {why}")


def test_a_cancel_reason_that_starts_with_cancelled_is_not_said_twice() -> None:
    """A task that never started read ``■ cancelled: cancelled: SIGTERM (flowtop run was
    stopped)`` and ``■ cancelled: cancelled by the user``."""

    def line(why: str, attempt: int = 0) -> str:
        out = io.StringIO()
        cancelled = TaskStateChanged("r1", "etl", "load", S.CANCELLED, attempt, 4, T0, message=why)
        HumanPrinter(out, live=False)([*events()[:1], cancelled])
        return out.getvalue().splitlines()[-1]

    sigterm = "cancelled: SIGTERM (flowtop run was stopped)"
    assert line(sigterm).endswith("etl/load ■ cancelled: SIGTERM (flowtop run was stopped)")
    assert line("cancelled by the user").endswith("etl/load ■ cancelled by the user")
    assert line("the flow run timed out").endswith("etl/load ■ cancelled: the flow run timed out")
    assert line("cancelledness").endswith("etl/load ■ cancelled: cancelledness")
    # after the attempt the reason is said whole, as `flowtop history --run` says it
    assert line(sigterm, 1).endswith(f"etl/load ■ cancelled (attempt 1/4): {sigterm}")


def test_a_time_no_calendar_holds_is_said_not_raised() -> None:
    """A retry due after Retry(delay=1e17) made localtime raise OSError: the monitor
    crashed on it, and could not be opened again while the run waited."""
    from flowtop.formats import clock_time, date_time

    assert clock_time(1e17) == date_time(1e308) == "after the year 9999"
    assert clock_time(float("nan")) == "?"
    assert len(clock_time(0)) == len("00:00:00")


def test_bytes_of_a_name_that_are_not_utf8_are_shown_not_sent() -> None:
    """A file name with byte 0x9b (an 8-bit CSI) decodes to a lone surrogate, which the
    terminal got back as that byte."""
    from flowtop.printable import printable
    from flowtop.tui.widgets.ordered_input import drawn

    assert printable("g\udc9b2J.py") == "g\\x9b2J.py"
    shown = drawn("a\x1b\x9b\udc9bé")  # in a field: each a stand-in, one character still
    assert shown == ("a␛\\x9b\\x9bé", (0, 1, 2, 6, 10, 11))


def test_a_dumb_terminal_gets_no_status_line_rewritten_in_place(monkeypatch) -> None:
    """`TERM=dumb` cannot move its cursor: `\\r\\x1b[2K` printed as it is, each update a
    new piece of line."""
    from flowtop.commands.printers import can_redraw

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("TERM", "xterm-256color")
    assert can_redraw(Tty())
    monkeypatch.setenv("TERM", "dumb")
    assert not can_redraw(Tty())
    assert not can_redraw(io.StringIO())


def test_a_closed_stdout_loses_the_output_not_the_run(tmp_path) -> None:
    """`flowtop run … >&-` (a daemon's closed descriptors): every write was an
    AttributeError traceback on a None stream, and the run never started."""
    import subprocess
    import sys

    (tmp_path / "ok.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef a():\n    return 1\n\n"
        'with Flow("ok") as flow:\n    a()\n'
    )
    done = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.close(1); sys.stdout = None; "
         "from flowtop.cli import main; raise SystemExit(main(['run', 'ok.py', '--json']))"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_a_detached_run_s_log_shows_its_notices_without_their_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``watch`` of a run that never reached the store prints its process's log: the
    notices' mark (for the TUI to tell them from the run's output) is not shown, after
    the command that said them as after a bare ``flowtop`` (a log of an older process)."""
    from flowtop.commands.watch import say_launch_log
    from flowtop.workspace.launcher import LOGS

    (tmp_path / LOGS).mkdir()
    (tmp_path / LOGS / "r1.log").write_text(
        "flowtop[1a2b3c4d]: the run store is locked\nflow output [ab]: kept\n"
        "flowtop run[1a2b3c4d]: extract runs again: its result was not stored\n"
    )
    say_launch_log(tmp_path, "r1")
    err = capsys.readouterr().err
    assert "  flowtop: the run store is locked\n" in err
    assert "  flowtop run: extract runs again: its result was not stored\n" in err
    assert "  flow output [ab]: kept" in err
    assert "1a2b3c4d" not in err


def test_every_lone_surrogate_is_shown_as_the_terminal_writes_it() -> None:
    assert printable("a\ud800b") == "a\\ud800b"  # six cells, measured as six
    assert printable("\udcff") == "\\xff"  # a byte that was not UTF-8


def test_two_live_runs_of_one_flow_say_whose_task_each_line_is() -> None:
    """One subflow called for two cities side by side: `city-report/get_weather` twice,
    which run retried unknown. Alone, a run's lines keep the flow's name only; once two
    were live, every later line of the flow's says its run."""
    out = io.StringIO()
    oslo, rome = ("oslo", 1), ("rome", 2)
    started = [RunStarted(r, "city-report", n, (), (), (), None, T0) for r, n in (oslo, rome)]
    step = [
        TaskStateChanged(r, "city-report", "get_weather", S.RUNNING, 1, 3, T0)
        for r, _ in (oslo, rome)
    ]
    HumanPrinter(out, live=False)(
        [
            *started,
            *step,
            RunFinished("rome", "city-report", 2, S.COMPLETED, {"COMPLETED": 1}, 0.1, T0),
            TaskStateChanged("oslo", "city-report", "get_weather", S.COMPLETED, 2, 3, T0),
        ]
    )
    lines = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines[2].startswith("city-report #1/get_weather ▶ running"), lines
    assert lines[3].startswith("city-report #2/get_weather ▶ running"), lines
    assert lines[-1].startswith("city-report #1/get_weather ✓ completed"), lines
    out = io.StringIO()
    HumanPrinter(out, live=False)([started[0], step[0]])
    assert " city-report/get_weather ▶ running" in out.getvalue()


@pytest.mark.parametrize("budget", ["max_retries", "retries"])
def test_a_failure_s_line_says_only_why_it_was_not_retried(budget: str) -> None:
    """A drop-in task's reason names its budget as written (``retries is set``): the line
    left it in, `not retried: retries is set; retry_deadline 1s would pass`."""
    out = io.StringIO()
    error = ErrorInfo("ValueError", "bad row")
    message = f"{budget} is set; retry_deadline 1s would pass"
    step = TaskStateChanged("r1", "etl", "load", S.FAILED, 1, 4, T0, error=error, message=message)
    HumanPrinter(out, live=False)([step])
    assert out.getvalue().rstrip().endswith("; not retried: retry_deadline 1s would pass")
