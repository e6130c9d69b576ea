"""Issue 17's "one place" promises, checked again after fifty sessions of features.

- A state's symbol is spelled only in ``looks``: the run page, the detail pane, the flows
  list, the run header and ``flowtop run``'s retry line had each written ``✗``, ``↺`` or
  ``⟳`` again, so a change of symbol would have left them saying the old one.
- A file of the workspace's ``.flowtop`` folder is named only in ``workspace.places``:
  ``history.db``, ``limits.db`` and ``.flowtop`` were spelled again in five modules.
- A count in a sentence is ``formats.plural``'s: grouped (``1,001 tasks``), as every
  other count on screen. ``(N tasks failed, handled by the flow)`` was written out twice
  (``flowtop run``, the run header), and a load's ``Loaded N flows`` by hand, ungrouped
  (and its ``(+1 more errors)``).
"""

from __future__ import annotations

import ast
import functools
import io
from collections import Counter
from pathlib import Path

from textual.app import App, ComposeResult

from flowtop.commands.printers import HumanPrinter
from flowtop.engine.events import RunFinished
from flowtop.engine.states import StateType
from flowtop.looks import INTERRUPTED_LOOK, REUSED_LOOK, STATE_LOOK
from flowtop.tui.model import RunModel
from flowtop.tui.widgets.run_header import RunHeader
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError
from pilot_kit import screen_text

APP = Path(__file__).resolve().parents[1] / "app" / "flowtop"
#: The symbols that say a state (``…`` and ``·`` are left out: they are also punctuation).
SYMBOLS = {look[0] for look in (*STATE_LOOK.values(), REUSED_LOOK, INTERRUPTED_LOOK)} - {"…", "·"}
#: Where a symbol may be spelled: the table itself, and the symbols a terminal must be
#: able to encode (``printable.SYMBOLS``, which cannot import ``looks``: it is imported by
#: everything, the engine's modules among them).
SYMBOL_HOMES = {"looks.py", "printable.py"}
#: The names of the files in a workspace's ``.flowtop`` folder, and the folder's own.
FILE_NAMES = {".flowtop", "history.db", "limits.db", "overrides.toml"}


@functools.cache
def _code_strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of ``path``'s code, with their lines: docstrings and other bare
    strings (prose about the code) left out, f-strings' literal parts in. Kept: both scans
    of this module read every flowtop module, and parsing them is most of their time."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = list(ast.walk(tree))
    prose = {
        id(node.value)
        for node in nodes
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in nodes
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
    ]


def _may_spell_a_symbol(path: Path) -> bool:
    """Whether a string of ``path`` can hold a state's symbol: one is written in the file,
    or an escape that can make one (``\\N{…}``, ``\\u``, ``\\U``; ``\\x`` and octal escapes
    stop below U+0200, joined literals make no new character). The others need no parse."""
    text = path.read_text(encoding="utf-8")
    return bool(SYMBOLS & set(text)) or any(escape in text for escape in ("\\N{", "\\u", "\\U"))


def _modules(*leave_out: str) -> list[Path]:
    return [p for p in sorted(APP.rglob("*.py")) if str(p.relative_to(APP)) not in leave_out]


def test_a_state_symbol_is_spelled_only_in_looks() -> None:
    found = [
        f"{path.relative_to(APP)}:{line} {text!r}"
        for path in _modules(*SYMBOL_HOMES)
        if _may_spell_a_symbol(path)
        for line, text in _code_strings(path)
        if SYMBOLS & set(text)
    ]
    assert found == []


def test_a_file_of_the_state_folder_is_named_only_in_places() -> None:
    found = [
        f"{path.relative_to(APP)}:{line} {text!r}"
        for path in _modules("workspace/places.py")
        for line, text in _code_strings(path)
        if text in FILE_NAMES or text.startswith(".flowtop/")
    ]
    assert found == []


def test_flowtop_run_groups_the_failures_a_flow_handled() -> None:
    out = io.StringIO()
    counts = {"COMPLETED": 2, "FAILED": 1001}
    HumanPrinter(out, live=False)([RunFinished("r", "etl", 1, StateType.COMPLETED, counts, 0.1)])
    assert out.getvalue().rstrip().endswith("(1,001 tasks failed, handled by the flow)")


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RunHeader()


async def test_the_run_header_says_the_handled_failures_as_flowtop_run_does() -> None:
    app = HeaderApp()
    async with app.run_test(size=(140, 3)) as pilot:
        run = RunModel("etl", (), run_id="r", number=1)
        run.state, run.started, run.duration = StateType.COMPLETED, 0.0, 1.0
        run.counts = Counter({StateType.COMPLETED: 2, StateType.FAILED: 1001})
        app.query_one(RunHeader).show("etl", run, 1.0)
        await pilot.pause()
        assert "(1,001 tasks failed, handled by the flow)" in screen_text(app)


def test_a_load_counts_its_flows_as_every_count_on_screen() -> None:
    flows = tuple(f"flow-{n}" for n in range(1001))
    loaded = WorkspaceChanged(modules=("a.py", "b.py"), flows=flows, first=True)
    assert loaded.summary() == "Loaded 1,001 flows from 2 files"
    reloaded = WorkspaceChanged(modules=("a.py",), flows=flows)
    assert reloaded.summary() == "Reloaded a.py (1,001 flows)"


def test_one_more_load_error_is_said_in_the_singular() -> None:
    """`a.py: boom (+1 more errors)`."""
    errors = tuple(LoadError(Path(f"{name}.py"), None, None, "boom") for name in "ab")
    said = WorkspaceChanged(errors=errors).summary()
    assert said == f"{errors[0]} (+1 more error)"
