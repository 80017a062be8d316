"""TX: text hygiene in every text cell: NFC, no invisible characters, no padding, no formula prefix."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..problems import Problem
from ..registry import check
from .common import at_cell, quote_sql_ident, short, usable_tables

if TYPE_CHECKING:
    from ..package import Package

# Control (Cc), format (Cf: zero-width, bidirectional controls, soft hyphen), private use (Co),
# line and paragraph separators (Zl, Zp).
INVISIBLE = r"[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]"
FORMULA = r"^[=+\-@]"


def _text_cells(pkg: Package, where: str, params: list | None = None) -> Iterator[tuple[str, str, int, str, str]]:
    for name in usable_tables(pkg):
        for f in pkg.tables[name].table.fields:
            if not f.is_text:
                continue
            col = quote_sql_ident(f.name)
            sql = f'SELECT _line, id, {col} FROM "{name}" WHERE {col} IS NOT NULL AND ({where.format(col=col)}) ORDER BY _line'
            for line, rid, value in pkg.sql(sql, params):
                yield name, f.name, line, rid, value


@check("TX901", "not-nfc")
def nfc(pkg: Package) -> Iterator[Problem]:
    """Text is in Unicode normalisation form C (composed: 'ñ' as one character, not 'n' + combining tilde)."""
    for table, field, line, rid, value in _text_cells(pkg, "{col} <> nfc_normalize({col})"):
        yield at_cell(
            pkg,
            table,
            line,
            field,
            f"{field} is not in Unicode NFC: {short(value)}",
            record=rid,
            hint="run `tda fmt`, which rewrites text in NFC",
        )


@check("TX902", "invisible-character")
def no_invisible(pkg: Package) -> Iterator[Problem]:
    """Text has no control, zero-width, bidirectional-override or other invisible format characters.

    Fails: ``Guerrero\\u200b`` (zero-width space), a tab or a line break inside a cell.
    """
    for table, field, line, rid, value in _text_cells(pkg, "regexp_matches({col}, ?)", [INVISIBLE]):
        pos, ch = next(((i, c) for i, c in enumerate(value) if _invisible(c)), (0, "?"))
        name = unicodedata.name(ch, "control character")
        yield at_cell(
            pkg,
            table,
            line,
            field,
            f"{field} has U+{ord(ch):04X} ({name}) at character {pos + 1}",
            record=rid,
            hint="delete the invisible character (it can hide a different text)",
        )


def _invisible(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cf", "Co", "Zl", "Zp")


@check("TX903", "padded-text")
def no_padding(pkg: Package) -> Iterator[Problem]:
    """Text has no leading or trailing white space."""
    for table, field, line, rid, value in _text_cells(pkg, r"regexp_matches({col}, '^[\s\p{{Z}}]|[\s\p{{Z}}]$')"):
        yield at_cell(
            pkg,
            table,
            line,
            field,
            f"{field} starts or ends with white space: {short(value)}",
            record=rid,
            hint="remove the spaces around the value",
        )


@check("TX904", "formula-prefix")
def no_formula(pkg: Package) -> Iterator[Problem]:
    """Text does not start with '=', '+', '-' or '@', which spreadsheets run as a formula.

    Fails: ``=HYPERLINK("http://x")``; passes: ``HYPERLINK``.
    """
    for table, field, line, rid, value in _text_cells(pkg, "regexp_matches({col}, ?)", [FORMULA]):
        yield at_cell(
            pkg,
            table,
            line,
            field,
            f"{field} starts with {value[0]!r}, which a spreadsheet would run as a formula: {short(value)}",
            record=rid,
            hint="reword the text so that it starts with a letter or digit",
        )
