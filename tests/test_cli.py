"""`flowtop run` and `flowtop list` as a script or CI job would use them (SPEC §5)."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import cli_kit
import fork_cli
from pty_kit import TERMINAL, on_terminal, read_until
from shipped_flows import bundled_flows

#: ``flowtop ARGS`` without ``NO_COLOR``: these tests see the output as a user's script does.
flowtop = functools.partial(cli_kit.flowtop, env=cli_kit.UNBUFFERED)
Here = cli_kit.Here


@pytest.fixture
def here(flowtop_here: Here) -> Here:
    """``flowtop ARGS`` called in this process, for what does not depend on the process
    boundary (a listing, a history, a usage error): the same output, without the CPU of
    a new interpreter."""
    return functools.partial(flowtop_here, env=cli_kit.UNBUFFERED)


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body))
    return path


FLAKY = """
    import itertools
    from flowtop import Flow, task

    calls = itertools.count(1)

    @task(max_retries=2, retry_delay=0.01)
    def flaky():
        if next(calls) < 3:
            raise ConnectionError("reset [by] peer")
        return "ok"

    @task
    def after(x):
        return x + "!"

    with Flow("flaky") as flow:
        after(flaky())
"""


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_run_json_follows_the_spec(tmp_path: Path) -> None:
    write(tmp_path, "flaky.py", FLAKY)
    done = flowtop("run", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    events = json_lines(done.stdout)
    assert events[0]["event"] == "run_started"
    assert events[0]["flow"] == "flaky" and events[0]["run"] == 1 and events[0]["tasks"] == 2
    states = [(e["task"], e["state"], e["attempt"]) for e in events if e["event"] == "task_state"]
    assert states == [
        ("flaky", "RUNNING", 1),
        ("flaky", "AWAITING_RETRY", 1),
        ("flaky", "RUNNING", 2),
        ("flaky", "AWAITING_RETRY", 2),
        ("flaky", "RUNNING", 3),
        ("flaky", "COMPLETED", 3),
        ("after", "RUNNING", 1),
        ("after", "COMPLETED", 1),
    ]
    retry = next(e for e in events if e.get("state") == "AWAITING_RETRY")
    assert retry["max_attempts"] == 3 and retry["retry_in"] == pytest.approx(0.01)
    assert (
        retry["error"]["type"] == "ConnectionError"
        and retry["error"]["message"] == "reset [by] peer"
    )
    assert "Traceback" in retry["error"]["traceback"]
    done_event = next(e for e in events if e.get("state") == "COMPLETED" and e["task"] == "after")
    assert done_event["result"] == "'ok!'" and "duration" in done_event
    assert events[-1] == {
        **events[-1],
        "event": "run_finished",
        "state": "COMPLETED",
        "counts": {"COMPLETED": 2},
    }


def test_run_exit_1_when_a_run_fails(tmp_path: Path) -> None:
    write(
        tmp_path,
        "bad.py",
        """
        from flowtop import Flow, task

        @task
        def boom():
            raise ValueError("no")

        @task
        def later(x):
            return x

        with Flow("bad") as flow:
            later(boom())
    """,
    )
    done = flowtop("run", str(tmp_path), "--json")
    assert done.returncode == 1
    final = json_lines(done.stdout)[-1]
    assert final["state"] == "FAILED" and final["counts"] == {"FAILED": 1, "UPSTREAM_FAILED": 1}


def test_run_exit_2_with_file_and_line_for_a_broken_flow(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "from flowtop import Flow\n\nflow = Flow('x'\n")
    done = flowtop("run", str(tmp_path))
    assert done.returncode == 2
    assert "broken.py:3" in done.stderr and "SyntaxError" in done.stderr


def test_run_exit_2_for_unknown_flow_and_missing_path(tmp_path: Path) -> None:
    write(tmp_path, "flaky.py", FLAKY)
    done = flowtop("run", str(tmp_path), "--flow", "nope")
    assert done.returncode == 2 and "no flow named 'nope'" in done.stderr and "flaky" in done.stderr
    done = flowtop("run", str(tmp_path / "missing"))
    assert done.returncode == 2 and "no such file or folder" in done.stderr


def test_run_human_output_has_a_line_per_change(tmp_path: Path) -> None:
    write(tmp_path, "flaky.py", FLAKY)
    done = flowtop("run", str(tmp_path))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "flaky #1 started: 2 tasks" in out
    assert "flaky/flaky ⟳ retry in" in out and "ConnectionError: reset [by] peer" in out
    assert "flaky/after ✓ completed" in out
    assert "flaky #1 COMPLETED" in out


def test_run_bundled_seed_examples(tmp_path: Path) -> None:
    """The examples as shipped: a reader's edits to ``flows/`` are not what is tested."""
    folder = bundled_flows(tmp_path)
    done = flowtop("run", str(folder / "seed_examples.py"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    finished = {e["flow"]: e for e in json_lines(done.stdout) if e["event"] == "run_finished"}
    assert set(finished) == {"example-flow", "retry-on-flow", "predicate-flow"}
    assert all(e["state"] == "COMPLETED" for e in finished.values())


def test_list_json_shows_layers(here: Here, tmp_path: Path) -> None:
    write(tmp_path, "flaky.py", FLAKY)
    write(
        tmp_path,
        "flowtop.toml",
        """
        [defaults]
        max_retries = 5

        [flows."flaky".tasks."flaky"]
        retry_delay = 2
    """,
    )
    done = here("list", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    (info,) = json_lines(done.stdout)
    tasks = {t["task"]: t for t in info["tasks"]}
    assert tasks["after"]["upstream"] == ["flaky"]
    policy = tasks["flaky"]["policy"]
    assert policy["max_retries"] == {"value": "2", "layer": "task"}
    assert (
        policy["retry_delay"]["layer"] == "flowtop.toml" and policy["retry_delay"]["value"] == "2s"
    )
    assert tasks["after"]["policy"]["max_retries"]["layer"] == "defaults"


def test_help_lists_commands(here: Here) -> None:
    done = here("--help")
    assert done.returncode == 0
    for command in ("run", "list", "history"):
        assert command in done.stdout


FLOW_FUNCTION = """
    import itertools
    from flowtop import flow, task

    calls = itertools.count(1)

    @task(retries=1, retry_delay_seconds=0)
    def fetch(n):
        if next(calls) == 1:
            raise TimeoutError("slow")
        return n * 2

    @flow(name="fn-flow")
    def pipeline():
        return sum(f.result() for f in fetch.map([1, 2, 3]))
"""


def test_run_a_flow_function_headless(here: Here, tmp_path: Path) -> None:
    write(tmp_path, "fn.py", FLOW_FUNCTION)
    done = flowtop("run", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    events = json_lines(done.stdout)
    assert events[0]["event"] == "run_started" and events[0]["tasks"] == 0
    pending = [e["task"] for e in events if e.get("state") == "PENDING"]
    assert pending == ["fetch", "fetch-2", "fetch-3"]
    assert events[-1]["state"] == "COMPLETED" and events[-1]["counts"] == {"COMPLETED": 3}
    listed = here("list", str(tmp_path))
    assert "fn-flow" in listed.stdout and "a @flow function" in listed.stdout
    assert "  fetch\n      max_retries         1" in listed.stdout  # its @tasks and their policies


def test_info_logs_of_a_task_reach_its_output(tmp_path: Path) -> None:
    write(
        tmp_path,
        "logs.py",
        """
        import logging
        from flowtop import Flow, task

        log = logging.getLogger("etl.extract")

        @task
        def chatty():
            log.info("fetched %d rows", 12)
            print("plain print")
            return 1

        with Flow("logs") as flow:
            chatty()
    """,
    )
    done = flowtop("run", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    completed = next(e for e in json_lines(done.stdout) if e.get("state") == "COMPLETED")
    assert (
        "INFO etl.extract: fetched 12 rows" in completed["output"]
        and "plain print" in completed["output"]
    )
    assert "fetched" not in done.stderr


def test_a_hung_task_past_its_timeout_does_not_hold_the_process(tmp_path: Path) -> None:
    """Threads can't be killed; flowtop must still exit once the run is decided."""
    write(
        tmp_path,
        "hang.py",
        """
        import time
        from flowtop import Flow, task

        @task(timeout=0.3, max_retries=0)
        def hangs():
            time.sleep(60)

        with Flow("hang") as flow:
            hangs()
    """,
    )
    done = flowtop(
        "run", str(tmp_path), "--json", timeout=30
    )  # would take 60 s if the thread were joined
    assert done.returncode == 1
    failed = json_lines(done.stdout)[-2]
    assert failed["state"] == "FAILED" and failed["error"]["type"] == "TaskTimeout"


def started_by(command: str, here: Here) -> Here:
    """How a test starts ``command``: ``list`` in this process (``here``); ``run`` and
    ``open`` in a process of their own, which they make theirs (``flowtop_here``)."""
    return here if command == "list" else flowtop


@pytest.mark.parametrize("command", ["run", "list", "open"])
def test_a_path_that_is_not_flows_is_a_usage_error(
    here: Here, tmp_path: Path, command: str
) -> None:
    notes = write(tmp_path, "notes.txt", "not python")
    done = started_by(command, here)(command, str(notes))
    assert done.returncode == 2
    assert done.stderr.strip() == f"flowtop {command}: {notes}: not a folder or a .py file"


def test_a_file_name_with_a_newline_stays_on_its_error_line(here: Here, tmp_path: Path) -> None:
    write(tmp_path, "two\nlines.py", "import flowtop\nraise RuntimeError('down')\n")
    done = here("list", str(tmp_path))
    assert done.returncode == 2
    assert f"{tmp_path}/two␊lines.py:2: RuntimeError: down" in done.stderr.splitlines()[0]


@pytest.mark.parametrize("command", ["history", "watch", "cancel", "limits"])
def test_the_store_commands_read_a_path_as_run_and_list_do(
    tmp_path: Path, command: str, here: Here
) -> None:
    # They used to take a text file for a workspace: "No run history yet", exit 0.
    notes = write(tmp_path, "notes.txt", "not python")
    done = here(command, str(notes))
    assert done.returncode == 2
    assert done.stderr.strip() == f"flowtop {command}: {notes}: not a folder or a .py file"


def test_a_latin_1_terminal_gets_question_marks_for_symbols_and_a_reason_for_no_tui(
    tmp_path: Path,
) -> None:
    """With a Latin-1 locale, writing ``▶`` raised: `flowtop run` printed a traceback per
    batch of events, `flowtop list` ended in one, and the TUI drew `\\u2717` for every ✗."""
    write(tmp_path, "flaky.py", FLAKY)
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}

    def latin_1(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "flowtop", *args]
        return subprocess.run(command, capture_output=True, env=env, text=True, timeout=60)

    done = latin_1("run", str(tmp_path))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "flaky/after + completed" in done.stdout  # ✓'s ASCII look-alike
    assert "flaky #1 COMPLETED" in done.stdout
    done = latin_1("open", str(tmp_path))
    assert done.returncode == 2
    assert "the monitor draws with Unicode, and this terminal's encoding is" in done.stderr


def test_the_monitor_without_a_terminal_says_so_instead_of_spinning(tmp_path: Path) -> None:
    """`flowtop flows < /dev/null` (cron, CI) spun a core forever writing escapes into its
    log; TERM=dumb got full-screen truecolor escapes."""
    write(tmp_path, "flaky.py", FLAKY)
    command = [sys.executable, "-m", "flowtop", "open", str(tmp_path)]
    done = subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stderr) == (
        2,
        "flowtop open: stdin is not a terminal: the monitor cannot be drawn; follow runs with "
        "`flowtop run` and `flowtop watch`\n",
    )
    env = {**os.environ, "TERM": "dumb"}
    terminal = on_terminal(command, env=env, stdin=TERMINAL, stdout=subprocess.PIPE)
    with terminal as (proc, leader):
        said = read_until(leader)
        assert proc.wait(timeout=60) == 2
    assert b"this terminal is TERM=dumb (it cannot move the cursor)" in said


def test_json_output_survives_text_a_strict_stdout_cannot_encode(tmp_path: Path) -> None:
    write(
        tmp_path,
        "odd.py",
        """
        from flowtop import Flow, task

        @task
        def odd():
            print("half a surrogate: \\udcff")
            return "\\udcff"

        with Flow("odd") as flow:
            odd()
    """,
    )
    env_done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
    )
    assert env_done.returncode == 0, env_done.stderr
    events = json_lines(env_done.stdout)
    assert events[-1]["event"] == "run_finished" and events[-1]["state"] == "COMPLETED"
    completed = next(e for e in events if e.get("state") == "COMPLETED")
    assert "\udcff" in completed["output"]  # exact text, carried as a JSON escape


def test_a_corrupt_store_stops_a_run_with_one_line_unless_no_history(tmp_path: Path) -> None:
    write(tmp_path, "flaky.py", FLAKY)
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "history.db").write_bytes(b"this is not a database" * 100)
    refused = flowtop("run", str(tmp_path), "--json")
    assert refused.returncode == 2 and refused.stdout == ""
    (line,) = refused.stderr.strip().splitlines()
    assert "history.db" in line and "--no-history" in line
    done = flowtop("run", str(tmp_path), "--json", "--no-history")
    assert done.returncode == 0, done.stderr
    assert json_lines(done.stdout)[-1]["state"] == "COMPLETED"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_run_whose_output_cannot_be_written_is_recorded_and_exits_1(
    here: Here, tmp_path: Path
) -> None:
    """`flowtop run > log` on a full disk logged a traceback per batch and exited 0."""
    write(tmp_path, "flaky.py", FLAKY)
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "flowtop", "run", str(tmp_path), "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("flowtop run: cannot write to stdout (No space left on device)")
    history = json_lines(here("history", str(tmp_path), "--json").stdout)
    assert [r["state"] for r in history] == ["COMPLETED"]


def test_a_reader_that_leaves_stops_the_run_without_a_traceback(here: Here, tmp_path: Path) -> None:
    """`flowtop run --json | head -1`: like a Unix tool on SIGPIPE, not a page of errors."""
    write(
        tmp_path,
        "slow.py",
        """
        import time
        from flowtop import Flow, task

        @task
        def nap(i):
            time.sleep(0.2)
            return i

        with Flow("slow") as flow:
            for i in range(100):
                nap(i)
    """,
    )
    proc = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", str(tmp_path), "--json", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert json.loads(proc.stdout.readline())["event"] == "run_started"
    proc.stdout.close()  # the reader leaves; the run has ~20 s of work left
    assert proc.wait(timeout=15) == 141
    assert "Traceback" not in proc.stderr.read()
    proc.stderr.close()
    history = json_lines(here("history", str(tmp_path), "--json").stdout)
    assert [(r["flow"], r["state"]) for r in history] == [("slow", "CANCELLED")]
    # the history says why, not "cancelled by the user"
    said = here("history", str(tmp_path), "--run", "1").stdout
    assert "cancelled: the reader of flowtop run's output left (broken pipe)" in said


def test_a_reader_that_leaves_during_a_retry_wait_stops_the_run_within_seconds(
    here: Here,
    tmp_path: Path,
) -> None:
    """`flowtop run --json | head -2` went on through a 60 s retry wait: nothing was
    written, so nothing found the pipe broken until the wait was over."""
    write(
        tmp_path,
        "waits.py",
        """
        from flowtop import Flow, task

        @task(max_retries=1, retry_delay=60)
        def flaky():
            raise ConnectionError("reset")

        with Flow("waits") as flow:
            flaky()
    """,
    )
    proc = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", str(tmp_path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in proc.stdout:  # up to the wait
        if json.loads(line).get("state") == "AWAITING_RETRY":
            break
    proc.stdout.close()
    assert proc.wait(timeout=20) == 141  # not after the minute's wait
    proc.stderr.close()
    history = json_lines(here("history", str(tmp_path), "--json").stdout)
    assert [r["state"] for r in history] == ["CANCELLED"]


# -- one rule for errors (issue 15 #20) -----------------------------------------------
def test_a_settings_error_exits_2_also_with_flow(here: Here, tmp_path: Path) -> None:
    write(tmp_path, "flaky.py", FLAKY)
    write(tmp_path, "flowtop.toml", "[defaults]\nmax_retry = 3\n")
    for args in ([], ["--flow", "flaky"]):
        done = flowtop("run", str(tmp_path), "--json", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stdout == ""  # nothing ran on built-in settings
        assert "flowtop.toml:2" in done.stderr and "max_retry" in done.stderr
    done = here("list", str(tmp_path), "--flow", "flaky")
    assert done.returncode == 2 and "flowtop.toml:2" in done.stderr
    assert done.stdout == ""  # not a listing of built-in values as if they were in force


def test_run_flow_still_runs_it_when_another_file_is_broken(tmp_path: Path) -> None:
    write(tmp_path, "flaky.py", FLAKY)
    write(tmp_path, "broken.py", "from flowtop import Flow\n\nflow = Flow('x'\n")
    assert flowtop("run", str(tmp_path)).returncode == 2
    done = flowtop("run", str(tmp_path), "--flow", "flaky")
    assert done.returncode == 0, done.stderr  # not its file: not imported, named in one line
    assert "1 other flow file could not be loaded (broken.py)" in done.stderr
    assert "SyntaxError" not in done.stderr  # (`flowtop list` says why)


def test_run_flow_accepts_settings_of_a_flow_in_another_file(tmp_path: Path) -> None:
    """``run DIR --flow NAME`` imports only NAME's file here; a table for a flow of another
    file is still a flow of the folder, and a misspelt one is named with all of them."""
    write(tmp_path, "flaky.py", FLAKY)
    write(tmp_path, "other.py", "from flowtop import Flow, task\n\nflow = Flow('other')\n")
    write(tmp_path, "flowtop.toml", "[flows.other.tasks.step]\nmax_retries = 1\n")
    done = flowtop("run", str(tmp_path), "--flow", "flaky")
    assert done.returncode == 0, done.stderr
    write(tmp_path, "flowtop.toml", "[flows.othr.tasks.step]\nmax_retries = 1\n")
    done = flowtop("run", str(tmp_path), "--flow", "flaky")
    assert done.returncode == 0  # a table naming no flow changes no run: said, not fatal
    assert "no flow named 'othr' (did you mean 'other'?); flows: flaky, other" in done.stderr


@pytest.mark.parametrize("command", ["run", "list"])
def test_a_flow_named_in_a_file_that_failed_to_load_is_not_said_to_be_missing(
    here: Here, tmp_path: Path, command: str
) -> None:
    """ "no flow named 'etl'; flows: none" after the file's own error read as a typo."""
    write(tmp_path, "etl.py", "from flowtop import Flow\nraise RuntimeError('db down')\n")
    done = started_by(command, here)(command, str(tmp_path), "--flow", "etl")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"flowtop {command}: {tmp_path / 'etl.py'}:2: RuntimeError: db down",
        f"flowtop {command}: no flow named 'etl' in the files that loaded; flows: none",
    ]


def test_run_flow_says_nothing_of_another_flows_helper(tmp_path: Path) -> None:
    """``--flow b`` imports only b's file, so who imports ``helper.py`` was unknown, and
    every such run said it "defines no flows"."""
    write(
        tmp_path, "helper.py", "from flowtop import Retry\n\nLATER = Retry\n"
    )  # read: it names flowtop
    write(tmp_path, "a.py", "import helper\nfrom flowtop import Flow\n\na = Flow('a')\n")
    write(tmp_path, "b.py", "from flowtop import Flow\n\nb = Flow('b')\n")
    for args in ((), ("--flow", "b")):
        done = flowtop("run", str(tmp_path), *args)
        assert (done.returncode, done.stderr) == (0, ""), args


@pytest.mark.parametrize("command", ["run", "list"])
def test_an_empty_folder_says_no_flows_found(here: Here, tmp_path: Path, command: str) -> None:
    done = started_by(command, here)(command, str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == f"flowtop {command}: no flows found in {tmp_path}\n"


def test_one_task_is_not_one_tasks(here: Here, tmp_path: Path) -> None:
    write(
        tmp_path,
        "single.py",
        """
        from flowtop import Flow, task

        @task
        def only():
            return 1

        with Flow("single") as flow:
            only()
        """,
    )
    done = flowtop("run", str(tmp_path))
    assert "single #1 started: 1 task\n" in done.stdout
    assert "single  (" in (listed := here("list", str(tmp_path)).stdout)
    assert ", 1 task)" in listed
    history = here("history", str(tmp_path), "--run", "1").stdout
    assert "· 1 task: 1 completed" in history
    assert "1 tasks" not in done.stdout + listed + history


def test_list_prints_a_run_of_alike_tasks_once(here: Here, tmp_path: Path) -> None:
    """A fan-out of 1,000 calls printed 5,000 identical lines; two alike tasks stay apart."""
    write(
        tmp_path,
        "fan.py",
        """
        from flowtop import Flow, task

        @task(max_retries=2)
        def page(n):
            return n

        @task(max_retries=2)
        def side():
            return 0

        @task
        def total(*pages):
            return sum(pages)

        with Flow("fan") as flow:
            pages = [page(n) for n in range(10)]
            total(*pages)
            side()
            side()
        """,
    )
    done = here("list", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "  page, page-2, page-3, …, page-8, page-9, page-10 (10 tasks)",
        "      max_retries         2                                [task]",
        "      retry_delay         0s                               [builtin]",
        "  total  after page, page-2, page-3, …, page-8, page-9, page-10 (10 tasks)",
        "      max_retries         unset (budget 3, Retry only)     [builtin]",
        "      retry_delay         0s                               [builtin]",
        "  side",
        "      max_retries         2                                [task]",
        "      retry_delay         0s                               [builtin]",
        "  side-2",
        "      max_retries         2                                [task]",
        "      retry_delay         0s                               [builtin]",
    ]


def test_a_load_error_does_not_end_with_flowtops_own_frame(here: Here, tmp_path: Path) -> None:
    write(
        tmp_path,
        "typo.py",
        """
        from flowtop import Flow, task

        @task(max_retry=3)
        def a():
            pass
        """,
    )
    done = here("list", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == (
        f"flowtop list: {tmp_path / 'typo.py'}:4: TypeError: task 'a': unknown option "
        "'max_retry' (did you mean 'max_retries'?); valid options: name, max_retries, "
        "retry_delay, retry_on, retry_predicate, retry_jitter, retry_deadline, timeout, "
        "retry_condition_fn, retry_jitter_factor, on_completion, on_failure, on_running, "
        "task_run_name, tags, cache_policy, cache_key_fn, cache_expiration, refresh_cache, "
        "persist_result, result_storage_key\n"
    )


# -- one sanitiser for the terminal (issue 16 #10) ------------------------------------
ESCAPES = """
    from flowtop import Flow, task

    Boom = type("Boom\\x1b]0;PWNED-TITLE\\x07", (Exception,), {})


    def wait(attempt):
        return 0.01


    wait.__qualname__ = "wait\\x1b[2J"


    @task(retry_on=[Boom], max_retries=1, retry_delay=wait)
    def explode():
        print("out\\x1b[31mput")
        raise Boom("bad\\x1b[31m message\\x9b")


    with Flow("evil") as flow:
        explode()
"""

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_no_command_writes_control_characters_from_user_code(here: Here, tmp_path: Path) -> None:
    write(tmp_path, "evil.py", ESCAPES)
    runs = flowtop("run", str(tmp_path))
    assert runs.returncode == 1 and "Boom␛]0;PWNED-TITLE␇: bad␛[31m message\\x9b" in runs.stdout
    listed = here("list", str(tmp_path))
    assert "wait␛[2J" in listed.stdout and "Boom␛]0;PWNED-TITLE␇" in listed.stdout
    detail = here("history", str(tmp_path), "--run", "1")
    assert "policy: 1× wait␛[2J(n) on Boom␛]0;PWNED-TITLE␇" in detail.stdout
    table = here("history", str(tmp_path))
    missing = flowtop("run", str(tmp_path), "--flow", "evil\x1b[2J")
    assert missing.returncode == 2 and "no flow named 'evil\\x1b[2J'" in missing.stderr
    for done in (runs, listed, detail, table, missing):
        assert not CONTROL.search(done.stdout + done.stderr), done.args
    # --json keeps the exact text, escaped as JSON
    events = json_lines(flowtop("run", str(tmp_path), "--json").stdout)
    failed = next(e for e in events if e.get("state") == "FAILED")
    assert failed["error"]["type"] == "Boom\x1b]0;PWNED-TITLE\x07"
    assert failed["error"]["message"] == "bad\x1b[31m message\x9b"


def refused_in_one_line(done: subprocess.CompletedProcess[str], says: str) -> None:
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--workers", "0"], "flowtop run: argument --workers: must be from 1 to 1024, got 0"),
        (["--workers", "100000"], "argument --workers: must be from 1 to 1024, got 100000"),
        (["--workers", "9" * 20], "argument --workers: must be from 1 to 1024, got 999"),
        (["--workers", "1e3"], "argument --workers: must be a whole number, got '1e3'"),
        (["--executor", "threads"], "argument --executor: executor must be 'thread', 'process'"),
        (["--bogus"], "flowtop run: unrecognized arguments: --bogus (see flowtop run --help)"),
    ],
)
def test_odd_run_arguments_are_one_line_and_exit_2(
    here: Here, tmp_path: Path, args: list[str], says: str
) -> None:
    """Usage errors, refused while the arguments are read, before a run starts: called in
    this process (``here``)."""
    write(tmp_path, "flaky.py", FLAKY)
    refused_in_one_line(here("run", str(tmp_path), *args), says)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        # a folder of one flow needs no --flow: the run is looked for (there is none)
        (["--rerun-of", "ab12"], "flowtop run: no run with id 'ab12' of flow 'flaky' in "),
        # watch, cancel and the TUI follow a detached run through the store: it was recorded
        (["--detach", "--no-history"], "flowtop run: --detach needs the history: a detached run"),
    ],
)
def test_odd_run_values_are_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    """Refused by the run command itself, past its arguments: a process of its own, as
    ``flowtop_here`` keeps a started run out of the test's."""
    write(tmp_path, "flaky.py", FLAKY)
    refused_in_one_line(flowtop("run", str(tmp_path), *args, timeout=30), says)


def test_rerun_of_needs_flow_only_when_the_path_holds_several(tmp_path: Path) -> None:
    write(tmp_path, "flaky.py", FLAKY)
    write(tmp_path, "other.py", "from flowtop import Flow, task\n\nflow = Flow('other')\n")
    done = flowtop("run", str(tmp_path), "--rerun-of", "ab12")
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"flowtop run: --rerun-of needs --flow NAME: {tmp_path} holds 2 flows"
    )


def test_a_flow_with_parameters_without_defaults_is_refused_before_it_starts(
    here: Here,
    tmp_path: Path,
) -> None:
    """flowtop calls a @flow with no arguments: it failed inside flowtop with a TypeError
    and flowtop's own frame in its traceback."""
    write(
        tmp_path,
        "scaled.py",
        """
        from flowtop import flow, task

        @task
        def double(x):
            return 2 * x

        @flow
        def scaled(n: int, *rest, factor: float = 1.0, **extra):
            return sum(double(i) for i in range(n)) * factor
        """,
    )
    done = flowtop("run", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == "flowtop run: flow 'scaled' needs n (no default): give --param n=VALUE\n"
    assert (
        not (tmp_path / ".flowtop").exists()
        or "scaled" not in here("history", str(tmp_path)).stdout
    )  # nothing was run


def test_list_shows_a_task_s_caching(here: Here, tmp_path: Path) -> None:
    write(
        tmp_path,
        "cached.py",
        """
        from datetime import timedelta

        from flowtop import Flow, task
        from flowtop.cache_policies import INPUTS, TASK_SOURCE

        @task(cache_policy=INPUTS + TASK_SOURCE - "verbose", cache_expiration=timedelta(hours=2))
        def fetch(x, verbose=False):
            return x

        @task
        def plain():
            return 1

        with Flow("cached") as flow:
            fetch(1)
            plain()
        """,
    )
    text, caches = listed_field(here, tmp_path, "cache")
    assert "cache               INPUTS + TASK_SOURCE - verbose, for 2h00m [task]" in text
    assert caches == {"fetch": "INPUTS + TASK_SOURCE - verbose, for 2h00m", "plain": None}


def test_list_shows_a_flow_s_call_a_settings_table_names(here: Here, tmp_path: Path) -> None:
    """``[flows."twice".tasks."step-2"]`` gives a @flow's second call of ``step`` 3 retries,
    which runs used; ``flowtop list`` showed ``step``'s policy alone."""
    write(
        tmp_path,
        "twice.py",
        """
        from flowtop import flow, task

        @task(max_retries=1)
        def step(x):
            return x

        @flow
        def twice():
            return step(1) + step(2)
        """,
    )
    (tmp_path / "flowtop.toml").write_text('[flows."twice".tasks."step-2"]\nmax_retries = 3\n')
    text, retries = listed_field(here, tmp_path, "max_attempts")
    assert retries == {"step": 2, "step-2": 4}
    assert "  step-2\n      max_retries         3" in text and "[flowtop.toml]" in text


def test_list_lines_up_every_policy_field_the_longest_too(here: Here, tmp_path: Path) -> None:
    """`retry_jitter_factor` (Prefect's name) was wider than the column: its value and
    layer stood three cells right of the rows above."""
    write(
        tmp_path,
        "jitter.py",
        """
        from flowtop import Flow, task

        @task(retries=2, retry_delay_seconds=1, retry_jitter_factor=0.5)
        def fetch():
            return 1

        with Flow("jitter") as flow:
            fetch()
        """,
    )
    listed = here("list", str(tmp_path / "jitter.py"))
    rows = [line for line in listed.stdout.splitlines() if line.startswith("      ")]
    assert len(rows) == 3 and any("retry_jitter_factor" in row for row in rows), rows
    assert len({row.index("[") for row in rows}) == 1, rows  # one column for the layers


def test_a_ctrl_c_while_a_run_starts_comes_once_the_run_exists() -> None:
    """The store records a run, then it starts: a Ctrl+C between the two left a RUNNING
    row nothing would cancel (and, landing after the record's COMMIT, was lost)."""
    from flowtop.commands.run import ctrl_c_after

    reached = []

    def start_a_run() -> None:
        with ctrl_c_after():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the signal arrives meanwhile: held back
            reached.append("the end of the block")

    with pytest.raises(KeyboardInterrupt):
        start_a_run()
    assert reached == ["the end of the block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_list_shows_a_task_s_tags_and_the_limits_flowtop_toml_gives_them(
    here: Here, tmp_path: Path
) -> None:
    write(tmp_path, "flowtop.toml", '[concurrency]\n"tag:db" = 2\n')
    write(
        tmp_path,
        "tagged.py",
        """
        from flowtop import Flow, task

        @task(tags=["nightly", "db"])
        def load():
            return 1

        @task
        def plain():
            return 1

        with Flow("tagged") as flow:
            load()
            plain()
        """,
    )
    text, tags = listed_field(here, tmp_path, "tags")
    assert "tags                db (limit 2 at a time), nightly" in text
    assert tags == {"load": {"db": 2, "nightly": None}, "plain": None}


def listed_field(here: Here, path: Path, field: str) -> tuple[str, dict[str, Any]]:
    """``flowtop list PATH``'s text, and ``field`` of each task of its one flow in ``--json``
    (called in this process: ``here``)."""
    listed = here("list", str(path))
    assert listed.returncode == 0, listed.stderr
    (info,) = json_lines(here("list", str(path), "--json").stdout)
    return listed.stdout, {t["task"]: t.get(field) for t in info["tasks"]}


def test_a_traceback_shows_the_line_that_ran_not_one_saved_since(tmp_path: Path) -> None:
    """The file saved during a retry wait put its new line in the next attempt's
    traceback, although the run went on with the code it imported."""
    flow = write(
        tmp_path,
        "edited.py",
        """
        import itertools
        from flowtop import Flow, task

        calls = itertools.count()

        @task(max_retries=1, retry_delay=1)
        def step():
            if next(calls) == 0:
                raise ValueError("first")
            raise ValueError("the line that ran")

        with Flow("edited") as flow:
            step()
        """,
    )
    proc = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", str(tmp_path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if json.loads(line).get("state") == "AWAITING_RETRY":
            break
    flow.write_text(flow.read_text().replace("the line that ran", "a line saved later"))
    rest, _ = proc.communicate(timeout=60)
    failed = [e for e in json_lines(rest) if e["event"] == "task_state" and e["state"] == "FAILED"]
    traceback = failed[-1]["error"]["traceback"]
    assert 'raise ValueError("the line that ran")' in traceback, traceback


def test_a_settings_file_beside_the_flows_folder_is_said_to_be_unread(
    here: Here, tmp_path: Path
) -> None:
    """The workspace is ./flows: a flowtop.toml put where flowtop runs was ignored
    without a word."""
    (tmp_path / "flows").mkdir()
    write(tmp_path / "flows", "flaky.py", FLAKY)
    write(tmp_path, "flowtop.toml", "[defaults]\nmax_retries = 7\n")
    done = here("list", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{tmp_path}/flowtop.toml is not read: the workspace is {tmp_path}/flows" in done.stderr
    (tmp_path / "flowtop.toml").rename(tmp_path / "flows" / "flowtop.toml")
    moved = here("list", cwd=tmp_path)
    assert moved.returncode == 0 and moved.stderr == "", moved.stderr


def test_run_json_leaves_no_file_open_for_a_warnings_as_errors_python(tmp_path: Path) -> None:
    """The JSON lines' own stream was never closed: under ``-X dev -W error`` (how some
    CI runs Python) it ended the run with a ResourceWarning on stderr."""
    write(tmp_path, "flaky.py", FLAKY)
    strict = [sys.executable, "-X", "dev", "-W", "error::ResourceWarning"]
    done = subprocess.run(
        [*strict, "-m", "flowtop", "run", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "ResourceWarning" not in done.stderr
    assert json_lines(done.stdout)[-1]["state"] == "COMPLETED"


def test_an_empty_no_color_is_no_request_for_the_monitor() -> None:
    """no-color.org: NO_COLOR "present and not an empty string". Textual takes any, so
    `NO_COLOR= flowtop` (a variable a script cleared) drew every state grey."""
    from flowtop.commands.open import empty_no_color_unset

    cleared = {"NO_COLOR": "", "TERM": "xterm"}
    empty_no_color_unset(cleared)
    assert cleared == {"TERM": "xterm"}
    asked = {"NO_COLOR": "1"}
    empty_no_color_unset(asked)
    assert asked == {"NO_COLOR": "1"}
