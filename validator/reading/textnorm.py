"""The normalisation under which a citation's quote must occur in its source.

Documented in docs/data-dictionary.md (conventions, provenance): Unicode NFC; typographic
single and double quotes count as the straight ones; every run of white space becomes one
space; leading and trailing space is ignored. Case, accents, dashes and punctuation must match.

White space is what Python's ``str.isspace`` says: ASCII \\t \\n \\v \\f \\r, the information
separators U+001C-U+001F, U+0085, and every character of Unicode category Z. The SQL form (for
DuckDB) spells the same class out; a test holds the two to the same results.
"""

from __future__ import annotations

import unicodedata

SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032"
DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033"
_SPACE_CLASS = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f\\x85\\p{Z}]+"


def fold_quote_marks(text: str) -> str:
    """Typographic single and double quote marks made straight."""
    for c in SINGLE_QUOTES:
        if c in text:
            text = text.replace(c, "'")
    for c in DOUBLE_QUOTES:
        if c in text:
            text = text.replace(c, '"')
    return text


def normalize(text: str) -> str:
    return " ".join(fold_quote_marks(unicodedata.normalize("NFC", text)).split())


def sql_normalize(expr: str) -> str:
    """The same normalisation as a DuckDB expression over ``expr``."""
    singles = SINGLE_QUOTES
    doubles = DOUBLE_QUOTES
    translated = f"translate(nfc_normalize({expr}), '{singles}{doubles}', '{chr(39) * 2 * len(singles)}{chr(34) * len(doubles)}')"
    return f"trim(regexp_replace({translated}, '{_SPACE_CLASS}', ' ', 'g'), ' ')"


def find(haystack_normalized: str, quote: str) -> int:
    """Offset of ``quote`` in an already normalised text, or -1."""
    return haystack_normalized.find(normalize(quote))
