"""The app's keys, each with an id so a keymap can rebind it (``app.set_keymap``).

One list feeds the footer, the command palette and the ``?`` screen, so the three
can never disagree.
"""

from __future__ import annotations

from textual.binding import Binding

KEYS = (
    # key, action, footer label, binding id suffix, what it does
    ("r", "run", "Run", "run", "Start a new run of the selected flow"),
    (
        "R",
        "run_with_parameters",
        "Run with…",
        "run_with_parameters",
        "Start a run of the selected @flow with parameters you type",
    ),
    (
        "f",
        "rerun_failed",
        "Rerun failed",
        "rerun_failed",
        "New linked run: completed tasks reused, the rest run again",
    ),
    (
        "t",
        "rerun_task",
        "Rerun task",
        "rerun_task",
        "Rerun the selected task and everything downstream of it",
    ),
    ("c", "cancel", "Cancel", "cancel", "Cancel the shown run"),
    ("n", "retry_now", "Retry now", "retry_now", "Start the selected task's next attempt now"),
    ("x", "give_up", "Give up", "give_up", "Fail the selected task now instead of retrying"),
    ("e", "edit_retry", "Edit retry", "edit_retry", "Edit the selected task's retry settings"),
    (
        "o",
        "open_editor",
        "Open in editor",
        "open_editor",
        "Open the selected task's failing line in $EDITOR",
    ),
    ("y", "copy_error", "Copy error", "copy_error", "Copy the selected task's error and traceback"),
    ("slash", "filter", "Filter", "filter", "Filter rows by task name or state"),
    ("s", "sort", "Sort", "sort", "Cycle: definition order, state, name, duration"),
    ("S", "sort_reverse", "Reverse sort", "sort_reverse", "Flip the sort direction (▲ / ▼)"),
    (
        "w",
        "next_live_run",
        "Switch run",
        "next_live_run",
        "Show the flow's next live run, when several run at once",
    ),
    ("h", "history", "History", "history", "Past runs from the history database"),
    ("question_mark", "help", "Help", "help", "Every key"),
    (
        "a",
        "toggle_auto_rerun",
        "Auto-rerun",
        "auto_rerun",
        "Rerun failed tasks automatically when a file is saved",
    ),
    ("q", "quit", "Quit", "quit", "Leave flowtop (asks first about live runs started here)"),
)

#: The footer's keys that act only on a live run: shown while the shown run is live
#: (``footer_keys.run_wide_idle``; `n` and `x` follow the task: ``keymap.idle_actions``).
LIVE_ACTIONS = frozenset({"cancel"})
#: The footer's keys that switch to another live run of the flow: shown while there is one.
SWITCH_ACTIONS = frozenset({"next_live_run"})
#: The footer's keys for a flow that takes parameters (a ``@flow`` function's): shown then.
PARAMETER_ACTIONS = frozenset({"run_with_parameters"})

#: The keys that act on the task under the table's cursor: they act from the task table
#: and its detail pane, not from the flows list, whose footer leaves them out (`t` there
#: reran the unfocused table's task): ``KeyActions.off_pane_actions``.
TASK_ACTIONS = frozenset(
    {"rerun_task", "edit_retry", "open_editor", "copy_error", "retry_now", "give_up"}
)

#: The footer's keys per focused pane, most useful first: as many as fit are shown,
#: whole, then ``ALWAYS_IN_FOOTER`` at the right end. Actions, labels.
FOOTER_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "tasks": (
        ("run", "Run"),
        ("run_with_parameters", "Run with…"),
        ("retry_now", "Retry now"),
        ("give_up", "Give up"),
        ("cancel", "Cancel"),
        ("next_live_run", "Switch run"),
        ("rerun_failed", "Rerun failed"),
        ("edit_retry", "Edit retry"),
        ("rerun_task", "Rerun task"),
        ("open_editor", "Open"),
        ("copy_error", "Copy"),
        ("filter", "Filter"),
        ("sort", "Sort"),
        ("history", "History"),
        ("focus_flows", "Flows"),
        ("toggle_auto_rerun", "Auto-rerun"),
        ("command_palette", "Palette"),
    ),
    "flows": (
        ("run", "Run"),
        ("run_with_parameters", "Run with…"),
        ("cancel", "Cancel"),
        ("next_live_run", "Switch run"),
        ("rerun_failed", "Rerun failed"),
        ("history", "History"),
        ("focus_tasks", "Tasks"),
        ("toggle_auto_rerun", "Auto-rerun"),
        ("filter", "Filter"),
        ("sort", "Sort"),
        ("command_palette", "Palette"),
    ),
}
ALWAYS_IN_FOOTER = (("help", "Help"), ("quit", "Quit"))
#: While the filter line has focus every letter is typed into it: only its own keys.
FILTER_FOOTER = (("enter", "Keep filter"), ("escape", "Clear filter"))

#: Not drawn by Textual's footer (the app draws its own); kept for the palette's sake.
NOT_IN_FOOTER = frozenset({"filter", "sort", "sort_reverse", "auto_rerun", "next_live_run"})

#: Taken by the app before the focused widget sees it, so keys that arrive together (over
#: SSH, `/err` or `e5` comes in one read) act in order: a key the focused widget passed
#: on came back to the app as an action only after the keys behind it had been routed,
#: so `/` moved focus to the filter line too late for `err`, and `e` opened the retry
#: editor too late for `5`. In an input they are typed, and a screen may keep the keys
#: of some for itself: the help screen closes with `?` and `q` (``FlowtopApp.check_action``).
PRIORITY = frozenset(ident for _, _, _, ident, _ in KEYS)

APP_BINDINGS = [
    Binding(
        key,
        action,
        label,
        id=f"flowtop.{ident}",
        tooltip=help_text,
        show=ident not in NOT_IN_FOOTER,
        priority=ident in PRIORITY,
    )
    for key, action, label, ident, help_text in KEYS
]


#: Arrow-key hops between the flows list and the task table (inputs keep their arrows),
#: and the filter line's Enter and Esc: keys that move focus are taken first, before
#: the keys that arrived with them are routed (see ``PRIORITY``), and act only where
#: they mean that (``FlowtopApp.check_action``).
FOCUS_BINDINGS = [
    Binding(
        "left",
        "focus_flows",
        "Go to flows",
        show=False,
        id="flowtop.focus_flows",
        tooltip="Move to the flows list",
        priority=True,
    ),
    Binding(
        "right",
        "focus_tasks",
        "Go to tasks",
        show=False,
        id="flowtop.focus_tasks",
        tooltip="Move to the task table",
        priority=True,
    ),
    # Tab, named here so that `?` and the palette list it and [keys] can rebind it: the
    # only key that reaches the detail pane (to scroll it). Taken first, as the arrows
    # are, on the main screen only (``FlowtopApp.check_action``): Textual's own Tab
    # moved the focus as the key came back up, after the keys that came with it had
    # gone to the pane it left (`Tab j` moved the table's cursor). A dialog's Tab is
    # still Textual's, behind the keys typed into its field.
    Binding(
        "tab",
        "next_pane",
        "Next pane",
        show=False,
        id="flowtop.next_pane",
        tooltip="Cycle the flows list, the task table and the detail pane",
        priority=True,
    ),
    Binding(
        "shift+tab",
        "previous_pane",
        "Previous pane",
        show=False,
        id="flowtop.previous_pane",
        tooltip="Cycle backwards",
        priority=True,
    ),
    # Job control, as a shell's own program would have it (Textual reads ctrl+z as a key):
    # the terminal goes back to the shell, `fg` brings the screen back, redrawn. Taken
    # first, so that it acts under a dialog too (a modal screen hides the app's others).
    Binding(
        "ctrl+z",
        "suspend_process",
        "Suspend",
        show=False,
        id="flowtop.suspend",
        tooltip="To the shell; fg brings it back (runs go on)",
        priority=True,
    ),
    # Moving in the focused pane, taken first too: `←↓→` in one burst moves in the
    # flows list, then goes to the table (the table's and the list's own bindings
    # resolve a key against whatever has focus when they get to it).
    Binding(
        "up,k",
        "move('up')",
        "Up",
        show=False,
        priority=True,
        tooltip="Up a row of the focused pane",
    ),
    Binding(
        "down,j",
        "move('down')",
        "Down",
        show=False,
        priority=True,
        tooltip="Down a row of the focused pane",
    ),
    Binding(
        "pageup",
        "move('page_up')",
        "Page up",
        show=False,
        priority=True,
        tooltip="Up a page of the focused pane",
    ),
    Binding(
        "pagedown",
        "move('page_down')",
        "Page down",
        show=False,
        priority=True,
        tooltip="Down a page of the focused pane",
    ),
    Binding(
        "home,g",
        "move('first')",
        "First",
        show=False,
        priority=True,
        tooltip="To the first row of the focused pane",
    ),
    Binding(
        "end,G",
        "move('last')",
        "Last",
        show=False,
        priority=True,
        tooltip="To the last row of the focused pane",
    ),
    Binding(
        "enter",
        "leave_filter(True)",
        "Keep filter",
        show=False,
        priority=True,
        tooltip="In the filter line: keep the filter, back to the table",
    ),
    Binding(
        "escape",
        "leave_filter(False)",
        "Clear filter",
        show=False,
        priority=True,
        tooltip="Clear the filter, in the filter line or the table",
    ),
    # Enter on a task opens it as the history's Enter opens a run: its detail pane (its
    # attempts, error and output) takes focus, so ↑↓ scroll it; Esc comes back. It did
    # nothing, and said nothing. Taken first, as the arrows are: `⏎↓` scrolls the pane.
    # Enter on a flow goes to its tasks, as → does (it did nothing either).
    Binding(
        "enter",
        "open_task",
        "Task detail",
        show=False,
        priority=True,
        tooltip="In the task table: to its detail pane, to scroll it (Esc: back);"
        " in the flows list: to the task table",
    ),
    Binding(
        "escape",
        "back_to_tasks",
        "Back to tasks",
        show=False,
        priority=True,
        tooltip="In the detail pane: back to the task table",
    ),
]
