"""A run store that cannot be written (read-only, disk full): ``flowtop run`` says plainly
that the run was not recorded and exits non-zero, unless ``--no-history`` (issue 16 item 11)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from .conftest import flowtop

FLOW = """\
from flowtop import Flow, task

@task
def job():
    return 1

with Flow("etl") as flow:
    job()
"""


def without_dac_override() -> tuple[str, ...]:
    """Root writes a read-only file anyway; without this capability it cannot."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file read-only to root")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search")


def test_a_read_only_store_is_said_plainly_and_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(FLOW)
    first = flowtop("run", ".", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    store = tmp_path / ".flowtop" / "history.db"
    store.chmod(0o444)
    try:
        prefix = without_dac_override()
        done = flowtop("run", ".", cwd=tmp_path, prefix=prefix)
        assert done.returncode == 1, done.stderr
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith(f"flowtop run: {store}: the run was not recorded (")
        assert "readonly database" in last
        assert "kept for the next try" not in last
        anyway = flowtop("run", ".", "--no-history", cwd=tmp_path, prefix=prefix)
        assert anyway.returncode == 0, anyway.stderr
        assert "not recorded" not in anyway.stderr
    finally:
        store.chmod(0o600)


def test_closing_a_store_that_cannot_be_written_never_says_kept_for_the_next_try(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from flowtop import Flow, task
    from flowtop.engine.runner import Runner
    from flowtop.workspace.history import History
    from flowtop.workspace.private import private_folder

    @task
    def job() -> int:
        return 1

    flow = Flow("etl")
    flow.add_task(job)
    private_folder(tmp_path / ".flowtop")
    history = History(tmp_path / ".flowtop" / "history.db", write_interval=10.0)
    history._conn.execute("PRAGMA query_only = 1")  # every write fails, as on a full disk
    runner = Runner(sinks=[history.sink])
    try:
        runner.start(flow).final_result()
        runner.bus.flush()
    finally:
        runner.shutdown(wait=True)
    caplog.clear()  # during the run, "kept for the next try" is true: there is one
    with caplog.at_level(logging.WARNING, logger="flowtop.history"):
        history.close()
    assert history.lost > 0 and history.last_error is not None
    closing = [r.getMessage() for r in caplog.records]
    assert any("4 events not recorded" in line for line in closing), closing
    assert not any("kept for the next try" in line for line in closing)


def test_a_state_folder_that_cannot_be_made_is_one_line_saying_where(tmp_path: Path) -> None:
    from flowtop.workspace.history_records import HistoryError
    from flowtop.workspace.private import private_folder

    (tmp_path / "file").write_text("")
    with pytest.raises(
        HistoryError, match=r"cannot create .*file/\.flowtop: .*file is a file, not"
    ):
        private_folder(tmp_path / "file" / ".flowtop")


def test_a_state_folder_every_user_may_write_in_is_refused(tmp_path: Path) -> None:
    """A `.flowtop` left `chmod 777` was used as it was: another local user could plant a
    pickled result there, run as the victim by the next rerun or cached call."""
    from flowtop.workspace.history_records import HistoryError
    from flowtop.workspace.private import private_folder

    shared = tmp_path / ".flowtop"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(HistoryError, match=r"\.flowtop is writable by every user: .*chmod -R o-w"):
        private_folder(shared)
    shared.chmod(0o770)  # a group that shares it is the owner's choice
    assert private_folder(shared) == shared
