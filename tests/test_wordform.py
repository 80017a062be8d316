"""The word form computed over whole columns (reading/wordform.word_forms) is the SQL rule's
(word_form_sql), string for string, and the grounding checks report the same problems whichever
of the two they use."""

from __future__ import annotations

import random
import shutil
import unicodedata
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from test_grounding import _copy, _rows, _write

from validator import validate
from validator.checks import grounding
from validator.reading import wordform
from validator.reading.wordform import DOMAIN, word_form_sql, word_forms

TRICKY = [
    "",
    "   ",
    "---",
    "Tren de Aragua",
    "  Niño   Guerrero,, ",
    "“Niño Guerrero,”",
    "Tren del Llano’s leader",
    unicodedata.normalize("NFD", "Héctor Rusthenford Guerrero Flores, alias “Niño Guerrero”"),
    "Ñandú São Paulo perú BOGOTÁ",
    "İstanbul ıi",  # İ lower-cases to one byte fewer: left to the SQL rule
    "ǅemal ǄǆǇ",  # title-case digraphs
    "ß ẞ Ḩ ḩ ỳ",
    "½ ² ª º µ × ÷",
    "a\u00a0b\u2003c\u2000d",  # no-break, em and en quad spaces
    "a—b–c…d‐e",
    "a\u0301 e\u0303 n\u0331",  # combining marks
    "Σίσυφος ΣΑΣ Москва",  # outside the domain
    "emoji \U0001f600 here",
    "tab\tnew\nline\rcr",
    "snake_case under_score",
    "x\x00y",  # NUL: DuckDB's NFC ends the text there; the SQL rule decides
    "ʰʲ ˂ ˆ ‿a⁀",
    "2017-04-05 April 5th",
]
ALPHABET = (
    "abcXYZ019 ,.-_'\"()\t\n"
    + "áéíóúñÑÜüçãõßÅåØøÆæ"
    + "“”‘’—–…\u00a0\u2009\u202f"
    + "\u0301\u0303\u0308\u0327"  # combining marks
    + "İıǅẞḨỳ½²µ×"
    + "ΣσςΑЖж\U0001f600\u3000\u4e00"
)


def _sql(con: duckdb.DuckDBPyConnection, strings: list[str | None]) -> list[str | None]:
    table = pa.table({"i": pa.array(range(len(strings)), pa.int64()), "s": pa.array(strings, pa.string())})
    con.register("t", table)
    return [r[0] for r in con.execute(f"SELECT {word_form_sql('s')} FROM t ORDER BY i").fetchall()]


def _fast(con: duckdb.DuckDBPyConnection, strings: pa.Array | pa.ChunkedArray) -> list[str | None]:
    return word_forms(con, strings).to_pylist()


def _random_strings(n: int, seed: int) -> list[str | None]:
    rng = random.Random(seed)
    out: list[str | None] = []
    for _ in range(n):
        if rng.random() < 0.05:
            out.append(None)
            continue
        s = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 24)))
        out.append(unicodedata.normalize("NFD", s) if rng.random() < 0.2 else s)
    return out


def test_tricky_texts_match_the_sql_rule() -> None:
    con = duckdb.connect()
    strings: list[str | None] = [*TRICKY, None]
    assert _fast(con, pa.array(strings, pa.string())) == _sql(con, strings)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_texts_match_the_sql_rule(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random mixes of ASCII, Latin, punctuation, combining marks, other scripts and nulls; small
    byte chunks, a chunked array and a sliced array, so chunk edges and offsets are exercised."""
    monkeypatch.setattr(wordform, "CHUNK_BYTES", 256)
    con = duckdb.connect()
    strings = _random_strings(2000, seed)
    want = _sql(con, strings)
    assert _fast(con, pa.array(strings, pa.string())) == want
    assert _fast(con, pa.chunked_array([pa.array(strings[:700]), pa.array(strings[700:])])) == want
    assert _fast(con, pa.array(strings, pa.large_string()).slice(7)) == want[7:]


def test_the_domain_is_stable_under_nfc() -> None:
    """What the byte path relies on: each character of the domain is its own NFC form, and no two
    of them compose (so NFC leaves a text of them unchanged), under the installed DuckDB."""
    con = duckdb.connect()
    ranges = " UNION ALL ".join(f"SELECT range::INTEGER AS c FROM range({r.start}, {r.stop})" for r in DOMAIN)
    ((singles, pairs),) = con.execute(
        f"WITH d AS (SELECT chr(c) AS ch FROM ({ranges})) "
        "SELECT (SELECT count(*) FROM d WHERE nfc_normalize(ch) <> ch), "
        "(SELECT count(*) FROM d a, d b WHERE nfc_normalize(a.ch || b.ch) <> a.ch || b.ch)"
    ).fetchall()
    assert (singles, pairs) == (0, 0)


def _tricky_package(dest: Path) -> Path:
    """The real package with names, aliases, quotes and descriptions in the forms the two paths
    could disagree on: NFD, upper case, punctuation runs, typographic quotes, other scripts."""
    pkg = _copy(dest)
    ents = _rows(pkg, "entities")
    for i, e in enumerate(ents[:12]):
        if i % 3 == 0:
            e["name"] = unicodedata.normalize("NFD", e["name"]).upper()
        elif i % 3 == 1:
            e["name"] = "“" + e["name"].replace(" ", " -- ") + "”"
        else:
            e["aliases"] = "|".join(filter(None, [e["aliases"], "Σίσυφος", "İnci", "x\u0301y"]))
    misspelt = next(e for e in ents if e["id"] == "ent-kenferson-sevilla-arteaga")
    misspelt["name"] = misspelt["name"].replace("Arteaga", "Artéaga")  # a name no quote holds: GR101
    _write(pkg, "entities", ents)
    cits = _rows(pkg, "citations")
    for i, c in enumerate(cits[:40]):
        if i % 4 == 0:
            c["quote"] = unicodedata.normalize("NFD", c["quote"])
        elif i % 4 == 1:
            c["quote"] = c["quote"].replace(" ", " ... ")
        elif i % 4 == 2:
            c["quote"] = c["quote"] + " Σίσυφος İnci"
        elif i == 3:
            c["quote"] = "Σίσυφος — “İnci”, n\u0303"  # names nothing of its row: GR107
    resolved = [c for c in cits[40:] if c["refers"]]
    for i, c in enumerate(resolved[:6]):
        words_, _, target = c["refers"].split("|")[0].partition("=")
        if i % 2 == 0:  # the same words in another form: still found
            words_ = "“" + unicodedata.normalize("NFD", words_).upper() + "”,"
        else:  # words the quote does not hold: GR106
            words_ = words_ + " Σίσυφος"
        c["refers"] = "|".join([f"{words_}={target}", *c["refers"].split("|")[1:]])
    _write(pkg, "citations", cits)
    rels = _rows(pkg, "relations")
    for r in rels[:10]:
        quote = next((c["quote"] for c in cits if c["record_id"] == r["id"]), "")
        r["description"] = unicodedata.normalize("NFD", quote.upper())  # a copy: GR110 warns
    _write(pkg, "relations", rels)
    return pkg


def _report(pkg: Path) -> list[tuple]:
    report = validate(pkg, select=["GR"], max_per_group=0)
    return [(p.code, p.path, p.line, p.column, p.message) for p in report.problems]


def test_the_checks_report_the_same_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = _tricky_package(tmp_path / "pkg")
    plain = _report(pkg)
    monkeypatch.setattr(grounding, "FAST_WORDS_ROWS", 0)
    fast = _report(pkg)
    assert fast == plain
    monkeypatch.setattr(grounding, "REPEAT_DISTINCT", 2.0)  # each distinct quote in word form once
    assert _report(pkg) == plain
    assert {"GR101", "GR102", "GR106", "GR107", "GR110"} <= {p[0] for p in plain}  # the edits did reach the checks
    shutil.rmtree(pkg)


def test_runs_of_words_hash_as_their_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """run_hashes gives every run of n words of every word form, numbered from its first word, and
    equal runs (of any strings) the hash string_hashes gives that run's text; so do slices cut
    mid-column (a small CHUNK_BYTES) and a sliced chunked column."""
    monkeypatch.setattr(wordform, "CHUNK_BYTES", 40)
    rnd = random.Random(7)
    vocab = ["a", "bb", "ñu", "dé", "x1", "ça"]
    texts: list[str | None] = []
    for _ in range(200):
        k = rnd.randint(0, 14)
        texts.append(None if k == 1 else " " + " ".join(rnd.choice(vocab) for _ in range(k)) + " " if k else "  ")
    column = pa.chunked_array([pa.array(texts[:50], pa.string()), pa.array(texts[50:], pa.string()).slice(2)])
    kept = texts[:50] + texts[52:]
    got = {}
    for which, first, h in wordform.run_hashes(column, 3):
        got.update({(int(i), int(s)): int(x) for i, s, x in zip(which, first, h, strict=True)})
    expected = {}
    for i, text in enumerate(kept):
        ws = text.split() if text else []
        expected.update({(i, s + 1): " " + " ".join(ws[s : s + 3]) + " " for s in range(len(ws) - 2)})
    assert set(got) == set(expected)
    runs = sorted(set(expected.values()))
    by_text = dict(zip(runs, (int(x) for x in wordform.string_hashes(pa.array(runs, pa.string()))), strict=True))
    assert all(got[key] == by_text[run] for key, run in expected.items())
    assert len(set(by_text.values())) == len(runs)


def test_string_hashes_are_the_stated_sum(monkeypatch: pytest.MonkeyPatch) -> None:
    """string_hashes is sum(byte[k] * base**k) modulo 2**64 of each string's UTF-8 bytes, for empty
    strings, nulls and strings on both sides of a slice edge (a small CHUNK_BYTES), and a large_string column."""
    monkeypatch.setattr(wordform, "CHUNK_BYTES", 64)
    texts = [s or "" for s in _random_strings(300, 11)]
    column = pa.chunked_array([pa.array(texts[:100], pa.string()), pa.array(texts[100:], pa.string()).slice(0)])
    base = wordform._BASE

    def want(s: str) -> int:
        return sum(c * pow(base, k, 1 << 64) for k, c in enumerate(s.encode("utf-8"))) % (1 << 64)

    assert [int(h) for h in wordform.string_hashes(column)] == [want(s) for s in texts]
    assert [int(h) for h in wordform.string_hashes(pa.array(texts, pa.large_string()))] == [want(s) for s in texts]
