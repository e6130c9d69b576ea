"""A process's first attempt timeout comes on time, as every later one does.

Interrupting a call needs ``asyncio`` (``TaskInterrupted`` is its ``CancelledError``) and
``ctypes``; imported at the first interrupt, on the timer thread, they made a ``flowtop
run``'s first timeout 0.1-0.4 s late on a loaded host. They are imported as a timeout is
armed: a fresh process that arms one has them before any timeout fires.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import sys, time
    from flowtop import Flow, task
    from flowtop.engine import user_call

    @task(timeout=60)
    def armed() -> bool:  # the timer thread imports them meanwhile: wait for it
        deadline = time.monotonic() + 20
        while not user_call.interrupts_imported and time.monotonic() < deadline:
            time.sleep(0.01)
        return user_call.interrupts_imported

    flow = Flow("armed")
    ref = flow.add_task(armed)
    assert "asyncio" not in sys.modules, "the engine imports asyncio at once: test moot"
    result = flow.run()
    print(result[ref.key].result, "flowtop.engine.task_interrupted" in sys.modules,
          "ctypes" in sys.modules)
    """
)


def test_arming_a_timeout_imports_what_interrupting_needs_before_any_fires() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]
