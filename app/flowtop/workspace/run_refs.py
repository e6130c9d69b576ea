"""Which stored run a user means by ``3``, ``#3``, ``9fdad3`` or a whole run id.

Every command that names a run (``history --run``, ``--rerun-of``, ``watch``, ``cancel``)
reads the reference the same way, so the number ``flowtop history`` prints works wherever
an id does.
"""

from __future__ import annotations

import re

from .history_records import RunRecord
from .store_reader import StoreReader

MAX_NUMBER = 2**63 - 1  # SQLite's largest integer: a larger number names no run


class NoRun(str):
    """The message for a reference no stored run answers to (rather than one that is
    ambiguous or malformed): a caller may look again later, or elsewhere."""


def find_run_ref(
    reader: StoreReader, wanted: str, flow: str | None, option: str = "a run"
) -> RunRecord | str:
    """The run ``wanted`` names, or the error message saying why there is none.

    A number is a run number (of ``flow``, else of the one flow that has it); hex is a
    run id or a unique prefix of one. Digits that name no run number are tried as an id
    prefix too, since ids can be all digits. ``option`` is how the user gave it (``--run``).
    """
    scope = f" of flow {flow!r}" if flow else ""
    if re.fullmatch(r"#?[0-9]+", wanted):  # ASCII digits only: int("²") raises
        number = int(wanted.lstrip("#"))
        if number > MAX_NUMBER:
            return NoRun(f"no run #{wanted.lstrip('#')[:30]}{scope} in {reader.path}")
        if flow is not None:
            candidates = [r for r in [reader.find_run(flow, number)] if r is not None]
        else:
            candidates = reader.runs_numbered(number)
        flows = sorted({r.flow for r in candidates})
        if len(flows) > 1:
            return f"run #{number} exists for several flows ({', '.join(flows)}): add --flow NAME"
        by_id = by_id_prefix(reader, wanted, flow) if len(wanted) >= 4 else None
        if candidates and isinstance(by_id, RunRecord) and by_id.run_id != candidates[0].run_id:
            # `watch 0364` follows the id; `--run 0364` took the number, and said nothing
            return (
                f"{wanted} is run #{number} of {candidates[0].flow} and the start of run id "
                f"{by_id.run_id} ({by_id.flow} #{by_id.number}): write #{number} for the "
                "number, or more of the id"
            )
        if candidates:
            return candidates[0]
        if isinstance(by_id, RunRecord):
            return by_id
        return _numbered(number, wanted, f"no run #{number}{scope} in {reader.path}")
    if len(wanted) < 4 or not re.fullmatch(r"[0-9a-fA-F]+", wanted):
        return (
            f"{option} takes a run number (e.g. 3) or a run id (hex, at least 4 characters), "
            f"got {wanted!r}"
        )
    return by_id_prefix(reader, wanted, flow)


#: Said of run #0, which no run is: ``cancel 0`` suggested the store had been deleted.
NUMBERS_FROM_1 = "run numbers start at 1"


def numbered_zero(wanted: str) -> bool:
    """Whether ``wanted`` names run #0 and cannot start a run id either (``0``, ``#0``;
    ``0000`` may start one): no run, ever, rather than one not stored yet or gone."""
    return re.fullmatch(r"#?0+", wanted) is not None and (wanted[0] == "#" or len(wanted) < 4)


def _numbered(number: int, wanted: str, missing: str) -> str:
    """``missing``, said of run #``number``: #0 adds that numbers start at 1, and is
    final (not ``NoRun``) unless it may start a run id."""
    if number != 0:
        return NoRun(missing)
    said = f"{missing}: {NUMBERS_FROM_1}"
    return said if numbered_zero(wanted) else NoRun(said)


def by_id_prefix(reader: StoreReader, prefix: str, flow: str | None) -> RunRecord | str:
    """The one run whose id starts with ``prefix``, or why there is not exactly one."""
    matches = reader.with_id_prefix(prefix, flow)
    if len(matches) > 1:
        return f"run id {prefix!r} is ambiguous: {', '.join(r.run_id for r in matches[:5])}"
    if not matches:
        scope = f" of flow {flow!r}" if flow else ""
        return NoRun(f"no run with id {prefix!r}{scope} in {reader.path}")
    return matches[0]
