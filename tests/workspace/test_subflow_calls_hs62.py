"""One grouping of a parent's subflow runs into calls (hs62): a subflow's own retry is
a run of its own, a rerun of the run before it by the same parent; a call is its last
run. The run page, ``history --run`` and the history screen's handled failures read
them so, as the monitor's main screen does.
"""

from __future__ import annotations

from flowtop.workspace.subflow_runs import SubflowRun, retried_label, subflow_calls


def run(run_id: str, number: int, rerun_of: str | None = None, flow: str = "kid") -> SubflowRun:
    return SubflowRun(run_id, flow, number, "COMPLETED", rerun_of)


def test_retries_fold_into_their_call_in_call_order() -> None:
    k1, k2, k3 = run("k1", 1), run("k2", 2, "k1"), run("k3", 3, "k2")
    other = run("r1", 1, "elsewhere", flow="region")  # a rerun of another parent's run
    calls = subflow_calls([k1, other, k2, k3])
    assert calls == [(k3, [k1, k2]), (other, [])]
    assert retried_label(*calls[0]) == "kid #3 (retry of #1, #2)"
    assert retried_label(*calls[1]) == "region #1"


def test_a_crafted_loop_of_reruns_drops_no_run() -> None:
    a, b, c = run("a", 1, "b"), run("b", 2, "a"), run("c", 3, "c")
    assert subflow_calls([a, b, c]) == [(a, []), (b, []), (c, [])]
