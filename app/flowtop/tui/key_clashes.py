"""Which action a key runs when ``[keys]`` gives it to two: one rule, and what it cost.

``"flowtop.sort" = "o"`` gave ``o`` to sort while Open in editor kept it too: a warning
said so, but the footer and ``?`` listed ``o`` for both and pressing it sorted, since
Textual lets the keymap's binding take a key from a binding it does not name. Now the
rule is flowtop's, and every place that names a key follows it: a key the user assigned
goes to the action it was assigned to; given to two actions, it goes to the one written
later in ``[keys]`` (as a later line of a TOML table reads as the newer wish). The
action that lost it keeps its other keys, or has none (the palette still runs it), and
the warning (``loss_message``) says which action lost which key and how to give it one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from textual.binding import Binding

# Textual's own normalising of a keymap (``App._normalize_keymap``), pinned 8.2.8:
# ``?`` and ``question_mark`` are one key, so they must clash as one.
from textual.keys import _normalize_key_list

#: What Textual's keymap is given for an action left with no key: a name no key event
#: carries (Textual's names have no ``.``), so nothing can press it.
NO_KEY = "flowtop.no_key"


@dataclass(frozen=True)
class KeyLoss:
    """A key that ``[keys]`` made two actions share, and which of them lost it."""

    key: str  #: as Textual names it (``o``, ``slash``, ``ctrl+r``)
    winner: Binding  #: the action that has the key, with its keys now
    loser: Binding  #: the action that lost it, with the keys it has left ("" for none)
    #: Whether ``[keys]`` gave the key to the loser as well (the later line won), rather
    #: than the loser having it by default.
    both_given: bool


@dataclass(frozen=True)
class ResolvedKeys:
    """The app's bindings with the keys each has after ``[keys]`` and its clashes."""

    bindings: list[Binding]  #: in the app's order; a key taken away is gone from its list
    losses: list[KeyLoss]
    #: For Textual's ``set_keymap``: the keymap as given, each loser's keys replaced by
    #: those left to it (``NO_KEY`` for none), so that Textual binds what is shown.
    keymap: dict[str, str]


def _split(keys: str) -> list[str]:
    return list(dict.fromkeys(key.strip() for key in keys.split(",") if key.strip()))


def resolve_keys(bindings: Iterable[Binding], keymap: Mapping[str, str]) -> ResolvedKeys:
    """Apply ``keymap`` (binding id -> keys, in the order written) to ``bindings`` and
    settle every key it made two of them share: the one it was written for (the later
    one, written for both) keeps the key; the others lose it. Keys the app's own bindings
    share by default (Enter, Esc: each acts where the other does not) are left alone."""
    given = {binding_id: _normalize_key_list(keys) for binding_id, keys in keymap.items()}
    order = {binding_id: at for at, binding_id in enumerate(given)}
    rebound = [
        replace(b, key=given[b.id]) if b.id is not None and b.id in given else b for b in bindings
    ]
    holders: dict[str, list[int]] = {}
    for index, binding in enumerate(rebound):
        for key in _split(binding.key):
            holders.setdefault(key, []).append(index)
    lost: list[tuple[str, int, int]] = []  # key, winner, loser
    for key, indexes in holders.items():
        assigned = [i for i in indexes if rebound[i].id in order]
        if len(indexes) > 1 and assigned:
            winner = max(assigned, key=lambda i: order[rebound[i].id or ""])
            lost += [(key, winner, i) for i in indexes if i != winner]
    taken = {(i, key) for key, _, i in lost}
    resolved = [
        replace(b, key=",".join(k for k in _split(b.key) if (i, k) not in taken))
        for i, b in enumerate(rebound)
    ]
    losses = [
        KeyLoss(key, resolved[w], resolved[i], both_given=resolved[i].id in order)
        for key, w, i in lost
    ]
    return ResolvedKeys(resolved, losses, _textual_keymap(given, losses))


def _textual_keymap(given: Mapping[str, str], losses: Sequence[KeyLoss]) -> dict[str, str]:
    """``given`` with each loser that has an id bound to the keys left to it."""
    keymap = dict(given)
    for loss in losses:
        if loss.loser.id is not None:
            keymap[loss.loser.id] = loss.loser.key or NO_KEY
    return keymap


def loss_message(loss: KeyLoss, palette_key: str) -> str:
    """One line for a key ``[keys]`` made two actions share: which has it and why, which
    lost it, and how that one gets a key again (``palette_key``: how ``ctrl+p`` is shown)."""
    winner = loss.winner.id or loss.winner.description
    loser = loss.loser.id or loss.loser.description
    if loss.both_given:
        why = f"{loss.key} is given to both {loser} and {winner}; {winner}, written later, has it"
    else:
        why = f"{loss.key} is now {winner}'s key"
    if loss.loser.key:
        fate = f"{loser} keeps only {loss.loser.key}"
    elif loss.loser.id is not None:
        fate = (
            f"{loser} has no key (the palette, {palette_key}, still runs it); give it one with"
            f' [keys] "{loss.loser.id}" = "…"'
        )
    else:
        fate = f"{loser} has no key (the palette, {palette_key}, still runs it)"
    return f"flowtop.toml [keys]: {why}, so {fate}"
