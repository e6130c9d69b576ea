"""Prefect 3 code from Prefect's docs that ran differently under flowtop: awaited
variables and artifacts in async code, a flow's returned ``Completed(name="Skipped")``,
a flow stopped by its ``timeout_seconds``, and names the docs import."""

from __future__ import annotations

import asyncio
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.compat import prefect_imports
from flowtop.engine.errors import NotInFlowtop
from flowtop.states import Completed


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Variables are kept in the current folder's ``.flowtop`` outside a workspace."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_variables_and_artifacts_are_awaited_in_async_flows_and_tasks(here: Path) -> None:
    """``await Variable.get(...)`` raised "object list can't be used in 'await'
    expression": Prefect 3's sync-named functions return an awaitable in async code."""
    from flowtop.artifacts import create_markdown_artifact, create_table_artifact
    from flowtop.variables import Variable

    @task
    async def report(n: int) -> list[str]:
        made = await create_markdown_artifact(markdown=f"# Report {n}", key=f"report-{n}")
        table = await create_table_artifact(table=[{"n": n}], key=f"tab-{n}")
        return [type(made).__name__, type(table).__name__]

    @task
    def plain() -> Any:  # a sync task of an async flow: no event loop, plain calls
        return Variable.get("region")

    @flow
    async def reports() -> list[Any]:
        await Variable.set("region", "eu", overwrite=True)
        region = await Variable.get("region")
        missing = await Variable.get("crew", default=["Backup1"])
        kinds = await asyncio.gather(report(1), report(2))
        in_sync_task = plain.submit().result()
        gone = await Variable.unset("region")
        return [region, missing, kinds, in_sync_task, gone, Variable.get("region", _sync=True)]

    assert asyncio.run(reports()) == ["eu", ["Backup1"], [["UUID", "UUID"]] * 2, "eu", True, None]


def test_they_stay_plain_calls_in_sync_code(here: Path) -> None:
    from flowtop.artifacts import create_link_artifact
    from flowtop.variables import Variable

    @flow
    def nightly() -> list[Any]:
        made = Variable.set("day", "mon")
        return [made.value, Variable.get("day"), Variable.unset("day"), create_link_artifact("x")]

    value, got, gone, link = nightly()
    assert [value, got, gone, isinstance(link, uuid.UUID)] == ["mon", "mon", True, True]


def test_a_flow_returning_a_named_completed_state_ends_in_that_state() -> None:
    """Prefect's docs (``return Completed(message="No work to do", name="Skipped")``):
    ``return_state=True`` gave a state named ``Completed`` with no message."""
    seen: list[tuple[str, str | None]] = []

    def noted(fl: Any, run: Any, state: Any) -> None:
        seen.append((state.name, state.message))

    @flow(on_completion=[noted])
    def skipper(work_to_do: bool = False) -> Any:
        if not work_to_do:
            return Completed(message="No work to do", name="Skipped")
        return Completed(message="Work was done", data=3)

    state = skipper(return_state=True)
    assert (state.name, state.message, state.result(), state.is_completed()) == (
        "Skipped",
        "No work to do",
        None,
        True,
    )
    assert skipper() is None
    done = skipper(work_to_do=True, return_state=True)
    assert (done.name, done.message, done.result()) == ("Completed", "Work was done", 3)

    @flow
    def parent() -> list[Any]:
        inner = skipper(return_state=True)
        return [inner.name, inner.message]

    assert parent() == ["Skipped", "No work to do"]
    assert seen[:3] == [("Skipped", "No work to do")] * 2 + [("Completed", "Work was done")]


def test_a_flow_stopped_by_its_timeout_gives_a_timed_out_state() -> None:
    """As Prefect's ``handle_timeout``: ``Failed(name="TimedOut")``; flowtop's was named
    ``Failed``."""

    @flow(timeout_seconds=0.2)
    def too_slow() -> None:
        for _ in range(100):
            time.sleep(0.02)

    @flow
    def parent() -> list[Any]:
        inner = too_slow(return_state=True)
        return [inner.name, inner.message, inner.is_failed()]

    state = too_slow(return_state=True)
    assert (state.name, state.message) == ("TimedOut", "Flow run exceeded timeout of 0.2 second(s)")
    assert parent() == ["TimedOut", "Flow run exceeded timeout of 0.2 second(s)", True]


def test_the_names_prefect_s_docs_import(tmp_path: Path) -> None:
    """``from prefect import serve``, ``prefect.client.schemas.objects.FlowRun`` (hook type
    hints), ``prefect.exceptions.PrefectException`` and ``ObjectNotFound`` failed the
    import: ``NotAvailable: … is not available in flowtop``."""
    path = tmp_path / "docs.py"
    path.write_text(
        textwrap.dedent("""
            from prefect import flow, serve
            from prefect.client.schemas.objects import FlowRun
            from prefect.exceptions import FailedRun, ObjectNotFound, PrefectException

            def hook(flow, flow_run: FlowRun, state):
                seen.append(type(flow_run).__name__)

            seen = []

            @flow(on_completion=[hook])
            def nightly():
                return 1
        """)
    )
    namespace: dict[str, Any] = {}
    with prefect_imports():
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    assert namespace["nightly"]() == 1 and namespace["seen"] == ["FlowRunInfo"]
    assert issubclass(namespace["FailedRun"], namespace["PrefectException"])
    assert issubclass(namespace["ObjectNotFound"], namespace["PrefectException"])
    with pytest.raises(NotInFlowtop, match=r"^serve\(\) \(a process serving deployments\) is"):
        namespace["serve"]()


def test_an_async_flow_s_state_is_named_so_too() -> None:
    """The awaited call (``flow_await``) makes its state on another path."""

    @flow
    async def skipper() -> Any:
        return Completed(message="No work to do", name="Skipped")

    @flow(timeout_seconds=0.2)
    async def too_slow() -> None:
        await asyncio.sleep(5)

    async def both() -> list[tuple[str, str | None]]:
        skipped, timed_out = await skipper(return_state=True), await too_slow(return_state=True)
        return [(skipped.name, skipped.message), (timed_out.name, timed_out.message)]

    assert asyncio.run(both()) == [
        ("Skipped", "No work to do"),
        ("TimedOut", "Flow run exceeded timeout of 0.2 second(s)"),
    ]
