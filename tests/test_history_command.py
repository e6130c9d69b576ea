"""``flowtop history``: the runs table, one run's attempts, JSON lines and every bad input.

The history is written by a real runner with the history sink, then read through the
command's ``main`` on a namespace from its own ``configure`` (and once through
``python -m flowtop``), exactly as the CLI calls it.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.cli import Parser
from flowtop.commands import history as command
from flowtop.engine import Runner, RunResult
from flowtop.workspace.history import History


def make_flow(name: str = "etl") -> Flow:
    calls = itertools.count()

    @task(max_retries=3, retry_delay=0)
    def fetch() -> str:
        n = next(calls)
        print(f"fetching, try {n} \x1b[31mred\x1b[0m")
        if n < 1:
            raise ConnectionError("connection reset")
        return "rows"

    @task(retry_on=[ConnectionError], max_retries=1)
    def load(rows: str) -> None:
        raise ValueError(f"cannot load {rows}\nsecond line")

    with Flow(name) as flow:
        load(fetch())
    return flow


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "flows").mkdir()
    return tmp_path / "flows"


def record_runs(root: Path, *flows: Flow, rerun: bool = False) -> list[RunResult]:
    history = History(root / ".flowtop" / "history.db")
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    results = []
    try:
        results.extend(runner.start(flow).result(timeout=30) for flow in flows)
        if rerun:
            results.append(runner.rerun_failed(results[0]).result(timeout=30))
    finally:
        runner.shutdown()
        history.close()
    return results


def record_call(root: Path, flow: Flow, **kwargs: Any) -> RunResult:
    """One run of a @flow with ``kwargs``, recorded in ``root``'s store."""
    history = History(root / ".flowtop" / "history.db")
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    try:
        result = runner.start(flow, kwargs=kwargs).result(timeout=30)
        runner.bus.flush(timeout=10)
        assert history.flush(10)
    finally:
        runner.shutdown()
        history.close()
    return result


def run_command(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = Parser(prog="flowtop history")  # the CLI's: a usage error is one line, exit 2
    command.configure(parser)
    try:
        code = command.main(parser.parse_args(list(argv)))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_no_history_yet_is_a_clear_message_not_an_error(capsys, workspace: Path) -> None:
    code, out, err = run_command(capsys, str(workspace))
    assert code == 0 and err == ""
    assert "No run history yet" in out and str(workspace / ".flowtop" / "history.db") in out
    assert not (workspace / ".flowtop").exists()  # looking must not create it
    # a script's `history --json | jq` got the sentence on stdout: no JSON, a parse error
    code, out, err = run_command(capsys, str(workspace), "--json")
    assert code == 0 and out == "" and "No run history yet" in err
    record_runs(workspace, make_flow())
    run_command(capsys, str(workspace), "--prune", "0")  # no terminal: not asked
    code, out, err = run_command(capsys, str(workspace), "--json")
    assert code == 0 and out == "" and "No runs recorded yet" in err


def test_a_run_asked_for_before_any_is_recorded_is_missing_not_fine(
    capsys, workspace: Path
) -> None:
    """``history --run 1 --json`` with no store printed nothing and exited 0: a script
    checking one run read success (``watch 1`` and ``cancel 1`` said exit 2)."""
    code, out, err = run_command(capsys, str(workspace), "--run", "1", "--json")
    assert code == 2 and out == ""
    assert err.strip().endswith("history.db: no run is recorded here yet")
    code, out, _ = run_command(capsys, str(workspace), "--prune", "3", "--json")
    assert code == 0  # a pruning script reads its one object all the same
    assert json.loads(out) == {
        "removed": 0,
        "keep": 3,
        "bytes_before": 0,
        "bytes_after": 0,
        "kept_beyond": {"live": 0, "called": 0, "stood_for": 0, "rerunning": 0},
    }
    assert not (workspace / ".flowtop").exists()


def test_a_wide_character_in_a_flow_name_keeps_the_columns_aligned(capsys, workspace: Path) -> None:
    """Padding counted characters, so each CJK character or emoji of a name pushed the
    rest of its row one cell to the right."""
    from rich.cells import cell_len

    record_runs(workspace, make_flow("etl"), make_flow("報告-🚀"))
    code, out, _ = run_command(capsys, str(workspace))
    assert code == 0
    header, *rows = out.splitlines()
    column = header.index("STATE")
    for row in rows:
        state_at = row.index("COMPLETED") if "COMPLETED" in row else row.index("FAILED")
        assert cell_len(row[:state_at]) == column, out


def test_the_table_lists_runs_newest_first_with_counts_and_rerun_links(
    capsys, workspace: Path
) -> None:
    record_runs(workspace, make_flow(), rerun=True)
    code, out, err = run_command(capsys, str(workspace))
    assert code == 0 and err == ""
    header, *rows = out.splitlines()
    assert header.split() == [
        "FLOW",
        "#",
        "STATE",
        "STARTED",
        "DURATION",
        "TASKS",
        "RERUN",
        "OF",
        "RUN",
        "ID",
        "NOTE",
    ]
    assert rows[0].split()[:3] == ["etl", "2", "FAILED"] and " #1 " in rows[0]
    assert rows[1].split()[:3] == ["etl", "1", "FAILED"]
    assert "1 completed, 1 failed" in rows[1]
    # The rerun's completed task was carried over, not run: said, as the monitor says it
    # (its counts alone read as if it ran again).
    assert "1 completed, 1 failed (1 reused)" in rows[0]
    assert "reused" not in rows[1]
    code, out, _ = run_command(capsys, str(workspace), "--json")
    rerun, first = (json.loads(line) for line in out.splitlines())
    assert rerun["reused"] == 1 and rerun["counts"] == {"COMPLETED": 1, "FAILED": 1}
    assert "reused" not in first


def test_one_run_shows_every_attempt_with_error_output_and_traceback(
    capsys, workspace: Path
) -> None:
    (result,) = record_runs(workspace, make_flow())
    code, out, err = run_command(capsys, str(workspace), "--run", "1")
    assert code == 0 and err == ""
    assert out.startswith("etl #1  FAILED")
    assert f"run id {result.run_id}" in out
    # what followed each failed attempt is said, not left as the state it was stored in
    assert "attempt 1  FAILED, retried" in out and "ConnectionError: connection reset" in out
    # a retried attempt, whose traceback is not printed, says where its error was raised
    assert "ConnectionError: connection reset (test_history_command.py:36 in fetch)" in out
    assert "retry after 0s (retry_delay=0s)" in out and "AWAITING_RETRY" not in out
    assert "fetching, try 0 ␛[31mred␛[0m" in out  # escapes shown, never sent to the terminal
    assert "\x1b" not in out
    assert "ValueError: cannot load rows …" in out and "second line" in out
    assert "Traceback (most recent call last)" in out and 'raise ValueError(f"cannot load' in out


def test_a_budget_only_retry_spends_reads_as_in_the_monitor(capsys, workspace: Path) -> None:
    @task
    def plain() -> int:  # no max_retries: only a Retry would use the default budget
        return 1

    flow = Flow("plain")
    flow.add_task(plain)
    record_runs(workspace, flow)
    code, out, _ = run_command(capsys, str(workspace), "--run", "1")
    assert code == 0 and "plain  COMPLETED  attempt 1/1 (+3 on Retry)" in out


def test_json_lines_for_the_list_and_for_one_run(capsys, workspace: Path) -> None:
    (result,) = record_runs(workspace, make_flow())
    code, out, _ = run_command(capsys, str(workspace), "--json")
    (line,) = out.splitlines()
    data = json.loads(line)
    assert (
        data["record"] == "run"
        and data["run_id"] == result.run_id
        and data["counts"] == result.counts
    )

    code, out, _ = run_command(
        capsys, str(workspace), "--json", "--run", result.run_id[:6]
    )  # id prefix
    assert code == 0
    run, *tasks = (json.loads(line) for line in out.splitlines())
    assert run["record"] == "run" and [t["task"] for t in tasks] == ["fetch", "load"]
    fetch = tasks[0]
    assert [a["state"] for a in fetch["attempts"]] == [
        a.state.value for a in result.attempts["fetch"]
    ]
    assert fetch["attempts"][0]["error"]["type"] == "ConnectionError"
    assert "traceback" in fetch["attempts"][0]["error"]
    assert fetch["attempts"][0]["output"].startswith(
        "fetching, try 0 \x1b[31m"
    )  # JSON keeps the raw text


def test_a_run_number_shared_by_two_flows_needs_flow(capsys, workspace: Path) -> None:
    record_runs(workspace, make_flow("etl"), make_flow("report"))
    code, _, err = run_command(capsys, str(workspace), "--run", "1")
    assert code == 2 and "run #1 exists for several flows (etl, report): add --flow NAME" in err
    code, out, _ = run_command(capsys, str(workspace), "--run", "1", "--flow", "report")
    assert code == 0 and out.startswith("report #1")
    code, out, _ = run_command(capsys, str(workspace), "--flow", "report")
    assert code == 0 and [r.split()[0] for r in out.splitlines()[1:]] == ["report"]


def test_digits_that_are_a_run_number_and_another_run_s_id_are_refused(
    capsys, workspace: Path
) -> None:
    """`--run 0001` took run #1 while `watch 0001` followed the run whose id starts so."""
    history = History(workspace / ".flowtop" / "history.db")
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    try:
        runner.start(make_flow()).result(timeout=30)
        runner.start(make_flow(), run_id="0001aaaaaaaa").result(timeout=30)
    finally:
        runner.shutdown()
        history.close()
    code, _, err = run_command(capsys, str(workspace), "--run", "0001")
    assert code == 2
    assert "0001 is run #1 of etl and the start of run id 0001aaaaaaaa (etl #2)" in err
    code, out, _ = run_command(capsys, str(workspace), "--run", "#1")
    assert code == 0 and out.startswith("etl #1")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--run", "7"], "no run #7 in "),
        (["--run", "7", "--flow", "etl"], "no run #7 of flow 'etl'"),
        (["--run", "x!"], "--run takes a run number (e.g. 3) or a run id"),
        (["--run", "abcdef"], "no run with id 'abcdef'"),
        (["--flow", "nope"], "no runs of flow 'nope' in"),
        (["--limit", "-1"], "argument --limit: must be from 0 to 1000000000, got -1"),
        (["--limit", "1e20"], "argument --limit: must be a whole number, got '1e20'"),
        (["--limit", "9" * 20], "argument --limit: must be from 0 to 1000000000, got 999"),
        (["--run", "²"], "--run takes a run number (e.g. 3) or a run id"),
        (["--run", "٣"], "--run takes a run number (e.g. 3) or a run id"),
        (["--run", "9" * 20], "no run #99999999999999999999 in "),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(
    capsys, workspace: Path, argv: list[str], message: str
) -> None:
    record_runs(workspace, make_flow())
    code, out, err = run_command(capsys, str(workspace), *argv)
    assert code == 2 and out == ""
    assert err.startswith("flowtop history: ") and message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_run_id_of_digits_only_is_still_found(capsys, workspace: Path) -> None:
    record_runs(workspace, make_flow())
    db = workspace / ".flowtop" / "history.db"
    with sqlite3.connect(db) as raw:  # ids are hex, so some are all digits
        raw.execute("UPDATE runs SET run_id = '123456789012'")
        raw.execute("UPDATE task_runs SET run_id = '123456789012'")
        raw.execute("UPDATE attempts SET run_id = '123456789012'")
    code, out, err = run_command(capsys, str(workspace), "--run", "12345")
    assert (code, err) == (0, "") and "run id 123456789012" in out
    code, out, _ = run_command(capsys, str(workspace), "--run", "1")  # still run #1 first
    assert code == 0 and out.startswith("etl #1")


def test_a_missing_path_exits_2(capsys, tmp_path: Path) -> None:
    code, _, err = run_command(capsys, str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere: no such file or folder" in err


def test_a_flow_file_uses_its_folder_s_history(capsys, workspace: Path) -> None:
    record_runs(workspace, make_flow())
    flow_file = workspace / "etl.py"
    flow_file.write_text("")
    code, out, _ = run_command(capsys, str(flow_file))
    assert code == 0 and out.splitlines()[1].startswith("etl")


def test_an_unreadable_history_file_is_reported(capsys, workspace: Path) -> None:
    (workspace / ".flowtop").mkdir()
    (workspace / ".flowtop" / "history.db").write_bytes(b"garbage" * 200)
    code, _, err = run_command(capsys, str(workspace))
    assert code == 2 and "history.db: cannot read the run store (file is not a database)" in err
    assert "move it away" in err and len(err.strip().splitlines()) == 1


def test_through_the_real_cli_with_the_default_path(workspace: Path) -> None:
    record_runs(workspace, make_flow())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-m", "flowtop", "history"],
        cwd=workspace.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].split()[:3] == ["etl", "1", "FAILED"]


def test_prune_gives_the_space_back_and_says_how_much(capsys, workspace: Path) -> None:
    record_runs(workspace, *(make_flow() for _ in range(30)))
    db = workspace / ".flowtop" / "history.db"
    code, out, err = run_command(capsys, str(workspace), "--prune", "1")
    assert code == 0 and err == ""
    assert out.startswith("Removed 29 runs; kept the newest 1 of each flow. The store went from ")
    before, after = out.rstrip(".\n").rsplit("went from ", 1)[1].split(" to ")
    assert before != after
    assert db.stat().st_size < 100_000
    code, out, _ = run_command(capsys, str(workspace), "--prune", "1")
    assert out == "Removed 0 runs; kept the newest 1 of each flow.\n"  # nothing to give back


def test_prune_with_json_says_it_in_json(capsys, workspace: Path) -> None:
    """``--prune 1 --json`` printed the sentence: a script could not read it. The pruned
    runs' logs go with them (they were left behind)."""
    runs = record_runs(workspace, *(make_flow() for _ in range(3)))
    logs = workspace / ".flowtop" / "logs"  # as the run processes of the TUI leave them
    logs.mkdir()
    for run in runs:
        (logs / f"{run.run_id}.log").write_text("started\n")
    code, out, err = run_command(capsys, str(workspace), "--prune", "1", "--json")
    assert code == 0 and err == ""
    said = json.loads(out)
    assert (said["removed"], said["keep"]) == (2, 1)
    assert said["bytes_after"] <= said["bytes_before"]
    assert [p.name for p in logs.iterdir()] == [f"{runs[-1].run_id}.log"]  # theirs went too


def test_prune_0_at_a_terminal_asks_before_deleting_every_run(
    capsys, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--prune 0` (a slip for 10?) deleted the whole history without a word."""
    record_runs(workspace, make_flow(), make_flow())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter(["", "y"])
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or next(answers))
    code, out, _ = run_command(capsys, str(workspace), "--prune", "0")
    assert code == 1 and out == "Nothing deleted.\n"
    assert "(2 runs recorded)" in asked[0] and asked[0].endswith("Delete them? [y/N] ")
    from flowtop.workspace.store_reader import StoreReader

    assert StoreReader(workspace / ".flowtop" / "history.db").runs()  # all still there
    code, out, _ = run_command(capsys, str(workspace), "--prune", "0")
    assert code == 0 and out.startswith("Removed 2 runs"), out
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)  # a script is not asked
    record_runs(workspace, make_flow())
    code, out, _ = run_command(capsys, str(workspace), "--prune", "0")
    assert code == 0 and out.startswith("Removed 1 run;") and len(asked) == 2, out


def test_prune_on_a_full_disk_or_a_damaged_store_is_one_line_and_deletes_nothing(
    capsys, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both were tracebacks; and "move it away and flowtop starts a new one" is the wrong
    advice for a full disk (most of the history is still in the write-ahead log)."""
    from flowtop.workspace import history as store

    record_runs(workspace, make_flow(), make_flow())
    for error, advice in (
        (
            "database or disk is full",
            "is full: free some space (the runs recorded so far are kept)",
        ),
        ("database disk image is malformed", "or a damaged one, move it away"),
    ):

        def failing(self: Any, keep: int, flow: str | None = None, error: str = error) -> int:
            raise sqlite3.OperationalError(error)

        monkeypatch.setattr(store.History, "prune", failing)
        code, out, err = run_command(capsys, str(workspace), "--prune", "1")
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert f"cannot prune the run store ({error}); " in err and advice in err, err
    from flowtop.workspace.store_reader import StoreReader

    assert len(StoreReader(workspace / ".flowtop" / "history.db").runs()) == 2


def test_prune_while_another_process_writes_keeps_the_size_and_says_so(
    capsys, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowtop.workspace import history as store

    record_runs(workspace, make_flow(), make_flow())
    db = workspace / ".flowtop" / "history.db"
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)
    original = store.History.compact

    def compact_under_a_writer(self: History) -> bool:
        writer = sqlite3.connect(db, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another flowtop mid-commit
        try:
            return original(self)
        finally:
            writer.execute("ROLLBACK")
            writer.close()

    monkeypatch.setattr(store.History, "compact", compact_under_a_writer)
    code, out, err = run_command(capsys, str(workspace), "--prune", "1")
    assert code == 0 and err == ""
    assert out == (
        "Removed 1 run; kept the newest 1 of each flow. The store keeps its size for now "
        "(another flowtop was writing to it, a run is live, or the disk lacks room for a copy "
        "of it); later runs reuse the space.\n"
    )


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"), (215_040, "210 KB"), (9_453_568, "9.0 MB")],
)
def test_sizes_read_as_ls_h_rounds_them(size: int, text: str) -> None:
    from flowtop.formats import size_text

    assert size_text(size) == text


def test_the_note_says_what_a_flow_function_raised(capsys, workspace: Path) -> None:
    """A @flow run can fail with every task completed: the NOTE column says why, in one
    line, as the TUI's header does."""
    from flowtop import flow

    @task
    def count() -> int:
        return 8

    @flow(name="nightly")
    def nightly() -> int:
        total = count()
        raise ValueError(f"too big: {total}\nsecond line " + "x" * 80)

    assert record_call(workspace, nightly).state.value == "FAILED"
    code, out, _ = run_command(capsys, str(workspace))
    assert code == 0
    row = out.splitlines()[1]
    assert "1 completed" in row and row.endswith("flow raised ValueError: too big: 8"), row


def test_a_flow_run_name_is_in_the_table_the_run_and_json(capsys, workspace: Path) -> None:
    """`flowtop run` says `report #1 (daily-eu) started`: the history names it the same way."""
    from flowtop import flow

    @task
    def one() -> int:
        return 1

    @flow(name="report", flow_run_name="daily-{region}")
    def report(region: str) -> int:
        return one()

    record_runs(workspace, make_flow("etl"))  # a graph's run: no name
    record_call(workspace, report, region="eu")
    code, out, _ = run_command(capsys, str(workspace))
    assert code == 0
    rows = out.splitlines()
    assert rows[1].split()[:3] == ["report", "1", "(daily-eu)"], rows
    assert rows[2].split()[:3] == ["etl", "1", "FAILED"], rows
    code, out, _ = run_command(capsys, str(workspace), "--run", "1", "--flow", "report")
    assert code == 0 and out.startswith("report #1 (daily-eu)  COMPLETED"), out
    code, out, _ = run_command(capsys, str(workspace), "--json")
    named = [json.loads(line).get("name") for line in out.splitlines()]
    assert named == ["daily-eu", None]


def test_a_flow_function_s_run_counts_the_tasks_it_called_in_json(capsys, workspace: Path) -> None:
    """A @flow plans no task, so `--json` said `"tasks": 0` for a run with two."""
    from flowtop import flow

    @task
    def one(x: int) -> int:
        return x

    @flow(name="twice")
    def twice() -> int:
        return one(1) + one(2)

    record_call(workspace, twice)
    record_runs(workspace, make_flow("etl"))
    code, out, _ = run_command(capsys, str(workspace), "--json")
    assert code == 0
    assert {json.loads(line)["flow"]: json.loads(line)["tasks"] for line in out.splitlines()} == {
        "twice": 2,
        "etl": 2,
    }


def test_a_run_that_failed_with_no_task_says_why(capsys, workspace: Path) -> None:
    """A @flow that raised before calling a task: `--run` showed `0 tasks` and nothing
    else (the table's NOTE said it, the run's own view did not)."""
    from flowtop import flow

    @flow(name="boom")
    def boom() -> None:
        raise KeyError("GBP")

    record_call(workspace, boom)
    code, out, _ = run_command(capsys, str(workspace), "--flow", "boom", "--run", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].endswith("0 tasks") and lines[2] == "flow raised KeyError: 'GBP'"
    assert lines[3] == "  Traceback (most recent call last):" and lines[-1] == "  KeyError: 'GBP'"


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_something_else_where_the_store_belongs_is_said(capsys, workspace: Path, kind: str) -> None:
    """A `.flowtop` that is a file (or a `history.db` that is a folder) read as "No run
    history yet: … does not exist", though every run recorded here would fail on it."""
    if kind == "file":
        (workspace / ".flowtop").write_text("")
        said = ".flowtop is a file, where flowtop keeps its folder: move it away"
    else:
        (workspace / ".flowtop" / "history.db").mkdir(parents=True)
        said = "history.db is not a file, where flowtop keeps its run store: move it away"
    code, out, err = run_command(capsys, str(workspace))
    assert code == 2 and out == "" and err.rstrip().endswith(said), err


def test_a_file_s_prune_cut_short_says_what_it_removed_before(
    capsys, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's flows are pruned one transaction each: one failing after another had
    removed its runs said only "cannot prune", as if nothing had gone."""
    import sqlite3

    from flowtop.workspace.history import History

    (workspace / "two.py").write_text(
        "from flowtop import Flow, task\n"
        "with Flow('one') as one:\n    task(print, name='p')('1')\n"
        "with Flow('two') as two:\n    task(print, name='p')('2')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for _ in range(2):
        ran = subprocess.run(
            [sys.executable, "-m", "flowtop", "run", str(workspace / "two.py")],
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr
    real = History.prune
    calls = iter(range(10))

    def locked_second(self: History, keep: int, flow: str | None = None) -> int:
        if next(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return real(self, keep, flow)

    monkeypatch.setattr(History, "prune", locked_second)
    code, _, err = run_command(capsys, str(workspace / "two.py"), "--prune", "0")
    assert code == 2
    assert "(database is locked; 2 runs of the flows before it removed)" in err
