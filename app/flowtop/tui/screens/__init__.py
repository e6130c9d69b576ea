"""The app's modal and secondary screens: retry editor, history, help, confirm."""

from .confirm import ConfirmScreen
from .help import HelpScreen
from .history import HistoryScreen, RunDetailScreen
from .retry_editor import RetryEditor

__all__ = ["ConfirmScreen", "HelpScreen", "HistoryScreen", "RetryEditor", "RunDetailScreen"]
