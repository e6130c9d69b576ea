"""``flowtop run DIR --flow NAME --detach`` waits for no other file's import.

Its loader process imported every flow file of the folder before it launched the run:
beside a file taking 5 s to import, the command took 5.3 s to print a run id it needed
one file for (0.8 s now). The file whose source names the flow is described alone
(``workspace_description.describe_workspace``), and its run process is given that file.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import fork_cli
from cli_kit import wait_for_runs

#: Counts its imports in ``a_slow.imports``, then takes 3 s.
SLOW = """\
open(__file__.replace(".py", ".imports"), "a").write(".")

import time

from flowtop import flow

time.sleep(3)


@flow
def sleepy() -> int:
    return 1
"""

QUICK = """\
from flowtop import flow


@flow
def quick(n: int = 1) -> int:
    return n * 2
"""


def flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return fork_cli.run(args, cwd=cwd, timeout=60)


def finished(folder: Path, run_id: str) -> dict[str, object]:
    """The ``history --json`` record of ``run_id`` once it has ended (20 s at most): waited
    for in this process (a ``flowtop history`` a look cost 0.2 s of CPU a look), then asked."""
    wait_for_runs(
        folder, lambda runs: any(r.run_id == run_id and r.state != "RUNNING" for r in runs), 20
    )
    listed = flowtop("history", ".", "--json", cwd=folder)
    for record in map(json.loads, listed.stdout.splitlines()):
        if record["run_id"] == run_id and record["state"] != "RUNNING":
            return dict(record)
    raise AssertionError(f"run {run_id} did not end: {listed.stdout}{listed.stderr}")


def test_detach_of_one_flow_of_a_folder_never_imports_its_other_files(tmp_path: Path) -> None:
    (tmp_path / "a_slow.py").write_text(SLOW)
    (tmp_path / "b_quick.py").write_text(QUICK)
    started = flowtop("run", ".", "--flow", "quick", "-p", "n=21", "--detach", cwd=tmp_path)
    assert (started.returncode, started.stderr) == (0, "")
    run_id = started.stdout.strip()
    record = finished(tmp_path, run_id)
    assert (record["flow"], record["state"], record["parameters"]) == (
        "quick",
        "COMPLETED",
        {"n": 21},
    )
    assert not (tmp_path / "a_slow.imports").exists()  # neither the command nor the run


def test_detach_still_refuses_parameters_the_flow_does_not_take(tmp_path: Path) -> None:
    (tmp_path / "a_slow.py").write_text(SLOW)
    (tmp_path / "b_quick.py").write_text(QUICK)
    refused = flowtop("run", ".", "--flow", "quick", "-p", "m=1", "--detach", cwd=tmp_path)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == "flowtop run: flow 'quick' has no parameter m; it takes n\n"
    assert not (tmp_path / "a_slow.imports").exists()
