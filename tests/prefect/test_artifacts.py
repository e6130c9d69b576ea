"""Prefect 3's ``prefect.artifacts`` (``flowtop.artifacts``): with no API server, an
artifact is written into the output of the attempt (or ``@flow`` body) that makes it."""

from __future__ import annotations

import math
import uuid

import pytest

from flowtop import flow, task
from flowtop.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from flowtop.compat import prefect_imports
from flowtop.engine import Runner
from flowtop.engine.events import RunFinished


def test_an_artifact_made_in_a_task_is_part_of_its_attempt_s_output() -> None:
    @task
    def report(rows: int) -> uuid.UUID:
        return create_markdown_artifact(f"# Sales\n\n{rows} rows", key="sales", description="Daily")

    @flow
    def daily() -> uuid.UUID:
        return report(3)

    with Runner() as runner:
        result = runner.run(daily)
    assert isinstance(result.value, uuid.UUID)
    (attempt,) = result.attempts["report"]
    assert attempt.output == "artifact sales (markdown): Daily\n# Sales\n\n3 rows\n"


def test_an_artifact_made_in_a_flow_body_is_the_run_s_output() -> None:
    finished: list[RunFinished] = []

    @flow
    def daily() -> None:
        create_link_artifact("https://example.org/r/1", "the report", key="report-link")

    with Runner() as runner:
        runner.bus.add_sink(
            lambda events: finished.extend(e for e in events if isinstance(e, RunFinished))
        )
        runner.run(daily)
        runner.bus.flush()
    assert (
        finished[0].output == "artifact report-link (link)\nthe report: https://example.org/r/1\n"
    )


def test_tables_of_each_shape_are_laid_out_in_columns(capsys: pytest.CaptureFixture[str]) -> None:
    create_table_artifact([{"region": "eu", "sales": 12.5}, {"region": "us", "sales": math.nan}])
    create_table_artifact({"a": [1, 22], "b": ["x", "y"]}, key="by-column")
    create_table_artifact([[1, "x"], [22, "yy"]])
    assert capsys.readouterr().out.splitlines() == [
        "artifact (table)",
        "region  sales",
        "eu      12.5",
        "us",  # NaN: empty, as Prefect stores it null
        "artifact by-column (table)",
        "a   b",
        "1   x",
        "22  y",
        "artifact (table)",
        "1   x",
        "22  yy",
    ]


def test_progress_is_kept_within_0_and_100_and_its_updates_name_its_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    artifact = create_progress_artifact(-5, key="load")
    assert update_progress_artifact(artifact, 250.0) == artifact
    assert capsys.readouterr().out.splitlines() == [
        "artifact load (progress)",
        "0%",
        "artifact load (progress)",
        "100%",
    ]


def test_a_key_is_checked_as_prefect_checks_it() -> None:
    with pytest.raises(ValueError, match="key must only contain lowercase letters, numbers"):
        create_markdown_artifact("x", key="Daily Report")


def test_drop_in_imports_give_the_same_functions() -> None:
    with prefect_imports():
        from prefect.artifacts import (  # type: ignore[import-not-found]
            acreate_table_artifact,
        )
        from prefect.artifacts import (
            create_table_artifact as prefect_table,
        )

        assert prefect_table is create_table_artifact
        assert acreate_table_artifact.__module__ == "flowtop.artifacts"
