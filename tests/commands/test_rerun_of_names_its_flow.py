"""``flowtop run PATH --rerun-of RUN`` on a file or folder of several flows needs no
``--flow`` when RUN is one flow's run alone.

README: RUN names a stored run the same way in every command, ``--flow`` being needed
only "when several flows have a run #3". ``watch``, ``cancel`` and ``history --run`` read
it so, but ``--rerun-of`` asked for ``--flow`` for any PATH of several flows, even given a
whole run id (``--rerun-of and --param need --flow NAME: params.py holds 5 flows``).
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop, stored_runs, wait_for_runs

TWO_FLOWS = """\
from flowtop import flow


@flow
def first(n: int = 1) -> int:
    return n


@flow
def second() -> int:
    return 2
"""


def two_flows_with_runs(tmp_path: Path) -> Path:
    """A file of two flows; ``first`` has runs #1 and #2 (n=5), ``second`` run #1."""
    (tmp_path / "two.py").write_text(TWO_FLOWS, encoding="utf-8")
    for args in (["--flow", "first"], ["--flow", "first", "-p", "n=5"], ["--flow", "second"]):
        done = flowtop("run", "two.py", *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    return tmp_path / "two.py"


def test_a_run_number_only_one_flow_has_names_that_flow(tmp_path: Path) -> None:
    path = two_flows_with_runs(tmp_path)
    source = next(r for r in stored_runs(tmp_path) if r.flow == "first" and r.number == 2)
    done = flowtop("run", "two.py", "--rerun-of", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rerun = stored_runs(tmp_path)[0]
    assert (rerun.flow, rerun.number, rerun.rerun_of) == ("first", 3, source.run_id)
    assert rerun.parameters == {"n": 5}  # the source run's, as a rerun takes them
    both = flowtop("run", str(path), "--rerun-of", "1", cwd=tmp_path)  # #1 of each flow
    assert both.returncode == 2
    assert both.stderr.strip() == f"flowtop run: --rerun-of needs --flow NAME: {path} holds 2 flows"


def test_a_run_id_names_its_flow_with_param_and_detach(tmp_path: Path) -> None:
    two_flows_with_runs(tmp_path)
    source = next(r for r in stored_runs(tmp_path) if r.flow == "first" and r.number == 1)
    done = flowtop("run", ".", "--rerun-of", source.run_id[:6], "-p", "n=7", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "first #3 started with n=7" in done.stdout
    other = next(r for r in stored_runs(tmp_path) if r.flow == "second")
    detached = flowtop("run", "two.py", "--rerun-of", other.run_id, "--detach", cwd=tmp_path)
    assert detached.returncode == 0, detached.stderr
    wait_for_runs(tmp_path, lambda runs: runs[0].flow == "second" and runs[0].state != "RUNNING")
    assert stored_runs(tmp_path)[0].rerun_of == other.run_id
