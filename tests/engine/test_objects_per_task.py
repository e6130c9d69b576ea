"""What a finished run keeps per task, counted in objects the garbage collector scans.

Every object a run keeps until its end is scanned by each young collection it lives
through, and a 5,000-task run set off dozens (issue 17: 6.6% of ``flow.run()``'s time on
trivial tasks). A task's record holds no empty list of children, and the run's result
shares each record's tuple of attempts instead of copying it: four such objects per
task (its record, its attempt, the attempts' tuple, its final ``State``), not six.
"""

from __future__ import annotations

import gc

from flowtop import Flow, task
from flowtop.engine import Runner


def _add_one(x: int) -> int:
    return x + 1


def test_a_finished_run_keeps_four_scanned_objects_per_task() -> None:
    tasks = 2_000
    step = task(_add_one)
    flow = Flow("many")
    for i in range(tasks):
        flow.add_call(step, (i,), {})
    with Runner(workers=2) as runner:
        # a first run, held too: warm (imports, the pool's threads), and whatever the
        # runner keeps of its latest run is no longer freed by the run counted
        first = runner.start(flow)
        first.final_result()
        gc.collect()
        before = len(gc.get_objects())
        run = runner.start(flow)  # held, with its records
        result = run.final_result()
        gc.collect()
        kept = len(gc.get_objects()) - before
    assert result.is_completed() and first.state is run.state
    # (a few dozen more for the run itself: its dicts, lock, drivers, result)
    assert kept < 4.5 * tasks, f"{kept / tasks:.2f} scanned objects kept per task"


def test_the_result_shares_each_record_s_attempts() -> None:
    flow = Flow("two")
    first = flow.add_call(task(_add_one), (1,), {})
    flow.add_call(task(_add_one), (first,), {})
    with Runner(workers=1) as runner:
        run = runner.start(flow)
        result = run.final_result()
    for key, record in run.tasks.items():
        assert result.attempts[key] is record.attempts
        assert [a.number for a in record.attempts] == [1]
    assert [child.key for child in run.tasks[first.key].children] == [*run.tasks][1:]


def test_a_task_state_is_built_with_every_field_of_state() -> None:
    """``TaskRun.to_state`` builds its ``State`` field by field in order, unchecked (as
    ``tuple.__new__`` makes a named tuple): a field added to ``State`` must be added there."""
    from flowtop.engine.states import State

    flow = Flow("one")
    flow.add_task(task(lambda: 1, name="a"))
    state = flow.run().states["a"]
    assert len(state) == len(State._fields)
    assert state.is_completed() and state.result == 1
