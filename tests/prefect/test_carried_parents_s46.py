"""A run's chain of parents survives being carried twice (``runtime.carried.snapshot``):
``root_flow_run_id`` in a grandchild process is the outermost run, not its grandparent."""

from __future__ import annotations

import uuid

from flowtop.engine.prefect_context import FlowRunInfo
from flowtop.engine.prefect_ids import prefect_uuid
from flowtop.runtime import carried
from flowtop.runtime.flow_run import FIELDS


def test_a_run_carried_again_keeps_its_whole_chain_of_parents() -> None:
    info = FlowRunInfo(id=uuid.uuid4(), name="leaf", flow_id="leaf", run_count=1)
    chain = {"r3": "r2", "r2": "r1", "r1": "r0", "r0": None}
    first = carried.Carried(
        tags=[], flow=("leaf", None), flow_run=info, run_id="r3", ancestors=chain
    )
    with carried.restored(first):  # as in a child process
        again = carried.snapshot()  # as a with_context(fn) made there is pickled
    assert again.ancestors == chain
    with carried.restored(again):  # as in the grandchild
        assert FIELDS["root_flow_run_id"]() == str(prefect_uuid("r0"))
