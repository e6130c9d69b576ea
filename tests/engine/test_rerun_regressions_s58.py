"""Reruns among identical calls, moved keys and saved helpers (rv389 §3, §4, §6, §7).

- ``t`` / ``--task charge`` among three identical ``charge("acme", 10)`` calls: the
  selected call read "reused" (charge-2's result), each result moved one key over and
  charge-3 ran.
- Two identical calls, the first failed: the failed one read "reused" and the one that
  completed ran again.
- A static flow over a set, ``--task send-3``: the call that ran was said to run again
  because "its call changed", under another key.
- "Nothing to rerun" for a completed ``@flow`` missed a saved module its file reaches
  other than by a global: ``import lib.helpers``, a helper's helper, an import in its body.
"""

from __future__ import annotations

import os
import textwrap
from collections import Counter
from pathlib import Path

from cli_kit import flowtop
from flowtop import Flow, flow, task
from flowtop.engine import Runner
from flowtop.engine.rerun_reuse import call_fingerprint, reusable

from .test_rerun_reuse_s58 import sends


def test_a_rerun_task_among_identical_calls_runs_that_one(runner: Runner) -> None:
    calls: list[str] = []

    @task(max_retries=0)
    def charge(account: str, amount: int) -> str:
        calls.append(account)
        return f"receipt-{len(calls)}"

    @flow
    def ti() -> list[str]:
        return [charge("acme", 10), charge("acme", 10), charge("acme", 10)]

    source = runner.start(ti).final_result(10)
    assert source.value == ["receipt-1", "receipt-2", "receipt-3"]

    run = runner.rerun_task(source, "charge")

    assert run.final_result(10).value == ["receipt-4", "receipt-2", "receipt-3"]
    assert not run.tasks["charge"].reused and run.tasks["charge-2"].reused


def test_identical_calls_the_first_failed_rerun_runs_the_first(runner: Runner) -> None:
    calls: list[str] = []

    @task(max_retries=0)
    def charge(account: str, amount: int) -> str:
        calls.append(account)
        if len(calls) == 1:
            raise RuntimeError("gateway timeout")
        return f"receipt-{len(calls)}"

    @flow
    def identf() -> list[str]:
        first = charge.submit("acme", 10)
        first.wait()
        return [charge("acme", 10), first.result()]

    source = runner.start(identf).final_result(10)
    assert source["charge"].is_failed() and source["charge-2"].is_completed()

    run = runner.rerun_failed(source)

    assert run.final_result(10).value == ["receipt-2", "receipt-3"]  # charge-2 keeps its own
    assert not run.tasks["charge"].reused and run.tasks["charge-2"].reused


def identical_sends(calls: Counter[str], failing: set[str]) -> Flow:
    @task(max_retries=0)
    def send(region: str) -> str:
        calls["send"] += 1
        if "first" in failing:
            failing.discard("first")
            raise RuntimeError("gateway timeout")
        return f"sent-{calls['send']}"

    with Flow("idst") as built:
        send("eu")
        send("eu")
    return built


def test_a_static_flow_s_identical_calls_the_first_failed(runner: Runner) -> None:
    calls: Counter[str] = Counter()
    source = runner.run(identical_sends(calls, {"first"}), default_max_retries=0)
    assert source["send"].is_failed() and source["send-2"].result == "sent-2"

    run = runner.rerun_failed(source, flow=identical_sends(calls, set()))
    rerun = run.final_result(10)

    assert rerun["send"].result == "sent-3" and not run.tasks["send"].reused
    assert rerun["send-2"].result == "sent-2" and run.tasks["send-2"].reused


def test_a_moved_call_asked_for_is_said_as_such() -> None:
    before = sends(["eu", "us", "apac"])
    after = sends(["us", "apac", "eu"])
    was = {key: call_fingerprint(node) for key, node in before.nodes.items()}
    forced = {"send-2", "collect"}  # ``--task send-2`` (us in run #1)
    kept = ["send", "send-3"]

    reuse = reusable(after.nodes, kept, was, "run #1", by_call=True, asked=forced)

    assert reuse.kept == {"send-2": "send-3", "send-3": "send"}  # apac and eu, moved
    assert reuse.again == {
        "send": "it makes the call send-2 made in run #1, which is asked to run again"
    }


LIB = {
    "lib/__init__.py": "",
    "lib/cfg.py": "REGIONS = ['eu', 'us']\n",
    "lib/helpers.py": textwrap.dedent(
        """
        from flowtop import task
        from lib import cfg

        @task
        def send(region):
            return region

        def everywhere():
            return [send(r) for r in cfg.REGIONS]
        """
    ),
    "lazy_cfg.py": "EXTRA = []\n",
    "fb.py": textwrap.dedent(
        """
        from flowtop import flow
        import lib.helpers

        @flow
        def fb():
            import lazy_cfg
            return lib.helpers.everywhere() + [lib.helpers.send(r) for r in lazy_cfg.EXTRA]
        """
    ),
}


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def test_nothing_to_rerun_sees_modules_reached_indirectly(tmp_path: Path) -> None:
    # a helper's helper (edited), and a module imported in the flow's body (saved)
    for edited, text in [("lib/cfg.py", "REGIONS = ['eu', 'us', 'apac']\n"), ("lazy_cfg.py", "")]:
        folder = tmp_path / edited.replace("/", "_")
        write(folder, LIB)
        assert flowtop("run", str(folder)).returncode == 0
        nothing = flowtop("run", str(folder), "--rerun-of", "1")
        assert "Run #1 of fb has nothing to rerun" in nothing.stderr

        path = folder / edited
        saved = path.stat().st_mtime
        if text:
            path.write_text(text, encoding="utf-8")
        os.utime(path, (saved + 3600, saved + 3600))  # saved after run #1, whatever the clock
        again = flowtop("run", str(folder), "--rerun-of", "1")
        assert again.returncode == 0, again.stderr
        assert "nothing to rerun" not in again.stderr, edited


CHARGES = textwrap.dedent(
    """
    import os
    from flowtop import flow, task

    LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "side.log")

    @task
    def charge(account, amount):
        n = open(LOG).read().count("\\n") if os.path.exists(LOG) else 0
        with open(LOG, "a") as f:
            f.write("charge\\n")
        if n == 0 and FAIL_FIRST:
            raise OSError("gateway timeout")
        return f"receipt-{n}"

    @task
    def summary(*receipts):
        return " ".join(receipts)

    @flow
    def ti():
        a = charge.submit("acme", 10)
        a.wait()
        b = charge("acme", 10)
        c = charge("acme", 10)
        return summary(a.result() if a.state.is_completed() else "-", b, c)
    """
)


def test_the_cli_reruns_the_identical_call_asked_for_or_failed(tmp_path: Path) -> None:
    write(tmp_path / "t", {"ti.py": "FAIL_FIRST = False\n" + CHARGES})
    assert flowtop("run", str(tmp_path / "t")).returncode == 0
    again = flowtop("run", str(tmp_path / "t"), "--rerun-of", "1", "--task", "charge")
    assert again.returncode == 0, again.stderr
    assert "ti/summary ✓ completed" in again.stdout
    assert "'receipt-3 receipt-1 receipt-2'" in again.stdout, again.stdout
    assert "ti/charge ✓ completed (attempt 1) (reused)" not in again.stdout

    write(tmp_path / "f", {"ti.py": "FAIL_FIRST = True\n" + CHARGES})
    assert flowtop("run", str(tmp_path / "f")).returncode == 0  # the flow handles it
    rerun = flowtop("run", str(tmp_path / "f"), "--rerun-of", "1")
    assert rerun.returncode == 0, rerun.stderr
    assert "'receipt-3 receipt-1 receipt-2'" in rerun.stdout, rerun.stdout
    assert "ti/charge ✓ completed (attempt 1) (reused)" not in rerun.stdout
