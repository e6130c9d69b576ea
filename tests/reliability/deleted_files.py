"""The bad-inputs rows whose files go while the monitor loads or watches them
(``test_bad_inputs.py``): a flow file that deletes another as it is imported, and a file
renamed, then deleted, under the real watcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowtop.engine.states import StateType as S
from pilot_kit import screen_text, wait_for

from .conftest import run_flow


async def rename_then_delete(app: Any, pilot: Any, folder: Path) -> None:
    """Hot reload with the real watcher: the good flow follows its file, then leaves with it."""
    (folder / "good.py").rename(folder / "renamed.py")
    await wait_for(
        pilot,
        lambda: app.workspace.flow_files.get("good") == folder / "renamed.py",
        "the renamed file to be reloaded",
    )
    run = await run_flow(app, pilot, "good")
    assert run.state is S.COMPLETED
    (folder / "renamed.py").unlink()
    await wait_for(pilot, lambda: "good" not in app.workspace.flows, "the flow to go")
    await wait_for(pilot, lambda: "Removed flow good" in screen_text(app), "the removal toast")
    await wait_for(pilot, lambda: "· good" not in screen_text(app), "the flows list to update")
    run = await run_flow(app, pilot, "deleter")  # what is left still works
    assert run.state is S.COMPLETED


DELETER = """\
from pathlib import Path
from flowtop import Flow, task

# the file vanishes mid-load (missing_ok: the file is imported twice, in the loader process
# and then in the process that shows it; `run --flow good` imports it in its loader child
# only, so whether that run meets the victim's error depends on which child goes first)
Path(__file__).with_name("b_victim.py").unlink(missing_ok=True)

@task
def step():
    return 1

with Flow("deleter") as flow:
    step()
"""


async def gone_from_the_monitor(app: Any, pilot: Any, name: str) -> None:
    """Wait until the file ``name``, gone by the monitor's first frame, is listed neither
    with its error nor at all: its watch noted the files before the first load
    (``watcher.stamp_before_load``), and drops a file deleted meanwhile as at any time."""
    await wait_for(
        pilot,
        lambda: (
            all(path.name != name for path in app.workspace.errors) and name not in screen_text(app)
        ),
        f"{name} and its error to go",
    )
