"""SC: every cell against its column in the table schema: required, type, vocabulary, pattern, range."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from ..reading.terms import suggest
from .common import non_ascii, short
from .rowchecks import Condition, Mask, ident, not_in_vector, row_check, sql_list, sql_str

if TYPE_CHECKING:
    import pyarrow as pa

    from ..reading.model import Field
    from ..reading.package import Package

# Lexical forms accepted for typed columns (the canonical forms; DuckDB's RE2, whole value).
TYPE_PATTERNS = {
    "integer": r"-?(0|[1-9][0-9]*)",
    "number": r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
}
BOOLEAN_TERMS = ("true", "false")
TYPE_HINTS = {
    "integer": "write a whole number without spaces or thousands separators, e.g. 3632998",
    "number": "write a decimal number with a point, e.g. 10.2469",
    "boolean": "write true or false (lowercase)",
    "date": "write a calendar date as YYYY-MM-DD",
}


def _fields(pkg: Package, table: str) -> list[Field]:
    return list(pkg.tables[table].table.fields)


@row_check("SC301", "required-missing")
def required_values(pkg: Package, table: str) -> Iterator[Condition]:
    """A required column has a value in every row.

    Fails: an entity with an empty ``name``.
    """
    for f in _fields(pkg, table):
        if f.required:
            yield Condition(f.name, f"{ident(f.name)} IS NULL", partial(_required_message, f.name), vector=_is_null)


def _is_null(column: pa.ChunkedArray) -> Mask:
    import pyarrow.compute as pc  # loads on first use: a small package never needs it

    return pc.is_null(column)


def _required_message(name: str, value: str) -> str:
    return f"{name} is required but empty"


@row_check("SC302", "type-mismatch")
def typed_values(pkg: Package, table: str) -> Iterator[Condition]:
    """Integer, number, boolean and date cells hold a value of that type.

    Fails: ``protected`` = ``yes``; ``latitude`` = ``10,25``; ``retrieved`` = ``2023-02-30``.
    """
    for f in _fields(pkg, table):
        col = ident(f.name)
        message = partial(_type_message, f.name, f.kind)
        if f.kind in ("integer", "number"):
            # an empty cell passes a pattern as it passes here: one rule in both engines
            yield Condition.mismatch(f.name, TYPE_PATTERNS[f.kind], message, TYPE_HINTS[f.kind])
            continue
        if f.kind == "boolean":
            sql = f"{col} NOT IN ('true', 'false')"
            vector = partial(not_in_vector, BOOLEAN_TERMS)
        elif f.kind == "date":
            sql = f"NOT regexp_full_match({col}, {sql_str(TYPE_PATTERNS[f.kind])}) OR TRY_CAST({col} AS DATE) IS NULL"
            vector = None  # DuckDB's calendar decides; a date column is in the small sources table
        else:
            continue
        yield Condition(f.name, f"{col} IS NOT NULL AND ({sql})", message, TYPE_HINTS[f.kind], vector)


def _type_message(name: str, kind: str, value: str) -> str:
    return f"{name} must be a {kind}, not {short(value)}"


@row_check("SC303", "not-in-vocabulary")
def vocabulary(pkg: Package, table: str) -> Iterator[Condition]:
    """A vocabulary column holds one of its documented terms.

    Fails: ``claim_status`` = ``confirmed``; passes: ``reported``. The hint suggests a term by
    meaning (a word shared with the term's name or documented meaning, validator/reading/terms.py):
    ``ally_of`` gets ``allied_with``, never ``rival_of``.
    """
    for f in _fields(pkg, table):
        if f.enum:
            yield Condition(
                f.name,
                f"NOT list_contains({sql_list(f.enum)}, {ident(f.name)})",
                partial(_vocab_message, f.name),
                partial(vocab_hint, f=f),
                partial(not_in_vector, f.enum),
            )


def _vocab_message(name: str, value: str) -> str:
    return f"{name} {short(value)} is not a term of the vocabulary"


def vocab_hint(value: str, f: Field) -> str:

    close = suggest(value, f)
    hint = f"did you mean {close!r}?" if close else f"use one of: {', '.join(f.enum or ())}"
    return hint + " (terms: docs/data-dictionary.md)"


@row_check("SC304", "pattern-mismatch")
def patterns(pkg: Package, table: str) -> Iterator[Condition]:
    """A text cell matches its column's pattern (codes, hashes, language tags, paths).

    Fails: ``sha256`` = ``ABC``; ``language`` = ``English``.
    """
    model = pkg.tables[table].table
    references = {fk.field for fk in model.foreign_keys} | set(model.polymorphic)
    for f in _fields(pkg, table):
        # ids have their own format check; reference checks report a malformed reference too
        if f.pattern and f.kind == "string" and f.name != "id" and f.name not in references:
            yield Condition.mismatch(f.name, f.pattern, partial(_pattern_message, f.name, f.pattern))


def _pattern_message(name: str, pattern: str, value: str) -> str:
    return f"{name} {short(value)} does not match the pattern {pattern}{non_ascii(value)}"


@row_check("SC305", "out-of-range")
def ranges(pkg: Package, table: str) -> Iterator[Condition]:
    """A number lies within its column's minimum and maximum.

    Fails: ``latitude`` = ``95``; passes: ``10.25``.
    """
    for f in _fields(pkg, table):
        if f.kind not in ("integer", "number") or (f.minimum is None and f.maximum is None):
            continue
        num = f"TRY_CAST({ident(f.name)} AS DOUBLE)"
        conds = []
        if f.minimum is not None:
            conds.append(f"{num} < {float(f.minimum)!r}")
        if f.maximum is not None:
            conds.append(f"{num} > {float(f.maximum)!r}")
        yield Condition(
            f.name,
            " OR ".join(conds),
            partial(_range_message, f.name, f.minimum, f.maximum),
        )


def _range_message(name: str, minimum: float | None, maximum: float | None, value: str) -> str:
    return f"{name} {value} is outside [{_num(minimum)}, {_num(maximum)}]"


def _num(v: float | None) -> str:
    return "-inf" if v is None else f"{v:g}"


@row_check("SC306", "list-items")
def list_items(pkg: Package, table: str) -> Iterator[Condition]:
    """A list cell ('|'-separated) has no empty, padded or repeated item.

    Fails: ``aliases`` = ``Niño Guerrero||Guerrero`` or ``a|a``; passes: ``Niño Guerrero|Guerrero``.
    """
    for f in _fields(pkg, table):
        if f.kind != "list":
            continue
        col = ident(f.name)
        d = sql_str(f.delimiter or "|")
        items = f"string_split({col}, {d})"
        yield Condition(
            f.name,
            f"list_contains({items}, '')",
            partial(_list_message, f.name, "has an empty item"),
            f"remove the doubled or trailing '{f.delimiter}'",
        )
        yield Condition(
            f.name,
            f"len(list_filter({items}, lambda x: x <> trim(x))) > 0",
            partial(_list_message, f.name, "has an item with leading or trailing spaces"),
            f"no spaces around '{f.delimiter}'",
        )
        yield Condition(
            f.name,
            f"len(list_distinct({items})) < len({items})",
            partial(_list_message, f.name, "repeats an item"),
            "list each name once",
        )


def _list_message(name: str, problem: str, value: str) -> str:
    return f"{name} {short(value)} {problem}"
