"""``Flow``: a named DAG of task nodes, built imperatively or in a ``with`` block.

A node is one use of a task in the flow; the same task used twice gets keys ``name``
and ``name-2``. Edges either pass a result (positional or keyword argument) or only
order two nodes (``upstream_tasks``). Cycles and duplicate keys are refused when the
edge or node is added, naming the tasks, so a broken flow never reaches the runner.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .context import current_flow, enter_flow, exit_flow
from .graph import Node, Ref, _dedupe, find_refs, resolve_refs
from .node_binding import ArgumentsRefused, Binder, Place, caller_place
from .option_checks import name_problem, same_name, two_spellings
from .parameters import ParameterError, ParameterInfo, ParameterProblem
from .rerun_reuse import call_fingerprint, reusable
from .run import FlowRun
from .runner import Runner
from .task import Task

if TYPE_CHECKING:
    from .records import RunResult
    from .run_options import RunOptions

__all__ = ["ArgumentsRefused", "Flow", "Node", "Ref", "current_flow", "find_refs", "resolve_refs"]


class Flow:
    #: How many of a run's attempts may run on threads at once; None: the runner's workers
    #: (a ``@flow``'s ``task_runner=ThreadPoolTaskRunner(max_workers=N)`` sets it).
    max_workers: int | None = None
    #: Seconds a run may last before its running attempts are interrupted; None: no limit
    #: (a ``@flow``'s ``timeout_seconds`` sets it).
    timeout: float | None = None
    #: Flow-level retries (a ``@flow``'s ``retries``): a retry reuses what completed.
    retries: int = 0

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"Flow name must be a non-empty string, got {name!r}")
        problem = name_problem("Flow name", name)  # no escape, nothing unseen, not 5,000 long
        if problem is not None:
            raise ValueError(problem)
        self.name = name
        self.nodes: dict[str, Node] = {}
        self._first_node: dict[int, str] = {}  # id(task) -> key of its first node
        self._name_uses: dict[str, int] = {}  # task name -> highest n used in "name-n"
        self._same_keys: dict[str, str] = {}  # each key's ``same_name`` -> the key
        #: Where the flow author added each node (``caller_place``), for its refusal.
        self._added_at: dict[str, Place | None] = {}
        #: Nodes not bound yet (``check_arguments``), in the order they were added.
        self._unchecked: dict[str, None] = {}
        #: Where the flow was defined, filled by the loader (file path).
        self.source: str | None = None

    # -- building -------------------------------------------------------------------
    def __enter__(self) -> Flow:
        enter_flow(self)
        return self

    def __exit__(self, *exc: object) -> None:
        exit_flow()

    def _new_key(self, task: Task, key: str | None) -> str:
        if key is not None:
            if not isinstance(key, str) or not key:
                raise ValueError(
                    f"flow {self.name!r}: task key must be printable text, got {key!r}"
                )
            problem = name_problem(f"flow {self.name!r}: task key", key)
            if problem is not None:
                raise ValueError(problem)
            if key in self.nodes:
                raise ValueError(f"flow {self.name!r}: duplicate task key {key!r}")
            if (twin := self._same_keys.get(same_name(key))) is not None:
                spelt = two_spellings(twin, key)
                raise ValueError(f"flow {self.name!r}: duplicate task key {key!r}, {spelt}")
            return key
        # Continue from the last number handed out for this name: probing name, name-2, …
        # from the start each time made building a 5,000-task fan-out quadratic. A name
        # spelt another way (``same_name``) is the same name: numbered, as a second
        # ``load`` is (``café``, ``café-2``), not a second ``café`` that looks the same.
        name = same_name(task.name)
        n = self._name_uses.get(name, 0) + 1
        key = task.name if n == 1 else f"{task.name}-{n}"
        while same_name(key) in self._same_keys:
            n += 1
            key = f"{task.name}-{n}"
        self._name_uses[name] = n
        return key

    def add_task(self, task: Task, *, key: str | None = None) -> Node:
        """Add ``task`` once (adding the same task again returns its node)."""
        if not isinstance(task, Task):
            raise TypeError(
                f"flow {self.name!r}: add_task needs a @task, got {type(task).__name__} {task!r}"
            )
        if key is None and id(task) in self._first_node:
            return self.nodes[self._first_node[id(task)]]
        node = Node(self._new_key(task, key), task)
        self._put(node)
        return node

    def add_call(
        self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], *, bound: bool = False
    ) -> Ref:
        """A task called inside ``with Flow(...)``: a new node fed by the refs it was given.
        ``bound``: the caller bound the arguments already (``Task.__call__`` does, as the
        call is made), so the flow does not bind them a second time (``check_arguments``)."""
        node = Node(self._new_key(task, None), task)
        node.args = tuple(self._as_input(a) for a in args)
        node.kwargs = {k: self._as_input(v) for k, v in kwargs.items()}
        upstream: list[str] = []
        nested: set[int | str] = set()
        places: list[tuple[int | str, Any]] = [*enumerate(node.args), *node.kwargs.items()]
        for where, value in places:
            if isinstance(value, Ref):
                refs = [value]
            elif refs := list(find_refs(value)):  # a ref inside a list/tuple/dict argument
                nested.add(where)
            for ref in refs:
                self._check_own(ref, f"task {node.key!r}")
                upstream.append(ref.key)
        node.upstream, node.nested = _dedupe(upstream), frozenset(nested)
        self._put(node, bound=bound)
        return Ref(node.key, self)

    def _put(self, node: Node, *, bound: bool = False) -> None:
        """Add ``node``, to be bound once the flow is complete (``check_arguments``),
        unless its arguments were ``bound`` already: after that they change only by
        ``set_dependencies``, which binds them itself."""
        self.nodes[node.key] = node
        self._same_keys[same_name(node.key)] = node.key
        self._first_node.setdefault(id(node.task), node.key)
        self._added_at[node.key] = caller_place()
        if not bound:
            self._unchecked[node.key] = None

    def _check_own(self, ref: Ref, where: str) -> None:
        """A result from another flow would run nothing, or silently bind to a same-named task."""
        foreign = ref.flow is not None and ref.flow is not self
        if foreign or ref.key not in self.nodes:
            origin = f" of flow {ref.flow.name!r}" if foreign and ref.flow is not None else ""
            raise ValueError(
                f"flow {self.name!r}: {where} was given the result of {ref.key!r}{origin}, not a task of this flow"
            )

    def _as_input(self, value: Any) -> Any:
        if isinstance(value, Node):
            if self.nodes.get(value.key) is not value:
                raise ValueError(
                    f"flow {self.name!r}: argument node {value.key!r} is not a task of this flow"
                )
            return Ref(value.key, self)
        if isinstance(value, Task):
            return Ref(self.add_task(value).key, self)
        return value

    def _node(self, item: Task | Node | Ref | str, option: str) -> Node:
        if isinstance(item, Node):
            if self.nodes.get(item.key) is not item:
                raise ValueError(
                    f"flow {self.name!r}: {option} was given node {item.key!r}, not a task of this flow"
                )
            return item
        if isinstance(item, Ref | str):
            if isinstance(item, Ref):
                self._check_own(item, option)
            key = item.key if isinstance(item, Ref) else item
            if key not in self.nodes:
                raise ValueError(f"flow {self.name!r}: {option} names unknown task {key!r}")
            return self.nodes[key]
        if isinstance(item, Task):
            return self.add_task(item)
        raise TypeError(
            f"flow {self.name!r}: {option} must hold tasks, got {type(item).__name__} {item!r}"
        )

    def set_dependencies(
        self,
        task: Task | Node | Ref | str,
        upstream_tasks: Iterable[Task | Node | Ref | str] = (),
        keyword_tasks: Mapping[str, Task | Node | Ref | str] | None = None,
    ) -> Node:
        """``upstream_tasks`` run first; ``keyword_tasks`` also pass their results as kwargs."""
        node = self._node(task, "set_dependencies(task)")
        new_up = [self._node(t, "upstream_tasks").key for t in upstream_tasks]
        new_kw = {
            name: Ref(self._node(t, f"keyword_tasks[{name!r}]").key)
            for name, t in (keyword_tasks or {}).items()
        }
        if new_kw:
            self._check_keywords(node, {**node.kwargs, **new_kw})
        upstream = _dedupe([*node.upstream, *new_up, *(r.key for r in new_kw.values())])
        cycle = self._cycle_through(node.key, upstream)
        if cycle:
            raise ValueError(f"flow {self.name!r}: dependency cycle {' -> '.join(cycle)}")
        node.upstream = upstream
        node.kwargs.update(new_kw)
        if new_kw:
            self._unchecked.pop(node.key, None)  # bound in full by ``_check_keywords``
        return node

    def _check_keywords(self, node: Node, kwargs: dict[str, Any]) -> None:
        """Refuse ``keyword_tasks`` the function cannot take, as a call in a ``with Flow``
        block is refused (``Task.check_call``): ``keyword_tasks={"y": a}`` of ``def b(x)``
        failed in every attempt (``b() got an unexpected keyword argument 'y'``). A call
        that passes results passes them all: a required argument left out is refused too,
        while a call with ``upstream_tasks`` alone (ordering only) is not checked."""
        try:
            signature = inspect.signature(node.task.fn)
        except (TypeError, ValueError):
            return  # nothing to bind against (a builtin without one)
        where = f"flow {self.name!r}: set_dependencies of task {node.key!r}"
        takes = f"{node.task.name}{signature}"
        try:
            signature.bind_partial(*node.args, **kwargs)  # an unknown name before a missing one
        except TypeError as exc:
            raise TypeError(f"{where}: {exc}; the function is {takes}") from None
        try:
            signature.bind(*node.args, **kwargs)
        except TypeError as exc:
            raise TypeError(
                f"{where}: {exc}; the function is {takes}, and keyword_tasks must give"
                " every argument it needs in one call"
            ) from None

    def check_arguments(self) -> None:
        """Refuse a node whose function cannot be called with what the graph gives it:
        ``add_task(b)`` of ``def b(x)`` with no ``keyword_tasks`` for ``x`` failed in its
        attempt, after its upstream tasks had run. Raises ``ArgumentsRefused`` (a
        ``TypeError``) naming the flow, the task and the line that added it. A node is
        added before its ``keyword_tasks`` are set, so this runs once the flow is complete:
        after the loader imports the flow file, and as a run starts. Each node is bound
        once, not per run or per attempt."""
        binder = Binder()
        for key in list(self._unchecked):
            node = self.nodes.get(key)
            if node is not None:
                refusal = binder.refusal(self.name, node, self._added_at.get(key))
                if refusal is not None:
                    raise refusal
            del self._unchecked[key]

    def _cycle_through(self, key: str, upstream: list[str]) -> list[str] | None:
        """The path key -> ... -> key that the new edges would close, if any."""
        parents = {k: n.upstream for k, n in self.nodes.items()}
        parents[key] = upstream
        stack = [(u, [key, u]) for u in upstream]
        seen: set[str] = set()
        while stack:
            current, path = stack.pop()
            if current == key:
                return list(reversed(path))
            if current in seen:
                continue
            seen.add(current)
            stack.extend((p, [*path, p]) for p in parents.get(current, ()))
        return None

    # -- reading --------------------------------------------------------------------
    @property
    def tasks(self) -> list[Node]:
        return list(self.nodes.values())

    def node(self, key: str) -> Node | None:
        """The node with task key ``key``, if this flow has one."""
        return self.nodes.get(key)

    def downstream_of(self, keys: Iterable[str]) -> set[str]:
        """``keys`` and every node that depends on them, directly or not."""
        children: dict[str, list[str]] = {k: [] for k in self.nodes}
        for node in self.nodes.values():
            for up in node.upstream:
                children[up].append(node.key)
        found, stack = set(), list(keys)
        while stack:
            key = stack.pop()
            if key not in found:
                found.add(key)
                stack.extend(children.get(key, ()))
        return found

    # -- running --------------------------------------------------------------------
    def run(self, *, workers: int = 8, default_max_retries: int | None = None) -> RunResult:
        """Run to the end without a UI; return the final ``State`` of every task."""
        self.check_arguments()  # before a runner is made: a broken graph starts nothing
        with Runner(workers=workers) as runner:
            runner.echo_output = True  # no monitor: a task's prints go where a script's go
            return runner.run(self, default_max_retries=default_max_retries)

    def make_run(self, runner: Runner, number: int, run_id: str, options: RunOptions) -> FlowRun:
        """A run of this flow, not begun yet (``Runner.start`` begins it).

        The runner asks the flow for its run, so each kind of flow makes its own: this
        graph's nodes, with their policies, and completed states carried over by key
        (``options.reuse``). The ``@flow`` function's options (``FlowFunction.make_run``)
        have no use here.
        """
        self.check_arguments()  # a flow built and started without the loader or ``run``
        return FlowRun(
            runner,
            self,
            number,
            runner.policies(self, options.default_max_retries),
            options.reuse,
            options.rerun_of,
            run_id=run_id,
        )

    def parameters(self) -> list[ParameterInfo]:
        """What a run can be given (``--param``): nothing, for a static flow; a ``@flow``
        function's named parameters."""
        return []

    def start_arguments(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """``Runner.start`` arguments that call the flow with ``parameters`` (by name, as
        ``--param`` gives them). Raises ``ParameterError`` naming what does not fit: a
        static flow takes none."""
        if parameters:
            raise ParameterError(
                f"flow {self.name!r} takes no parameters (only a @flow function does): "
                f"got {', '.join(parameters)}"
            )
        return {}

    def parameter_problem(self, parameters: Mapping[str, Any]) -> ParameterProblem | None:
        """The parameter a run with ``parameters`` would be refused for, and why; None
        when it would start. The run form asks this of the process that has the flow's
        code, so a value of the user's own type (an ``Enum`` of theirs) is checked before
        the run starts, not by a run that fails at once."""
        try:
            self.start_arguments(parameters)
        except ParameterError as exc:
            return exc.problem
        return None

    def rerun_plan(self, source: RunResult, key: str | None = None) -> dict[str, Any]:
        """What ``Runner.start`` needs to rerun ``source``: its failed tasks, or (``key``)
        that task and everything downstream of it. Completed tasks are carried over where
        ``rerun_reuse.reusable`` allows: not one fed by a task that runs again, nor one
        this flow calls otherwise than ``source``'s flow did."""
        forced: set[str] = set()
        if key is not None:
            if key not in self.nodes:
                raise KeyError(f"flow {self.name!r} has no task {key!r}")
            forced = self.downstream_of([key])
        done = [k for k, s in source.states.items() if s.is_completed() and k not in forced]
        # Calls of another flow object (the code reloaded) are compared; its own, not.
        was: Mapping[str, Node] = source.flow.nodes if source.flow is not self else {}
        # (every call's: one that did not complete, or is asked for, runs, never served
        # by another key's result of the same call: ``reusable``)
        fingerprints = {k: call_fingerprint(was[k]) for k in source.states if k in was}
        kept = reusable(self.nodes, done, fingerprints, f"run #{source.number}", by_call=True).kept
        return {"reuse": {k: source.states[was_key] for k, was_key in kept.items()}}

    def __repr__(self) -> str:
        return f"<Flow {self.name!r}: {len(self.nodes)} tasks>"
