"""One loaded flow as ``flowtop list --json`` prints it: its tasks, their upstreams,
their effective policies with the settings layer of each value, their tags' slots.

A policy's values are there twice: as `flowtop list` says them (``"policy"``: ``"4"``,
``"unset (budget 3, Retry only)"``, ``"ConnectionError, TooManyRequests"``), and as data
(``"policy_values"``: ``4``, ``null``, ``["ConnectionError", "TooManyRequests"]``), so a
script with ``jq`` need not parse the words.

It reads a loaded ``Workspace``, so it runs in the loader process that imported the
flow files (``workspace_description.describe_here``), never in the monitor's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..engine.delays import ExponentialBackoff, PrefectBackoff, callable_name
from ..engine.dynamic import FlowFunction

if TYPE_CHECKING:
    from ..engine.graph import Node
    from ..engine.policy import RetryPolicy
    from .main_block_args import MainCall
    from .workspace import Workspace


def describe_flow(
    workspace: Workspace, name: str, limits: Mapping[str, int], *, main_call: MainCall | None = None
) -> dict[str, Any]:
    """One loaded flow as ``flowtop list --json`` prints it: tasks, upstreams, effective
    policies with the layer each value comes from, tags with the slots ``limits`` gives them;
    whether its file's ``__main__`` block calls it (``entry_flows``: what ``flowtop run
    FILE`` and ``--detach`` run), and with what (``main_call``: ``main_block_args``)."""
    flow = workspace.flows[name]
    dynamic = isinstance(flow, FlowFunction)
    # A @flow's graph exists only while it runs: list the @tasks it can call instead.
    nodes = (
        _with_calls(flow.task_nodes(), workspace, name)
        if isinstance(flow, FlowFunction)
        else flow.nodes
    )
    tasks = []
    # One policy object serves every call of a @task no table names: described once (a
    # 20,000-task flow took `flowtop list` 2 s more than running it). Each is kept with
    # its description, so no other policy can take its id meanwhile; the description is
    # shared by its tasks' entries, which are only written out as JSON.
    described: dict[int, tuple[object, str, dict[str, dict[str, str]], dict[str, Any]]] = {}
    for key, node in nodes.items():
        policy = workspace.policy_for(flow, node)
        seen = described.get(id(policy))
        if seen is None:
            fields = {
                f: {"value": v, "layer": layer} for f, (v, layer) in policy.describe().items()
            }
            seen = described[id(policy)] = (policy, policy.summary(), fields, policy_values(policy))
        caching = node.task.caching
        tags = sorted(node.task.tags)
        tasks.append(
            {
                "task": key,
                "upstream": list(node.upstream),
                "max_attempts": policy.max_attempts,
                "summary": seen[1],
                "policy": seen[2],
                "policy_values": seen[3],
                **({"cache": caching.describe()} if caching is not None else {}),
                **({"tags": {tag: limits.get(tag) for tag in tags}} if tags else {}),
            }
        )
    source = workspace.flow_files.get(name)
    whole: dict[str, Any] = {
        "flow": name,
        "file": str(source) if source else None,
        "dynamic": dynamic,
        "run_by_main_block": main_call is not None,
        "tasks": tasks,
    }
    if flow.parameters():  # what --param can give it
        whole["parameters"] = [p._asdict() for p in flow.parameters()]
    if isinstance(flow, FlowFunction) and (options := flow.run_options()):
        whole["runs"] = options
    if main_call is not None:
        whole.update(main_call.to_json())
    return whole


def policy_values(policy: RetryPolicy) -> dict[str, Any]:
    """``policy``'s fields as data for ``--json``'s ``"policy_values"``: seconds as numbers,
    ``retry_on`` as its names are written (``retry_on_written``), a function as its name,
    null for unset. Every field always, ``retry_condition_fn`` and ``retry_jitter_factor``
    too: a script reads one shape.
    ``max_retries`` is null when unset: the budget then is ``max_attempts`` - 1."""
    values: dict[str, Any] = {
        "max_retries": policy.max_retries,
        "retry_delay": delay_value(policy.retry_delay),
        "retry_on": None if policy.retry_on is None else policy.retry_on_written(),
        "retry_predicate": _name(policy.retry_predicate),
        "retry_jitter": policy.retry_jitter,
        "retry_deadline": policy.retry_deadline,
        "timeout": policy.timeout,
        "retry_condition_fn": _name(policy.retry_condition_fn),
        "retry_jitter_factor": policy.retry_jitter_factor,
    }
    return values


def delay_value(spec: Any) -> Any:
    """A ``retry_delay`` as data: seconds (``0.5``), a list of them (``[1, 10, 60]``), or an
    object: ``{"base": 0.5, "factor": 2, "max_delay": 4}`` for ``exponential_backoff``,
    ``{"backoff_factor": 10}`` for Prefect's, ``{"function": "delays.jittered"}`` for one
    of the task's own."""
    if isinstance(spec, int | float):
        return spec
    if isinstance(spec, tuple):
        return list(spec)
    if isinstance(spec, ExponentialBackoff):
        return {"base": spec.base, "factor": spec.factor, "max_delay": spec.max_delay}
    if isinstance(spec, PrefectBackoff):
        return {"backoff_factor": spec.backoff_factor}
    return {"function": callable_name(spec)}


def _name(fn: Any) -> str | None:
    """A callable option's name (``checks.is_transient``), or None when unset."""
    return None if fn is None else callable_name(fn)


def _with_calls(nodes: dict[str, Node], workspace: Workspace, flow: str) -> dict[str, Node]:
    """A @flow's tasks, each followed by the calls of it a settings table names
    (``[flows."twice".tasks."step-2"]``, its second call's): their policy differs from the
    task's, and ``flowtop list`` showed the task's alone."""
    keyed = [key for key in workspace.settings.task_keys(flow) if key not in nodes]
    listed: dict[str, Node] = {}
    for key, node in nodes.items():
        listed[key] = node
        for call in keyed:
            base, _, number = call.rpartition("-")
            if base == key and number.isdigit() and int(number) >= 2:
                listed[call] = replace(node, key=call)
    return listed
