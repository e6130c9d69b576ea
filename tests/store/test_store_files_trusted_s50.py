"""A rerun reads back the results a run stored: pickles, code that runs as you. The
``.flowtop`` folder was checked for other users' write access, not the store's files:
after ``chmod -R 777 .flowtop``, then the ``chmod o-w .flowtop`` flowtop asked for,
``history.db`` stayed writable by every user, and any local user could plant a pickle a
rerun then ran as you. Now each store file is checked as a cached result's file is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowtop.workspace import results
from flowtop.workspace.store_trust import Untrusted

from .conftest import flowtop, json_lines

FLOW = """
from pathlib import Path
from flowtop import Flow, task

@task
def extract():
    return 1

@task(max_retries=0)
def load(x):
    if not (Path(__file__).parent / "fixed").exists():
        raise ConnectionError("down")
    return x

with Flow("etl") as flow:
    load(extract())
"""


def first_run(ws) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    folder = ws(etl=FLOW)
    done = flowtop("run", ".", "--json", cwd=folder)
    return folder, json_lines(done.stdout)[0]["run_id"]


def test_a_rerun_refuses_results_in_a_store_every_user_may_write(ws) -> None:
    folder, source = first_run(ws)
    store = folder / ".flowtop" / "history.db"
    os.chmod(store, 0o666)
    (folder / "fixed").touch()
    again = flowtop("run", ".", "--rerun-of", source, cwd=folder)
    assert again.returncode == 2, again.stderr
    said = again.stderr.strip()
    assert "cannot reuse stored results: .flowtop/history.db is writable by every user" in said
    assert "chmod o-w .flowtop/history.db" in said, said
    assert "pickles" in said and "Traceback" not in said, said
    os.chmod(store, 0o600)  # put right: the rerun reuses extract's result
    again = flowtop("run", ".", "--rerun-of", source, "--json", cwd=folder)
    assert again.returncode == 0, again.stderr
    ran = {e["task"] for e in json_lines(again.stdout) if e.get("state") == "RUNNING"}
    assert ran == {"load"}


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_results_are_not_read_past_a_file_beside_the_store_every_user_may_write(
    ws, suffix: str
) -> None:
    """The files SQLite keeps beside the store while any flowtop holds it open (a monitor
    left running): a ``-wal`` made while ``.flowtop`` was 777 stays so."""
    folder, source = first_run(ws)
    store = folder / ".flowtop" / "history.db"
    assert results.load(store, source)[0] == {"extract": 1}
    beside = store.with_name(f"history.db{suffix}")
    beside.touch()
    os.chmod(beside, 0o666)
    with pytest.raises(Untrusted, match=f"history.db{suffix} is writable by every user"):
        results.load(store, source)


@pytest.mark.skipif(os.geteuid() != 0, reason="gives the store to another user: needs root")
def test_a_rerun_refuses_results_in_a_store_another_user_owns(ws) -> None:
    folder, source = first_run(ws)
    os.chown(folder / ".flowtop" / "history.db", 24_100, -1)
    again = flowtop("run", ".", "--rerun-of", source, cwd=folder)
    assert again.returncode == 2, again.stderr
    assert "cannot reuse stored results: .flowtop/history.db is" in again.stderr, again.stderr
