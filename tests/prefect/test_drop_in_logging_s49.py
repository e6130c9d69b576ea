"""Drop-in mode's run logging as Prefect 3.9.1's (checked side by side): run loggers named
``prefect.flow_runs`` / ``prefect.task_runs`` (a program's logging setup for them applies),
``log_prints=True`` sending a print to the run logger at INFO instead of stdout, and a
default task run name of Prefect's shape (``t-3f9``). flowtop's own flows and tasks keep
flowtop's names (``flowtop.task_runs``, ``t``, ``t-2``) and print as always; either way a
run's lines are its captured output, which the monitor and history show."""

from __future__ import annotations

import contextvars
import io
import logging
import pickle
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from engine.logging_kit import no_program_handlers
from flowtop import flow, get_run_logger, task
from flowtop.compat import prefect_imports
from flowtop.context import FlowRunContext, TaskRunContext
from flowtop.engine import Runner
from flowtop.engine.events import RunFinished
from flowtop.engine.prefect_ids import by_prefect_code, default_task_run_name, prefect_uuid
from flowtop.engine.run_loggers import PREFECT_RUN_LOGGERS
from flowtop.logging import disable_run_logger, flow_run_logger, task_run_logger
from flowtop.runtime import task_run as runtime_task_run
from flowtop.runtime.carried import restored, snapshot


def drop_in() -> tuple[Any, Any]:
    """Drop-in mode's ``prefect.flow`` and ``prefect.task``, as a flow file gets them."""
    with prefect_imports():
        from prefect import flow as prefect_flow
        from prefect import task as prefect_task
    return prefect_flow, prefect_task


class Kept(logging.Handler):
    """A program's handler: the records it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def on_prefect_loggers() -> Iterator[Kept]:
    """A handler of the program's on ``prefect.task_runs`` and ``prefect.flow_runs``."""
    kept = Kept()
    loggers = [logging.getLogger(name) for name in PREFECT_RUN_LOGGERS]
    for logger in loggers:
        logger.addHandler(kept)
    yield kept
    for logger in loggers:
        logger.removeHandler(kept)


def run_of(flow_: Any) -> tuple[Any, str]:
    """A run of ``flow_``: its result and its flow body's output."""
    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.start(flow_).final_result(10)
        runner.bus.flush()
    (finished,) = [e for e in seen if isinstance(e, RunFinished)]
    return result, finished.output


# -- the run loggers' names -------------------------------------------------------------------
def test_drop_in_run_loggers_are_prefect_s_and_a_program_s_handler_gets_their_records(
    on_prefect_loggers: Kept,
) -> None:
    """They were ``flowtop.task_runs`` / ``flowtop.flow_runs``: a handler on Prefect's names
    received nothing."""
    prefect_flow, prefect_task = drop_in()

    @prefect_task
    def load() -> str:
        logger = get_run_logger()
        logger.info("loaded %d rows", 3)
        return logger.logger.name

    @prefect_flow
    def etl() -> list[str]:
        logger = get_run_logger()
        logger.info("body line")
        return [load(), logger.logger.name]

    result, body = run_of(etl)
    assert result.value == ["prefect.task_runs", "prefect.flow_runs"]
    body_line, task_line = on_prefect_loggers.records  # the body logs before it calls load
    assert (task_line.name, task_line.levelname, task_line.getMessage()) == (
        "prefect.task_runs",
        "INFO",
        "loaded 3 rows",
    )
    # the run's names ride on the record, as Prefect's adapter puts them there
    assert (task_line.__dict__["task_name"], task_line.__dict__["flow_name"]) == ("load", "etl")
    assert (body_line.name, body_line.__dict__["flow_name"]) == ("prefect.flow_runs", "etl")
    # still the run's captured output (monitor, history)
    assert "INFO prefect.task_runs: loaded 3 rows\n" in result.attempts["load"][0].output
    assert "INFO prefect.flow_runs: body line\n" in body


def test_a_line_logged_on_a_thread_a_drop_in_body_started_names_its_caller(
    on_prefect_loggers: Kept,
) -> None:
    """A thread started with the body's context copied logs on the flow run logger; the
    record's line is the caller's, as Prefect's. It named flowtop's ``log`` method."""
    prefect_flow, _ = drop_in()

    def helper() -> None:
        get_run_logger().info("from a helper thread")

    @prefect_flow
    def etl() -> None:
        thread = threading.Thread(target=contextvars.copy_context().run, args=(helper,))
        thread.start()
        thread.join()

    body = run_of(etl)[1]
    [record] = on_prefect_loggers.records
    assert (record.name, record.funcName) == ("prefect.flow_runs", "helper")
    assert "INFO prefect.flow_runs: from a helper thread\n" in body


def test_flowtop_s_own_flows_and_tasks_keep_flowtop_s_run_loggers() -> None:
    @task
    def load() -> str:
        return get_run_logger().logger.name

    @flow
    def etl() -> list[str]:
        return [load(), get_run_logger().logger.name]

    assert run_of(etl)[0].value == ["flowtop.task_runs", "flowtop.flow_runs"]


def test_a_level_set_on_the_prefect_logger_applies_to_drop_in_run_loggers() -> None:
    """``logging.getLogger("prefect").setLevel(WARNING)`` left the run's INFO lines in."""
    prefect_flow, prefect_task = drop_in()

    @prefect_task
    def load() -> None:
        get_run_logger().info("an info line")
        get_run_logger().warning("a warning line")

    @prefect_flow
    def etl() -> None:
        load()

    prefect_logger = logging.getLogger("prefect")
    before = prefect_logger.level
    prefect_logger.setLevel(logging.WARNING)
    try:
        output = run_of(etl)[0].attempts["load"][0].output
    finally:
        prefect_logger.setLevel(before)
    assert output == "WARNING prefect.task_runs: a warning line\n"


def test_flow_run_logger_and_task_run_logger_name_a_drop_in_flow_s_and_task_s() -> None:
    prefect_flow, prefect_task = drop_in()

    @prefect_task
    def load() -> None:
        pass

    @prefect_flow
    def etl() -> None:
        pass

    task_run = SimpleNamespace(id="abc", name="load-1")  # a hook's, as the loggers read it
    assert flow_run_logger(flow_run_id="abc", flow=etl).logger.name == "prefect.flow_runs"
    assert task_run_logger(task_run, task=load).logger.name == "prefect.task_runs"
    assert flow_run_logger(flow_run_id="abc").logger.name == "flowtop.flow_runs"


def test_disable_run_logger_disables_prefect_s_run_loggers_too() -> None:
    with disable_run_logger():
        assert all(logging.getLogger(name).disabled for name in PREFECT_RUN_LOGGERS)
    assert not any(logging.getLogger(name).disabled for name in PREFECT_RUN_LOGGERS)


def test_a_spawned_child_s_restored_drop_in_task_run_logs_on_prefect_s_logger() -> None:
    """A child that has not imported the task (a stand-in for it) logged on flowtop's."""
    prefect_flow, prefect_task = drop_in()

    @prefect_task
    def fan() -> bytes:
        return pickle.dumps(snapshot())

    @prefect_flow
    def body() -> bytes:
        return fan()  # type: ignore[no-any-return]

    carried = pickle.loads(run_of(body)[0].value)  # as a spawned child unpickles it
    with restored(carried):
        assert get_run_logger().logger.name == "prefect.task_runs"


# -- log_prints ---------------------------------------------------------------------------------
def test_log_prints_makes_a_drop_in_task_s_print_an_info_line_of_its_run_logger(
    on_prefect_loggers: Kept,
) -> None:
    """As Prefect's ``print_as_log``: formatted as print formats it, trailing whitespace
    stripped, the print's own line as the record's; a print to another file, and a write
    to ``sys.stdout``, are written as always. It was written to stdout."""
    prefect_flow, prefect_task = drop_in()

    @prefect_task(log_prints=True)
    def load() -> str:
        print("a", "b", sep="|", end="")
        print("two\nlines  ", file=sys.stderr)
        other = io.StringIO()
        print("to a file of its own", file=other)
        sys.stdout.write("a raw write\n")
        return other.getvalue()

    @prefect_flow
    def etl() -> str:
        return load()  # type: ignore[no-any-return]

    result, _ = run_of(etl)
    assert result.value == "to a file of its own\n"
    logged = [(r.name, r.levelname, r.getMessage(), r.funcName) for r in on_prefect_loggers.records]
    assert logged == [
        ("prefect.task_runs", "INFO", "a|b", "load"),
        ("prefect.task_runs", "INFO", "two\nlines", "load"),
    ]
    assert on_prefect_loggers.records[0].__dict__["task_name"] == "load"
    assert result.attempts["load"][0].output == (
        "INFO prefect.task_runs: a|b\nINFO prefect.task_runs: two\nlines\na raw write\n"
    )


def test_a_drop_in_flow_s_log_prints_applies_to_its_body_and_to_its_tasks_that_set_none() -> None:
    """As Prefect's ``should_log_prints``: a task's own ``log_prints`` first, then its flow
    run's. flowtop's own tasks print as always."""
    prefect_flow, prefect_task = drop_in()

    @prefect_task
    def inherits() -> bool:
        print("inherited")
        context = TaskRunContext.get()
        return context is not None and context.log_prints

    @prefect_task(log_prints=False)
    def refuses() -> None:
        print("refused")

    @task(log_prints=True)
    def flowtop_s() -> None:
        print("flowtop's own")

    @prefect_flow(log_prints=True)
    def etl() -> bool:
        print("from the body")
        refuses()
        flowtop_s()
        context = FlowRunContext.get()
        return inherits() and context is not None and context.log_prints

    result, body = run_of(etl)
    assert result.value is True
    outputs = {key: attempts[0].output for key, attempts in result.attempts.items()}
    assert outputs == {
        "inherits": "INFO prefect.task_runs: inherited\n",
        "refuses": "refused\n",
        "flowtop_s": "flowtop's own\n",
    }
    assert body == "INFO prefect.flow_runs: from the body\n"


def test_a_logged_print_of_a_script_s_run_reaches_stderr_not_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A script's run (the flow called, no monitor) shows it as Prefect does: a log line
    on stderr. It was printed to stdout."""
    prefect_flow, prefect_task = drop_in()

    @prefect_task(log_prints=True)
    def load() -> int:
        print("loading")
        return 1

    @prefect_flow
    def etl() -> int:
        return load()  # type: ignore[no-any-return]

    with no_program_handlers():
        assert etl() == 1
    out = capsys.readouterr()
    assert "loading" not in out.out
    assert "INFO prefect.task_runs: loading\n" in out.err


#: A process that runs a flowtop flow, then one of drop-in mode's: whether ``print`` is
#: the builtin after each, and whether it pickles as the builtin.
PRINT_REPLACED = """
import builtins, pickle
from flowtop import flow
from flowtop.compat import prefect_imports

builtin = builtins.print
flow(lambda: None)()
own = builtins.print is builtin
with prefect_imports():
    from prefect import flow as prefect_flow
prefect_flow(lambda: None)()
print(own, builtins.print is builtin, pickle.loads(pickle.dumps(print)) is print)
"""


def test_print_is_the_builtin_until_prefect_code_makes_a_flow_or_task(tmp_path: Path) -> None:
    """A process with no drop-in flow or task keeps the builtin ``print``; once it has
    one, ``print`` asks whether it is one Prefect logs (and pickles as the builtin)."""
    done = subprocess.run(
        [sys.executable, "-c", PRINT_REPLACED],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "True False True\n"


# -- default task run names ----------------------------------------------------------------------
def test_a_drop_in_task_s_default_run_name_has_prefect_s_shape() -> None:
    """Prefect names a task run of a flow ``<task name>-`` and three hex digits."""
    _, prefect_task = drop_in()

    @prefect_task
    def load() -> None:
        pass

    @task
    def own() -> None:
        pass

    name = default_task_run_name(load, "load-2", "ab12cd:load-2")
    assert name == f"load-{prefect_uuid('ab12cd:load-2').hex[:3]}"
    assert re.fullmatch(r"load-[0-9a-f]{3}", name)
    assert default_task_run_name(own, "own-2", "ab12cd:own-2") == "own-2"
    assert by_prefect_code(load) and not by_prefect_code(own)


def test_runtime_and_hooks_see_a_drop_in_task_run_named_as_prefect_names_it() -> None:
    prefect_flow, prefect_task = drop_in()
    hooked: list[str] = []

    def hook(task_: Any, task_run: Any, state: Any) -> None:
        hooked.append(task_run.name)

    @prefect_task(on_completion=[hook])
    def load() -> str:
        return str(runtime_task_run.name)

    @prefect_task(task_run_name="named-{n}")
    def named(n: int) -> str:
        return str(runtime_task_run.name)

    @prefect_flow
    def etl() -> list[str]:
        return [load(), load.submit().result(), named(1)]

    first, second, given = run_of(etl)[0].value
    assert re.fullmatch(r"load-[0-9a-f]{3}", first) and re.fullmatch(r"load-[0-9a-f]{3}", second)
    assert first != second and hooked == [first, second] and given == "named-1"
