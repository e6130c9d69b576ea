"""A flow file given as PATH names the flows it defines, in the store its folder shares.

Every flow file of a folder records its runs in the folder's one store, and ``watch`` and
``history --run`` took a file path for that store alone: ``flowtop watch flows/a.py``
followed the newest run of *any* flow there (b.py's, started after), and ``history --run 2
a.py`` showed run #2 of b.py's flow as if it were a.py's. Now a file's path narrows them,
``history``'s table, ``--prune`` and ``cancel`` to its own flows: the newest of those, a
run number read as theirs, and another flow's run refused, saying whose it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_kit import Here, flowtop

FLOW = """\
from flowtop import Flow, task

@task
def step() -> int:
    return 1

with Flow({name!r}) as flow:
    step()
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """a.py (flow alpha: run #1) and b.py (flow beta: runs #1 and #2, the newest)."""
    here = tmp_path_factory.mktemp("shared")
    (here / "a.py").write_text(FLOW.format(name="alpha"))
    (here / "b.py").write_text(FLOW.format(name="beta"))
    for file in ("a.py", "b.py", "b.py"):
        done = flowtop("run", file, cwd=here)
        assert done.returncode == 0, done.stderr
    return here


@pytest.fixture(scope="module")
def beta_2(folder: Path) -> str:
    """The id of run #2 of beta, as ``history --json`` gives it."""
    listed = flowtop("history", ".", "--json", "--flow", "beta", "--limit", "1", cwd=folder)
    run = json.loads(listed.stdout)
    assert (run["flow"], run["run"]) == ("beta", 2), run
    return str(run["run_id"])


def test_watch_of_a_file_follows_the_newest_run_of_its_own_flows(
    flowtop_here: Here, folder: Path
) -> None:
    done = flowtop_here("watch", "a.py", cwd=folder)

    assert done.returncode == 0, done.stderr
    assert "alpha #1 COMPLETED" in done.stdout
    assert "beta" not in done.stdout


def test_watch_of_a_folder_still_follows_the_newest_run_of_any_flow(
    flowtop_here: Here, folder: Path
) -> None:
    done = flowtop_here("watch", ".", cwd=folder)

    assert done.returncode == 0, done.stderr
    assert "beta #2 COMPLETED" in done.stdout


def test_a_run_number_after_a_file_is_one_of_its_flows(flowtop_here: Here, folder: Path) -> None:
    """alpha and beta both have a #1: a.py's is meant, not "add --flow NAME"."""
    watched = flowtop_here("watch", "a.py", "1", cwd=folder)
    shown = flowtop_here("history", "a.py", "--run", "1", cwd=folder)

    assert watched.returncode == 0, watched.stderr
    assert "alpha #1 COMPLETED" in watched.stdout
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("alpha #1  COMPLETED")


def test_history_run_of_another_file_s_flow_is_refused_saying_whose(
    flowtop_here: Here, folder: Path, beta_2: str
) -> None:
    shown = flowtop_here("history", "a.py", "--run", "2", cwd=folder)

    assert shown.returncode == 2
    assert shown.stdout == ""
    assert shown.stderr.strip() == (
        f"flowtop history: run 2 is beta #2 ({beta_2}), not a run of the flows of a.py "
        "(alpha): give the file that defines 'beta', or the folder"
    )


def test_watch_of_another_file_s_run_by_id_is_refused_at_once(
    flowtop_here: Here, folder: Path, beta_2: str
) -> None:
    watched = flowtop_here("watch", "a.py", beta_2[:6], cwd=folder)

    assert watched.returncode == 2
    assert "beta" not in watched.stdout
    assert watched.stderr.startswith(f"flowtop watch: run {beta_2[:6]} is beta #2 ({beta_2}), ")


def test_a_flow_the_file_does_not_define_is_refused(flowtop_here: Here, folder: Path) -> None:
    watched = flowtop_here("watch", "a.py", "--flow", "beta", cwd=folder)
    shown = flowtop_here("history", "a.py", "--run", "1", "--flow", "beta", cwd=folder)

    for done, command in ((watched, "watch"), (shown, "history")):
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr.strip() == (
            f"flowtop {command}: a.py defines no flow 'beta' (its flows: alpha)"
        )


def test_a_file_that_does_not_load_takes_every_flow_of_its_folder_saying_so(
    flowtop_here: Here,
    folder: Path,
) -> None:
    """A flow file mid-edit (a syntax error) still has a history, and a run to watch."""
    (folder / "broken.py").write_text("from flowtop import Flow\ndef broken(:\n")
    try:
        watched = flowtop_here("watch", "broken.py", cwd=folder)
        listed = flowtop_here("history", "broken.py", "--json", cwd=folder)
    finally:
        (folder / "broken.py").unlink()

    assert watched.returncode == 0, watched.stderr
    assert "beta #2 COMPLETED" in watched.stdout
    said = watched.stderr.strip()
    assert said.startswith("flowtop watch: cannot tell which runs are of broken.py's flows: ")
    assert "SyntaxError" in said
    assert said.endswith("taking every flow of its folder")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 3


def test_the_history_table_of_a_file_lists_its_own_flows_runs(
    flowtop_here: Here, folder: Path
) -> None:
    listed = flowtop_here("history", "a.py", "--json", cwd=folder)
    everything = flowtop_here("history", ".", "--json", cwd=folder)

    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["flow"] for line in listed.stdout.splitlines()] == ["alpha"]
    assert len(everything.stdout.splitlines()) == 3


def test_cancel_of_another_file_s_run_is_refused_saying_whose(
    flowtop_here: Here, folder: Path, beta_2: str
) -> None:
    done = flowtop_here("cancel", "a.py", "2", cwd=folder)

    assert done.returncode == 2
    assert done.stderr.startswith(f"flowtop cancel: run 2 is beta #2 ({beta_2}), ")


def test_prune_of_a_file_keeps_the_other_files_runs(flowtop_here: Here, tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(FLOW.format(name="alpha"))
    (tmp_path / "b.py").write_text(FLOW.format(name="beta"))
    for file in ("a.py", "a.py", "b.py", "b.py"):
        assert flowtop("run", file, cwd=tmp_path).returncode == 0

    pruned = flowtop_here("history", "a.py", "--prune", "0", cwd=tmp_path)

    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("Removed 2 runs;")
    left = flowtop_here("history", ".", "--json", cwd=tmp_path).stdout.splitlines()
    assert [json.loads(line)["flow"] for line in left] == ["beta", "beta"]


SLOW_TO_IMPORT = """\
import pathlib, time
from flowtop import Flow, task

if pathlib.Path(__file__).with_name("stuck").exists():
    pathlib.Path(__file__).with_name("imported while stuck").touch()
    time.sleep(60)  # a network mount that hangs, as the run stuck on it does

@task
def step() -> int:
    return 1

with Flow("slow") as flow:
    step()
"""


def test_a_run_named_by_id_after_its_file_needs_no_import_of_the_file(
    flowtop_here: Here, tmp_path: Path
) -> None:
    """``cancel FILE ID``, ``watch FILE ID`` and ``history FILE --run ID`` imported the file
    to learn its flows, twice when the import hung (20 s before ``cancel`` acted): an id
    names one run, and the file's source names its flow."""
    (tmp_path / "slow.py").write_text(SLOW_TO_IMPORT)
    assert flowtop("run", "slow.py", cwd=tmp_path).returncode == 0
    (run,) = json_lines_of(flowtop_here("history", ".", "--json", cwd=tmp_path).stdout)
    (tmp_path / "stuck").touch()

    shown = flowtop_here("history", "slow.py", "--run", run["run_id"][:6], cwd=tmp_path)
    watched = flowtop_here("watch", "slow.py", run["run_id"], cwd=tmp_path)

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("slow #1  COMPLETED")
    assert watched.returncode == 0 and "slow #1 COMPLETED" in watched.stdout, watched.stderr
    assert not (tmp_path / "imported while stuck").exists()  # (it passed, 20 s later)


def json_lines_of(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_an_id_that_starts_with_digits_needs_no_import_of_the_file(
    flowtop_here: Here, tmp_path: Path
) -> None:
    """One id in 16 starts with six digits (``123456…``): such a prefix was read as a run
    number, whose flow only the file's import could tell, and the import ran (a CI flake
    of the test above, one run in sixteen)."""
    (tmp_path / "slow.py").write_text(SLOW_TO_IMPORT)
    ran = flowtop("run", "slow.py", "--run-id", "123456789abc", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    (tmp_path / "stuck").touch()

    shown = flowtop_here("history", "slow.py", "--run", "123456", cwd=tmp_path)

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("slow #1  COMPLETED")
    assert not (tmp_path / "imported while stuck").exists()
