"""Issue 14's side-by-side harness: the same Prefect 3 flow files under the real Prefect
and under flowtop's drop-in mode, compared on outcome, attempt counts and retry gaps.

    PYTHONPATH=app python tests/compat/side_by_side.py [--prefect-python PATH] [--only a,b]

Prefect runs from a separate virtual environment, never a flowtop dependency: by default
the one ``tests/benchmarks/compare.py`` creates (``tests/benchmarks/.venv-compare``, or
``$FLOWTOP_COMPARE_VENV``); ``--prefect-python`` names another interpreter. Each scenario
below is an unmodified Prefect 3 file whose ``main()`` records what it saw (attempts per
task, the gaps between attempts, the outcome) with plain Python, so the same code observes
both engines. Not part of the default test run (Prefect starts a server: it is slow).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: Shared by every scenario: the instrumentation (plain Python, no engine API).
PRELUDE = """
import time, asyncio
from collections import defaultdict
_calls = defaultdict(list)
def hit(name):
    _calls[name].append(time.monotonic())
    return len(_calls[name])
def observed(outcome):
    gaps = {k: [round(b - a, 2) for a, b in zip(v, v[1:])] for k, v in _calls.items()}
    return {"outcome": outcome, "attempts": {k: len(v) for k, v in _calls.items()}, "gaps": gaps}
def outcome_of(fn):
    try:
        value = fn()
    except BaseException as exc:
        return f"raised {type(exc).__name__}"
    return f"returned {value!r}"
"""

SCENARIOS: dict[str, str] = {
    "retries_then_success": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0.2)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "up"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "retries_exhausted": """
        from prefect import flow, task
        @task(retries=1, retry_delay_seconds=0)
        def always():
            hit("always")
            raise ValueError("no")
        @flow
        def f():
            return always()
        def main():
            return observed(outcome_of(f))
    """,
    "no_retries": """
        from prefect import flow, task
        @task
        def once():
            hit("once")
            raise ValueError("no")
        @flow
        def f():
            return once()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_delay_list": """
        from prefect import flow, task
        @task(retries=3, retry_delay_seconds=[0.1, 0.3])
        def flaky():
            if hit("flaky") < 4:
                raise ConnectionError("down")
            return 1
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_condition_rejects": """
        from prefect import flow, task
        def only_connection_errors(task, task_run, state):
            try:
                state.result()
            except ConnectionError:
                return True
            except Exception:
                return False
        @task(retries=3, retry_condition_fn=only_connection_errors)
        def lookup():
            hit("lookup")
            raise KeyError("missing")
        @flow
        def f():
            return lookup()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_condition_accepts": """
        from prefect import flow, task
        def only_connection_errors(task, task_run, state):
            try:
                state.result()
            except ConnectionError:
                return True
            except Exception:
                return False
        @task(retries=3, retry_condition_fn=only_connection_errors)
        def fetch():
            if hit("fetch") < 3:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return fetch()
        def main():
            return observed(outcome_of(f))
    """,
    "retry_condition_run_count": """
        from prefect import flow, task
        seen = []
        def stop_after_two(task, task_run, state):
            seen.append(task_run.run_count)
            return task_run.run_count < 2
        @task(retries=5)
        def base():
            raise ValueError("x")
        limited = base.with_options(retry_condition_fn=stop_after_two)
        @flow
        def f():
            return limited(return_state=True).is_failed()
        def main():
            return {**observed(outcome_of(f)), "seen": seen}
    """,
    "timeout_then_retry": """
        import time as _t
        from prefect import flow, task
        @task(retries=1, timeout_seconds=0.3)
        def slow():
            if hit("slow") == 1:
                _t.sleep(1.5)
            return "fast enough"
        @flow
        def f():
            return slow()
        def main():
            return observed(outcome_of(f))
    """,
    "return_state_failed": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            state = boom(return_state=True)
            return [state.is_failed(), type(state.result(raise_on_failure=False)).__name__]
        def main():
            return observed(outcome_of(f))
    """,
    "submit_map_result": """
        from prefect import flow, task
        @task
        def double(x):
            hit("double")
            return 2 * x
        @flow
        def f():
            return [fut.result() for fut in double.map([1, 2, 3])]
        def main():
            return observed(outcome_of(f))
    """,
    "unmapped": """
        from prefect import flow, task, unmapped
        @task
        def add(x, ys):
            hit("add")
            return x + sum(ys)
        @flow
        def f():
            return [fut.result() for fut in add.map([1, 2], unmapped([10, 20]))]
        def main():
            return observed(outcome_of(f))
    """,
    "wait_for_order": """
        from prefect import flow, task
        order = []
        @task
        def first():
            hit("first"); order.append("first")
        @task
        def second():
            hit("second"); order.append("second")
            return "done"
        @flow
        def f():
            a = first.submit()
            return second.submit(wait_for=[a]).result()
        def main():
            return {**observed(outcome_of(f)), "order": order}
    """,
    "allow_failure": """
        from prefect import flow, task, allow_failure
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @task
        def report(upstream):
            hit("report")
            return type(upstream).__name__
        @flow
        def f():
            return report.submit(allow_failure(boom.submit())).result()
        def main():
            return observed(outcome_of(f))
    """,
    "with_options": """
        from prefect import flow, task
        @task(retries=0)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        patient = flaky.with_options(retries=2, retry_delay_seconds=0)
        @flow
        def f():
            return patient()
        def main():
            return observed(outcome_of(f))
    """,
    "task_outside_flow": """
        from prefect import task
        @task(retries=2, retry_delay_seconds=0.1)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        def main():
            return observed(outcome_of(flaky))
    """,
    "task_in_task": """
        from prefect import flow, task
        @task(retries=1)
        def inner():
            if hit("inner") < 2:
                raise ConnectionError("once")
            return 1
        @task
        def outer():
            hit("outer")
            return inner() + 1
        @flow
        def f():
            return outer()
        def main():
            return observed(outcome_of(f))
    """,
    "flow_returns_completed": """
        from prefect import flow
        from prefect.states import Completed
        @flow
        def f():
            hit("f")
            return Completed(data=5)
        def main():
            return observed(outcome_of(f))
    """,
    "flow_returns_failed": """
        from prefect import flow
        from prefect.states import Failed
        @flow
        def f():
            hit("f")
            return Failed(message="declined")
        def main():
            return observed(outcome_of(f))
    """,
    "flow_returns_failed_future": """
        from prefect import flow, task
        @task
        def boom():
            hit("boom")
            raise ValueError("x")
        @flow
        def f():
            return boom.submit()
        def main():
            return observed(outcome_of(f))
    """,
    "flow_retries": """
        from prefect import flow
        @flow(retries=1)
        def f():
            if hit("f") < 2:
                raise RuntimeError("first run fails")
            return "second run"
        def main():
            return observed(outcome_of(f))
    """,
    "futures_wait": """
        from prefect import flow, task
        from prefect.futures import wait
        @task
        def square(x):
            hit("square")
            return x * x
        @flow
        def f():
            futures = [square.submit(i) for i in range(4)]
            done, not_done = wait(futures)
            return [len(done), len(not_done), sorted(x.result() for x in futures)]
        def main():
            return observed(outcome_of(f))
    """,
    "run_logger": """
        from prefect import flow, task, get_run_logger
        @task
        def logs():
            hit("logs")
            get_run_logger().info("hello")
            return "logged"
        @flow
        def f():
            get_run_logger().info("flow says hi")
            return logs()
        def main():
            return observed(outcome_of(f))
    """,
    "async_task_retries": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0.1)
        async def fetch(x):
            if hit("fetch") < 2:
                raise ConnectionError("down")
            await asyncio.sleep(0.01)
            return x
        @flow
        async def f():
            return await fetch(3)
        def main():
            return observed(outcome_of(lambda: asyncio.run(f())))
    """,
    "async_gather": """
        from prefect import flow, task
        @task
        async def double(x):
            hit("double")
            await asyncio.sleep(0.01)
            return 2 * x
        @flow
        async def f():
            return list(await asyncio.gather(*(double(i) for i in range(5))))
        def main():
            return observed(outcome_of(lambda: asyncio.run(f())))
    """,
    "subflow_retries": """
        from prefect import flow, task
        @flow(retries=1)
        def child():
            if hit("child") < 2:
                raise RuntimeError("once")
            return 2
        @flow
        def parent():
            hit("parent")
            return child() * 10
        def main():
            return observed(outcome_of(parent))
    """,
    "exponential_backoff": """
        from prefect import flow, task
        from prefect.tasks import exponential_backoff
        @task(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=0.1))
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
    "jitter_attempts": """
        from prefect import flow, task
        @task(retries=2, retry_delay_seconds=0.1, retry_jitter_factor=0.5)
        def flaky():
            if hit("flaky") < 3:
                raise ConnectionError("down")
            return "ok"
        @flow
        def f():
            return flaky()
        def main():
            return observed(outcome_of(f))
    """,
}

#: Scenarios whose gaps are not compared: random by design (jitter), or dominated by
#: Prefect's own latency (a flow retry with no delay takes Prefect about 1 s to start).
RANDOM_GAPS = {"jitter_attempts", "flow_retries", "subflow_retries"}
GAP_TOLERANCE = 0.25  # seconds: Prefect's own bookkeeping adds latency to every retry


def child(engine: str, names: list[str]) -> None:
    """Run each scenario in this process and print one JSON line per scenario."""
    if engine == "flowtop":
        sys.path.insert(0, str(ROOT / "app"))
        from flowtop.compat import prefect_imports
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as folder:
        for name in names:
            path = Path(folder) / f"scenario_{name}.py"
            path.write_text(PRELUDE + textwrap.dedent(SCENARIOS[name]))
            try:
                spec = importlib.util.spec_from_file_location(f"scenario_{name}", path)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                if engine == "flowtop":
                    with prefect_imports():
                        spec.loader.exec_module(module)
                else:
                    spec.loader.exec_module(module)
                result = {"name": name, "obs": module.main()}
            except BaseException as exc:  # noqa: BLE001 - a scenario that breaks is a finding
                result = {
                    "name": name,
                    "error": f"{type(exc).__name__}: {exc}",
                    "trace": traceback.format_exc()[-800:],
                }
            print("SIDE-BY-SIDE " + json.dumps(result, default=repr), flush=True)


def run_engine(engine: str, python: str, names: list[str]) -> dict[str, dict[str, Any]]:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix=f"side-{engine}-") as home:
        if engine == "prefect":
            for key in ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_PROFILE"):
                env.pop(key, None)
            env.update(
                DO_NOT_TRACK="1",
                PREFECT_SERVER_ANALYTICS_ENABLED="false",
                PREFECT_HOME=home,
                PREFECT_LOGGING_LEVEL="WARNING",
                PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
            )
        done = subprocess.run(
            [python, __file__, "--child", engine, "--only", ",".join(names)],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("SIDE-BY-SIDE "):
            item = json.loads(line.removeprefix("SIDE-BY-SIDE "))
            results[item["name"]] = item
    if not results:
        raise SystemExit(f"{engine}: no results\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return results


def differences(name: str, prefect: dict[str, Any], flowtop: dict[str, Any]) -> list[str]:
    if "error" in prefect or "error" in flowtop:
        return [f"error: prefect {prefect.get('error')} / flowtop {flowtop.get('error')}"]
    a, b = prefect["obs"], flowtop["obs"]
    found = []
    for key in sorted(set(a) | set(b)):
        if key == "gaps":
            if name in RANDOM_GAPS:
                continue
            for task in sorted(set(a[key]) | set(b[key])):
                ga, gb = a[key].get(task, []), b[key].get(task, [])
                if len(ga) != len(gb) or any(
                    abs(x - y) > GAP_TOLERANCE for x, y in zip(ga, gb, strict=True)
                ):
                    found.append(f"gaps[{task}]: prefect {ga} / flowtop {gb}")
        elif a.get(key) != b.get(key):
            found.append(f"{key}: prefect {a.get(key)!r} / flowtop {b.get(key)!r}")
    return found


def default_prefect_python() -> str:
    venv = Path(
        os.environ.get("FLOWTOP_COMPARE_VENV") or ROOT / "tests" / "benchmarks" / ".venv-compare"
    )
    return str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefect-python", default=None, help="an interpreter with Prefect 3")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--child", choices=("prefect", "flowtop"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    if args.child:
        child(args.child, names)
        return 0
    python = args.prefect_python or default_prefect_python()
    if not Path(python).exists():
        parser.error(
            f"no Prefect interpreter at {python}: run tests/benchmarks/compare.py once "
            "(it creates the venv) or pass --prefect-python"
        )
    prefect = run_engine("prefect", python, names)
    flowtop = run_engine("flowtop", sys.executable, names)
    same = 0
    for name in names:
        found = differences(
            name, prefect.get(name, {"error": "missing"}), flowtop.get(name, {"error": "missing"})
        )
        same += not found
        print(f"{'same' if not found else 'DIFF'}  {name}")
        for line in found:
            print(f"      {line}")
    print(f"\n{same} of {len(names)} scenarios behave the same")
    return 0 if same == len(names) else 1


if __name__ == "__main__":
    raise SystemExit(main())
