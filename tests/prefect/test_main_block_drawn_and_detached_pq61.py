"""A flow its file's ``__main__`` block only draws (``X.visualize()``) is refused by
``flowtop run FILE``, and ``flowtop list FILE`` marked it "(run by its __main__ block)";
``flowtop run`` said "running X" before refusing it. List now says what run does, and
run says no "running" of it. ``flowtop run --detach`` says what a served or deployed flow
is not given (its schedule), as ``flowtop run`` does."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_kit import flowtop

DRAWN = """\
from prefect import flow, task

@task
def get_list():
    return [1, 2, 3]

@flow(name="Hello Flow")
def hello_world():
    get_list()

@flow
def other():
    return 1

if __name__ == "__main__":
    hello_world.visualize()
"""

SERVED = """\
from prefect import flow

@flow
def my_served(name: str = "world"):
    return name

if __name__ == "__main__":
    my_served.serve(name="dep", cron="* * * * *", parameters={"name": "marvin"})
"""


def _write(folder: Path, text: str) -> None:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "jobs.py").write_text(textwrap.dedent(text))


def test_list_says_a_drawn_flow_is_refused_as_run_refuses_it(tmp_path: Path) -> None:
    _write(tmp_path, DRAWN)
    listed = flowtop("list", "jobs.py", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    heads = {line.split("  (")[0]: line for line in listed.stdout.splitlines() if "  (" in line}
    assert "(run by its __main__ block)" not in heads["Hello Flow"], listed.stdout
    assert heads["Hello Flow"].endswith(
        "(its __main__ block only draws it, hello_world.visualize(): flowtop run refuses it; "
        "--flow 'Hello Flow' runs it)"
    ), listed.stdout
    assert "__main__" not in heads["other"], listed.stdout
    ran = flowtop("run", "jobs.py", cwd=tmp_path)
    assert ran.returncode == 2
    assert "hello_world.visualize(), which draws its graph" in ran.stderr, ran.stderr
    assert "running Hello Flow" not in ran.stderr, ran.stderr


def test_detach_says_what_a_served_flow_is_not_given(tmp_path: Path) -> None:
    _write(tmp_path, SERVED)
    done = flowtop("run", "jobs.py", "--detach", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    line = (
        "flowtop run: my-served runs once: .serve(cron='* * * * *') schedules runs in "
        "Prefect; flowtop does not schedule\n"
    )
    assert done.stderr.count(line) == 1, done.stderr
    watched = flowtop("watch", ".", done.stdout.split()[0], cwd=tmp_path)
    assert watched.returncode == 0, watched.stderr
