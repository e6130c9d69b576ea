"""A ``__main__`` block that draws one flow and calls another (``hello_world.visualize()``
then ``other()``) made ``flowtop run FILE`` refuse both, exit 2, saying "(with --flow
hello-world: parameters are given to one flow at a time)", where ``python FILE`` runs
``other`` (ms62). It runs ``other`` now, and says the drawn flow is not run, and how to
run it; a block that only draws is still refused (``test_serve_visualize_pf61``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_kit import flowtop

BLOCK = """\
from prefect import flow


@flow
def hello_world(name: str = "world"):
    return f"hello {name}"


@flow
def other():
    return 1


if __name__ == "__main__":
    hello_world.visualize()
    other()
"""


def test_the_called_flow_runs_and_the_drawn_one_is_said_not_to(tmp_path: Path) -> None:
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (tmp_path / "jobs.py").write_text(textwrap.dedent(BLOCK))
    ran = flowtop("run", "--no-history", "jobs.py", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "parameters are given to one flow at a time" not in ran.stderr, ran.stderr
    assert "other #1 COMPLETED" in ran.stdout + ran.stderr
    assert "hello-world #1" not in ran.stdout + ran.stderr
    assert (
        "flowtop run: hello-world is not run: the __main__ block at jobs.py:15 calls "
        "hello_world.visualize(), which draws its graph in Prefect without running it "
        "(--flow hello-world runs it)"
    ) in ran.stderr, ran.stderr
