"""Which completed tasks of a static flow a rerun may reuse, and why the others run again.

A completed result is only as current as what fed it. A rerun reuses a task only when
every task feeding it in the flow's code *now* is reused too, and when the flow calls it
as the source run did: the same function (``csvsrc.load`` is not ``dbsrc.load``), the
same constant arguments and defaults, fed by the same tasks in the same places
(``call_fingerprint``, stored with each result). Otherwise it runs again, and so does
what it feeds: ``c`` of ``d(c(b(a2())))`` reused a ``b`` computed from the ``a`` the edit
had replaced, and passed the stale value on. With ``by_call``, a task whose own key's
call differs reuses the same call completed under another key (a loop over a set
numbers its calls in the set's order, which changes from one process to the next). ``Flow.rerun_plan`` (a run of this
process) and ``workspace.reruns.plan_rerun`` (a stored run) both decide with ``reusable``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .graph import Node, resolve_refs
from .rerun_cache import identity_of, input_hash, same_call, with_task


@dataclass(frozen=True)
class FedBy:
    """In a fingerprint, an argument that is the result of the task ``key`` (a ``Ref``)."""

    key: str


class _Marked(NamedTuple):
    """What ``resolve_refs`` reads a ref's result from: the ``FedBy`` mark for it."""

    result: FedBy


def call_fingerprint(node: Node, fed_by: Mapping[str, str] | None = None) -> str:
    """A fingerprint of how the flow calls ``node``: its function, its constant arguments
    and the defaults it fills in, the place of each task result among them (``FedBy``),
    and every task it waits for (``rerun_cache.with_task``). Two swapped
    ``extract("/orders")``, ``extract("/refunds")`` lines give ``extract`` and
    ``extract-2`` other fingerprints than before. ``fed_by``: the key in the source run
    of a feeding task reused from another key. Arguments that cannot be fingerprinted
    (``input_hash``) are left out: the task is then matched by its key and function."""
    renamed = fed_by or {}
    marks = {key: _Marked(FedBy(renamed.get(key, key))) for key in node.upstream}
    args = [resolve_refs(value, marks) for value in node.args]
    kwargs = {name: resolve_refs(value, marks) for name, value in node.kwargs.items()}
    upstream = sorted(renamed.get(key, key) for key in node.upstream)
    return with_task(input_hash((args, kwargs), upstream), node.task, args, kwargs)


@dataclass(frozen=True)
class Reuse:
    """What a rerun reuses (``kept``: key -> the key in the source run whose result it
    reuses, in an order where each task follows what feeds it) and why each other
    candidate runs again (``again``: key -> reason)."""

    kept: dict[str, str] = field(default_factory=dict)
    again: dict[str, str] = field(default_factory=dict)


def reusable(
    nodes: Mapping[str, Node],
    candidates: Iterable[str],
    fingerprints: Mapping[str, str | None],
    source: str,
    *,
    by_call: bool = False,
    asked: Iterable[str] = (),
) -> Reuse:
    """Which ``candidates`` (tasks the source run completed and whose results are at
    hand) a rerun of the flow made of ``nodes`` reuses. ``fingerprints``: the source
    run's ``call_fingerprint`` of each task; a task with none (a run recorded before
    fingerprints were) is matched by its key, as every task was then, though what feeds
    it must still be reused. ``source`` names the run in the reasons ("run #3").
    ``by_call``: a task whose call is not its key's in the source may reuse the same
    call under another key (``Reuse.kept`` says which), each result once; the caller
    must then take each result from the key ``kept`` names. A task whose source call
    is its own now but is no candidate (it did not complete, or is ``asked`` to run
    again) runs, and takes no other key's result of that call."""
    given = list(dict.fromkeys(candidates))  # in the order given: the same each rerun
    wanted = set(given)
    reuse = Reuse()
    calls: dict[str, deque[str]] = {}  # fingerprint -> source keys, for ``by_call``
    if by_call:
        for key in given:
            fp = fingerprints.get(key)
            if fp is not None and identity_of(fp) is not None:
                calls.setdefault(fp, deque()).append(key)
    taken: set[str] = set()
    # fingerprint -> a source key that is no candidate: a call that moved to another key
    # runs again as that one, and its reason says so (not "its call changed")
    elsewhere = {
        fp: key for key, fp in fingerprints.items() if fp is not None and key not in wanted
    }
    order = in_feeding_order(nodes)
    for key in order:
        if key not in wanted and not calls:
            continue
        node = nodes[key]
        fed_anew = next((up for up in node.upstream if up not in reuse.kept), None)
        if fed_anew is not None:
            if key in wanted:
                reuse.again[key] = f"it is fed by {fed_anew}, which is not reused"
            continue
        now = call_fingerprint(node, reuse.kept)
        was = fingerprints.get(key)
        if key in wanted and key not in taken and (was is None or same_call(was, now)):
            reuse.kept[key] = key
            taken.add(key)
            continue
        if key not in wanted and was is not None and same_call(was, now):
            continue  # its own call, which did not complete or is asked for: it runs
        other = _same_call(calls.get(now), taken)
        if other is not None:
            reuse.kept[key] = other
            taken.add(other)
        elif key in wanted:
            moved = elsewhere.get(now)
            reuse.again[key] = (
                _why_changed(was, now, source)
                if moved is None or moved == key
                else f"it makes the call {moved} made in {source}, which "
                + ("is asked to run again" if moved in set(asked) else "has no result to reuse")
            )
    return reuse


def _same_call(keys: deque[str] | None, taken: set[str]) -> str | None:
    """The first of ``keys`` (source keys of one call) whose result no task reuses yet."""
    while keys:
        key = keys.popleft()
        if key not in taken:
            return key
    return None


def _why_changed(was: str | None, now: str, source: str) -> str:
    """Why a task whose call is not its key's in ``source`` runs again."""
    before, after = identity_of(was or ""), identity_of(now)
    if before is not None and after is not None and before != after:
        shown, shown_before = after.partition("#")[0], before.partition("#")[0]
        if shown == shown_before:  # one factory, a partial: made with other values
            return f"it is now another {shown} (made with other values) than in {source}"
        return f"it is now {shown}, was {shown_before} in {source}"
    return (
        f"its call changed since {source} (other arguments or defaults, or other tasks feeding it)"
    )


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
