"""A settings table naming no flow lists the flows in the order the monitor lists them.

``flowtop run --flow zzz`` lists the flows as ``ls -v`` orders their names (``gen-2``
before ``gen-10``), as the monitor and ``flowtop list`` do; a table in ``flowtop.toml``
naming a flow that does not exist listed them as ``sorted`` did: ``gen-10, gen-2``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowtop.workspace import Workspace

FLOW = """
from flowtop import Flow, task

@task
def one():
    return 1

with Flow("{name}") as flow:
    one()
"""


def test_the_flows_a_table_naming_no_flow_lists_are_in_ls_v_order(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace]
) -> None:
    for number in (10, 2, 1):
        write(f"gen{number}.py", FLOW.format(name=f"gen-{number}"))
    write("flowtop.toml", '[flows."gen-3".tasks."one"]\nmax_retries = 1\n')
    ws = workspace()
    [warning] = ws.settings_warnings
    assert "; flows: gen-1, gen-2, gen-10" in str(warning), str(warning)
