"""``flowtop run FILE`` runs the flows the file's ``if __name__ == "__main__":`` block calls.

A Prefect-style file defines a parent flow, the subflows it calls and ``with_options``
copies, and ends with ``if __name__ == "__main__": parent()``. ``python file.py`` runs the
parent alone; ``flowtop run file.py`` ran every flow the file defines as a top-level run
of its own: each subflow's side effects once more, a standalone subflow failing (exit 1),
or the whole command refused for a subflow's parameter ("flow 'child' needs x").
"""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

import pytest

from cli_kit import flowtop, wait_for_runs
from flowtop.workspace import Workspace
from flowtop.workspace.entry_flows import main_block_calls, main_block_flows

#: c39's shape: a flow, a ``with_options`` copy of it, and the driver the block calls.
#: The base alone fails (its first call raises); the copy, retried, completes.
DRIVER = """\
from flowtop import flow

n = {"body": 0}

@flow
def base(x: int = 1) -> int:
    n["body"] += 1
    if n["body"] < 3:
        raise RuntimeError(f"attempt {n['body']}")
    return x

resilient = base.with_options(name="resilient", retries=2, retry_delay_seconds=0)

@flow
def driver():
    return resilient(5)

if __name__ == "__main__":
    print("RESULT", driver())
"""

#: c10's shape: the block's parent calls a subflow that needs a parameter.
PARENT = """\
from flowtop import flow

@flow
def child(x: int) -> int:
    return x + 1

@flow
def parent() -> int:
    return child(1) + child(10)

if __name__ == "__main__":
    print("RESULT", parent())
"""


def top_level_runs(stdout: str) -> list[str]:
    """The flows of the runs ``run --json`` started on their own (not as a subflow)."""
    events = [json.loads(line) for line in stdout.splitlines()]
    return [e["flow"] for e in events if e["event"] == "run_started" and "parent_run" not in e]


def write(folder: Path, name: str, source: str) -> Path:
    (folder / name).write_text(source)
    return folder / name


def test_run_file_runs_only_the_flow_its_main_block_calls(tmp_path: Path) -> None:
    write(tmp_path, "c39.py", DRIVER)
    done = flowtop("run", "c39.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the base alone failed: exit 1
    assert top_level_runs(done.stdout) == ["driver"]
    assert done.stderr.splitlines() == [
        "flowtop run: running driver, the flow c39.py's __main__ block calls "
        "(--flow NAME runs another)"
    ]


def test_a_subflow_that_needs_a_parameter_no_longer_refuses_the_run(tmp_path: Path) -> None:
    write(tmp_path, "c10.py", PARENT)
    done = flowtop("run", "c10.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # was 2: "flow 'child' needs x"
    assert top_level_runs(done.stdout) == ["parent"]
    finished = [json.loads(line) for line in done.stdout.splitlines()][-1]
    assert (finished["flow"], finished["state"]) == ("parent", "COMPLETED")


def test_flow_still_runs_another_flow_of_the_file(tmp_path: Path) -> None:
    write(tmp_path, "c10.py", PARENT)
    done = flowtop("run", "c10.py", "--flow", "child", "-p", "x=2", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert top_level_runs(done.stdout) == ["child"]
    assert done.stderr == ""


def test_a_param_without_flow_goes_to_the_one_flow_the_block_calls(tmp_path: Path) -> None:
    write(tmp_path, "c39.py", DRIVER.replace("def driver():", "def driver(k: int = 0):"))
    done = flowtop("run", "c39.py", "-p", "k=3", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # was: --param needs --flow NAME
    started = json.loads(done.stdout.splitlines()[0])
    assert (started["flow"], started.get("parameters")) == ("driver", {"k": 3})


TWO_CALLED = """\
from flowtop import flow

@flow
def first(k: int = 0):
    return k

@flow
def second(k: int = 0):
    return k

@flow
def unused():
    raise RuntimeError("not called by the block")

if __name__ == "__main__":
    first()
    second.serve(name="nightly")
"""


def test_every_flow_the_block_calls_runs_and_a_param_then_needs_flow(tmp_path: Path) -> None:
    write(tmp_path, "multi.py", TWO_CALLED)
    done = flowtop("run", "multi.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert top_level_runs(done.stdout) == ["first", "second"]
    assert done.stderr.splitlines() == [
        "flowtop run: running first, second, the flows multi.py's __main__ block calls "
        "(--flow NAME runs another)",
        "flowtop run: second runs once: .serve() waits for runs in Prefect; flowtop does not "
        "serve flows",
    ]
    refused = flowtop("run", "multi.py", "-p", "k=1", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "flowtop run: --param needs --flow NAME: multi.py's __main__ block calls 2 flows"
    ]


ASYNC = """\
import asyncio
from flowtop import flow

@flow
async def helper() -> int:
    return 1

@flow
async def main_flow() -> int:
    return await helper() + 1

if __name__ == "__main__":
    asyncio.run(main_flow())
"""


def test_asyncio_run_of_the_parent_runs_the_parent_alone(tmp_path: Path) -> None:
    write(tmp_path, "app.py", ASYNC)
    done = flowtop("run", "app.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert top_level_runs(done.stdout) == ["main-flow"]


@pytest.mark.parametrize(
    "block",
    [
        "",  # no block at all
        'if __name__ == "__main__":\n    print("hello")\n',  # calls none of its flows
        # (a `main()` the block calls is followed: test_main_function_followed_fx74)
    ],
    ids=["no-block", "no-flow-called"],
)
def test_a_file_whose_block_calls_none_of_its_flows_runs_them_all(
    tmp_path: Path, block: str
) -> None:
    source = PARENT.split("if __name__")[0].replace("child(x: int)", "child(x: int = 0)")
    write(tmp_path, "both.py", source + block)
    done = flowtop("run", "both.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert top_level_runs(done.stdout) == ["child", "parent"]
    assert done.stderr == ""


def test_a_folder_runs_every_flow_of_a_file_with_a_main_block(tmp_path: Path) -> None:
    write(tmp_path, "c10.py", PARENT.replace("child(x: int)", "child(x: int = 0)"))
    done = flowtop("run", ".", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert top_level_runs(done.stdout) == ["child", "parent"]


def test_a_one_flow_file_says_nothing_about_its_block(tmp_path: Path) -> None:
    """Nothing was left out: the line would only be noise."""
    write(
        tmp_path,
        "one.py",
        "from flowtop import flow\n\n@flow\ndef solo():\n    return 1\n\n"
        'if __name__ == "__main__":\n    solo()\n',
    )
    done = flowtop("run", "one.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (top_level_runs(done.stdout), done.stderr) == (["solo"], "")


def test_list_marks_the_flows_the_main_block_calls(tmp_path: Path) -> None:
    write(tmp_path, "c39.py", DRIVER)
    human = flowtop("list", "c39.py", cwd=tmp_path)
    assert human.returncode == 0, human.stderr
    headers = {line.split()[0]: line for line in human.stdout.splitlines() if line[:1] != " "}
    assert headers["driver"].endswith("(run by its __main__ block)")
    assert "__main__" not in headers["base"] + headers["resilient"]
    listed = flowtop("list", "c39.py", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    flags = {
        info["flow"]: info["run_by_main_block"]
        for info in map(json.loads, listed.stdout.splitlines())
    }
    assert flags == {"base": False, "resilient": False, "driver": True}


def test_detach_starts_the_same_flows(tmp_path: Path) -> None:
    write(tmp_path, "c10.py", PARENT)
    done = flowtop("run", "c10.py", "--detach", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # was 2: "flow 'child' needs x"
    detached = [json.loads(line)["flow"] for line in done.stdout.splitlines()]
    assert detached == ["parent"]
    assert "running parent, the flow c10.py's __main__ block calls" in done.stderr
    # its run process writes in tmp_path: let it end
    wait_for_runs(
        tmp_path, lambda runs: any(r.flow == "parent" and r.state == "COMPLETED" for r in runs)
    )
    listed = flowtop("history", "c10.py", "--json", cwd=tmp_path)
    records = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {r["flow"] for r in records if r["state"] == "COMPLETED"} >= {"parent"}


@pytest.mark.parametrize(
    ("block", "names"),
    [
        ("parent()", {"parent"}),
        ('print("RESULT", parent(), runs)', {"print", "parent"}),
        ("asyncio.run(parent(day=1))", {"asyncio", "parent"}),  # (only a flow's name counts)
        ("etl.run()", {"etl"}),
        ("Runner(workers=4).run(etl)", {"Runner", "etl"}),
        ("with Runner() as runner:\n    runner.run(etl)", {"Runner", "runner", "etl"}),
        ('parent.serve(name="nightly", interval=3600)', {"parent"}),
        ('parent.deploy(name="nightly", work_pool_name="pool")', {"parent"}),
        ("parent.with_options(retries=3)(1)", {"parent"}),
        ('parent.with_options(name="x").serve()', {"parent"}),
        ("result = copy()\nsys.exit(0 if result else 1)", {"copy"}),
        ("for region in regions:\n    per_region(region)", {"per_region"}),
    ],
)
def test_the_names_a_main_block_calls(block: str, names: set[str]) -> None:
    source = "x = 1\nif __name__ == '__main__':\n" + textwrap.indent(block, "    ") + "\n"
    assert set(main_block_calls(ast.parse(source))) == names


def test_only_a_top_level_main_block_counts_and_never_its_else() -> None:
    source = textwrap.dedent(
        """
        if "__main__" == __name__:
            first()
        else:
            imported()
        def later():
            if __name__ == "__main__":
                nested()
        if __name__ != "__main__":
            negated()
        if __name__ == "__main__":
            second()
        """
    )
    assert set(main_block_calls(ast.parse(source))) == {"first", "second"}


def test_the_workspace_names_the_flows_by_what_the_names_hold(tmp_path: Path) -> None:
    """A name bound to a ``with_options`` copy is that copy; one bound to no flow of the
    file (a plain function, a local) is none."""
    called = "resilient(1)\n    helper = base\n    helper()\n    str(2)\n"
    source = DRIVER.replace('print("RESULT", driver())\n', called)
    write(tmp_path, "c39.py", source)
    with Workspace(tmp_path / "c39.py", isolate_imports=False) as workspace:
        workspace.load()
        assert main_block_flows(workspace) == ["resilient"]


#: Two flows that need a parameter and one that runs as it is.
NEEDS_PARAMETERS = """
from flowtop import flow

@flow
def nightly() -> int:
    return 1

@flow
def export_day(day: str) -> str:
    return day

@flow
def backfill(start: str) -> str:
    return start
"""


@pytest.mark.parametrize("detach", [False, True], ids=["foreground", "detach"])
def test_a_folder_that_cannot_start_says_every_refusal_and_what_can_run(
    tmp_path: Path, detach: bool
) -> None:
    """It said the first refusal alone (`backfill` needing `start` came out only once
    `export-day` was fixed), and named no flow that could run from a folder."""
    write(tmp_path, "jobs.py", NEEDS_PARAMETERS)
    done = flowtop("run", ".", *(["--detach"] if detach else []), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "flow 'export-day' needs day (no default)",
        "flow 'backfill' needs start (no default)",
    ]
    assert all(
        line.endswith("or run the folder's other flow alone: --flow nightly") for line in lines
    )
