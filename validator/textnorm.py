"""The normalisation under which a citation's quote must occur in its source.

Documented in docs/data-dictionary.md (citations.quote): Unicode NFC; every run of white space
becomes one space; typographic single and double quotes count as the straight ones; leading and
trailing space is ignored. Case, accents, dashes and punctuation must match exactly.

The checks run the SQL form over whole columns; the Python form serves hints and the site, and
a test holds the two to the same results.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032"
DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033"
_TRANSLATE = str.maketrans({**{c: "'" for c in SINGLE_QUOTES}, **{c: '"' for c in DOUBLE_QUOTES}})
# White space: ASCII \t \n \v \f \r, and every character of Unicode category Z (Zs, Zl, Zp).
_SPACE_CLASS = "[\\t\\n\\x0b\\x0c\\r\\p{Z}]+"


@lru_cache(maxsize=1)
def _py_space() -> re.Pattern[str]:
    zs = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)).startswith("Z"))
    return re.compile("[\t\n\x0b\x0c\r" + re.escape(zs) + "]+")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    return _py_space().sub(" ", text).strip(" ")


def sql_normalize(expr: str) -> str:
    """The same normalisation as a DuckDB expression over ``expr``."""
    singles = SINGLE_QUOTES
    doubles = DOUBLE_QUOTES
    translated = f"translate(nfc_normalize({expr}), '{singles}{doubles}', '{chr(39) * 2 * len(singles)}{chr(34) * len(doubles)}')"
    return f"trim(regexp_replace({translated}, '{_SPACE_CLASS}', ' ', 'g'), ' ')"


def find(haystack_normalized: str, quote: str) -> int:
    """Offset of ``quote`` in an already normalised text, or -1."""
    return haystack_normalized.find(normalize(quote))
