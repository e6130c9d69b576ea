"""Reads that pick from every run in SQL: a store a cron job fills holds tens of
thousands of runs, and the TUI's open, ``watch ID`` and ``history --run ID`` must not
read them all. Each read is checked against what it stands for."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.commands import history as history_command
from flowtop.commands import watch
from flowtop.commands.store_access import find_run
from flowtop.engine import Runner
from flowtop.workspace.history import History
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.store_reader import StoreReader


def one_task_flow(name: str) -> Flow:
    flow = Flow(name)
    flow.add_task(task(lambda: 1, name="one"), key="one")
    return flow


def record(db: Path, runs: list[tuple[str, str]]) -> None:
    """Run each ``(flow, run_id)`` in order, to its end, into the store at ``db``."""
    history = History(db)
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    try:
        for name, run_id in runs:
            runner.start(one_task_flow(name), run_id=run_id).result(timeout=30)
    finally:
        runner.shutdown()
        history.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / ".flowtop" / "history.db"
    path.parent.mkdir()
    record(
        path,
        [
            ("etl", "abc100000001"),
            ("report", "abc200000001"),
            ("etl", "abc100000002"),
            ("etl", "def000000003"),
            ("report", "abc200000002"),
        ],
    )
    return path


def test_newest_per_flow_is_each_flows_latest_run(db: Path) -> None:
    newest = StoreReader(db).newest_per_flow()
    assert sorted((r.flow, r.number, r.run_id) for r in newest) == [
        ("etl", 3, "def000000003"),
        ("report", 2, "abc200000002"),
    ]


def test_count_and_flows(db: Path) -> None:
    reader = StoreReader(db)
    assert (reader.count(), reader.count("etl"), reader.count("nope")) == (5, 3, 0)
    assert reader.flows() == ["etl", "report"]


def test_an_id_prefix_matches_in_any_case_and_within_a_flow(db: Path) -> None:
    reader = StoreReader(db)
    assert [r.run_id for r in reader.with_id_prefix("ABC1")] == ["abc100000002", "abc100000001"]
    assert len(reader.with_id_prefix("abc")) == 4
    assert [r.run_id for r in reader.with_id_prefix("abc", "report")] == [
        "abc200000002",
        "abc200000001",
    ]
    assert reader.with_id_prefix("abc1", "report") == []


def test_running_lists_only_live_runs(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    release = threading.Event()
    flow = Flow("slow")
    flow.add_task(task(lambda: release.wait(30), name="wait"), key="wait")
    try:
        live = runner.start(flow)
        runner.start(one_task_flow("quick")).result(timeout=30)
        runner.bus.flush()
        history.flush()
        assert [r.run_id for r in StoreReader(db).running()] == [live.run_id]
        release.set()
        live.result(timeout=30)
        runner.bus.flush()
        history.flush()
        assert StoreReader(db).running() == []
    finally:
        release.set()
        runner.shutdown()
        history.close()


def test_history_says_when_limit_left_runs_out(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def listed(*extra: str) -> str:
        args = argparse.Namespace(
            path=str(db.parent.parent), json=False, run=None, flow=None, prune=None, limit=50
        )
        for option in extra:
            name, _, value = option.partition("=")
            setattr(args, name, value if name == "flow" else int(value))
        assert history_command.main(args) == 0
        return capsys.readouterr().out

    assert "(newest 2 of 5 runs; --limit N shows more, 0 all)" in listed("limit=2")
    assert "(newest 2 of 3 runs" in listed("limit=2", "flow=etl")
    assert "newest" not in listed("limit=5")  # all of them: nothing left out


def test_watch_names_an_ambiguous_id_once_and_at_once(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It used to wait for the run to appear, saying "ambiguous" twenty times a second."""
    monkeypatch.setattr(watch.time, "sleep", no_sleep)
    args = argparse.Namespace(target=[str(db.parent.parent), "abc1"], flow=None, json=False)
    assert watch.main(args) == 2
    assert (
        capsys.readouterr().err
        == "flowtop watch: run id 'abc1' is ambiguous: abc100000002, abc100000001\n"
    )


@pytest.mark.parametrize(
    ("ref", "flow", "found"),
    [("2", "etl", "abc100000002"), ("#1", "report", "abc200000001"), ("3", None, "def000000003")],
)
def test_a_run_is_named_by_the_number_history_prints(
    db: Path, ref: str, flow: str | None, found: str
) -> None:
    """`flowtop history` shows `etl  2`; `watch 2` said "no run with id '2'"."""
    record = find_run(db, ref, flow, "watch")
    assert isinstance(record, RunRecord) and record.run_id == found


def test_cancel_takes_the_flow_whose_run_number_it_is(db: Path) -> None:
    """It told the user to add --flow NAME, which it did not take."""
    from flowtop.cli import build_parser

    args = build_parser("cancel").parse_args(
        ["cancel", str(db.parent.parent), "#2", "--flow", "etl"]
    )
    assert args.flow == "etl"
    record = find_run(db, "#2", args.flow, "cancel")
    assert isinstance(record, RunRecord) and record.run_id == "abc100000002"


def test_a_number_several_flows_have_asks_for_the_flow(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert find_run(db, "#2", None, "cancel") == 2
    assert capsys.readouterr().err == (
        "flowtop cancel: run #2 exists for several flows (etl, report): add --flow NAME\n"
    )


def test_watch_waits_only_for_a_run_launched_here(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An id no launch here gave out is a typo, said at once; one whose launch log exists
    may not be stored yet, and is waited for."""
    monkeypatch.setattr(watch.time, "sleep", no_sleep)
    args = argparse.Namespace(target=[str(db.parent.parent), "0123dead"], flow=None, json=False)
    assert watch.main(args) == 2
    assert "no run with id '0123dead'" in capsys.readouterr().err

    logs = db.parent / "logs"
    logs.mkdir()
    (logs / "0123deadbeef.log").write_text("")
    slept: list[float] = []
    monkeypatch.setattr(watch, "STARTING", 0.2)
    monkeypatch.setattr(watch.time, "sleep", slept.append)
    assert watch.main(args) == 2  # never stored: said once the wait is over
    assert slept and "no run with id '0123dead'" in capsys.readouterr().err


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"slept {seconds} s: nothing should be waited for")
