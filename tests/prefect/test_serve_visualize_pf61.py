"""A Prefect file's ``__main__`` block that serves, deploys or draws its flow, as Prefect's
docs write it: ``flowtop run FILE`` ran the flow once, exit 0, without a word about the
schedule, work pool or image it did not honour (``.deploy(...)`` and ``serve(...)``
printed nothing at all), and ran a flow whose block only calls ``.visualize()`` for real.
Now one line on stderr says what was not done, and a drawn flow is not run (``--flow``
runs it). ``@task(viz_return_value=…)``, which only feeds ``.visualize()``, made the file
refuse to load: it is accepted and ignored."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cli_kit import flowtop
from flowtop.compat.prefect_tasks import task


def _run(folder: Path, text: str, *more: str) -> tuple[int, str, str]:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "jobs.py").write_text(textwrap.dedent(text))
    done = flowtop("run", "jobs.py", *more, cwd=folder)
    return done.returncode, done.stdout, done.stderr


SERVED = """\
from prefect import flow

@flow(log_prints=True)
def my_served(name: str = "world"):
    print(f"hi {name}")

if __name__ == "__main__":
    my_served.serve(name="my-first-deployment", cron="* * * * *", parameters={"name": "marvin"})
"""
DEPLOYED = """\
from prefect import flow

@flow(log_prints=True)
def my_deployed(n: int = 1):
    print(n)

if __name__ == "__main__":
    my_deployed.deploy(name="dep", work_pool_name="my-work-pool", image="my-image:dev", push=False)
"""
SERVED_MANY = """\
from prefect import flow, serve

@flow
def slow_flow(sleep: int = 60):
    return sleep

@flow
def fast_flow():
    return "fast"

if __name__ == "__main__":
    slow_deploy = slow_flow.to_deployment(name="sleeper", interval=45)
    fast_deploy = fast_flow.to_deployment(name="fast")
    serve(slow_deploy, fast_deploy)
"""


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            SERVED,
            [
                "my-served runs once: .serve(cron='* * * * *') schedules runs in Prefect; "
                "flowtop does not schedule"
            ],
        ),
        (
            DEPLOYED,
            [
                "my-deployed runs once: .deploy(work_pool_name='my-work-pool', "
                "image='my-image:dev') makes a deployment in Prefect; flowtop makes none"
            ],
        ),
        (
            SERVED_MANY,
            [
                "slow-flow runs once: .to_deployment(interval=45) schedules runs in Prefect; "
                "flowtop does not schedule",
                "fast-flow runs once: .to_deployment() makes a deployment in Prefect; "
                "flowtop makes none",
            ],
        ),
    ],
    ids=["serve", "deploy", "to_deployment"],
)
def test_what_the_block_asks_and_flowtop_does_not_do_is_said_once(
    tmp_path: Path, text: str, said: list[str]
) -> None:
    code, out, err = _run(tmp_path, text)
    assert code == 0, err
    assert "COMPLETED" in out
    for line in said:
        assert err.count(f"flowtop run: {line}\n") == 1, err


VISUALIZED = """\
from pathlib import Path
from prefect import flow, task

@task(viz_return_value=[4])
def get_list():
    Path("ran").write_text("yes")
    return [1, 2, 3]

@flow(name="Hello Flow")
def hello_world():
    get_list()

if __name__ == "__main__":
    hello_world.visualize()
"""


def test_a_block_that_only_visualizes_runs_nothing(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, VISUALIZED)
    assert code == 2
    assert (
        "jobs.py:14 calls hello_world.visualize(), which draws its graph in Prefect "
        "without running it; flowtop has no visualize() and runs nothing" in err
    ), err
    assert not (tmp_path / "ran").exists()
    code, _, err = _run(tmp_path, VISUALIZED, "--flow", "Hello Flow")
    assert code == 0, err
    assert (tmp_path / "ran").read_text() == "yes"


def test_viz_return_value_is_taken_and_read_back() -> None:
    made = task(viz_return_value=[4])(lambda: 1)
    assert made.viz_return_value == [4]
    assert made.with_options(viz_return_value=5).viz_return_value == 5
    assert made() == 1
