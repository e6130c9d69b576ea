"""The app's modal and secondary screens: retry editor, history, a past run's page, help, confirm."""

from .confirm import ConfirmScreen
from .help import HelpScreen
from .history import HistoryScreen
from .retry_editor import RetryEditor
from .run_detail import RunDetailScreen

__all__ = ["ConfirmScreen", "HelpScreen", "HistoryScreen", "RetryEditor", "RunDetailScreen"]
