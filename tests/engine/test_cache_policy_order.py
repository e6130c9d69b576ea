"""A compound cache policy says itself as it was written; its key is what it was.

``CompoundCachePolicy`` moves its ``Inputs`` last, as Prefect 3.9.1's does: the order
the keys are hashed in. ``describe`` read that order, so ``flowtop list`` showed
``cache_policy=INPUTS + TASK_SOURCE`` as ``TASK_SOURCE + INPUTS`` (README quotes
``cache  INPUTS + TASK_SOURCE, for 1h00m``); it now keeps the written order, and the
key (which the workspace's stored results are found by) is unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowtop import task
from flowtop.cache_policies import (
    DEFAULT,
    FLOW_PARAMETERS,
    INPUTS,
    RUN_ID,
    TASK_SOURCE,
    CompoundCachePolicy,
)
from flowtop.engine.caching import CachePolicy, hash_objects


@pytest.mark.parametrize(
    ("policy", "said"),
    [
        (INPUTS + TASK_SOURCE, "INPUTS + TASK_SOURCE"),
        (INPUTS + TASK_SOURCE - "verbose", "INPUTS + TASK_SOURCE - verbose"),
        (INPUTS - "verbose" + TASK_SOURCE, "INPUTS - verbose + TASK_SOURCE"),
        (INPUTS + FLOW_PARAMETERS + TASK_SOURCE, "INPUTS + FLOW_PARAMETERS + TASK_SOURCE"),
        (DEFAULT, "INPUTS + TASK_SOURCE + RUN_ID"),
        (RUN_ID + (INPUTS + TASK_SOURCE), "RUN_ID + INPUTS + TASK_SOURCE"),
    ],
)
def test_a_compound_policy_says_its_parts_in_the_order_they_were_written(
    policy: CachePolicy, said: str
) -> None:
    assert policy.describe() == said
    assert repr(policy) == f"<cache policy {said}>"


class Context:
    """What ``TASK_SOURCE`` reads of a task run's context."""

    def __init__(self, fn: Any) -> None:
        self.task = task(fn)


def fetch(x: int, verbose: bool = False) -> int:
    return x


def test_said_as_written_its_key_still_hashes_the_inputs_last_as_prefect_does() -> None:
    context, inputs = Context(fetch), {"x": 1, "verbose": True}
    source = TASK_SOURCE.compute_key(context, inputs, {})
    written, reversed_ = INPUTS + TASK_SOURCE, TASK_SOURCE + INPUTS
    assert (written.describe(), reversed_.describe()) == (
        "INPUTS + TASK_SOURCE",
        "TASK_SOURCE + INPUTS",
    )
    for policy in (written, reversed_):  # one key, whichever the order
        assert isinstance(policy, CompoundCachePolicy)
        assert policy.compute_key(context, inputs, {}) == hash_objects(
            source, INPUTS.compute_key(context, inputs, {})
        )
    without = INPUTS + TASK_SOURCE - "verbose"
    assert without.compute_key(context, inputs, {}) == hash_objects(
        source, (INPUTS - "verbose").compute_key(context, inputs, {})
    )
