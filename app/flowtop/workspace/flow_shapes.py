"""Flows as plain data: what a process that must not run user code knows of them.

The TUI never imports a flow file (issue 13): a flow host process imports them and sends
each flow's *shape* — its task keys, their upstreams and each task's effective retry
policy already put into words — over a pipe as JSON. The in-process ``Workspace`` builds
the same shapes from the flows it holds, so the TUI reads one type whichever workspace
it was given. Everything here is plain data: no class, function or exception type of the
user's crosses into the TUI.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..engine.delays import MAX_SECONDS, ExponentialBackoff, PrefectBackoff
from ..engine.dynamic import FlowFunction
from ..engine.flow import Flow, Node
from ..engine.flow_package import FLOW_PACKAGE
from ..engine.layers import Layer
from ..engine.parameters import ParameterInfo
from ..engine.policy import RetryPolicy
from ..engine.task import Task
from ..engine.value_text import error_text
from .load_error import LoadError

#: The editor's fields that together make the one ``retry_delay`` setting, delay first.
DELAY_FIELDS = ("retry_delay", "backoff_factor", "max_delay")

#: The options only a task's code sets that decide, beside ``retry_on``, whether a failure
#: is retried (``RetryPolicy.deciders``).
DECIDERS = ("retry_predicate", "retry_condition_fn")

#: Field name -> label, in the order the retry editor shows them.
FIELDS: dict[str, str] = {
    "max_retries": "Max retries",
    "retry_delay": "Delay (s)",
    "backoff_factor": "Backoff factor",
    "max_delay": "Max delay (s)",
    "retry_jitter": "Jitter",
    "retry_jitter_factor": "Jitter factor",
    "retry_on": "Retry on",
    "timeout": "Timeout (s)",
    "retry_deadline": "Deadline (s)",
}


class _Pauses:
    """The pauses of ``collector_paused`` in progress. A load's thread and the screen's
    may pause at once; each reading ``gc.isenabled()`` for itself, one that read "off"
    during the other's pause could switch the collector off after that one switched it
    back on, and leave it off for good (the engine met that: ``user_call.current_frames``)."""

    lock = threading.Lock()
    depth = 0  # pauses in progress
    resume = False  # whether the collector was on when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off for one burst of allocations that all stay alive: a
    flow file's import, its shapes and their JSON make a few objects per task, and on a
    100,000-task flow the collections they set off (each scanning every object made so
    far, none of them garbage) took more time than making the objects: a load in the
    flow host 1.1 s instead of 0.55, the TUI's rebuilding of the shapes 0.23 s instead
    of 0.06. The collector is on again once the last pause in progress ends, if it was on
    before the first."""
    with _Pauses.lock:
        if _Pauses.depth == 0:
            _Pauses.resume = gc.isenabled()
            gc.disable()
        _Pauses.depth += 1
    try:
        yield
    finally:
        with _Pauses.lock:
            _Pauses.depth -= 1
            if _Pauses.depth == 0 and _Pauses.resume:
                gc.enable()


def fmt_number(value: float) -> str:
    """``value`` as the user would write it (the retry editor prefills its fields with it):
    ``5``, ``0.5``, ``0.123456789``, ``1e+300``, ``repr``'s shortest text that reads back
    as the same number, a whole one without ``.0``. It was a whole float in full (1e300 as
    301 digits) and ``:g``'s six digits (0.123456789 as 0.123457, a value not in force)."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e16:  # (past 1e16, repr's exponent form)
        return str(int(number))
    return repr(number)


def exception_name(exc_type: type[BaseException]) -> str:
    """The name ``retry_on`` in TOML uses for a type.

    Bare for builtins and for classes of the flow's own module (the workspace looks bare
    names up there), dotted for anything importable; a class nested in one of the flow's
    module as ``Outer.Inner``, which the workspace reads back (its bare name did not
    resolve, so the retry editor's field, filled with it, could not be saved as it was).
    """
    module = exc_type.__module__
    if module == "builtins":
        return exc_type.__name__
    if module.startswith(FLOW_PACKAGE + "."):
        nested = exc_type.__qualname__
        return exc_type.__name__ if "<locals>" in nested else nested
    return f"{exc_type.__module__}.{exc_type.__qualname__}"


def initial_texts(policy: RetryPolicy) -> dict[str, str]:
    """The effective policy as the editor's field text; values TOML cannot hold are left empty."""
    texts = dict.fromkeys(FIELDS, "")
    if policy.max_retries is not None:
        texts["max_retries"] = str(policy.max_retries)
    delay = policy.retry_delay
    if isinstance(delay, int | float):
        texts["retry_delay"] = fmt_number(delay)
    elif isinstance(delay, tuple):
        texts["retry_delay"] = ", ".join(fmt_number(d) for d in delay)
    elif isinstance(delay, ExponentialBackoff):
        texts["retry_delay"] = fmt_number(delay.base)
        texts["backoff_factor"] = fmt_number(delay.factor)
        if delay.max_delay is not None:
            texts["max_delay"] = fmt_number(delay.max_delay)
    elif isinstance(delay, PrefectBackoff) and delay.backoff_factor <= MAX_SECONDS:
        # Prefect's backoff_factor is the first wait, doubled each retry: flowtop's
        # backoff of that base and factor 2, uncapped, waits the same (past the 50th
        # retry, where Prefect's stops growing, a wait of a base over 1e-7 s is past 365
        # days in both, and both refuse it), so a save of these fields keeps the waits
        texts["retry_delay"] = fmt_number(delay.backoff_factor)
        texts["backoff_factor"] = "2"
    texts["retry_jitter"] = fmt_number(policy.retry_jitter)
    if policy.retry_jitter_factor is not None:
        texts["retry_jitter_factor"] = fmt_number(policy.retry_jitter_factor)
    if policy.retry_on:
        texts["retry_on"] = ", ".join(exception_name(t) for t in policy.retry_on)
    if policy.timeout is not None:
        texts["timeout"] = fmt_number(policy.timeout)
    if policy.retry_deadline is not None:
        texts["retry_deadline"] = fmt_number(policy.retry_deadline)
    return texts


def placeholders(policy: RetryPolicy, below: RetryPolicy | None = None) -> dict[str, str]:
    """What an empty field means, so an empty box never looks like a missing value.

    An empty field writes no override: the value comes from the layers below it, ``below``
    (the policy without the task's override) or, with none, ``policy`` itself. A value set
    in code or ``flowtop.toml`` is named with its layer: an emptied `Max retries` of a
    task whose code says 3 read `unset: budget 2` and meant 3.
    """
    fallback = below if below is not None else policy
    hints = builtin_placeholders(fallback)
    described = fallback.describe()
    for name in hints:
        setting = "retry_delay" if name in DELAY_FIELDS else name
        # (an unset ``retry_jitter_factor`` is not described: ``RetryPolicy.describe``)
        value, layer = described.get(setting, ("", Layer.BUILTIN))
        if layer is not Layer.BUILTIN and name not in DELAY_FIELDS[1:]:
            hints[name] = f"{value} from {layer}"
    return hints


def builtin_placeholders(policy: RetryPolicy) -> dict[str, str]:
    """What an empty field means when no layer sets it."""
    delay = policy.retry_delay
    backoff = isinstance(delay, ExponentialBackoff | PrefectBackoff)
    custom = callable(delay) and not backoff
    unset = f"unset: budget {policy.default_max_retries}" + (
        ", retries on Retry only" if policy.retry_only else ""
    )
    return {
        # (a drop-in task's author knows no Retry budget: Prefect's words, as `flowtop list`'s)
        "max_retries": policy.max_retries_text() if policy.prefect_words else unset,
        "retry_delay": (
            f"{getattr(delay, '__qualname__', 'callable')}(n) in code; type to replace"
            if custom
            else "seconds, or a list: 1, 5, 30"
        ),
        "backoff_factor": "none (e.g. 2 doubles each retry)",
        # (a backoff's own: an uncapped one grows each retry, and read "needs a backoff
        # factor" beside the factor it has)
        "max_delay": "no cap (e.g. 60 caps each wait at 60 s)"
        if backoff
        else "no cap (needs a backoff factor)",
        "retry_jitter": "0 (0.1 adds up to +10%)",
        "retry_jitter_factor": "none (Prefect's: 0.5 draws each wait up to ×1.5)",
        "retry_on": policy.unset_retry_on_text(),
        "timeout": "none",
        "retry_deadline": "none (stop retrying this long after the first attempt)",
    }


@dataclass(frozen=True, slots=True)
class PolicyView:
    """One effective retry policy, put into words where it was computed."""

    summary: str  # the table's policy column
    layers: Mapping[str, tuple[str, Layer]]  # field -> (value, the layer it comes from)
    texts: Mapping[str, str]  # the retry editor's prefilled fields
    hints: Mapping[str, str]  # what an empty editor field means

    def layer_of(self, name: str) -> Layer:
        """The layer the editor field ``name``'s value comes from, as `flowtop list` names
        it: the delay fields share ``retry_delay``'s; an unset ``retry_on`` beside a
        ``retry_condition_fn`` or ``retry_predicate`` is theirs, since they decide (it
        read ``builtin``, as if any exception were retried)."""
        setting = "retry_delay" if name in DELAY_FIELDS else name
        value, layer = self.layers.get(setting, ("unset", Layer.BUILTIN))
        deciders = self.deciders()
        if setting == "retry_on" and value == "unset" and layer is Layer.BUILTIN and deciders:
            return deciders[0][2]
        return layer

    def deciders(self) -> list[tuple[str, str, Layer]]:
        """``(option, its function's name, layer)`` of each option of the code that decides
        whether a failure is retried (``RetryPolicy.deciders``), as ``layers`` holds it."""
        return [
            (option, *self.layers[option])
            for option in DECIDERS
            if option in self.layers and self.layers[option] != ("unset", Layer.BUILTIN)
        ]

    def jitter_factor(self) -> tuple[str, Layer] | None:
        """Prefect's ``retry_jitter_factor`` and its layer, when a layer set one: a second
        jitter beside flowtop's ``retry_jitter`` (the retry editor's notes say that both
        apply). A factor of 0 is none: the engine draws no wait with it."""
        factor = self.layers.get("retry_jitter_factor")
        return factor if factor is not None and float(factor[0]) else None

    @classmethod
    def of(cls, policy: RetryPolicy, below: RetryPolicy | None = None) -> PolicyView:
        """``below``: the policy without the task's override, when it has one."""
        return cls(
            policy.summary(),
            MappingProxyType(policy.describe()),
            MappingProxyType(initial_texts(policy)),
            MappingProxyType(placeholders(policy, below)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "layers": {name: [value, str(layer)] for name, (value, layer) in self.layers.items()},
            "texts": dict(self.texts),
            "hints": dict(self.hints),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PolicyView:
        return cls(
            str(data["summary"]),
            MappingProxyType(
                {str(k): (str(v), Layer(layer)) for k, (v, layer) in data["layers"].items()}
            ),
            MappingProxyType({str(k): str(v) for k, v in data["texts"].items()}),
            MappingProxyType({str(k): str(v) for k, v in data["hints"].items()}),
        )


@dataclass(frozen=True, slots=True)
class NodeShape:
    """One task of a flow: its key, the keys it waits for, its policy."""

    key: str
    upstream: tuple[str, ...]
    policy: PolicyView


@dataclass(frozen=True)
class FlowShape:
    """One flow as the TUI needs it.

    A ``@flow`` function's graph exists only while it runs (``dynamic``): ``nodes`` is
    empty and ``policies`` holds the policy of each key its runs may use — every ``@task``
    of its module by name, and every key a settings table names — while ``base_policies``
    holds each task's policy for any other key (``fetch-2``: no task table applies).
    """

    name: str
    dynamic: bool = False
    nodes: Mapping[str, NodeShape] = field(default_factory=dict)
    policies: Mapping[str, PolicyView] = field(default_factory=dict)
    base_policies: Mapping[str, PolicyView] = field(default_factory=dict)
    #: A ``@flow`` function's named parameters, for the run form (``R``); () for others.
    parameters: tuple[ParameterInfo, ...] = ()
    #: The literals its file's ``__main__`` block calls it with (``main_block_args``):
    #: the run form starts from them when the flow has no run yet.
    main_block_parameters: Mapping[str, Any] = field(default_factory=dict)
    #: A ``@flow``'s keys whose latest run called a ``with_options`` copy that cannot be
    #: rebuilt (``task_copies``): no next-run policy is known, the run's own is shown.
    unpredicted: frozenset[str] = frozenset()

    @property
    def needs_parameters(self) -> bool:
        """Whether a run must be given a value (a parameter without a default)."""
        return any(p.required for p in self.parameters)

    def node(self, key: str) -> NodeShape | None:
        node = self.nodes.get(key)
        if node is not None or not self.dynamic:
            return node
        policy = self.policies.get(key)
        if policy is None:
            base, _, number = key.rpartition("-")
            policy = self.base_policies.get(base if base and number.isdigit() else key)
        return NodeShape(key, (), policy) if policy is not None else None

    def to_json(self, policy_index: Callable[[PolicyView], int]) -> dict[str, Any]:
        """As JSON, each policy by its index in a table the caller keeps (a 100,000-task
        flow of one ``@task`` sends its policy once)."""
        return {
            "name": self.name,
            "dynamic": self.dynamic,
            "nodes": [
                [n.key, list(n.upstream), policy_index(n.policy)] for n in self.nodes.values()
            ],
            "policies": {k: policy_index(p) for k, p in self.policies.items()},
            "base_policies": {k: policy_index(p) for k, p in self.base_policies.items()},
            "parameters": [list(p) for p in self.parameters],
            "main_block_parameters": dict(self.main_block_parameters),
            "unpredicted": sorted(self.unpredicted),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], policies: list[PolicyView]) -> FlowShape:
        return cls(
            str(data["name"]),
            bool(data["dynamic"]),
            {
                str(key): NodeShape(str(key), tuple(upstream), policies[index])
                for key, upstream, index in data["nodes"]
            },
            {str(k): policies[i] for k, i in data["policies"].items()},
            {str(k): policies[i] for k, i in data["base_policies"].items()},
            tuple(_parameter(p) for p in data.get("parameters", ())),
            dict(data.get("main_block_parameters", {})),
            frozenset(data.get("unpredicted", ())),
        )


def _parameter(data: Sequence[Any]) -> ParameterInfo:
    """A parameter as ``shapes_to_json`` wrote it: a list, its choices a list too."""
    name, required, default, annotation, *rest = data
    return ParameterInfo(name, required, default, annotation, tuple(rest[0]) if rest else ())


def shapes_to_json(shapes: Mapping[str, FlowShape]) -> dict[str, Any]:
    table: list[dict[str, Any]] = []
    index: dict[int, int] = {}

    def policy_index(view: PolicyView) -> int:
        at = index.get(id(view))
        if at is None:
            at = index[id(view)] = len(table)
            table.append(view.to_json())
        return at

    flows = {name: shape.to_json(policy_index) for name, shape in shapes.items()}
    return {"policies": table, "flows": flows}


def shapes_from_json(data: Mapping[str, Any]) -> dict[str, FlowShape]:
    with collector_paused():  # a task or two of objects per task, all kept
        policies = [PolicyView.from_json(p) for p in data["policies"]]
        return {str(name): FlowShape.from_json(f, policies) for name, f in data["flows"].items()}


#: Every field of a policy, for telling equal policies apart without summarising each.
_POLICY_FIELDS = tuple(f.name for f in fields(RetryPolicy) if f.name != "sources")


class ShapeMaker:
    """Builds shapes, putting each distinct policy into words once.

    Policies are compared by value: the 5,000 tasks of one ``@task`` (or 5,000 ``task()``
    objects made alike) get one ``PolicyView``. ``setting_keys(flow)`` names the task keys
    the settings files have tables for: only those can differ from their task's policy.
    """

    def __init__(
        self,
        policy_for: Callable[[Flow, Node], RetryPolicy],
        setting_keys: Callable[[str], Iterable[str]] = lambda flow: (),
        below: Callable[[Flow, Node], RetryPolicy | None] = lambda flow, node: None,
        copies: Callable[[FlowFunction], Mapping[str, Task | None]] = lambda flow: {},
    ) -> None:
        """``copies(flow)``: the ``with_options`` copy each key of a ``@flow``'s latest run
        called, rebuilt (``task_copies``), None for one that cannot be."""
        self.policy_for = policy_for
        self.setting_keys = setting_keys
        self.below = below
        self.copies = copies
        self._views: dict[Any, PolicyView] = {}

    def shape_all(
        self,
        flows: Mapping[str, Flow],
        files: Mapping[str, Path],
        main_block: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> tuple[dict[str, FlowShape], dict[str, LoadError]]:
        """Every flow's shape, and each flow whose shape could not be made as an error of
        its file: one flow that fails here (a module that raises when its tasks are
        looked for) costs its own row, not every flow of the monitor. ``main_block``:
        the parameters their file's ``__main__`` block gives flows, by flow name."""
        shapes: dict[str, FlowShape] = {}
        broken: dict[str, LoadError] = {}
        for name, flow in flows.items():
            try:
                shapes[name] = self.shape(flow)
                if main_block and main_block.get(name):
                    shapes[name] = replace(shapes[name], main_block_parameters=main_block[name])
            except Exception as exc:  # noqa: BLE001 - said as its file's error
                why = f"flow {name!r}: {error_text(exc)}"
                broken[name] = LoadError(files[name], None, None, why)
        return shapes, broken

    def _policy(self, flow: Flow, node: Node) -> RetryPolicy:
        """The task's effective policy; its code's where a settings value is refused (a
        ``SettingsError``, a ``ValueError``: shown as a settings error). The workspace's
        ``policy_for`` raises none itself (``_layered`` leaves out a ``retry_on`` that
        does not resolve), so anything else is a bug: raised, ``shape_all`` says it as
        the flow's error rather than show the code's policy as the one in effect."""
        try:
            return self.policy_for(flow, node)
        except ValueError:
            return node.task.policy

    def _keyed_view(self, flow: Flow, node: Node) -> PolicyView:
        """The view of a task a settings table names: with what its override covers."""
        below = self.below(flow, node)
        policy = self._policy(flow, node)
        return self.view(policy) if below is None else PolicyView.of(policy, below)

    def view(self, policy: RetryPolicy) -> PolicyView:
        try:
            key: Any = (
                tuple(getattr(policy, name) for name in _POLICY_FIELDS),
                tuple(sorted(policy.sources.items())),
            )
            hash(key)
        except TypeError:  # an unhashable value in code (a delay object): not shared
            return PolicyView.of(policy)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = PolicyView.of(policy)
        return view

    def shape(self, flow: Flow) -> FlowShape:
        keyed = set(self.setting_keys(flow.name))
        if isinstance(flow, FlowFunction):
            tasks = flow.task_nodes()
            # A @flow call's next-run policy is the task its latest run called, under the
            # settings in force now; the module's task of its name only before any run.
            copies = self.copies(flow)
            unpredicted = frozenset(key for key, task in copies.items() if task is None)
            # keys its runs in this process made (tasks it calls that its module does not
            # name), the copies its latest run called, each task by name, and the keys
            # the settings name
            keys = dict.fromkeys([*flow.known_nodes, *copies, *tasks, *sorted(keyed)])

            def node_of(key: str) -> Node | None:
                task = copies.get(key) if key not in flow.known_nodes else None
                return Node(key, task) if task is not None else flow.node(key)

            policies = {
                key: self._keyed_view(flow, node)
                if key in keyed
                else self.view(self._policy(flow, node))
                for key in keys
                if (node := node_of(key)) is not None
            }
            # A key no table names: the policy of its task under a key nothing names.
            plain = "\0"
            base = {
                name: self.view(self._policy(flow, Node(plain, node.task)))
                for name, node in tasks.items()
            }
            shape = FlowShape(flow.name, True, {}, policies, base, tuple(flow.parameters()))
            return replace(shape, unpredicted=unpredicted) if unpredicted else shape
        by_task: dict[int, PolicyView] = {}
        nodes = {}
        for key, node in flow.nodes.items():
            if key in keyed:
                view = self._keyed_view(flow, node)
            elif (shared := by_task.get(id(node.task))) is not None:
                view = shared
            else:
                view = by_task[id(node.task)] = self.view(self._policy(flow, node))
            nodes[key] = NodeShape(key, tuple(node.upstream), view)
        return FlowShape(flow.name, False, nodes)
