"""Run every flowtop benchmark in one go and print each one's table.

    python tests/benchmarks/run_all.py            # full sizes (several minutes)
    python tests/benchmarks/run_all.py --quick    # small sizes, a smoke run
    python tests/benchmarks/run_all.py --only engine,reload

Each script also runs on its own; ``compare.py`` (Prefect and Dask side by side) is
separate because it builds an extra virtual environment.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("engine", "big_args", "history", "reload", "tui", "memory", "dask", "store", "events")


def _loadavg() -> str:
    """The 1, 5 and 15 minute load averages, or ? off Linux."""
    path = Path("/proc/loadavg")
    return str(path.read_text().split()[:3]) if path.exists() else "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(SCRIPTS)}")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(SCRIPTS)
    unknown = sorted(set(chosen) - set(SCRIPTS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(SCRIPTS)}")
    sys.path.insert(0, str(HERE))
    print(
        f"# flowtop benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — Python {platform.python_version()}, "
        f"{platform.machine()}, load {_loadavg()}"
    )
    failed = []
    for name in chosen:
        if not (HERE / f"bench_{name}.py").exists():
            print(f"\n## {name}: bench_{name}.py not present, skipped")
            continue
        print(f"\n## {name}")
        try:
            importlib.import_module(f"bench_{name}").main(args.quick)
        except ImportError as exc:
            print(f"skipped: {exc}")
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            failed.append(name)
            print(f"FAILED: {type(exc).__name__}: {exc}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
