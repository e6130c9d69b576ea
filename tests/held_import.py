"""A flow file's import held for as long as a test needs, without a fixed sleep.

While the file ``importing`` beside the flow file exists, every import of it but the
first (``flowtop run`` listing the flows in its loader process) writes a dot there and
waits until the test removes the file, as a heavy library's import would; a test that
failed midway lets go after 30 s anyway. Shared by ``tests/store`` and
``tests/workspace``, as ``pilot_kit`` is (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

#: Put at the top of a flow file's text (as the tests write it: indented by 4, dedented).
HELD_IMPORT = """
    import time
    from pathlib import Path

    HOLD = Path(__file__).with_name("importing")

    def held() -> bool:
        try:
            return HOLD.stat().st_size > 1
        except FileNotFoundError:  # the test let go
            return False

    if HOLD.exists():
        with open(HOLD, "a") as imports:
            imports.write(".")
        held_until = time.monotonic() + 30  # a test that failed midway lets go anyway
        while held() and time.monotonic() < held_until:
            time.sleep(0.01)
"""
