"""The retry editor's fields as text, and the override values (or errors) they mean.

Pure functions, no widgets: every rule of the form is unit-tested without a terminal,
and the screen only shows what ``read_form`` says. A field left as it was prefilled is
not sent, so saving one changed value never pins the others into the override file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...engine.delays import (
    MAX_JITTER,
    MAX_JITTER_TEXT,
    MAX_SECONDS,
    MAX_SECONDS_TEXT,
    ExponentialBackoff,
    seconds_with_unit,
)
from ...engine.layers import Layer
from ...engine.option_checks import MIN_TIMEOUT
from ...engine.policy import MAX_RETRIES
from ...engine.task import MAX_DELAYS
from ...workspace.flow_shapes import DELAY_FIELDS, FIELDS, PolicyView, fmt_number

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True, slots=True)
class FormState:
    """What the form means right now: values to save, or what is wrong per field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def _number(
    text: str, label: str, *, minimum: float, above: bool = False, seconds: bool = False
) -> int | float:
    """``text`` as a number of at least ``minimum`` (more than it, when ``above``); as
    ``seconds``, at most the engine's ``MAX_SECONDS``, as the settings files take them:
    flagged as typed, not after Save (which named only the first such field)."""
    try:
        value: int | float = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            written = seconds_with_unit(text) if seconds else None  # "5s", as @task says it
            hint = f"; write {written} (seconds)" if written is not None else ""
            raise ValueError(f"{label} must be a number, got {text!r}{hint}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{label} must be a finite number, got {text!r}")
    if above and value <= minimum:
        raise ValueError(f"{label} must be more than {fmt_number(minimum)}, got {text}")
    if value < minimum:
        raise ValueError(f"{label} must be at least {fmt_number(minimum)}, got {text}")
    if seconds and value > MAX_SECONDS:
        raise ValueError(f"{label} must be at most {MAX_SECONDS_TEXT}, got {text}")
    return value


def parse_max_retries(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"max retries must be a whole number, got {text!r}") from None
    if value < 0:
        raise ValueError(f"max retries must be 0 or more, got {value}")
    if value > MAX_RETRIES:  # as code and flowtop.toml take it (``policy.MAX_RETRIES``)
        raise ValueError(f"max retries must be at most {MAX_RETRIES:,}, got {value}")
    return value


def parse_jitter(text: str) -> int | float:
    """flowtop's jitter, at most ``MAX_JITTER`` as ``@task`` and the settings files take it:
    ``1e308`` was taken, and failed the task at its first retry."""
    value = _number(text, "jitter", minimum=0)
    if value > MAX_JITTER:
        raise ValueError(f"jitter must be at most {MAX_JITTER_TEXT}, got {text}")
    return value


def parse_timeout(text: str) -> int | float:
    """More than 0, and at least ``MIN_TIMEOUT`` as code and the settings files take it:
    ``0.0001`` was flagged by Save alone, in the settings file's words, naming no field."""
    value = _number(text, "timeout", minimum=0, above=True, seconds=True)
    if value < MIN_TIMEOUT:
        why = "a shorter one ends each try as it starts"
        raise ValueError(f"timeout must be at least {MIN_TIMEOUT:g} seconds ({why}), got {text}")
    return value


#: What a delay with a bracket out of place is told (``[1`` read "must be a number").
LIST_WRITTEN = "a list of delays is written 1, 5 or [1, 5]"


def parse_delays(text: str) -> int | float | list[int | float]:
    """One delay or a list of them, in brackets or not (``1, 5``, ``[1, 5]``, as TOML
    writes it); a list over Prefect's limit (``MAX_DELAYS``, as ``@task`` and the
    settings files refuse it) is flagged as typed, not said by Save."""
    text = text.strip()
    listed = text.startswith("[") and text.endswith("]")
    inner = text[1:-1].strip() if listed else text
    if "[" in inner or "]" in inner or (listed and not inner):
        raise ValueError(f"{LIST_WRITTEN}, got {text!r}")
    parts = [p.strip() for p in inner.split(",")]
    if len(parts) == 1 and not listed:
        return _number(parts[0], "delay", minimum=0, seconds=True)
    if any(not p for p in parts):
        raise ValueError(f"delay list has an empty item: {text!r}")
    if len(parts) > MAX_DELAYS:
        raise ValueError(f"delay list must hold at most {MAX_DELAYS} delays, got {len(parts)}")
    return [_number(p, f"delay #{i}", minimum=0, seconds=True) for i, p in enumerate(parts, 1)]


def parse_names(text: str) -> list[str]:
    """The exception names typed, each once (one typed twice was written twice)."""
    names = [p.strip() for p in text.split(",")]
    for name in names:
        if not name:
            raise ValueError(f"retry on has an empty name: {text!r}")
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"{name!r} is not an exception name (like ConnectionError or pkg.mod.Error)"
            )
    return list(dict.fromkeys(names))


_PARSERS: dict[str, Callable[[str], Any]] = {
    "max_retries": parse_max_retries,
    "retry_delay": parse_delays,
    "backoff_factor": lambda t: _number(t, "backoff factor", minimum=1),
    "max_delay": lambda t: _number(t, "max delay", minimum=0, seconds=True),
    "retry_jitter": parse_jitter,
    # Prefect's (``@task(retry_jitter_factor=)``), as the engine takes it: finite, >= 0
    "retry_jitter_factor": lambda t: _number(t, "jitter factor", minimum=0),
    "retry_on": parse_names,
    "timeout": parse_timeout,
    "retry_deadline": lambda t: _number(t, "deadline", minimum=0, seconds=True),
}


def read_form(texts: dict[str, str], initial: dict[str, str]) -> FormState:
    """Parse every field; return the changed settings as override values, or the errors.

    A changed field that is now empty maps to None, which removes that key from the
    override so the value falls back to the lower layers.
    """
    texts = {name: texts.get(name, "").strip() for name in FIELDS}
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, text in texts.items():
        if text:
            try:
                parsed[name] = _PARSERS[name](text)
            except ValueError as exc:
                errors[name] = str(exc)

    factor, cap, delay = texts["backoff_factor"], texts["max_delay"], texts["retry_delay"]
    if factor and "retry_delay" not in errors:
        if not delay:
            errors["retry_delay"] = "a backoff needs a base delay (the first wait)"
        elif isinstance(parsed.get("retry_delay"), list):
            errors["retry_delay"] = "with a backoff factor the delay is one number (the base)"
    if cap and not factor and "max_delay" not in errors:
        errors["max_delay"] = "max delay caps a backoff: set a backoff factor too"
    if errors:
        return FormState(errors=errors)

    def changed(*names: str) -> bool:
        return any(texts[n] != initial.get(n, "").strip() for n in names)

    values: dict[str, Any] = {}
    for name in FIELDS:
        if name in DELAY_FIELDS:
            continue
        if changed(name):
            values[name] = parsed.get(name)
    if changed(*DELAY_FIELDS):
        if factor:
            backoff = {"base": parsed["retry_delay"], "factor": parsed["backoff_factor"]}
            if cap:
                backoff["max_delay"] = parsed["max_delay"]
            values["retry_delay"] = backoff
        else:
            values["retry_delay"] = parsed.get("retry_delay")
    return FormState(values=values)


def _typed_number(texts: Mapping[str, str], name: str) -> float:
    """Field ``name``'s number as typed, or 0 when it is empty or wrong (the field says
    what is wrong): a value that adds nothing to combine."""
    try:
        return _number(texts.get(name, "").strip(), name, minimum=0)
    except ValueError:
        return 0


def combined_notes(texts: Mapping[str, str], view: PolicyView) -> list[str]:
    """What the form's two jitters and its ``retry_on`` make together, and with what only
    the task's code sets, in words shown before Save. Both apply, as the engine applies
    them (README *The retry rules*): flowtop's jitter and then Prefect's
    ``retry_jitter_factor``; ``retry_on`` and then a ``retry_condition_fn`` (or a
    ``retry_predicate``), each able to refuse a retry. Without a word, a Jitter 0.2 saved
    beside a factor of 0.5 made a second jitter, and a ``retry_on`` refused a failure the
    condition would retry. The factor's layer is the one it comes from as shown, or
    ``overrides*`` once it is edited (``RetryEditor._mark_layer``'s word)."""
    notes = []
    jitter = _typed_number(texts, "retry_jitter")
    factor = _typed_number(texts, "retry_jitter_factor")
    if factor and jitter:
        shown = view.texts.get("retry_jitter_factor", "").strip()
        edited = texts.get("retry_jitter_factor", "").strip() != shown
        layer = f"{Layer.OVERRIDES}*" if edited else str(view.layer_of("retry_jitter_factor"))
        notes.append(
            f"Both jitters apply: Jitter {fmt_number(jitter)} adds 0–{jitter * 100:.0f}% to "
            f"each delay, then retry_jitter_factor {fmt_number(factor)} ({layer}) draws the "
            f"wait around that, at most ×{1 + factor:g}."
        )
    try:
        names = parse_names(texts["retry_on"]) if texts.get("retry_on", "").strip() else []
    except ValueError:  # the field says what is wrong
        names = []
    for option, name, layer in view.deciders() if names else ():
        types = ", ".join(names)
        if option == "retry_predicate":  # rule 2: it alone decides on a completed attempt
            rule = f"{name} returns true and it matches retry_on ({types}); a completed "
            rule += f"attempt, on {name} alone"
        else:  # asked after rule 3, on failures only
            rule = f"it matches retry_on ({types}) and {name} returns True"
        notes.append(
            f"Retry on and {option} {name} ({layer}) both decide: "
            f"a failure is retried only if {rule}."
        )
    return notes


def _delay_spec(
    texts: Mapping[str, str],
) -> int | float | tuple[int | float, ...] | ExponentialBackoff:
    """The one ``retry_delay`` the three delay fields make (``written_delay`` says it);
    raises ``ValueError`` where ``read_form`` flags one of them."""
    delay, factor, cap = (texts.get(n, "").strip() for n in DELAY_FIELDS)
    if cap and not factor:
        raise ValueError("a cap without a backoff")
    if not factor:
        spec = parse_delays(delay) if delay else 0
        return tuple(spec) if isinstance(spec, list) else spec
    base = _number(delay, "delay", minimum=0, seconds=True)  # a list: refused
    limit = _number(cap, "max delay", minimum=0, seconds=True) if cap else None
    return ExponentialBackoff(base, _number(factor, "backoff factor", minimum=1), limit)


def delay_notes(texts: Mapping[str, str], view: PolicyView) -> list[str]:
    """What the delay fields as typed mean beyond each field's own rule, in words shown
    before Save (an explorer met both without a word):

    - the three fields are one setting (``DELAY_FIELDS``): one edited, Save writes all
      three, so an untouched Backoff factor turned ``overrides*`` (``_mark_layer``) and
      nothing said why. The note names the fields that change with the edited one, what
      Save writes and what it replaces.
    - a max delay not above the base caps the first wait already: valid, but every wait
      is then the cap and the backoff factor changes nothing."""
    try:
        spec = _delay_spec(texts)
    except ValueError:  # the field says what is wrong
        return []
    notes = []
    typed = {n: texts.get(n, "").strip() for n in DELAY_FIELDS}
    edited = [n for n in DELAY_FIELDS if typed[n] != view.texts.get(n, "").strip()]
    untouched = [n for n in DELAY_FIELDS if n not in edited]
    if edited and untouched and any(typed.values()):  # all emptied: `below*`, no write
        value, layer = view.layers.get("retry_delay", ("0s", Layer.BUILTIN))
        written = [written_delay(spec)]
        if not typed["backoff_factor"]:
            written.append("no backoff factor")
        if not typed["max_delay"]:
            written.append("no max delay")
        notes.append(
            f"{_and(untouched)} {'changes' if len(untouched) == 1 else 'change'} with "
            f"{_and(edited)}: the three are one setting, and "
            f"Save writes it whole: {', '.join(written)} (was {value} from {layer})."
        )
    if (
        isinstance(spec, ExponentialBackoff)
        and spec.max_delay is not None
        and spec.max_delay <= spec.base
    ):
        jitter = _typed_number(texts, "retry_jitter") or _typed_number(texts, "retry_jitter_factor")
        cap, base = _seconds(spec.max_delay), _seconds(spec.base)
        notes.append(
            f"Every wait is {cap}{' before jitter' if jitter else ''}: Max delay {cap} is "
            f"not above the first wait (Delay {base}), so the backoff never grows."
        )
    return notes


def _seconds(value: float) -> str:
    """Seconds as written (``fmt_number``): ``0.123456789123s``, where the table's
    ``fmt_seconds`` rounds to ``0.123s``."""
    return f"{fmt_number(value)}s"


def written_delay(spec: int | float | tuple[int | float, ...] | ExponentialBackoff) -> str:
    """The delay Save writes, in the words of ``describe_delay`` but every number as
    written: the note said ``Save writes it whole: 0.123s`` of 0.123456789123."""
    if isinstance(spec, tuple):
        return "[" + ", ".join(_seconds(s) for s in spec) + "]"
    if isinstance(spec, ExponentialBackoff):
        cap = "" if spec.max_delay is None else f", max {_seconds(spec.max_delay)}"
        return f"backoff {_seconds(spec.base)}×{fmt_number(spec.factor)}^(n-1){cap}"
    return _seconds(spec)


def _and(names: list[str]) -> str:
    """Field labels as a sentence names them: `Delay`, `Delay and Max delay`."""
    labels = [FIELDS[n].removesuffix(" (s)") for n in names]
    return " and ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)


@dataclass(frozen=True, slots=True)
class Reloaded:
    """The form after its task's settings changed on disk while it was open."""

    texts: dict[str, str]  # what each field shows now
    kept: tuple[str, ...]  # the fields whose edits stay, unlike what is saved now


def after_reload(texts: dict[str, str], initial: dict[str, str], saved: dict[str, str]) -> Reloaded:
    """Another window (or a text editor) saved the task's settings: a field left as it
    was prefilled (``initial``) shows the value saved now (``saved``); one the user
    edited keeps their text. The delay fields are one setting: one edited keeps all
    three, so what Save writes is what the user sees."""

    def edited(*names: str) -> bool:
        return any(texts.get(n, "").strip() != initial.get(n, "").strip() for n in names)

    shown = {
        name: texts.get(name, "")
        if edited(*(DELAY_FIELDS if name in DELAY_FIELDS else (name,)))
        else saved.get(name, "")
        for name in FIELDS
    }
    kept = tuple(n for n in FIELDS if shown[n].strip() != saved.get(n, "").strip())
    return Reloaded(shown, kept)
