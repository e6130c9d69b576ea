"""Which file keeps a flow name two files define: the first by sorted path (``ls -v``),
whatever order the files were loaded in, and while it exists, broken or refused for
another name, so the monitor's hot reload, a second monitor, ``flowtop list`` and
``flowtop run --flow`` all run the same flow (rv347 §1, fx70d)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fork_cli
from flow_texts import ETL_EXTRACT_LOAD as ETL
from flowtop.workspace import RemoteWorkspace, Workspace

DUP = """
from flowtop import Flow, task

@task
def d():
    return 1

flow = Flow("etl")
flow.add_task(d)
"""

Write = Callable[[str, str], Path]


def state(ws: Workspace | RemoteWorkspace) -> tuple[dict[str, Path], dict[Path, str]]:
    return dict(ws.flow_files), {path: str(error) for path, error in ws.errors.items()}


def test_a_file_added_that_sorts_first_takes_the_name_as_a_fresh_load_gives_it(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    etl = write("etl.py", ETL)
    ws = workspace()
    assert ws.flow_files == {"etl": etl}
    dup = write("adup.py", DUP)
    change = ws.reload_paths([dup])
    assert ws.flow_files == {"etl": dup}
    assert str(ws.errors[etl]) == "etl.py:11: flow 'etl' is already defined in adup.py"
    assert [str(error) for error in change.errors] == [str(ws.errors[etl])]
    assert change.flows == ("etl",) and change.removed == ()
    assert set(ws.flows["etl"].nodes) == {"d"}  # adup.py's flow is the one run
    assert state(ws) == state(workspace())  # as a second monitor, or `flowtop list`, has it
    dup.unlink()  # the file that kept the name goes: the other one has it again
    ws.reload_paths([dup])
    assert state(ws) == ({"etl": etl}, {})


def test_saving_the_refused_file_keeps_it_refused(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    etl = write("etl.py", ETL)
    ws = workspace()
    dup = write("adup.py", DUP)
    ws.reload_paths([dup])
    write("etl.py", ETL + "\n# saved again\n")
    ws.reload_paths([etl])
    assert ws.flow_files == {"etl": dup}
    assert str(ws.errors[etl]) == "etl.py:11: flow 'etl' is already defined in adup.py"


def test_the_file_refused_keeps_its_other_flows_listed_and_their_names(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """b.py had ``etl`` and ``other`` (c.py refused for ``other``); a.py comes with an
    ``etl``: b.py is refused, as a fresh load refuses it, and keeps ``other`` as a broken
    file keeps its names (listed as it last loaded, not run): c.py stays refused. (b.py
    was dropped whole, and its other flows went from the list, fx70d.)"""
    b, c = (
        write("b.py", ETL + '\nother = Flow("other")\nother.add_task(extract)\n'),
        write("c.py", DUP.replace('"etl"', '"other"')),
    )
    ws = workspace()
    assert list(ws.errors) == [c]
    change = ws.reload_paths([write("a.py", DUP)])
    assert state(ws)[1] == state(workspace())[1]
    assert ws.flow_files == {"etl": tmp_path / "a.py", "other": b}
    assert set(ws.errors) == {b, c}
    assert "flow 'other' is already defined in" in str(ws.errors[c])
    assert change.removed == ()  # both names are still there


def test_the_monitor_shows_the_flow_the_cli_runs(write: Write, tmp_path: Path) -> None:
    """The TUI's flows come from its flow host: its hot reload follows the same rule; the
    refused file's other flow stays listed as a broken file's does."""
    etl = write("etl.py", ETL + '\nsecond = Flow("second")\nsecond.add_task(extract)\n')
    remote = RemoteWorkspace(tmp_path)
    try:
        remote.load()
        assert remote.flow_files == {"etl": etl, "second": etl}
        dup = write("adup.py", DUP)
        remote.reload_paths([dup])
        assert remote.flow_files == {"etl": dup, "second": etl}
        assert list(remote.shapes["etl"].nodes) == ["d"]
        assert str(remote.errors[etl]) == "etl.py:11: flow 'etl' is already defined in adup.py"
    finally:
        remote.close()
    listed = fork_cli.run(
        ["list", str(tmp_path)],
        timeout=60,
        cwd=tmp_path,
    )
    assert "etl.py:11: flow 'etl' is already defined in adup.py" in listed.stderr
