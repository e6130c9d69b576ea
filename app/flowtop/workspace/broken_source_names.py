"""The flow names a source Python cannot parse says it defines, read token by token.

A file saved broken keeps the flow names it defines (``name_owners``), and a process that
never loaded it has only its source to read them from. A byte pattern read them from
comments and strings too (``# Flow("x") moved to b.py`` held ``x``, and b.py, which
defines it, was refused); tokens tell code from a comment or a string. Read so: a
``Flow("etl"`` call, a ``name="etl"`` inside ``flow(…)`` or ``.with_options(…)``, and a
function under an ``@flow`` decorator without one (``def etl_job(``: ``etl-job``).
Tokenizing goes on up to the first error a broken source has (an unclosed bracket), and
what came before it counts.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator, Sequence

#: Tokens that are not code: left out before the pattern is looked for.
_NOT_CODE = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
    }
)


def said_names(data: bytes) -> frozenset[str]:
    """The flow names ``data`` (a Python source) gives as code, as the module says."""
    tokens = list(_code_tokens(data))
    found: set[str] = set()
    for i, token in enumerate(tokens):
        if token.type != tokenize.NAME:
            continue
        called, name = _is(tokens, i + 1, "("), None
        if token.string == "Flow" and called:
            name = _text(tokens, i + 2)
        elif token.string in ("flow", "with_options") and called:
            name = _name_argument(tokens, i + 1)
        if name is None and token.string == "flow" and _decorator(tokens, i):
            function = _decorated(tokens, i)  # ``@flow`` given no name: its function's
            name = function.replace("_", "-") if function else None
        if name:
            found.add(name)
    return frozenset(found)


def _code_tokens(data: bytes) -> Iterator[tokenize.TokenInfo]:
    """The tokens of ``data`` that are code, up to its first error."""
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type not in _NOT_CODE:
                yield token
    except (tokenize.TokenError, SyntaxError):  # (IndentationError is one)
        return
    except (ValueError, LookupError):  # not text in its coding (UnicodeDecodeError), or
        return  # a coding that is no text encoding (``rot13``): no name read


def _is(tokens: Sequence[tokenize.TokenInfo], at: int, op: str) -> bool:
    return len(tokens) > at and tokens[at].type == tokenize.OP and tokens[at].string == op


def _text(tokens: Sequence[tokenize.TokenInfo], at: int) -> str | None:
    """The text a plain string literal token at ``at`` holds; None for any other token
    (an f-string, bytes, a name)."""
    if len(tokens) <= at or tokens[at].type != tokenize.STRING:
        return None
    try:
        value = ast.literal_eval(tokens[at].string)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) and value else None


def _name_argument(tokens: Sequence[tokenize.TokenInfo], opening: int) -> str | None:
    """``name="…"`` among the arguments of the call whose ``(`` is at ``opening``."""
    depth = 0
    for i in range(opening, len(tokens)):
        token = tokens[i]
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
            if depth == 0:
                return None
        elif depth == 1 and token.string == "name" and _is(tokens, i + 1, "="):
            return _text(tokens, i + 2)
    return None


def _decorator(tokens: Sequence[tokenize.TokenInfo], at: int) -> bool:
    """Whether the name at ``at`` ends a decorator's dotted name (``@flow``,
    ``@prefect.flow``)."""
    i = at - 1
    while i >= 1 and _is(tokens, i, ".") and tokens[i - 1].type == tokenize.NAME:
        i -= 2
    return i >= 0 and _is(tokens, i, "@")


def _decorated(tokens: Sequence[tokenize.TokenInfo], at: int) -> str | None:
    """The name of the function the decorator at ``at`` is over (other decorators may
    come between)."""
    for i in range(at + 1, len(tokens) - 1):
        if tokens[i].type == tokenize.NAME and tokens[i].string == "def":
            following = tokens[i + 1]
            return following.string if following.type == tokenize.NAME else None
        if tokens[i].type == tokenize.NAME and tokens[i].string == "class":
            return None
    return None
