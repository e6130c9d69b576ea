"""A hot reload lets the previous tasks go, with the module they came from.

The effective policies a workspace keeps per ``@task`` were keyed by the policy's id and
never emptied: every save added the new tasks' entries and kept the old ones, and each
old policy's ``retry_on`` class kept its module's globals alive: the monitor's flow host
grew about 13 KB per save for the whole session.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from pathlib import Path

from flowtop.workspace import Workspace

FLOW = """
    from flowtop import Flow, task

    class TooManyRequests(Exception):
        pass

    @task(max_retries=2, retry_on=[TooManyRequests])
    def fetch() -> int:
        return 1

    with Flow("api") as flow:
        fetch()
"""


def test_a_reload_lets_the_old_tasks_policies_and_module_go(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace]
) -> None:
    path = write("api.py", FLOW)
    ws = workspace()
    flow = ws.flows["api"]
    (node,) = flow.nodes.values()
    ws.policy_for(flow, node)  # as a run or the flows list asks
    old_class = weakref.ref(node.task.policy.retry_on[0])
    del flow, node
    for save in range(3):
        write("api.py", FLOW + f"\n    # save {save}\n")  # (indented as FLOW, for its dedent)
        assert not ws.reload_paths([path]).errors
        flow = ws.flows["api"]
        ws.policy_for(flow, next(iter(flow.nodes.values())))
    del flow
    gc.collect()
    assert old_class() is None  # the old policy went, and the old module's globals with it
