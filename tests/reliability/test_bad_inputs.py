"""Every bad input a user can hand flowtop, through ``flowtop run``, ``flowtop list`` and the TUI.

One table, one row per bad input. A load or settings problem must exit 2 (SPEC §5) and
name the file, line and key on stderr, the TUI must list the file with ✗ and show the
same message, and the good flow beside it must keep running everywhere. A task that
misbehaves at run time must fail (or complete) clearly in the JSON and on screen, with
the app alive. Each row asserts the exact message, so a regression in wording or in
robustness fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli_kit import flowtop_here
from flowtop.engine.states import StateType
from pilot_kit import screen_text, wait_for, wait_for_text

from .conftest import flowtop, json_lines, run_flow, tui
from .deleted_files import DELETER, gone_from_the_monitor, rename_then_delete

S = StateType
ROOT = os.geteuid() == 0

GOOD = """\
from flowtop import Flow, task

@task
def ok():
    return 1

with Flow("good") as flow:
    ok()
"""


def flow_file(name: str, body: str) -> str:
    """A flow module ``name`` with one task ``body`` (a function called ``job``)."""
    return f"from flowtop import Flow, task\n\n{body}\n\nwith Flow({name!r}) as flow:\n    job()\n"


@dataclass(frozen=True)
class Row:
    id: str
    files: dict[str, str | bytes]
    #: Load rows: the message that must name file/line/key, in stderr and on screen.
    error: str = ""
    #: Load rows: the name the flows list shows with ✗.
    label: str = ""
    #: Load rows: a settings file that loaded, a part of which names nothing that exists.
    in_part: bool = False
    #: Task rows: the flow and task that misbehave, and checks of its last JSON event and screen.
    flow: str = ""
    task: str = ""
    final: Callable[[dict[str, Any]], None] | None = None
    on_screen: tuple[str, ...] = ()
    human: Callable[[str], None] | None = None  # a check of the human (non-JSON) output
    run_exit: int = 1  # of ``flowtop run`` for a task row: 0 when the odd task completes
    prepare: Callable[[Path], None] | None = None
    after: Callable[[Any, Any, Path], Awaitable[None]] | None = None  # more TUI steps
    cli_prefix: tuple[str, ...] = ()
    tui_skip: str = ""
    #: Load rows: ``run --flow good`` still meets the error. Not when it comes from
    #: importing another flow's file, which such a run does not import (nor say).
    meets_with_other_flow: bool = True
    #: Load rows: a table naming a flow that does not exist, said by ``run`` and ``list``
    #: but stopping neither (a renamed flow's override stopped a cron job's run).
    stops_nothing: bool = False
    #: Load rows: the file is gone by the monitor's first frame; its watch, which noted the
    #: files before that load (``watcher.stamp_before_load``), drops it and its error.
    gone_in_tui: bool = False

    @property
    def is_load(self) -> bool:
        return bool(self.error)

    @property
    def shares_a_run(self) -> bool:
        """A broken flow file, run with the others (``test_flowtop_run_of_every_broken_file``):
        not settings (one a folder), nor a file that needs its own (``load_timeout``), changes
        the folder (the deleter: ``after``) or is read without root's rights (``cli_prefix``)."""
        settings = self.label == "flowtop.toml" or "flowtop.toml" in self.files
        return self.is_load and not settings and self.after is None and not self.cli_prefix


# -- row helpers ----------------------------------------------------------------------


def symlink_loop(folder: Path) -> None:
    os.symlink(folder / "loop_b.py", folder / "loop_a.py")
    os.symlink(folder / "loop_a.py", folder / "loop_b.py")


def fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.py")


def unreadable(folder: Path) -> None:
    (folder / "secret.py").chmod(0)


def without_dac_override() -> tuple[str, ...]:
    """Root reads a chmod-000 file anyway; without these capabilities it cannot."""
    if not ROOT:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return ("false",)  # no way to drop the capability: the CLI rows then skip
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search")


def predicate_failed(event: dict[str, Any]) -> None:
    assert event["state"] == "FAILED" and event["attempt"] == 1, event  # no retry
    assert event["error"]["type"] == "PredicateError"
    assert event["error"]["message"] == "retry_predicate judge raised KeyError: 'judge broke'"


def repr_guarded(event: dict[str, Any]) -> None:
    assert event["state"] == "COMPLETED", event
    assert event["result"] == "<unrepresentable Evil: RuntimeError>"


def huge_cut(event: dict[str, Any]) -> None:
    assert event["state"] == "FAILED", event
    message = event["error"]["message"]
    assert message.startswith("ValueError-x" + "x" * 1000)
    assert message.endswith("… (900011 more characters)"), message[-60:]  # says what it cut
    assert len(message) < 200_000


MARKUP = "[bold red]boom[/] [link=http://x]y[/link] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 [/"


def markup_verbatim(event: dict[str, Any]) -> None:
    assert event["state"] == "FAILED", event
    assert event["error"]["message"] == MARKUP  # JSON escapes ESC itself: kept exactly


def markup_escaped_for_people(out: str) -> None:
    assert "ValueError: [bold red]boom[/] [link=http://x]y[/link] ␛[31mred␛[0m ␛]0;pwned␇ [/" in out
    assert "\x1b" not in out and "\x07" not in out  # never acts on the user's terminal


def output_kept(event: dict[str, Any]) -> None:
    assert event["state"] == "COMPLETED" and event["result"] == "'done'", event
    output = event["output"]
    assert output.startswith("line 0\nline 1\n") and output.endswith("line 99999\n")
    assert "characters of output dropped" in output  # the middle is cut, and says so
    assert len(output) < 600_000


ROWS = [
    Row(
        "syntax-error",
        {"syn.py": 'from flowtop import Flow\n\nflow = Flow("syn"\nx = 1\n'},
        error="syn.py:3:12: SyntaxError: '(' was never closed",
        label="syn.py",
    ),
    Row(
        "exception-at-import",
        {
            "imp.py": 'from flowtop import Flow\n\nflow = Flow("imp")\nraise RuntimeError("boom at import")\n'
        },
        error="imp.py:4: RuntimeError: boom at import",
        label="imp.py",
    ),
    # User code that would take the process importing it down (issue 16 item 6): each is
    # imported in a loader process first and shown as a broken file with the reason.
    Row(
        "loops-at-import",
        {
            "slow.py": "from flowtop import Flow\n\nwhile True:\n    pass\n",
            "flowtop.toml": "[defaults]\nload_timeout = 0.5\n",
        },
        error="slow.py: import did not finish in 0.5 s",
        label="slow.py",
    ),
    Row(
        "os-exit-at-import",
        {"crash.py": "import os\nfrom flowtop import Flow\n\nos._exit(3)\n"},
        error="crash.py: the import ended the process (exit code 3)",
        label="crash.py",
    ),
    Row(
        "keyboard-interrupt-at-import",
        {"kbd.py": "from flowtop import Flow\n\nraise KeyboardInterrupt\n"},
        error="kbd.py:3: KeyboardInterrupt",
        label="kbd.py",
    ),
    Row(
        "cancelled-error-at-import",
        {
            "cancel.py": "import asyncio\nfrom flowtop import Flow\n\nraise asyncio.CancelledError()\n"
        },
        error="cancel.py:4: CancelledError",
        label="cancel.py",
    ),
    Row(
        "system-exit-at-import",
        {"bye.py": "import sys\nfrom flowtop import Flow\n\nsys.exit(7)\n"},
        error="bye.py:4: SystemExit: 7",
        label="bye.py",
    ),
    Row(
        "no-flows",
        {"noflows.py": "import flowtop\n\nVALUE = 1\n"},
        error="noflows.py: defines no flows: no module-level flowtop.Flow and no @flow function",
        label="noflows.py",
        # run --flow good imports no other flow's file, so whose helper it may be is
        # unknown: said of every such run, it was noise (flows/flaky_api.py)
        meets_with_other_flow=False,
    ),
    Row(
        "two-flows-one-name",
        {"twins.py": 'from flowtop import Flow\n\na = Flow("twin")\nb = Flow("twin")\n'},
        error="twins.py:4: two flows named 'twin' (a at line 3 and b)",
        label="twins.py",
    ),
    Row(
        "duplicate-task-key",
        {
            "dupkey.py": "from flowtop import Flow, task\n\n@task\ndef t():\n    return 1\n\n"
            'flow = Flow("dupkey")\nflow.add_task(t, key="step")\nflow.add_task(t, key="step")\n'
        },
        error="dupkey.py:9: ValueError: flow 'dupkey': duplicate task key 'step'",
        label="dupkey.py",
    ),
    Row(
        "dependency-cycle",
        {
            "cyc.py": "from flowtop import Flow, task\n\n@task\ndef a():\n    return 1\n\n"
            '@task\ndef b():\n    return 2\n\nflow = Flow("cyc")\n'
            "flow.set_dependencies(a, upstream_tasks=[b])\n"
            "flow.set_dependencies(b, upstream_tasks=[a])\n"
        },
        error="cyc.py:13: ValueError: flow 'cyc': dependency cycle b -> a -> b",
        label="cyc.py",
    ),
    Row(
        "invalid-toml",
        {"flowtop.toml": "[defaults]\nworkers = 4\nmax_retries = = 3\n"},
        error="flowtop.toml:3:15: invalid TOML: Invalid value",
        label="flowtop.toml",
    ),
    Row(
        "unknown-settings-key",
        {"flowtop.toml": "[defaults]\nmax_retrys = 3\n"},
        error="flowtop.toml:2: [defaults]: unknown key 'max_retrys' (did you mean 'max_retries'?)",
        label="flowtop.toml",
    ),
    Row(
        "unknown-settings-table",  # its line: the table's header, not a "tasks =" that is not there
        {"flowtop.toml": '[defaults]\nworkers = 4\n\n[tasks."good/ok"]\nmax_retries = 2\n'},
        error="flowtop.toml:4: top level: unknown table 'tasks'",
        label="flowtop.toml",
    ),
    Row(
        "unknown-exception-name",
        {"flowtop.toml": '[flows."good".tasks."ok"]\nretry_on = ["NoSuchError"]\n'},
        error='flowtop.toml:2: [flows."good".tasks."ok"]: retry_on: unknown exception \'NoSuchError\'',
        label="flowtop.toml",
        in_part=True,
    ),
    Row(
        "settings-file-is-a-named-pipe",  # opening it blocked `list` and the TUI for good
        {},
        error="flowtop.toml: cannot read settings: flowtop.toml is not a regular file",
        label="flowtop.toml",
        prepare=lambda folder: os.mkfifo(folder / "flowtop.toml"),
    ),
    Row(
        "settings-of-a-renamed-flow",
        {"flowtop.toml": '[flows."good-old".tasks."ok"]\nmax_retries = 2\n'},
        error='flowtop.toml:1: [flows."good-old".tasks."ok"]: no flow named \'good-old\' '
        "(did you mean 'good'?)",
        label="flowtop.toml",
        in_part=True,
        stops_nothing=True,
    ),
    Row(
        "file-deleted-or-renamed-during-reload",
        {
            "a_deleter.py": DELETER,
            "b_victim.py": flow_file("victim", "@task\ndef job():\n    return 1"),
        },
        error="b_victim.py: file disappeared while reloading",
        label="b_victim.py",
        after=rename_then_delete,
        meets_with_other_flow=False,
        gone_in_tui=True,
    ),
    Row(
        "symlink-loop",
        {},
        error="loop_a.py: symlink loop: cannot read file",
        label="loop_a.py",
        prepare=symlink_loop,
    ),
    Row(
        "unreadable-file",
        {"secret.py": 'from flowtop import Flow\nflow = Flow("secret")\n'},
        error="secret.py: cannot read file: Permission denied",
        label="secret.py",
        prepare=unreadable,
        cli_prefix=without_dac_override(),
        tui_skip="running as root: root reads a chmod-000 file (the CLI rows drop"
        " CAP_DAC_OVERRIDE with setpriv; the named-pipe row covers a file root cannot read)"
        if ROOT
        else "",
    ),
    Row(
        "named-pipe",
        {},
        error="pipe.py: not a regular file (a named pipe)",
        label="pipe.py",
        prepare=fifo,
    ),
    Row(
        "non-utf8-file",
        {"latin.py": b"from flowtop import Flow\nname = 'caf\xe9'\n"},
        error="latin.py:2:12: file is not valid UTF-8 text: byte 0xe9",
        label="latin.py",
    ),
    Row(
        "predicate-raises",
        {
            "pred.py": flow_file(
                "pred",
                "def judge(state):\n    raise KeyError('judge broke')\n\n"
                "@task(retry_predicate=judge)\ndef job():\n    return 'error'",
            )
        },
        flow="pred",
        task="job",
        final=predicate_failed,
        on_screen=("PredicateError: retry_predicate judge raised KeyError: 'judge broke'",),
    ),
    Row(
        "result-repr-raises",
        {
            "evil.py": flow_file(
                "evil",
                "class Evil:\n    def __repr__(self):\n        raise RuntimeError('repr exploded')\n\n"
                "@task\ndef job():\n    return Evil()",
            )
        },
        flow="evil",
        task="job",
        final=repr_guarded,
        run_exit=0,
        on_screen=("Result: <unrepresentable Evil: RuntimeError>", "✓ Completed"),
    ),
    Row(
        "huge-error-message",
        {
            "huge.py": flow_file(
                "huge",
                "@task(max_retries=0)\ndef job():\n    raise ValueError('ValueError-' + 'x' * 1_000_000)",
            )
        },
        flow="huge",
        task="job",
        final=huge_cut,
        on_screen=("ValueError: ValueError-xxxxxxxxxx", "✗ Failed"),
    ),
    Row(
        "markup-and-ansi-in-messages",
        {
            "markup.py": flow_file(
                "markup", f"@task(max_retries=0)\ndef job():\n    raise ValueError({MARKUP!r})"
            )
        },
        flow="markup",
        task="job",
        final=markup_verbatim,
        on_screen=(
            "ValueError: [bold red]boom[/] [link=http://x]y[/link] ␛[31mred␛[0m ␛]0;pwned␇ [/",
        ),
        human=markup_escaped_for_people,
    ),
    Row(
        "task-prints-100k-lines",
        {
            "chatty.py": flow_file(
                "chatty",
                "@task\ndef job():\n    for i in range(100_000):\n        print('line', i)\n    return 'done'",
            )
        },
        flow="chatty",
        task="job",
        final=output_kept,
        run_exit=0,
        on_screen=("│ line 0", "✓ Completed"),
    ),
]


def populate(folder: Path, row: Row) -> None:
    """The row's files beside the good flow (again after a row whose load deletes one)."""
    (folder / "good.py").write_text(GOOD, encoding="utf-8")
    for name, body in row.files.items():
        path = folder / name
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    if row.prepare is not None:
        row.prepare(folder)


@pytest.fixture
def folder(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The folder the test runs from, holding the row's files."""
    populate(tmp_path, request.param)
    return tmp_path


def rows(of: list[Row] = ROWS) -> list[Any]:
    return [pytest.param(row, row, id=row.id) for row in of]


def cli(row: Row, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if row.cli_prefix == ("false",):
        pytest.skip("running as root without setpriv: cannot make a file unreadable to root")
    return flowtop(*args, cwd=folder, prefix=row.cli_prefix)


#: The rows whose files one run checks together, and those with runs of their own.
SHARING = [row for row in ROWS if row.shares_a_run]
OWN_RUNS = [row for row in ROWS if not row.shares_a_run]


def test_flowtop_run_of_every_broken_file(tmp_path: Path) -> None:
    """The broken flow files side by side: ``run`` exits 2, says each error, runs nothing;
    ``run --flow good`` reads none. Alone, each takes the same path (``report_load_errors``)."""
    for row in SHARING:
        populate(tmp_path, row)
    done = flowtop("run", ".", "--json", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr  # nothing ran
    assert [r.id for r in SHARING if f"flowtop run: {r.error}" not in done.stderr] == [], (
        done.stderr
    )
    only_good = flowtop("run", ".", "--flow", "good", "--json", cwd=tmp_path)
    assert only_good.returncode == 0, only_good.stderr
    # other flows' files: not even read
    assert [r.id for r in SHARING if r.error in only_good.stderr] == [], only_good.stderr
    assert json_lines(only_good.stdout)[-1]["state"] == "COMPLETED"


@pytest.mark.parametrize(("row", "folder"), rows(OWN_RUNS), indirect=["folder"])
def test_flowtop_run(row: Row, folder: Path) -> None:
    done = cli(row, folder, "run", ".", "--json")
    if row.stops_nothing:
        assert done.returncode == 0, done.stderr
        assert f"flowtop run: {row.error}" in done.stderr and "it stops no run" in done.stderr
        assert json_lines(done.stdout)[-1]["state"] == "COMPLETED"
        return
    if row.is_load:
        assert done.returncode == 2, done.stderr
        assert f"flowtop run: {row.error}" in done.stderr
        assert done.stdout == ""  # nothing ran with a broken workspace
        if not all((folder / name).exists() for name in row.files):
            populate(folder, row)
        only_good = cli(row, folder, "run", ".", "--flow", "good", "--json")
        if row.label == "flowtop.toml":  # one rule: a settings error exits 2, whatever runs
            assert only_good.returncode == 2 and only_good.stdout == "", only_good.stderr
            assert row.error in only_good.stderr
            return
        assert only_good.returncode == 0, only_good.stderr
        if row.error.split(":")[0].endswith(".py"):  # another flow's file: not even read
            assert row.error not in only_good.stderr
        elif row.meets_with_other_flow:
            assert row.error in only_good.stderr  # still reported
        assert json_lines(only_good.stdout)[-1]["state"] == "COMPLETED"
        return
    assert done.returncode == row.run_exit, done.stderr
    events = json_lines(done.stdout)
    finished = {e["flow"]: e["state"] for e in events if e["event"] == "run_finished"}
    assert finished == {"good": "COMPLETED", row.flow: finished[row.flow]}
    last = [e for e in events if e.get("task") == row.task and e["flow"] == row.flow][-1]
    assert row.final is not None
    row.final(last)
    if row.human is not None:
        people = cli(row, folder, "run", ".", "--flow", row.flow)
        assert people.returncode == 1, people.stderr
        row.human(people.stdout)


def list_here(
    row: Row, folder: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> subprocess.CompletedProcess[str]:
    """``flowtop list .`` called in this process as ``python -m flowtop`` calls it: the
    command's own exit code and output (its loader child still imports each file in a
    process of its own), without the 0.2 s of CPU a new interpreter costs, 26 rows over.
    A row that must drop root's capabilities (``cli_prefix``) still starts a process."""
    if row.cli_prefix:
        return cli(row, folder, "list", ".")
    return flowtop_here("list", ".", cwd=folder, monkeypatch=monkeypatch, capfd=capfd)


@pytest.mark.parametrize(("row", "folder"), rows(), indirect=["folder"])
def test_flowtop_list(
    row: Row, folder: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    done = list_here(row, folder, monkeypatch, capfd)
    if row.stops_nothing:
        assert done.returncode == 0 and "good  (" in done.stdout, done.stderr
        assert f"flowtop list: {row.error}" in done.stderr
        return
    if row.label == "flowtop.toml":  # one rule, as for run: a settings error lists nothing
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert f"flowtop list: {row.error}" in done.stderr
        return
    assert "good  (" in done.stdout and "  ok" in done.stdout  # the good flow is listed
    if row.is_load:
        assert done.returncode == 2, done.stderr
        assert f"flowtop list: {row.error}" in done.stderr
    else:
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert f"{row.flow}  (" in done.stdout and f"  {row.task}\n" in done.stdout


@pytest.mark.parametrize(("row", "folder"), rows(), indirect=["folder"])
async def test_tui(row: Row, folder: Path) -> None:
    if row.tui_skip:
        pytest.skip(row.tui_skip)
    async with tui(folder) as (app, pilot):
        if row.is_load:
            await shows_load_error(app, pilot, row)
        else:
            await shows_task_outcome(app, pilot, row)
        run = await run_flow(app, pilot, "good")  # the rest of the workspace still works
        assert run.state is S.COMPLETED
        if row.after is not None:
            await row.after(app, pilot, folder)


async def shows_load_error(app: Any, pilot: Any, row: Row) -> None:
    if row.gone_in_tui:
        await gone_from_the_monitor(app, pilot, row.label)
        return
    await wait_for(pilot, lambda: f"✗ {row.label}" in screen_text(app), "the ✗ in the flows list")
    ids = [o.id for o in app.flow_list.options if (o.id or "").endswith(f"/{row.label}")]
    assert ids, [o.id for o in app.flow_list.options]
    app.flow_list.highlighted = app.flow_list.get_option_index(ids[0])
    await wait_for(pilot, lambda: app.selected_error is not None, "the error to be selected")
    await wait_for(pilot, lambda: row.error in screen_text(app), f"{row.error!r} on screen")
    if row.in_part:  # the file loaded: the rest of it is in use, and the screen says so
        assert "part of it is not in use" in screen_text(app)
        assert "failed to load" not in screen_text(app)
        assert "The rest of the file is in use." in screen_text(app)
    else:
        assert "failed to load" in screen_text(app)


async def shows_task_outcome(app: Any, pilot: Any, row: Row) -> None:
    run = await run_flow(app, pilot, row.flow)
    assert run.rows[row.task].state is not None
    assert app.table.move_to(row.task)
    text = await wait_for_text(pilot, app, *row.on_screen)  # (no fixed pause before it)
    assert "\x1b" not in text and "\x07" not in text  # no raw escape reaches the terminal
    await pilot.press("down", "up", "s", "s", "s", "s")  # still answering keys
    assert app.table.sort == "definition"
