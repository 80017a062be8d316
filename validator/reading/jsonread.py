"""Reading a JSON file of the package (datapackage.json, a table schema) without trusting it.

Python's ``json`` accepts what RFC 8259 does not (``NaN``, ``Infinity``), keeps the last of two
equal keys without a word (so a reviewer reads one value and the tools use another), recurses
once per level of nesting, and gives up on integers longer than 4,300 digits with a bare
ValueError. A linear scan over the tokens finds each of these first, with its line and column,
and enforces the nesting and size limits of docs/limits.md, so that ``json.loads`` only ever
sees text it can read.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from typing import Any

from ..errors import CannotRun
from . import cache, limits

_TOKEN = re.compile(
    r'(?P<str>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<open>[\[{])|(?P<close>[\]}])"
    r"|(?P<const>NaN|-?Infinity)"
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<lit>true|false|null)"
)
_CONTROL = re.compile(r"[\x00-\x1f]")  # json.loads refuses these unescaped in a string
INT_DIGITS = 4300  # Python refuses to convert longer integers (sys.get_int_max_str_digits)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _first_violation(text: str) -> tuple[int, str] | None:
    """Offset and description of the first thing in ``text`` that json.loads must not be given."""
    stack: list[set[str] | None] = []  # one entry per open container: its keys (objects) or None (arrays)
    values = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup if m.lastgroup != "colon" else "str"
        if kind == "str" and m.group("colon"):
            keys = stack[-1] if stack else None
            if keys is not None:
                raw = m.group("str")
                if "\\" not in raw and not _CONTROL.search(raw):
                    key = raw[1:-1]  # what json.loads makes of it, without a call per key
                else:
                    try:
                        key = json.loads(raw)
                    except ValueError:
                        key = raw
                if key in keys:
                    return m.start(), f"the key {key!r} appears twice in one object (JSON readers keep only one of them)"
                keys.add(key)
        elif kind == "open":
            stack.append(set() if m.group() == "{" else None)
            if len(stack) > limits.MAX_JSON_DEPTH:
                return m.start(), f"nested deeper than {limits.MAX_JSON_DEPTH} levels (docs/limits.md)"
        elif kind == "close":
            if stack:
                stack.pop()
            continue
        elif kind == "const":
            return m.start(), f"{m.group()} is not a JSON value"
        elif kind == "num":
            digits = len(m.group().lstrip("-").split(".")[0].split("e")[0].split("E")[0])
            if digits > INT_DIGITS:
                return m.start(), f"a number with {digits:,} digits is too long (at most {INT_DIGITS:,})"
        values += 1
        if values > limits.MAX_JSON_VALUES:
            return m.start(), f"more than {limits.MAX_JSON_VALUES:,} values (docs/limits.md)"
    return None


# A process that validates many packages (the API, the test suite) reads the same schemas again
# and again: the scan's answer is kept per text, for texts up to this size (a schema is about
# 10 KB, the descriptor 40 KB; at most 32 texts are held, 8 MB at worst).
_REMEMBERED_CHARS = 256 << 10


@functools.lru_cache(maxsize=32)
def _seen_violation(text: str) -> tuple[int, str] | None:
    """``_first_violation``, once per text in this process (the schemas are read more than once)."""
    return _first_violation(text)


def _entry(text: str) -> str | None:
    """The cache entry (reading/cache.py) saying that these very bytes passed the scan and parsed,
    by the scan's rules as they are now: this module's code, the limits' code and values, the
    Python that parses; None where a text is not to be remembered (too large, or the code's own
    files cannot be read to key it). The scan of the real package's descriptor and schemas took
    6 ms of every run; looking the entries up takes under 1."""
    rules = _own_rules()
    if rules is None or len(text) > _REMEMBERED_CHARS:
        return None
    values = f"{limits.MAX_JSON_DEPTH} {limits.MAX_JSON_VALUES} {INT_DIGITS}"
    return cache.key("json-scan", rules, values, sys.version, text)


@functools.cache
def _own_rules() -> str | None:
    sources = [cache.own_source(__file__), cache.own_source(limits.__file__)]
    return None if "" in sources else "".join(sources)


def loads(text: str, rel: str) -> Any:
    """Parse ``text`` (the content of ``rel``); raise CannotRun, with line and column, if it is not safe JSON."""
    entry = _entry(text)
    if entry is not None and cache.get(entry) == "clean":
        return json.loads(text)  # these bytes passed the scan and parsed before
    violation = _seen_violation(text) if len(text) <= _REMEMBERED_CHARS else _first_violation(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if violation is None or exc.pos < violation[0]:
            raise CannotRun(
                f"{rel}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}", path=rel, line=exc.lineno, column=exc.colno
            ) from None
    except (RecursionError, ValueError):
        if violation is None:  # pragma: no cover - the scan finds whatever makes json.loads fail this way
            raise CannotRun(f"{rel}: the JSON cannot be read", path=rel) from None
    if violation is not None:
        line, col = _position(text, violation[0])
        raise CannotRun(f"{rel}:{line}:{col}: {violation[1]}", path=rel, line=line, column=col)
    if entry is not None:
        cache.put(entry, "clean")  # only a text that was scanned and parsed without a word
    return value


def kind(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages: array, not list."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
