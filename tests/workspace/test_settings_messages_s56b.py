"""Settings files said as the user reads them (rv347 §8): a file that is not UTF-8 by its
line, a key at the top level as a key, and a timeout too short to let any attempt run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import SettingsError, Workspace

FLOW = """
from flowtop import Flow, task

@task
def load():
    return 1

flow = Flow("etl")
flow.add_task(load)
"""

Write = Callable[[str, str | bytes], Path]


def settings_said(ws: Workspace) -> list[str]:
    return [str(error) for error in ws.settings_errors]


def test_a_settings_file_that_is_not_utf8_is_said_by_line_and_column(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("etl.py", FLOW)
    comments = b"# a comment line of the settings file, long enough to matter\n" * 200
    write("flowtop.toml", b"[defaults]\n" + comments + b"max_retries = 2  # caf\xe9\n")
    ws = workspace()
    assert settings_said(ws) == [  # (past the first 8 KB a reader decodes at once)
        "flowtop.toml:202:23: file is not valid UTF-8 text: byte 0xe9 (invalid continuation byte)"
    ]


def test_the_retry_editor_says_the_line_of_an_overrides_file_that_is_not_utf8(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("etl.py", FLOW)
    write(".flowtop/overrides.toml", b'[flows."etl".tasks."load"]\n# caf\xe9\nmax_retries = 1\n')
    ws = workspace()
    assert settings_said(ws) == [
        ".flowtop/overrides.toml:2:6: file is not valid UTF-8 text: byte 0xe9 "
        "(invalid continuation byte)"
    ]
    with pytest.raises(SettingsError) as refused:
        ws.set_override("etl", "load", max_retries=3)
    assert str(refused.value) == (
        ".flowtop/overrides.toml cannot be updated: line 2: file is not valid UTF-8 text: "
        "byte 0xe9 (invalid continuation byte); fix or delete it first"
    )


@pytest.mark.parametrize(
    ("file", "text", "said"),
    [
        (  # it read "unknown table 'version'"
            ".flowtop/overrides.toml",
            'version = 2\n\n[flows."etl".tasks."load"]\nmax_retries = 1\n',
            ".flowtop/overrides.toml:1: top level: unknown key 'version' "
            "(only tables go there; valid tables: flows)",
        ),
        (
            ".flowtop/overrides.toml",
            "max_retries = 2\n",
            ".flowtop/overrides.toml:1: max_retries belongs in a task's table",
        ),
        (  # (a task's table takes no workers)
            "flowtop.toml",
            "workers = 2\n",
            "flowtop.toml:1: workers belongs in [defaults]",
        ),
        (
            "flowtop.toml",
            "retry_on = ['ValueError']\n",
            "flowtop.toml:1: retry_on belongs in a task's table",
        ),
    ],
)
def test_a_key_at_the_top_level_is_said_to_be_a_key(
    write: Write, workspace: Callable[..., Workspace], file: str, text: str, said: str
) -> None:
    write("etl.py", FLOW)
    write(file, text)
    assert settings_said(workspace()) == [said]


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[flows."etl".tasks."load"]', "timeout"),
        ("[defaults]", "timeout"),
        ("[defaults]", "load_timeout"),
    ],
)
def test_a_timeout_that_ends_every_try_as_it_starts_is_refused(
    write: Write, workspace: Callable[..., Workspace], table: str, key: str
) -> None:
    write("etl.py", FLOW)
    write("flowtop.toml", f"{table}\n{key} = 1e-300\n")
    assert settings_said(workspace()) == [
        f"flowtop.toml:2: {table}: {key} must be at least 0.001 seconds (a shorter one ends "
        "each try as it starts), got float 1e-300"
    ]
    write("flowtop.toml", f"{table}\n{key} = 0.001\n")
    assert settings_said(workspace()) == []


def test_the_retry_editor_refuses_such_a_timeout_too(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("etl.py", FLOW)
    ws = workspace()
    with pytest.raises(SettingsError, match=r"timeout must be at least 0\.001 seconds"):
        ws.set_override("etl", "load", timeout=1e-300)


def test_a_retry_deadline_of_0_is_taken_it_means_no_retry(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    """README: no retry is scheduled that would start later than the deadline after the
    first attempt; 0 is then no retry, as ``max_retries = 0`` (kept, rv347 §8 asked)."""
    write("etl.py", FLOW)
    write("flowtop.toml", '[flows."etl".tasks."load"]\nretry_deadline = 0\nmax_retries = 3\n')
    ws = workspace()
    assert settings_said(ws) == []
    flow = ws.flows["etl"]
    assert ws.policy_for(flow, flow.nodes["load"]).retry_deadline == 0
