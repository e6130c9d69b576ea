"""What a @flow function's body prints or logs itself: the run's own output.

Its tasks' output is their attempts'; the body's went only to the terminal, so a run in a
process of its own (the TUI's `r`) lost it to a log file nobody reads.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import Runner
from flowtop.engine.events import RunFinished
from flowtop.workspace import run_log

from .logging_kit import no_program_handlers


@task
def double(x: int) -> int:
    print(f"doubling {x}")  # the attempt's output, not the flow's
    return 2 * x


@flow(name="hello", log_prints=True)
def hello(n: int = 2) -> int:
    print("starting the flow body")
    logging.getLogger("etl").warning("a warning from the body")
    total = sum(double(i) for i in range(n))
    print(f"total is {total}")
    return total


def finished_of(flow_: Any) -> RunFinished:
    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        runner.start(flow_).final_result(10)
        runner.bus.flush()
    (finished,) = [e for e in seen if isinstance(e, RunFinished)]
    return finished


def test_a_flow_body_s_output_rides_on_run_finished_and_still_reaches_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    finished = finished_of(hello)
    assert finished.output == (
        "starting the flow body\nWARNING etl: a warning from the body\ntotal is 2\n"
    )
    assert "doubling" not in finished.output
    assert finished.as_json()["output"] == finished.output
    out = capsys.readouterr()
    assert "starting the flow body\n" in out.out and "total is 2\n" in out.out  # live, as before
    assert "doubling" not in out.out  # a task's output stays its attempt's


def test_a_static_flow_has_no_output_of_its_own() -> None:
    with Flow("static") as static:
        double(1)
    finished = finished_of(static)
    assert finished.output == "" and "output" not in finished.as_json()


def test_the_output_is_logged_and_read_back() -> None:
    finished = finished_of(hello)
    again = run_log.decode(run_log.encode(finished), finished.run_id)
    assert isinstance(again, RunFinished) and again.output == finished.output
    ended = finished._replace(output="", result=None)  # (a result is logged after the note)
    older = run_log.encode(ended).rsplit(',"",null,""]', 1)[0] + "]"
    assert run_log.decode(older, finished.run_id).output == ""  # logged before: none
    retrying = run_log.decode(run_log.encode(finished._replace(retry_in=2.5)), finished.run_id)
    assert isinstance(retrying, RunFinished) and retrying.retry_in == 2.5


def test_a_run_cancelled_mid_body_keeps_what_the_body_printed_so_far() -> None:
    """``flowtop cancel`` of a @flow waiting on a retry: its body is still running, and
    what it printed before is the run's output all the same."""
    import threading

    waiting = threading.Event()

    @task(max_retries=1, retry_delay=60)
    def fetch() -> int:
        waiting.set()
        raise ConnectionError("reset")

    @flow(name="slow")
    def slow() -> int:
        print("slow starting")
        return fetch()

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        run = runner.start(slow)
        assert waiting.wait(10)
        run.cancel()
        run.final_result(10)
        runner.bus.flush()
    (finished,) = [e for e in seen if isinstance(e, RunFinished)]
    assert finished.state.value == "CANCELLED" and finished.output == "slow starting\n"


def test_a_printer_s_lines_go_between_the_body_s_lines_never_inside_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``flowtop run`` prints state changes beside what the body prints: before each of
    the body's lines, what happened before it (``catch_up``); within a line, nothing."""
    import sys

    from flowtop.engine.bus import Subscription

    @task
    def step() -> int:
        return 1

    @flow(name="partial")
    def partial() -> None:
        sys.stdout.write("half a line, ")
        step()  # its changes wait: the body's line is still open
        print("then the rest")
        print("next line")

    def printer(events: list[Any]) -> None:  # a long window: only catch_up delivers early
        sys.stdout.write(
            "".join(
                f"[{type(e).__name__} {getattr(getattr(e, 'state', None), 'value', '')}]\n"
                for e in events
            )
        )

    with Runner(
        sinks=[Subscription(printer, batch_window=60.0, before_output=lambda: None)]
    ) as runner:
        runner.start(partial).final_result(10)
    out = capsys.readouterr().out
    assert out.startswith("[RunStarted ]\nhalf a line, then the rest\n[TaskStateChanged"), out
    assert out.index("[TaskStateChanged COMPLETED]") < out.index("next line"), out
    assert out.index("next line") < out.index("[RunFinished"), out


class _Terminal:
    """stdout and stderr of one terminal: what reached it, in order, and on which stream."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def stream(self, name: str) -> io.TextIOBase:
        seen = self.seen

        class Stream(io.TextIOBase):
            def write(self, text: str) -> int:
                seen.append((name, text))
                return len(text)

            def writable(self) -> bool:
                return True

        return Stream()

    def text(self, name: str | None = None) -> str:
        return "".join(text for stream, text in self.seen if name in (None, stream))


def test_a_body_s_log_lines_reach_the_terminal_in_turn_with_its_prints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run logger's INFO lines were captured but never shown by ``flowtop run``, and
    a WARNING went to stderr ahead of the state lines printed before it. They go to stderr
    (as any log line, Prefect's too: a program's stdout is its own), after those lines."""
    import sys

    from flowtop import get_run_logger
    from flowtop.engine.bus import Subscription

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal.stream("out"))
    monkeypatch.setattr(sys, "stderr", terminal.stream("err"))

    @task
    def step() -> int:
        return 1

    @flow(name="logs")
    def logs() -> None:
        print("body print")
        get_run_logger().info("body info")
        step()
        logging.getLogger("etl").warning("body warning")

    def printer(events: list[Any]) -> None:
        print(
            "".join(
                f"[{type(e).__name__} {getattr(getattr(e, 'state', None), 'value', '')}]\n"
                for e in events
            )
        )

    with (
        no_program_handlers(),  # pytest's: no one else shows them
        Runner(
            sinks=[Subscription(printer, batch_window=60.0, before_output=lambda: None)]
        ) as runner,
    ):
        runner.start(logs).final_result(10)
    err, everything = terminal.text("err"), terminal.text()
    assert err == "INFO flowtop.flow_runs: body info\nWARNING etl: body warning\n", everything
    assert "body info" not in terminal.text("out") and "body warning" not in terminal.text("out")
    assert everything.index("body print") < everything.index("body info"), everything
    completed = everything.index("[TaskStateChanged COMPLETED]")
    assert completed < everything.index("WARNING etl: body warning"), everything


def test_a_flow_a_script_calls_shows_its_tasks_output_as_prefect_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`python etl.py` calling a @flow showed none of its tasks' prints or log lines (no
    monitor shows their captured output there); Prefect shows them on the console. Each
    still goes to its attempt's output, and stdout stays stdout, stderr stderr."""
    import sys

    from flowtop import get_run_logger

    @task
    def noisy() -> int:
        print("from the task")
        sys.stderr.write("to stderr\n")
        get_run_logger().info("a log line")
        return 1

    @task
    async def quiet_async() -> int:
        print("from the async task")
        return 2

    @flow(name="script")
    def script() -> int:
        return noisy() + quiet_async()

    with no_program_handlers():  # a script's logging: pytest's would show the log line
        assert script() == 3
    out = capsys.readouterr()
    assert "from the task\n" in out.out and "from the async task\n" in out.out
    assert "to stderr\n" in out.err and "INFO flowtop.task_runs: a log line\n" in out.err
    assert "to stderr" not in out.out
    assert finished_of(script).output == ""  # a runner of flowtop's own shows them its way
    assert "from the task" not in capsys.readouterr().out
