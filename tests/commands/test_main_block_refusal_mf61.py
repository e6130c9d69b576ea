"""``flowtop run FILE`` whose ``__main__`` block deploys a flow with parameters it does not
take first said ``running etl …`` and ``etl runs once: .deploy(...) makes a deployment in
Prefect; flowtop makes none``, then refused it (exit 2): two lines announcing a run that
never happened. The refusal alone is said."""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

FILE = """\
from flowtop import flow, task


@task
def s() -> int:
    return 1


@flow
def etl() -> int:
    return s()


@flow
def other() -> int:
    return 2


if __name__ == "__main__":
    etl.from_source(source=".", entrypoint="v.py:etl").deploy(
        name="d", work_pool_name="p", parameters={{"x": 1}}{more}
    )
"""


def test_a_deploy_refused_for_its_parameters_is_not_said_to_run(tmp_path: Path) -> None:
    (tmp_path / "v.py").write_text(FILE.format(more=""))
    done = flowtop("run", "v.py", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "flowtop run: flow 'etl': the __main__ block at v.py:20 calls it with arguments it "
        "does not take: it has no parameter x; it takes none (python v.py fails on it too)"
    ], done.stderr
    assert "COMPLETED" not in done.stdout


def test_a_deploy_it_can_run_is_still_said_to_run_once(tmp_path: Path) -> None:
    (tmp_path / "v.py").write_text(FILE.format(more="").replace('{"x": 1}', "{}"))
    done = flowtop("run", "v.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "etl runs once: .deploy(work_pool_name='p') makes a deployment" in done.stderr
