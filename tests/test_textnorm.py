"""The quote normalisation is the same in Python (hints, site) and in SQL (the check)."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.reading.textnorm import normalize, sql_normalize

ALPHABET = st.sampled_from(
    list("aeñn\u0303 \t\n\u00a0\u2009\u2028'\"\u2018\u2019\u201c\u201d\u201e\u2032\u2033-–,.é") + ["e\u0301"]
)


CON = duckdb.connect()


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_python_and_sql_agree(text: str) -> None:
    (sql,) = CON.execute(f"SELECT {sql_normalize('?')}", [text]).fetchone()
    assert sql == normalize(text)


def test_documented_equivalences() -> None:
    assert normalize("alias “Niño Guerrero,”") == normalize('alias "Niño Guerrero,"')
    assert normalize("Venezuela’s  most\npowerful") == "Venezuela's most powerful"
    assert normalize("Nin\u0303o") == "Niño"
    assert normalize(" a ") == "a"
    assert normalize("–") != normalize("-")  # dashes must match exactly
