"""TX: text hygiene in every text cell: NFC, no invisible characters, no padding, no formula prefix.

Each file's character profile (which non-ASCII code points and ASCII controls it contains, found
by one vectorised pass when it is read) tells which of these checks can fail at all; the per-cell
conditions are only evaluated on files that could break them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from ..reading.arrays import binary_array
from ..reading.csvread import nfc_suspect
from .common import short
from .rowchecks import Condition, Mask, ident, row_check

if TYPE_CHECKING:
    import pyarrow as pa

    from ..reading.package import Package

# Control (Cc), format (Cf: zero-width, bidirectional controls, soft hyphen), private use (Co),
# line and paragraph separators (Zl, Zp).
INVISIBLE_CATEGORIES = ("Cc", "Cf", "Co", "Zl", "Zp")
INVISIBLE = r"[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]"
PADDING = r"^[\s\p{Z}]|[\s\p{Z}]$"
FORMULA_STARTS = "=+-@"


def _text_fields(pkg: Package, table: str) -> list[str]:
    return [f.name for f in pkg.tables[table].table.fields if f.is_text]


def _code_points(pkg: Package, table: str) -> frozenset[int] | None:
    """The non-ASCII code points of the table's file; None when unknown (check everything)."""
    csv = pkg.tables[table].csv
    return csv.chars.non_ascii if csv is not None and csv.chars is not None else None


def _may_be_non_nfc(cps: frozenset[int] | None) -> bool:
    # Text made only of characters that neither change under NFC nor combine with a neighbour
    # is NFC whatever their order (csvread.nfc_suspect). Anything else needs the exact test.
    return cps is None or any(nfc_suspect(cp) for cp in cps)


def _may_have_invisible(pkg: Package, table: str) -> bool:
    csv = pkg.tables[table].csv
    if csv is None or csv.chars is None:
        return True
    return csv.chars.ascii_controls or any(unicodedata.category(chr(cp)) in INVISIBLE_CATEGORIES for cp in csv.chars.non_ascii)


def _may_have_odd_spaces(pkg: Package, table: str) -> bool:
    csv = pkg.tables[table].csv
    if csv is None or csv.chars is None:
        return True
    return csv.chars.ascii_controls or any(unicodedata.category(chr(cp)).startswith("Z") for cp in csv.chars.non_ascii)


def _ends(pkg: Package, table: str) -> dict[str, tuple[set[str], set[str]]] | None:
    """Per text field of a table read in Python, the first and the last characters of its cells
    (None for a table held only in the database): a field none of whose cells starts or ends in a
    way a rule below looks for is left out of the table's scan, a condition that could flag nothing."""
    key = f"text_ends:{table}"
    if key not in pkg.cache:
        rows = pkg.python_rows(table)
        ends = None
        if rows is not None:
            names = pkg.tables[table].table.field_names
            ends = {}
            for f in _text_fields(pkg, table):
                i = names.index(f) + 1
                cells = [r[i] for r in rows if r[i]]
                ends[f] = ({c[0] for c in cells}, {c[-1] for c in cells})
        pkg.cache[key] = ends
    return pkg.cache[key]


def _may_be_space(ch: str) -> bool:
    """True for every character of RE2's \\s and \\p{Z} (and a few more)."""
    return ch.isspace() or unicodedata.category(ch).startswith("Z")


@row_check("TX901", "not-nfc")
def nfc(pkg: Package, table: str) -> Iterator[Condition]:
    """Text is in Unicode normalisation form C (composed: 'ñ' as one character, not 'n' + combining tilde)."""
    if not _may_be_non_nfc(_code_points(pkg, table)):
        return
    csv = pkg.tables[table].csv
    lines = csv.chars.nfc_lines if csv is not None and csv.chars is not None else None
    if lines == ():
        return
    # normalising every cell is the costliest rule of the scan (a 570,000-row table: 0.6 s), so
    # where the reader knows which lines hold a suspect character, only those are normalised
    only = f"_line IN ({', '.join(map(str, lines))})" if lines is not None else None
    for f in _text_fields(pkg, table):
        col = ident(f)
        differs = f"{col} <> nfc_normalize({col})"
        yield Condition(
            f,
            f"CASE WHEN {only} THEN {differs} ELSE false END" if only else differs,
            partial(_not_nfc_message, f),
            "run `tda fmt`, which rewrites text in NFC",
            lines=lines,
        )


@row_check("TX902", "invisible-character")
def no_invisible(pkg: Package, table: str) -> Iterator[Condition]:
    """Text has no control, zero-width, bidirectional-override or other invisible format characters.

    Fails: ``Guerrero\\u200b`` (zero-width space), a tab or a line break inside a cell.
    """
    if not _may_have_invisible(pkg, table):
        return
    for f in _text_fields(pkg, table):
        yield Condition(
            f,
            f"regexp_matches({ident(f)}, '{INVISIBLE}')",
            partial(_invisible_message, f),
            "delete the invisible character (it can hide a different text)",
        )


def _not_nfc_message(field: str, value: str) -> str:
    return f"{field} is not in Unicode NFC: {short(value)}"


def _invisible_message(field: str, value: str) -> str:
    pos, ch = next(((i, c) for i, c in enumerate(value) if unicodedata.category(c) in INVISIBLE_CATEGORIES), (0, "?"))
    name = unicodedata.name(ch, "control character")
    return f"{field} has U+{ord(ch):04X} ({name}) at character {pos + 1}"


@row_check("TX903", "padded-text")
def no_padding(pkg: Package, table: str) -> Iterator[Condition]:
    """Text has no leading or trailing white space."""
    odd = _may_have_odd_spaces(pkg, table)
    ends = _ends(pkg, table)
    for f in _text_fields(pkg, table):
        if ends is not None and not any(_may_be_space(ch) for ch in ends[f][0] | ends[f][1]):
            continue
        col = ident(f)
        if odd:  # RE2's Unicode classes: DuckDB's alone decides, whatever pyarrow's tables say
            sql, vector = f"regexp_matches({col}, '{PADDING}')", None
        else:
            sql, vector = f"starts_with({col}, ' ') OR ends_with({col}, ' ')", _space_at_end
        yield Condition(f, sql, partial(_padded_message, f), "remove the spaces around the value", vector)


def _space_at_end(column: pa.ChunkedArray) -> Mask:
    import pyarrow as pa  # loads on first use: a small package never needs it
    import pyarrow.compute as pc  # likewise its compute functions

    # the first and the last byte, as _formula_start does: in half the CPU of starts_with and
    # ends_with on long cells (572,221 quotes: 10 ms against 23 ms)
    cells, space = column.cast(pa.binary()), binary_array([" "])
    return pc.or_(pc.is_in(pc.binary_slice(cells, 0, 1), value_set=space), pc.is_in(pc.binary_slice(cells, -1), value_set=space))


def _padded_message(field: str, value: str) -> str:
    return f"{field} starts or ends with white space: {short(value)}"


@row_check("TX904", "formula-prefix")
def no_formula(pkg: Package, table: str) -> Iterator[Condition]:
    """Text does not start with '=', '+', '-' or '@', which spreadsheets run as a formula.

    Fails: ``=HYPERLINK("http://x")``; passes: ``HYPERLINK``.
    """
    ends = _ends(pkg, table)
    for f in _text_fields(pkg, table):
        if ends is not None and ends[f][0].isdisjoint(FORMULA_STARTS):
            continue
        col = ident(f)
        # the first character's code point: one cheap call where four starts_with took half again as long
        sql = f"ascii({col}) IN ({', '.join(str(ord(c)) for c in FORMULA_STARTS)})"
        yield Condition(
            f,
            sql,
            partial(_formula_message, f),
            "reword the text so that it starts with a letter or digit",
            _formula_start,
        )


def _formula_start(column: pa.ChunkedArray) -> Mask:
    import pyarrow as pa  # loads on first use: a small package never needs it
    import pyarrow.compute as pc  # likewise its compute functions

    # the first byte: in UTF-8 an ASCII byte is always a whole character, so a cell whose first
    # byte is one of these starts with that character, as DuckDB's ascii() of its first code point says
    first = pc.binary_slice(column.cast(pa.binary()), 0, 1)
    return pc.is_in(first, value_set=binary_array(list(FORMULA_STARTS)))


def _formula_message(field: str, value: str) -> str:
    return f"{field} starts with {value[0]!r}, which a spreadsheet would run as a formula: {short(value)}"
