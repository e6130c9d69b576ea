"""Event-stream invariants (issue 6) over random DAGs, policies and failure schedules.

Each task fails its first ``k`` calls in one chosen way (an exception, ``Retry``, a result
the predicate rejects, a ``KeyboardInterrupt``) and then returns "ok". From that schedule
and the §3 rules the test predicts every task's attempts and final state, then checks
the real event stream against the prediction and against the state machine.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import event as label
from hypothesis import strategies as st

from flowtop import Flow, Retry, State, StateType, task
from flowtop.engine import Runner
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.layers import Layer
from flowtop.engine.policy import RetryPolicy, decide
from flowtop.engine.states import TRANSITIONS

from .kit import Recorder

KINDS = ("conn", "value", "retry", "bad", "interrupt")
RETRY_ON = (None, (ConnectionError,), (ValueError,), (ConnectionError, ValueError))
ENDS_ATTEMPT = {StateType.AWAITING_RETRY, StateType.COMPLETED, StateType.FAILED}


def rejects(state: State) -> bool:
    return state.result == "bad" or isinstance(state.exception, ConnectionError)


@dataclass(frozen=True)
class NodeSpec:
    upstream: tuple[int, ...]
    kind: str
    k: int  # the first k calls misbehave
    max_retries: int | None
    retry_on: tuple[type[BaseException], ...] | None
    predicate: bool


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[NodeSpec], int, int]:
    n = draw(st.integers(1, 12))
    nodes = []
    for i in range(n):
        upstream = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        nodes.append(
            NodeSpec(
                upstream=tuple(upstream),
                kind=draw(st.sampled_from(KINDS)),
                k=draw(st.integers(0, 4)),
                max_retries=draw(st.none() | st.integers(0, 3)),
                retry_on=draw(st.sampled_from(RETRY_ON)),
                predicate=draw(st.booleans()),
            )
        )
    return nodes, draw(st.integers(0, 3)), draw(st.integers(1, 4))


def outcome_of(spec: NodeSpec, call: int, attempt: int) -> State:
    if call > spec.k:
        return State(StateType.COMPLETED, "ok", None, attempt)
    if spec.kind == "bad":
        return State(StateType.COMPLETED, "bad", None, attempt)
    exc = {
        "conn": lambda: ConnectionError("down"),
        "value": lambda: ValueError("bug"),
        "retry": lambda: Retry("again", delay=0),
        "interrupt": lambda: KeyboardInterrupt(),
    }[spec.kind]()
    return State(StateType.FAILED, exc, exc, attempt)


def build(nodes: list[NodeSpec], calls: Counter) -> Flow:
    lock = threading.Lock()
    flow = Flow("random")

    def make(i: int, spec: NodeSpec):
        def body(**upstream: object) -> str:
            assert all(v in ("ok", "bad") for v in upstream.values()), upstream
            with lock:
                calls[i] += 1
                call = calls[i]
            outcome = outcome_of(spec, call, call)
            if outcome.exception is not None:
                raise outcome.exception
            return outcome.result

        return task(
            body,
            name=f"n{i}",
            max_retries=spec.max_retries,
            retry_on=spec.retry_on,
            retry_predicate=rejects if spec.predicate else None,
            retry_delay=0,
        )

    for i, spec in enumerate(nodes):
        flow.add_task(make(i, spec))
        if spec.upstream:
            half = len(spec.upstream) // 2
            flow.set_dependencies(
                f"n{i}",
                upstream_tasks=[f"n{j}" for j in spec.upstream[:half]],
                keyword_tasks={f"u{j}": f"n{j}" for j in spec.upstream[half:]},
            )
    return flow


def predict(
    nodes: list[NodeSpec], policy: list[RetryPolicy], calls_before: Counter, reused: set[int]
):
    """Expected (attempts, final state) per node, walking the DAG in order."""
    expected: dict[int, tuple[int, StateType]] = {}
    for i, spec in enumerate(nodes):
        if i in reused:
            expected[i] = (0, StateType.COMPLETED)
            continue
        if any(expected[j][1] is not StateType.COMPLETED for j in spec.upstream):
            expected[i] = (0, StateType.UPSTREAM_FAILED)
            continue
        attempt = 0
        while True:
            attempt += 1
            decision = decide(
                policy[i], outcome_of(spec, calls_before[i] + attempt, attempt), rng=lambda: 0.0
            )
            if not decision.retry:
                assert decision.final is not None
                expected[i] = (attempt, decision.final)
                break
    return expected


def check_run(
    recorder: Recorder, run_id: str, expected: dict[int, tuple[int, StateType]], reused: set[int]
) -> None:
    events = [e for e in recorder.events if e.run_id == run_id]
    assert isinstance(events[0], RunStarted)
    assert isinstance(events[-1], RunFinished), "an event came after run_finished"
    assert sum(isinstance(e, RunStarted | RunFinished) for e in events) == 2
    finals: dict[str, StateType] = {}
    for i, (attempts, final) in expected.items():
        key = f"n{i}"
        mine = [e for e in events[1:-1] if e.task == key]
        previous: StateType | None = None
        running = 0
        for event in mine:  # per task, in emit order
            assert event.state in TRANSITIONS[previous], f"{key}: {previous} -> {event.state}"
            if event.state is StateType.RUNNING:
                running += 1
                assert event.attempt == running
            elif event.state in ENDS_ATTEMPT and not event.reused:
                assert event.attempt == running
            previous = event.state
        assert previous is final, f"{key}: ended {previous}, expected {final}"
        assert running == attempts, f"{key}: {running} attempts, expected {attempts}"
        assert [e.reused for e in mine if e.state is StateType.COMPLETED] == (
            [True] if i in reused else [False] * (final is StateType.COMPLETED)
        )
        finals[key] = final
    counts = Counter(s.value for s in finals.values())
    assert events[-1].counts == dict(counts)
    everything_completed = all(s is StateType.COMPLETED for s in finals.values())
    assert events[-1].state is (StateType.COMPLETED if everything_completed else StateType.FAILED)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_event_streams_follow_the_rules(scenario: tuple[list[NodeSpec], int, int]) -> None:
    nodes, default_budget, workers = scenario
    calls: Counter = Counter()
    flow = build(nodes, calls)
    policy = [
        flow.nodes[f"n{i}"].task.policy.with_values(
            Layer.DEFAULTS, default_max_retries=default_budget
        )
        for i in range(len(nodes))
    ]
    recorder = Recorder()
    with Runner(
        workers,
        sinks=(recorder,),
        rng=lambda: 0.0,
        policy_for=lambda f, node: policy[int(node.key[1:])],
    ) as runner:
        first = runner.start(flow).result(timeout=5)
        expected = predict(nodes, policy, Counter(), set())
        assert calls == Counter({i: a for i, (a, _) in expected.items() if a})
        assert {k: s.type for k, s in first.states.items()} == {
            f"n{i}": f for i, (_, f) in expected.items()
        }

        completed = {i for i in range(len(nodes)) if first[f"n{i}"].is_completed()}
        before = Counter(calls)
        second = runner.rerun_failed(first).result(timeout=5)
        expected_again = predict(nodes, policy, before, completed)
    # shutdown delivered every event: now the streams are complete
    check_run(recorder, first.run_id, expected, set())
    check_run(recorder, second.run_id, expected_again, completed)
    for i in completed:
        assert calls[i] == before[i], f"n{i} completed in the source run but was executed again"
    assert second.rerun_of == first.run_id


class CancelAfter(Recorder):
    """Cancels the run from the sink thread once it has seen ``k`` events: a cancel at a random point."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k
        self.run = None

    def __call__(self, events: list) -> None:
        super().__call__(events)
        if self.run is not None and len(self.events) >= self.k:
            self.run.cancel()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(1, 40))
def test_cancel_at_any_point_leaves_a_consistent_stream(
    scenario: tuple[list[NodeSpec], int, int], k: int
) -> None:
    nodes, default_budget, workers = scenario
    flow = build(nodes, Counter())
    policy = [
        flow.nodes[f"n{i}"].task.policy.with_values(
            Layer.DEFAULTS, default_max_retries=default_budget
        )
        for i in range(len(nodes))
    ]
    sink = CancelAfter(k)
    with Runner(
        workers,
        sinks=(sink,),
        rng=lambda: 0.0,
        policy_for=lambda f, node: policy[int(node.key[1:])],
    ) as runner:
        run = runner.start(flow)
        sink.run = run
        result = run.result(timeout=5)
    label(f"run {result.state.value}")
    events = [e for e in sink.events if e.run_id == run.run_id]
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    assert sum(isinstance(e, RunFinished) for e in events) == 1
    last: dict[str, StateType | None] = {}
    for event in events[1:-1]:
        previous = last.get(event.task)
        assert event.state in TRANSITIONS[previous], f"{event.task}: {previous} -> {event.state}"
        last[event.task] = event.state
    assert {k: s.type for k, s in result.states.items()} == last
    assert all(state.is_final for state in last.values())
    assert events[-1].counts == dict(Counter(s.value for s in last.values()))
    assert events[-1].state is result.state
    if result.state is StateType.CANCELLED:
        assert StateType.CANCELLED in last.values() or not last
