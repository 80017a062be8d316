"""Word forms of a few hundred texts in plain Python, exactly the answers of ``word_form_sql``.

On a small package the grounding checks put their quotes, names and descriptions in word form
before comparing them. Stated in SQL that cost a statement per shared table (about 5 ms each on
the real package, mostly planning and the regular expression); here the same strings come from
a translation table, in a fraction of that, and need neither numpy nor pyarrow.

The argument is ``wordform``'s: for the characters of ``wordform.DOMAIN`` the rule works
character by character (no two of them combine under NFC), so each character's lower case and
whether it is a letter or digit are asked of DuckDB itself, once per process, for the
characters the texts hold. A text with a character outside the domain, one that is not its own
NFC form, one whose lower case is not one character, or U+0000, gets its word form from
``word_form_sql`` itself, in one statement for all such texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .wordform import DOMAIN, char_rules, word_form_sql

if TYPE_CHECKING:
    import duckdb

# ASCII (but U+0000) needs no question: lower case is A-Z to a-z, and the letters and digits of
# \p{L}\p{N} are A-Z, a-z and 0-9
_ASCII = {c: (chr(c).lower() if chr(c).isalnum() else " ") for c in range(1, 128)}
_table: dict[int, str] = dict(_ASCII)  # code point -> its lower case, or a space; filled as texts need
_refused: set[int] = {0}  # code points whose texts go to the SQL rule
_refused_chars: set[str] = {"\0"}  # the same, as characters (a text is tested with isdisjoint)


def _in_domain(c: int) -> bool:
    return any(c in r for r in DOMAIN)


def _learn(db: duckdb.DuckDBPyConnection, chars: set[int]) -> None:
    """Ask DuckDB how its rule treats each of ``chars`` (new, non-ASCII)."""
    ask = sorted(c for c in chars if _in_domain(c))
    _refused.update(c for c in chars if not _in_domain(c))
    _refused_chars.update(chr(c) for c in chars if not _in_domain(c))
    if not ask:
        return
    for c, lowered, nfc, is_word in char_rules(db, ask):
        if not nfc or len(lowered) != 1:
            _refused.add(c)
            _refused_chars.add(chr(c))
        else:
            _table[c] = lowered if is_word else " "


def word_forms_small(db: duckdb.DuckDBPyConnection, texts: Sequence[str | None]) -> list[str | None]:
    """The word form of each text (None stays None), as ``word_form_sql`` gives it."""
    chars: set[str] = set()
    for t in texts:
        if t is not None and not t.isascii():
            chars.update(t)
    new = {ord(ch) for ch in chars if ord(ch) > 127} - _table.keys() - _refused
    if new:
        _learn(db, new)
    out: list[str | None] = []
    sql_at: list[int] = []
    for i, t in enumerate(texts):
        if t is None:
            out.append(None)
            continue
        if "\0" in t or (not t.isascii() and not _refused_chars.isdisjoint(t)):
            sql_at.append(i)
            out.append(None)
            continue
        # every whitespace character is now a space (none is a letter or digit)
        out.append(" " + " ".join(t.translate(_table).split()) + " ")
    if sql_at:
        ((fixed,),) = db.execute(
            f"SELECT list_transform(?::VARCHAR[], lambda s: {word_form_sql('s')})", [[texts[i] for i in sql_at]]
        ).fetchall()
        for i, form in zip(sql_at, fixed, strict=True):
            out[i] = form
    return out
