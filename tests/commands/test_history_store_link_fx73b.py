"""A store path that is a broken link, and ``history --prune`` given what it ignores.

- A symbolic link to nothing (a disk not mounted) or to itself at ``.flowtop/history.db``
  read as no store: ``history`` said ``No run history yet: … does not exist``, exit 0, and
  ``watch`` and ``cancel`` ``no runs yet``, where ``flowtop run`` refuses the link and
  says so. Each says what ``run`` says of it now, one line, exit 2.
- ``history --prune 5 --flow nope`` said ``Removed 0 runs; kept the newest 5 of nope.``,
  exit 0: a misspelt flow pruned nothing, silently. It fails as ``history --flow nope``
  does. ``--prune`` with ``--run`` or ``--limit``, which it ignored, is a usage error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import Here, flowtop, stored_runs
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder

FLOW = "from flowtop import flow\n\n\n@flow\ndef slow() -> None:\n    pass\n"


def linked(folder: Path, how: str) -> Path:
    """``folder`` with its store (or its ``.flowtop``) a link as ``how`` says; the path
    the link points at (which nothing may make)."""
    (folder / "flow.py").write_text(FLOW)
    state = folder / ".flowtop"
    if how == "state to nothing":
        state.symlink_to(folder / "unmounted" / ".flowtop")
        return folder / "unmounted"
    state.mkdir(mode=0o700)
    db = state / "history.db"
    if how == "loop":
        db.symlink_to("history.db")
        return db
    db.symlink_to(folder / "unmounted" / "h.db")
    return folder / "unmounted"


def one_line(said: str, command: str) -> str:
    lines = said.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"flowtop {command}: "), said
    assert "Traceback" not in said, said
    return lines[0].removeprefix(f"flowtop {command}: ")


@pytest.mark.parametrize("how", ["to nothing", "loop", "state to nothing"])
@pytest.mark.parametrize(
    "args",
    [
        ("history", "."),
        ("history", ".", "--json"),
        ("history", ".", "--run", "1"),
        ("history", ".", "--prune", "3"),
        ("history", ".", "--prune", "3", "--json"),
        ("history", "flow.py"),
        ("watch", "."),
        ("watch", ".", "1"),
        ("cancel", "."),
        ("cancel", ".", "1"),
    ],
)
def test_a_broken_link_at_the_store_is_said_not_taken_for_no_history(
    tmp_path: Path, flowtop_here: Here, how: str, args: tuple[str, ...]
) -> None:
    target = linked(tmp_path, how)
    done = flowtop_here(*args, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
    said = one_line(done.stderr, args[0])
    link = ".flowtop" if how == "state to nothing" else ".flowtop/history.db"
    assert f"{link} is a symbolic link" in said and f"rm {link}" in said, said
    assert "does not exist" not in said and "no run" not in said.lower(), said
    assert how == "loop" or not target.exists()  # nothing made where it points


def test_history_says_what_run_says_of_a_link_to_nothing(
    tmp_path: Path, flowtop_here: Here
) -> None:
    linked(tmp_path, "to nothing")
    ran = flowtop("run", "flow.py", cwd=tmp_path)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    shown = flowtop_here("history", ".", cwd=tmp_path)
    assert one_line(shown.stderr, "history") in ran.stderr, (shown.stderr, ran.stderr)


@pytest.fixture
def two_flows(tmp_path: Path) -> Path:
    """``tmp_path`` with a store of three runs of ``slow`` and one of ``fast``."""
    db = tmp_path / ".flowtop" / "history.db"
    private_folder(db.parent)
    with History(db) as history:
        for flow, numbers in (("slow", (1, 2, 3)), ("fast", (1,))):
            for number in numbers:
                run_id = f"{flow}{number:04d}"
                history.next_number(flow, run_id)
                started = 1000.0 + number
                history(
                    [
                        RunStarted(run_id, flow, number, (), (), (), ts=started),
                        RunFinished(
                            run_id, flow, number, StateType.COMPLETED, {}, 0.1, ts=started + 0.1
                        ),
                    ]
                )
    return tmp_path


@pytest.mark.parametrize("flow", ["nope", "slwo"])
@pytest.mark.parametrize("json", [(), ("--json",)])
def test_prune_of_a_flow_with_no_runs_fails_as_history_of_it_does(
    two_flows: Path, flowtop_here: Here, flow: str, json: tuple[str, ...]
) -> None:
    listed = flowtop_here("history", ".", "--flow", flow, *json, cwd=two_flows)
    assert listed.returncode == 2, listed.stdout + listed.stderr
    pruned = flowtop_here("history", ".", "--prune", "1", "--flow", flow, *json, cwd=two_flows)
    assert (pruned.returncode, pruned.stdout) == (2, ""), pruned.stdout + pruned.stderr
    assert pruned.stderr == listed.stderr
    assert f"no runs of flow {flow!r}" in pruned.stderr, pruned.stderr
    assert len(stored_runs(two_flows)) == 4  # nothing pruned


def test_prune_of_a_flow_with_runs_still_prunes(two_flows: Path, flowtop_here: Here) -> None:
    pruned = flowtop_here("history", ".", "--prune", "1", "--flow", "slow", cwd=two_flows)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("Removed 2 runs; kept the newest 1 of slow."), pruned.stdout
    assert sorted((r.flow, r.number) for r in stored_runs(two_flows)) == [
        ("fast", 1),
        ("slow", 3),
    ]


@pytest.mark.parametrize(
    ("more", "named"),
    [
        (("--run", "3"), "--run"),
        (("--run", "1", "--flow", "slow"), "--run"),
        (("--limit", "2"), "--limit"),
        (("--limit", "50"), "--limit"),  # the default, given: ignored all the same
        (("--json", "--limit", "0"), "--limit"),
        (("--run", "3", "--limit", "2"), "--run and --limit"),
    ],
)
def test_prune_with_an_option_it_ignores_is_a_usage_error(
    two_flows: Path, flowtop_here: Here, more: tuple[str, ...], named: str
) -> None:
    done = flowtop_here("history", ".", "--prune", "1", *more, cwd=two_flows)
    assert (done.returncode, done.stdout) == (2, ""), done.stdout + done.stderr
    said = one_line(done.stderr, "history")
    assert f"{named}: not allowed with argument --prune" in said, said
    assert len(stored_runs(two_flows)) == 4  # nothing pruned


def test_limit_without_prune_lists_as_before(two_flows: Path, flowtop_here: Here) -> None:
    for limit, shown in (("2", 2), ("50", 4), ("0", 4)):
        listed = flowtop_here("history", ".", "--limit", limit, "--json", cwd=two_flows)
        assert listed.returncode == 0, listed.stderr
        assert len(listed.stdout.splitlines()) == shown, listed.stdout
    listed = flowtop_here("history", ".", "--json", cwd=two_flows)
    assert len(listed.stdout.splitlines()) == 4 and listed.stderr == "", listed.stderr
