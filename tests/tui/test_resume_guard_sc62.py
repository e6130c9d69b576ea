"""The monitor runs on ``ResumeGuardDriver`` (a SIGCONT resumes it only after its own
stop) where Textual would pick its ``LinuxDriver``; a driver named in ``TEXTUAL_DRIVER``
is left as it is. The signals themselves: tests/e2e/test_sigcont_sc62.py."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from textual.drivers.headless_driver import HeadlessDriver

from flowtop.tui.app import FlowtopApp

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Textual's Unix driver")


def test_the_monitor_s_driver_resumes_only_what_it_suspended(workspace: Any) -> None:
    from textual.drivers.linux_driver import LinuxDriver

    from flowtop.tui.resume_guard import ResumeGuardDriver, guard_resume

    app = FlowtopApp(workspace, watch=False)
    app.driver_class = LinuxDriver
    guard_resume(app)
    assert app.driver_class is ResumeGuardDriver
    app.driver_class = HeadlessDriver  # as if TEXTUAL_DRIVER named it
    guard_resume(app)
    assert app.driver_class is HeadlessDriver
