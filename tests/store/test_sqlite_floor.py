"""The run store works with the SQLite of older systems' Python (3.25: Debian 11 links
3.34, Ubuntu 20.04 3.31): SQL that needs a newer SQLite fails there on every use. A
heartbeat written with ``UPDATE … RETURNING`` (3.35) raised each round on such a system:
no heartbeat was ever written and no command (``c``, ``n``, ``x``) ever taken."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app" / "flowtop"

#: SQL of a newer SQLite than 3.25, and the version that brought it.
NEWER = {
    r"\bRETURNING\b": "3.35",
    r"\bDROP\s+COLUMN\b": "3.35",
    r"\bSTRICT\b\s*[;)\"']": "3.37",
    r"->>": "3.38",
    r"(?i:\bunixepoch)\s*\(": "3.38",
}


def test_the_store_s_sql_needs_no_sqlite_newer_than_3_25() -> None:
    found = []
    for path in sorted(APP.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for pattern, version in NEWER.items():
                if re.search(pattern, line) and ('"' in line or "'" in line):
                    found.append(
                        f"{path.relative_to(APP)}:{number}: SQLite {version}: {line.strip()}"
                    )
    assert not found, "\n".join(found)
