"""A flow name stays with the file that has it while that file exists, broken or not
(``name_owners``): a file saved broken, or refused for one of its names, keeps the
others; no file after it is handed one of them, nor its code run under it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fork_cli
from flow_texts import ETL_EXTRACT_LOAD as ETL
from flowtop.tui.file_rows import broken_flow_file
from flowtop.workspace import RemoteWorkspace, Workspace

BROKEN = ETL + "\nSCHEMA_VERSION = = 1\n"  # saved broken

DUP = """
from flowtop import Flow, task

@task
def other():
    print("other ran")
    return 1

flow = Flow("etl")
flow.add_task(other)
"""

SEEDS = """
from flowtop import Flow, task

@task
def t():
    return 1

example = Flow("example-flow")
example.add_task(t)
predicate = Flow("predicate-flow")
predicate.add_task(t)
lonely = Flow("lonely-flow")
lonely.add_task(t)
"""

Write = Callable[[str, str], Path]


def runnable(ws: Workspace | RemoteWorkspace) -> dict[str, Path]:
    """The flows a run may start: those whose file is not broken."""
    return {name: path for name, path in ws.flow_files.items() if path not in ws.errors}


def said(ws: Workspace | RemoteWorkspace) -> dict[str, str]:
    return {path.name: str(error) for path, error in ws.errors.items()}


def test_a_broken_file_keeps_its_name_from_a_file_after_it(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    etl, dup = write("etl.py", ETL), write("zz_dup.py", DUP)
    ws = workspace()
    refused = "zz_dup.py:8: flow 'etl' is already defined in etl.py"
    assert said(ws) == {"zz_dup.py": refused}
    write("etl.py", BROKEN)
    change = ws.reload_paths([etl])
    assert ws.flow_files["etl"] == etl  # its last good flow, listed, not run
    assert set(ws.flows["etl"].nodes) == {"extract", "load"}
    assert said(ws)["zz_dup.py"] == refused
    assert "SyntaxError" in said(ws)["etl.py"]
    assert "etl" not in change.flows and "etl" not in change.removed
    assert broken_flow_file(ws, "etl", of_broken={}) == etl  # `r` says its file failed
    fresh = workspace()  # `flowtop list`, a second monitor: etl.py broken holds it too
    assert said(fresh) == said(ws) and runnable(fresh) == runnable(ws)
    write("etl.py", ETL)
    ws.reload_paths([etl])
    assert ws.flow_files["etl"] == etl and said(ws) == {"zz_dup.py": refused}
    dup.unlink()
    ws.reload_paths([dup])
    assert said(ws) == {}


def test_the_cli_refuses_to_run_the_other_files_flow(write: Write, tmp_path: Path) -> None:
    write("etl.py", BROKEN)
    write("zz_dup.py", DUP)
    ran = fork_cli.run(["run", str(tmp_path), "--flow", "etl"], timeout=60, cwd=tmp_path)
    assert ran.returncode != 0
    assert "other ran" not in ran.stdout + ran.stderr
    assert "zz_dup.py:8: flow 'etl' is already defined in etl.py" in ran.stderr
    # the broken file's failure is why: not "no flow named 'etl' … flows: none"
    assert "flow 'etl' cannot run: its file failed to load: etl.py:" in ran.stderr
    assert "no flow named" not in ran.stderr
    listed = fork_cli.run(["list", str(tmp_path)], timeout=60, cwd=tmp_path)
    assert "zz_dup.py:8: flow 'etl' is already defined in etl.py" in listed.stderr


def test_a_file_refused_for_a_name_keeps_its_other_flows(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    seeds = write("seeds.py", SEEDS)
    ws = workspace()
    aaa = write("aaa.py", DUP.replace('"etl"', '"example-flow"'))
    change = ws.reload_paths([aaa])
    assert ws.flow_files == {
        "example-flow": aaa,
        "predicate-flow": seeds,
        "lonely-flow": seeds,
    }
    assert said(ws) == {"seeds.py": "seeds.py:7: flow 'example-flow' is already defined in aaa.py"}
    assert change.removed == ()
    assert broken_flow_file(ws, "lonely-flow", of_broken={}) == seeds
    # its other names are still its: a file after it defining one is refused, in this
    # process as in a fresh one
    zz = write("zz.py", DUP.replace('"etl"', '"lonely-flow"'))
    ws.reload_paths([zz])
    assert said(ws)["zz.py"] == "zz.py:8: flow 'lonely-flow' is already defined in seeds.py"
    fresh = workspace()
    assert said(fresh) == said(ws) and runnable(fresh) == runnable(ws)
    aaa.unlink()  # the name is free again: seeds.py has all three back
    ws.reload_paths([aaa])
    assert runnable(ws) == dict.fromkeys(["example-flow", "predicate-flow", "lonely-flow"], seeds)


def test_the_monitor_keeps_the_broken_files_flow(write: Write, tmp_path: Path) -> None:
    """The TUI's flows come from its flow host: its hot reload follows the same rule."""
    etl = write("etl.py", ETL)
    write("zz_dup.py", DUP)
    remote = RemoteWorkspace(tmp_path)
    try:
        remote.load()
        write("etl.py", BROKEN)
        remote.reload_paths([etl])
        assert remote.flow_files == {"etl": etl}
        assert set(remote.shapes["etl"].nodes) == {"extract", "load"}
        assert said(remote)["zz_dup.py"] == "zz_dup.py:8: flow 'etl' is already defined in etl.py"
    finally:
        remote.close()


def test_a_run_of_one_flow_refuses_its_file_as_the_folder_load_does(
    write: Write, tmp_path: Path
) -> None:
    """``run --flow`` imports only the file defining it: the other files' names, as their
    sources tell them, still refuse it (``flowtop list`` refuses seeds.py)."""
    write("seeds.py", SEEDS)
    write("aaa.py", DUP.replace('"etl"', '"example-flow"'))
    ran = fork_cli.run(["run", str(tmp_path), "--flow", "lonely-flow"], timeout=60, cwd=tmp_path)
    assert ran.returncode != 0
    refused = "seeds.py:7: flow 'example-flow' is already defined in aaa.py"
    assert f"flow 'lonely-flow' cannot run: its file failed to load: {refused}" in ran.stderr


#: A file defining ``x`` and ``z``, and a broken file before it that only mentions
#: ``x`` in a comment and a string (it moved): the mention holds no name.
X_AND_Z = """
from flowtop import Flow, task

@task
def t():
    print("B FILE CODE RAN")
    return 1

x = Flow("x")
x.add_task(t)
z = Flow("z")
z.add_task(t)
"""
MENTIONS_X = """
# This file used to define Flow("x"); it moved to b.py.
NOTE = 'Flow("x") lives in b.py'
from flowtop import Flow, task
oops(
"""
DEFINES_X = """
from flowtop import Flow, task
x = Flow("x")
y = Flow("y")
oops(
"""


def test_a_broken_file_holds_no_name_its_comments_or_strings_mention(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """A byte pattern read ``Flow("x")`` in a broken file's comment: b.py, which defines
    ``x``, was refused, and neither of its flows listed (qa70d)."""
    write("a.py", MENTIONS_X)
    b = write("b.py", X_AND_Z)
    ws = workspace()
    assert ws.flow_files == {"x": b, "z": b}
    assert list(said(ws)) == ["a.py"]


def test_run_flow_refuses_a_file_whose_other_name_a_broken_file_before_it_holds(
    write: Write, tmp_path: Path
) -> None:
    """a.py (broken) defines ``x``; b.py defines ``x`` and ``z``: ``list`` and ``run DIR``
    refuse b.py, and so must ``run --flow z``, which ran b.py's code (qa70d)."""
    write("a.py", DEFINES_X)
    write("b.py", X_AND_Z)
    ran = fork_cli.run(["run", str(tmp_path), "--flow", "z"], timeout=60, cwd=tmp_path)
    assert ran.returncode != 0, ran.stdout
    assert "B FILE CODE RAN" not in ran.stdout + ran.stderr
    assert "b.py:8: flow 'x' is already defined in a.py" in ran.stderr, ran.stderr
