"""Which completed tasks of a static flow a rerun may reuse, and why the others run again.

A completed result is only as current as what fed it. A rerun reuses a task only when
every task feeding it in the flow's code *now* is reused too, and when the flow calls it
as the source run did: the same constant arguments, fed by the same tasks in the same
places (``call_fingerprint``, stored with each result). Otherwise it runs again, and so
does what it feeds: ``c`` of ``d(c(b(a2())))`` reused a ``b`` computed from the ``a`` the
edit had replaced, and passed the stale value on. ``Flow.rerun_plan`` (a run of this
process) and ``workspace.reruns.plan_rerun`` (a stored run) both decide with ``reusable``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .graph import Node, resolve_refs
from .rerun_cache import input_hash


@dataclass(frozen=True)
class FedBy:
    """In a fingerprint, an argument that is the result of the task ``key`` (a ``Ref``)."""

    key: str


class _Marked(NamedTuple):
    """What ``resolve_refs`` reads a ref's result from: the ``FedBy`` mark for it."""

    result: FedBy


def call_fingerprint(node: Node) -> str | None:
    """A fingerprint of how the flow calls ``node``: its constant arguments, the place of
    each task result among them (``FedBy``), and every task it waits for. Two swapped
    ``extract("/orders")``, ``extract("/refunds")`` lines give ``extract`` and
    ``extract-2`` other fingerprints than before. None when the arguments cannot be
    fingerprinted (``input_hash``): the task is then matched by its key alone."""
    marks = {key: _Marked(FedBy(key)) for key in node.upstream}
    args = [resolve_refs(value, marks) for value in node.args]
    kwargs = {name: resolve_refs(value, marks) for name, value in node.kwargs.items()}
    return input_hash((args, kwargs), sorted(node.upstream))


@dataclass(frozen=True)
class Reuse:
    """What a rerun reuses (``kept``, in an order where each task follows what feeds
    it) and why each other candidate runs again (``again``: key -> reason)."""

    kept: dict[str, None] = field(default_factory=dict)
    again: dict[str, str] = field(default_factory=dict)


def reusable(
    nodes: Mapping[str, Node],
    candidates: Iterable[str],
    fingerprints: Mapping[str, str | None],
    source: str,
) -> Reuse:
    """Which ``candidates`` (tasks the source run completed and whose results are at
    hand) a rerun of the flow made of ``nodes`` reuses. ``fingerprints``: the source
    run's ``call_fingerprint`` of each task; a task with none (a run recorded before
    fingerprints were, or with arguments that cannot be fingerprinted) is matched by its
    key, as every task was then, though what feeds it must still be reused. ``source``
    names the run in the reasons ("run #3")."""
    wanted = set(candidates)
    reuse = Reuse()
    for key in in_feeding_order(nodes):
        if key not in wanted:
            continue
        node = nodes[key]
        fed_anew = next((up for up in node.upstream if up not in reuse.kept), None)
        was = fingerprints.get(key)
        if fed_anew is not None:
            reuse.again[key] = f"it is fed by {fed_anew}, which is not reused"
        elif was is not None and was != call_fingerprint(node):
            reuse.again[key] = (
                f"its call changed since {source} (other arguments, or other tasks feeding it)"
            )
        else:
            reuse.kept[key] = None
    return reuse


def in_feeding_order(nodes: Mapping[str, Node]) -> list[str]:
    """The keys of ``nodes``, each after every task feeding it, else in the flow's order
    (``set_dependencies`` may make a task wait for one added after it). A flow refuses
    cycles as they are made, so every key is placed."""
    waiting = {key: len(node.upstream) for key, node in nodes.items()}
    feeds: dict[str, list[str]] = {key: [] for key in nodes}
    for key, node in nodes.items():
        for up in node.upstream:
            feeds[up].append(key)
    ready = deque(key for key, count in waiting.items() if count == 0)
    order: list[str] = []
    while ready:
        key = ready.popleft()
        order.append(key)
        for child in feeds[key]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return order
