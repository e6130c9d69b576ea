"""Which file a flow belongs to: a flow imported from another flow file stays that file's
(Prefect's subflow pattern), and a name refused for a clash frees up when its owner goes."""

from __future__ import annotations

import fork_cli

CHILD = """
from flowtop import flow

@flow(name="child")
def child_flow(x: int = 1):
    return x * 2
"""

PARENT = """
from child import child_flow
from flowtop import flow

@flow(name="parent")
def parent():
    return child_flow(5) + 3
"""

A_FLOW = """
from flowtop import Flow, task

@task
def one():
    return 1

flow = Flow("a-flow")
flow.add_task(one)
"""


def test_a_flow_imported_from_another_flow_file_stays_in_its_own_file(write, workspace, tmp_path):
    write("child.py", CHILD)
    write("parent.py", PARENT)
    ws = workspace()
    assert ws.errors == {}
    assert list(ws.flows) == ["child", "parent"]
    assert ws.flow_files == {"child": tmp_path / "child.py", "parent": tmp_path / "parent.py"}
    assert ws.flows["parent"].fn() == 13  # the subflow still runs, from the parent


def test_a_file_workspace_of_the_importer_has_only_its_own_flow(write, workspace, tmp_path):
    """``flowtop run flows/parent.py`` also ran ``child`` as a top-level run of its own."""
    write("child.py", CHILD)
    write("parent.py", PARENT)
    ws = workspace("parent.py")
    assert ws.errors == {}
    assert list(ws.flows) == ["parent"]


def test_an_imported_flow_object_is_not_claimed_by_the_importer(write, workspace, tmp_path):
    write("a_flow.py", A_FLOW)
    write("uses.py", "from flowtop import Flow\nfrom a_flow import flow as a\nb = Flow('b')\n")
    ws = workspace()
    assert ws.errors == {}
    assert ws.flow_files == {"a-flow": tmp_path / "a_flow.py", "b": tmp_path / "uses.py"}


def test_flowtop_list_and_run_of_a_parent_file(write, tmp_path):
    write("flows/child.py", CHILD)
    write("flows/parent.py", PARENT)
    listed = fork_cli.run(
        ["list", "flows"],
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert "already defined" not in listed.stderr
    lines = [line for line in listed.stdout.splitlines() if not line.startswith(" ")]
    assert [line.split()[0] for line in lines] == ["child", "parent"]
    assert "flows/child.py" in lines[0] and "flows/parent.py" in lines[1]
    ran = fork_cli.run(
        ["run", "flows/parent.py", "--no-history"],
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    started = [line for line in ran.stdout.splitlines() if " started" in line]
    assert len(started) == 2 and "parent #" in started[0]
    assert "(child of parent" in started[1]  # child only as the parent's subflow


def test_a_duplicate_flow_name_points_at_the_second_definition(write, workspace, tmp_path):
    write("a_flow.py", A_FLOW)
    write("dup.py", "from flowtop import Flow\n\n\nsecond = Flow('a-flow')\n")
    ws = workspace()
    assert str(ws.errors[tmp_path / "dup.py"]) == (
        "dup.py:4: flow 'a-flow' is already defined in a_flow.py"
    )


def test_removing_the_owner_of_a_name_loads_the_file_it_refused(write, workspace, tmp_path):
    owner = write("a_flow.py", A_FLOW)
    write("dup.py", "from flowtop import Flow\nflow = Flow('a-flow')\n")
    ws = workspace()
    assert list(ws.errors) == [tmp_path / "dup.py"]
    owner.rename(tmp_path.parent / f"{tmp_path.name}-moved.py")  # out of the folder
    change = ws.reload_paths([owner])
    assert ws.errors == {}
    assert ws.flow_files == {"a-flow": tmp_path / "dup.py"}
    assert change.removed == ()  # the flow is still there, from its other file
    assert change.modules == ("dup.py",)


def test_renaming_the_flow_in_its_owner_frees_the_name(write, workspace, tmp_path):
    """The file added later sorts first: it takes the name, as a fresh load gives it
    (``test_duplicate_flow_owner_s56b``), and the one refused loads once it renames its flow."""
    refused = write("z_flow.py", A_FLOW)
    ws = workspace()
    owner = write("b_dup.py", "from flowtop import Flow\nflow = Flow('a-flow')\n")
    ws.reload_paths([owner])
    assert list(ws.errors) == [refused]
    refused.write_text(A_FLOW.replace('"a-flow"', '"z-flow"'))
    ws.reload_paths([refused])
    assert ws.errors == {}
    assert ws.flow_files == {"a-flow": owner, "z-flow": refused}


SHARED_LIB = """
from flowtop import flow

@flow(name="shared")
def shared_flow(x: int = 1):
    return x
"""

SHARED_A = """
from lib.flows import shared_flow
from flowtop import flow

@flow(name="a")
def a():
    return shared_flow(1)
"""
SHARED_B = """
from lib.flows import shared_flow
from flowtop import flow

@flow(name="b")
def b():
    return shared_flow(2)
"""


def test_a_helper_flow_two_files_import_stays_listed_when_its_claimer_reloads(
    write, workspace, tmp_path
):
    """The claiming file's reload found the flow in the other file and dropped it."""
    write("lib/__init__.py", "")
    write("lib/flows.py", SHARED_LIB)
    a = write("a.py", SHARED_A)
    write("b.py", SHARED_B)
    ws = workspace()
    assert "shared" in ws.flow_files
    a.write_text(SHARED_A.replace("shared_flow(1)", "shared_flow(3)"))
    ws.reload_paths([a])
    assert "shared" in ws.flow_files
