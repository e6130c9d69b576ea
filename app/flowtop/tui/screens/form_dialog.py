"""The frame of the app's form dialogs (the retry editor, the run form, the help): one
look, kept in one place; each dialog sets its own width and what is inside."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.screen import ModalScreen

Result = TypeVar("Result")


class FormDialog(ModalScreen[Result], Generic[Result]):
    """A centred box (``#dialog``) with a bold ``#title``, a muted ``#hint`` and
    ``#buttons`` on the right; the subclass gives ``#dialog`` its width."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog #dialog {
        max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FormDialog #title { text-style: bold; }
    FormDialog #hint { color: $text-muted; margin-top: 1; }
    FormDialog #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FormDialog #buttons Button { margin-left: 1; }
    """
