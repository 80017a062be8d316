"""GR: every value a row states is attested by its own quotes.

The provenance checks prove that a quote occurs in its source; these checks prove that the quote supports the
row it sits on. They compare the row's values with the words of the row's own citations:

- names and aliases (GR101, GR102), dates at their precision (GR103, GR104), the entities and
  places the row refers to (GR105, with the resolutions of ``citations.refers`` checked by
  GR106), each citation being about its row (GR107), and a cue word for the row's relation type
  or activity term (GR108);
- two rows stating the same fact (GR109), and descriptions that copy the source (GR110).

Matching. A quote and the words looked for in it are both reduced to *word form*: Unicode NFC
(as for a quote in its source), lower case, and every run of characters that are not letters or digits (spaces,
punctuation, quote marks) made one space. A name or an alias must occur as whole words; a cue
word is a stem that must start a word ("kidnap" matches "kidnappings"). On tables of middling
size everything is a few DuckDB queries over the whole tables; no Python loop runs over rows. On large tables the word
forms are computed over whole columns by ``reading/wordform.py`` (the same strings, a fraction of
the time of the SQL rule), each shared table is built once, and the one costly comparison of
names with quotes (``_gr_hits``) serves GR105, GR107 and ``tda stats`` alike. GR110 on large
tables compares hashes of runs of words first (``_copies_by_hash``) and the strings only where
a hash is shared. On small tables read in Python (a package of a few hundred rows) each of those
statements cost more than its rows: there ``grounding_small`` does the same work over the rows
in Python, and a test runs every check both ways.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from ..problems import Problem
from ..reading import wordform
from ..reading.arrays import bools, int64_array
from ..reading.duckconnect import arrow_of, register_arrow
from ..reading.edtf_dates import MONTHS as EDTF_MONTHS
from ..reading.package import release_memory
from ..reading.wordform import run_hashes, string_hashes, word_form_sql, word_forms
from . import grounding_small
from .common import at_cell, quote_sql_ident, short
from .registry import Reads, State, check, reads
from .rowchecks import sql_str

if TYPE_CHECKING:
    from ..reading.model import Table
    from ..reading.package import Package

MONTHS = tuple(m.lower() for m in EDTF_MONTHS)  # compared with lower-cased quotes
COPY_RUN = 10  # GR110: this many words in a row shared with a source make a description a copy
DERIVED = "derived:"  # the start of a citation note that explains a derived date

FACT_TABLES = ("relations", "presence", "activities", "events", "event_actors")
# A row is judged by its own quotes (its citations) and the names of the entities and places it
# refers to: a changed citation re-checks its row, a renamed entity or place the rows naming it.
ROW: Reads = reads("entities", "locations", *FACT_TABLES, "citations", follows=["references", "citations"])
# Two rows state the same fact whatever rows changed: a change to a fact table compares all of it.
WHOLE_FACTS: Reads = reads(*FACT_TABLES, follows=["references"], whole=True)


def _release_all(pkg: Package) -> None:
    """Let go of everything the checks below built: the _gr_ tables and views, the quotes' word
    forms, the rows of the small path and the hashing's powers (1,000,000 rows: 300 MB or more)."""
    large = "gr_ready" in pkg.cache and "gr_small" not in pkg.cache
    for key in [k for k in pkg.cache if k.startswith("gr_")]:
        del pkg.cache[key]
    pkg.drop_temp("_gr_")
    if large:
        wordform.forget()
        release_memory()  # what was freed in pyarrow's pool and the C heap, handed back


def _release_marks(pkg: Package) -> None:
    """Let go of _gr_hits (a row per citation and party it names), which only GR105 to GR107 read."""
    if pkg.cache.pop("gr_marks", None) and "gr_small" not in pkg.cache:
        pkg.db.execute("DROP TABLE IF EXISTS _gr_hits")


# The state the checks share (_ready, _dates_ready, _marks_ready build it once): the runner lets
# it go after the last check that holds it. Every check that calls one of them holds GROUNDING.
GROUNDING = State("grounding", _release_all)
MARKS = State("grounding-marks", _release_marks)


def words_sql(expr: str) -> str:
    """DuckDB expression: ``expr`` in word form, padded with one space on each side."""
    return word_form_sql(expr)


def words(text: str) -> str:
    """The word form of ``text`` in Python (the same as words_sql, for the few values built here)."""
    return " " + " ".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text).lower())) + " "


# From this many rows on, word forms are computed over whole columns by wordform.word_forms (the
# same strings as words_sql, several times faster); below, words_sql in the query is quicker
# than loading numpy and pyarrow. A test runs the checks both ways and compares the reports.
FAST_WORDS_ROWS = 20_000


def _rows(pkg: Package, name: str) -> int:
    loaded = pkg.tables[name]
    return loaded.csv.row_count if loaded.csv is not None else 0


def _small(pkg: Package, names: list[str]) -> bool:
    """True when the work on these tables is done in Python (``grounding_small``): each is held in
    Python and small, and none is of the size of the large path."""
    return all(_rows(pkg, n) < FAST_WORDS_ROWS for n in names if pkg.usable(n)) and grounding_small.held(pkg, names)


def _create_with_words(pkg: Package, target: str, select: str, fast: bool) -> None:
    """CREATE TEMP TABLE ``target`` from the rows of ``select``, whose column ``text`` is replaced
    by its word form, named ``tok``."""
    if not fast:
        pkg.db.execute(
            f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT * EXCLUDE (text), {words_sql('text')} AS tok FROM ({select})"
        )
        return
    table = arrow_of(pkg.db, select)
    table = table.drop_columns(["text"]).append_column("tok", word_forms(pkg.db, table["text"]))
    _materialise(pkg, target, table)


def _materialise(pkg: Package, target: str, table: Any) -> None:
    """A pyarrow table (or a dict of columns) copied into the database as temp table ``target``."""
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    register_arrow(pkg.db, "_gr_arrow", pa.table(table) if isinstance(table, dict) else table)
    try:
        pkg.db.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT * FROM _gr_arrow")
    finally:
        pkg.db.unregister("_gr_arrow")


# _quote_forms puts each distinct quote in word form once when, among the first REPEAT_SAMPLE
# quotes, fewer than this share are distinct
REPEAT_SAMPLE = 20_000
REPEAT_DISTINCT = 0.5


def _quote_forms(pkg: Package, quotes: Any) -> Any:
    """The word form of each quote (``word_forms``), each distinct quote computed once when the
    quotes repeat a lot.

    Many citations can quote one passage: 572,000 citations with 149 distinct quotes took 0.4 s
    in word form one by one, 30 ms distinct. When most quotes differ (434,000 distinct of 568,000)
    numbering them costs as much as it saves, so a sample decides. Both give the same strings; the
    distinct quotes and each citation's number among them are kept for GR110."""
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    sample = quotes.slice(0, REPEAT_SAMPLE)
    if len(pc.unique(sample)) >= REPEAT_DISTINCT * len(sample):
        return word_forms(pkg.db, quotes)
    distinct = pc.unique(quotes).drop_null()
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    number = pc.index_in(quotes, value_set=distinct)  # null for a null quote
    forms = word_forms(pkg.db, distinct).combine_chunks()
    pkg.cache["gr_quote_forms"] = (forms, number)
    chunks = number.chunks if isinstance(number, pa.ChunkedArray) else [number]
    # each citation's quote as its number among the distinct word forms (a dictionary column,
    # which DuckDB reads as text): the forms taken per citation held 72 MB at 572,000 citations
    return pa.chunked_array([pa.DictionaryArray.from_arrays(c, forms) for c in chunks])


def _ready(pkg: Package) -> bool:
    """Register the shared tables once; False when citations (or the tables named) cannot be read.

    _gr_cit(id, _line, record_id, q, refers, note): the citations, quote in word form
    _gr_rows(tbl, id): every cited row (the tables that can be read)
    _gr_words(tbl, _line, id, kind, value, tok): every name ('name') and alias ('alias') of
      entities and locations, and its word form
    _gr_names(id, tok): the names and aliases that have a word
    _gr_parties(tbl, _line, id, field, party): the entities and places each row refers to
    _gr_refs(cid, record_id, pair, words, target, found): the resolutions of citations.refers
      (_marks_ready adds party: the target is one of the row's parties)
    _gr_known(id): the ids of entities and locations (a reference to another id is the key checks')
    _gr_dangling(id): rows that refer to such an id, whose quotes GR106 and GR107 leave to the key checks
    """
    if "gr_ready" in pkg.cache:
        return pkg.cache["gr_ready"]
    ok = pkg.usable("citations")
    pkg.cache["gr_ready"] = ok
    if not ok:
        return False
    refers = "refers" if pkg.tables["citations"].table.field("refers") else "NULL"
    note = "note" if pkg.tables["citations"].table.field("note") else "NULL"
    where = "record_id IS NOT NULL AND quote IS NOT NULL"
    small = _small(pkg, ["citations", "entities", "locations", *pkg.model.cited_tables().values(), "events", "event_actors"])
    if small:
        grounding_small.shared_tables(pkg)  # _gr_cit, _gr_words, _gr_names, _gr_refs
    elif _rows(pkg, "citations") >= FAST_WORDS_ROWS:
        # A view over the loaded table's own columns and the quotes' word forms (one pyarrow
        # column): at 568,000 quotes a copy into a DuckDB table held 70 MB or more for the whole
        # run, and the checks scan it as fast as they scan the copy.
        import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

        cit = pkg.arrow("citations")
        cols: dict[str, Any] = {c: cit[c] for c in ("id", "_line", "record_id", "refers", "note") if c in cit.column_names}
        # the view selects on q, null exactly where the quote is: the quote itself is not scanned again
        cols["q"] = _quote_forms(pkg, cit["quote"])
        pkg.cache["gr_cit_cols"] = cols  # GR110 hashes the runs of words of these quotes
        if "gr_quote_forms" in pkg.cache:  # the quotes repeat: _gr_hits compares each distinct pair once
            forms, number = pkg.cache["gr_quote_forms"]
            register_arrow(pkg.db, "_gr_quote", pa.table({"qi": int64_array(range(len(forms))), "q": forms}))
            cols = {**cols, "qi": number}
        register_arrow(pkg.db, "_gr_cit_arrow", pa.table(cols))  # held until the grounding state is let go (_release_all)
        pkg.db.execute(
            f"CREATE OR REPLACE TEMP VIEW _gr_cit AS SELECT id, _line, record_id, q, {refers} AS refers, "
            f"{note} AS note FROM _gr_cit_arrow WHERE record_id IS NOT NULL AND q IS NOT NULL"
        )
    else:
        pkg.db.execute(
            f"CREATE OR REPLACE TEMP TABLE _gr_cit AS SELECT id, _line, record_id, {words_sql('quote')} AS q, "
            f"{refers} AS refers, {note} AS note FROM citations WHERE {where}"
        )
    names = []
    fast = False
    for name in ("entities", "locations"):
        if small or not pkg.usable(name):
            continue
        fast = fast or _rows(pkg, name) >= FAST_WORDS_ROWS
        names.append(f"SELECT '{name}' AS tbl, _line, id, 'name' AS kind, name AS value FROM \"{name}\" WHERE name IS NOT NULL")
        if name == "entities":
            names.append(
                "SELECT 'entities' AS tbl, _line, id, 'alias' AS kind, unnest(string_split(aliases, '|')) AS value "
                "FROM entities WHERE aliases IS NOT NULL"
            )
    body = " UNION ALL ".join(names) or (
        "SELECT NULL::VARCHAR AS tbl, 0::BIGINT AS _line, NULL::VARCHAR AS id, NULL::VARCHAR AS kind, "
        "NULL::VARCHAR AS value WHERE false"
    )
    if not small:
        _create_with_words(pkg, "_gr_words", f"SELECT *, value AS text FROM ({body})", fast)
        pkg.db.execute("CREATE OR REPLACE TEMP TABLE _gr_names AS SELECT id, tok FROM _gr_words WHERE tok <> '  '")
    known = [f'SELECT id FROM "{n}" WHERE id IS NOT NULL' for n in ("entities", "locations") if pkg.usable(n)]
    if not small:  # the Python path keeps its own
        pkg.db.execute(
            "CREATE OR REPLACE TEMP VIEW _gr_known AS " + (" UNION ALL ".join(known) or "SELECT NULL::VARCHAR AS id WHERE false")
        )
    parties = []
    rows = []
    for name in pkg.model.cited_tables().values():
        if not pkg.usable(name):
            continue
        rows.append(f"SELECT '{name}' AS tbl, id FROM \"{name}\" WHERE id IS NOT NULL")
        if name in ("entities", "locations"):
            continue
        for fk in pkg.tables[name].table.foreign_keys:
            if fk.resource in ("entities", "locations"):
                col = quote_sql_ident(fk.field)
                parties.append(
                    f"SELECT '{name}' AS tbl, _line, id, '{fk.field}' AS field, {col} AS party "
                    f'FROM "{name}" WHERE {col} IS NOT NULL AND id IS NOT NULL'
                )
    views = [
        "CREATE OR REPLACE TEMP VIEW _gr_rows AS "
        + (" UNION ALL ".join(rows) or "SELECT NULL::VARCHAR AS tbl, NULL::VARCHAR AS id WHERE false"),
        "CREATE OR REPLACE TEMP VIEW _gr_parties AS "
        + (
            " UNION ALL ".join(parties)
            or "SELECT NULL::VARCHAR AS tbl, 0::BIGINT AS _line, NULL::VARCHAR AS id, NULL::VARCHAR AS field, "
            "NULL::VARCHAR AS party WHERE false"
        ),
    ]
    if small:  # the checks read Python's rows; tda stats has the tables made (grounding_small.register)
        pkg.cache["gr_small"]["views"] = views
        return True
    for view in views:
        pkg.db.execute(view)
    pkg.db.execute(
        "CREATE OR REPLACE TEMP TABLE _gr_dangling AS SELECT DISTINCT id FROM _gr_parties "
        "WHERE party NOT IN (SELECT id FROM _gr_known)"
    )
    pairs = "SELECT id AS cid, record_id, q, unnest(string_split(refers, '|')) AS pair FROM _gr_cit WHERE refers IS NOT NULL"
    if _rows(pkg, "citations") >= FAST_WORDS_ROWS:
        # the words of each distinct resolution put in word form once, by word_forms: 257,000
        # resolutions with 36 distinct words took 0.28 s by the SQL rule, 0.19 s so
        got = arrow_of(pkg.db, f"SELECT DISTINCT split_part(pair, '=', 1) AS w FROM ({pairs})")
        _materialise(pkg, "_gr_pairw", {"w": got["w"], "tok": word_forms(pkg.db, got["w"])})
        pair_words = "tok"
        pairs = f"SELECT r.*, p.tok FROM ({pairs}) r JOIN _gr_pairw p ON p.w = split_part(r.pair, '=', 1)"
    else:
        pair_words = words_sql("split_part(pair, '=', 1)")
    pkg.db.execute(
        "CREATE OR REPLACE TEMP TABLE _gr_refs AS SELECT cid, record_id, pair, "
        "trim(split_part(pair, '=', 1)) AS words, trim(split_part(pair, '=', 2)) AS target, "
        f"contains(q, {pair_words}) AS found FROM ({pairs})"
    )
    return True


def _small_or_sql(pkg: Package, small: Callable[[], Iterable[tuple[Any, ...]]], sql: str) -> Iterable[tuple[Any, ...]]:
    """A check's rows: by ``grounding_small`` where the shared tables were built in Python (a
    small package), else by ``sql``; the two give the same rows (tests/test_grounding_small.py)."""
    return small() if "gr_small" in pkg.cache else pkg.sql(sql)


def _cited(pkg: Package) -> str:
    """SQL condition on ``t.id``: the row has a citation (an uncited row is reported by `uncited-row`, not again here)."""
    return "EXISTS (SELECT 1 FROM _gr_cit c WHERE c.record_id = t.id)"


# --- names ----------------------------------------------------------------------------------


@check("GR101", "name-unattested", reads=ROW, holds=GROUNDING)
def names_attested(pkg: Package) -> Iterator[Problem]:
    """An entity's or a location's name occurs in one of its own citations' quotes, unless ``name_descriptive`` is true.

    Whole words, case ignored, after the normalisation of `quote-not-in-source` (punctuation between words does not count).
    Passes: ``Tren de Aragua`` cited by "This rail connection gave rise to the name Tren de Aragua";
    a descriptive ``railway workers' union`` with ``name_descriptive`` = ``true``.
    Fails: the person's name misspelt ``Héctor Rusthenford Guerrero Flores``.
    """
    if not _ready(pkg):
        return
    for name in ("entities", "locations"):
        if not pkg.usable(name):
            continue
        has_flag = pkg.tables[name].table.field("name_descriptive") is not None
        flag = "coalesce(lower(t.name_descriptive), '') <> 'true'" if has_flag else "true"
        # the rows whose name a quote holds are found by one join, then left out by their line:
        # a NOT EXISTS holding contains() is planned as a correlated join, two to three times as costly
        rows = _small_or_sql(
            pkg,
            partial(grounding_small.names_unattested, pkg, name),
            f"WITH t AS (SELECT t._line, t.id, t.name, n.tok FROM \"{name}\" t JOIN _gr_words n ON n.tbl = '{name}' "
            f"AND n._line = t._line AND n.kind = 'name' WHERE {flag}), "
            "hit AS (SELECT DISTINCT t._line FROM t JOIN _gr_cit c ON c.record_id = t.id WHERE contains(c.q, t.tok)) "
            f"SELECT t._line, t.id, t.name FROM t WHERE t._line NOT IN (SELECT _line FROM hit) AND {_cited(pkg)} "
            "ORDER BY t._line",
        )
        for line, rid, value in rows:
            yield at_cell(
                pkg,
                name,
                line,
                "name",
                f"{rid}: the name {short(value)} occurs in none of its quotes",
                record=rid,
                hint="quote the passage that names it (spelt as the source spells it), "
                "or set name_descriptive = true if the source gives it no name",
            )


@check("GR102", "alias-unattested", reads=ROW, holds=GROUNDING)
def aliases_attested(pkg: Package) -> Iterator[Problem]:
    """Every alias of an entity occurs in a quote that cites that entity.

    Passes: alias ``Niño Guerrero`` with the quote "Héctor Rustherford Guerrero Flores, alias “Niño Guerrero,”".
    Fails: an invented alias ``El Tren`` that no quote of the entity contains.
    """
    if not (_ready(pkg) and pkg.usable("entities")):
        return
    # as GR101: the aliases a quote holds are found by one join, then left out
    rows = _small_or_sql(
        pkg,
        lambda: grounding_small.aliases_unattested(pkg),
        "WITH t AS (SELECT _line, id, value, tok FROM _gr_words WHERE tbl = 'entities' AND kind = 'alias' "
        "AND id IS NOT NULL AND value <> ''), "
        "hit AS (SELECT DISTINCT t._line, t.value FROM t JOIN _gr_cit c ON c.record_id = t.id WHERE contains(c.q, t.tok)) "
        "SELECT t._line, t.id, t.value FROM t "
        f"WHERE NOT EXISTS (SELECT 1 FROM hit h WHERE h._line = t._line AND h.value = t.value) AND {_cited(pkg)} "
        "ORDER BY t._line, t.value",
    )
    for line, rid, alias in rows:
        yield at_cell(
            pkg,
            "entities",
            line,
            "aliases",
            f"{rid}: the alias {short(alias)} occurs in none of its quotes",
            record=rid,
            hint="cite the passage that gives this alias, or remove it",
        )


# --- dates ----------------------------------------------------------------------------------

_SIDE = re.compile(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%])?")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def date_requirements(value: str) -> list[tuple[int, bool, str, list[str] | None, list[str] | None]]:
    """What a quote must contain to attest an EDTF value: per bound (side, approximate, year,
    month words, day words). Bounds that are open, unknown or not of the simple forms
    (``2018``, ``2017-04``, ``2023-09-20``, each with an optional qualifier) ask nothing."""
    out = []
    for side, part in enumerate(value.split("/")):
        m = _SIDE.fullmatch(part)
        if not m:
            continue
        year, month, day, qual = m.groups()
        months = None
        if month and 1 <= int(month) <= 12:
            full = MONTHS[int(month) - 1]
            months = sorted({f" {full} ", f" {full[:3]} "})
        days = sorted({f" {int(day)} ", f" {_ordinal(int(day))} ", f" {day} "}) if day else None
        out.append((side, qual is not None, f" {int(year)} " if int(year) >= 0 else f" {year} ", months, days))
    return out


def _dates_ready(pkg: Package) -> str | None:
    """Register _gr_bounds(tbl, _line, id, field, value, side, approx, year, months, days): every
    bound of a date cell with the words that attest it, and _gr_dates(tbl, _line, field, side, id, value,
    approx, year, months, days, derived): the bounds of cited rows that no quote attests."""
    if "gr_dates" in pkg.cache:
        return pkg.cache["gr_dates"]
    pkg.cache["gr_dates"] = None
    if not _ready(pkg):
        return None
    from .dates import edtf_table  # deferred: only the date checks need the EDTF parse, not every import of grounding

    parsed = edtf_table(pkg)
    reqs = [(v, *r) for v, p in parsed.items() if not isinstance(p, str) for r in date_requirements(v)]
    small = "gr_small" in pkg.cache
    if small and any(
        f.kind == "edtf" for n in pkg.model.cited_tables().values() if pkg.usable(n) for f in pkg.tables[n].table.fields
    ):
        grounding_small.date_bounds(pkg, reqs)
        pkg.cache["gr_dates"] = "_gr_dates"
        return "_gr_dates"
    if small:
        return None
    # the words of months and days handed over joined by '|' (no month name or day number holds
    # one) and split again in the database: lists as parameters took 75 ms for 18,000 bounds'
    # requirements, joined strings 46 ms
    pkg.register_rows(
        "_gr_datereq_in",
        [
            ("value", "VARCHAR"),
            ("side", "INTEGER"),
            ("approx", "BOOLEAN"),
            ("year", "VARCHAR"),
            ("months", "VARCHAR"),
            ("days", "VARCHAR"),
        ],
        [(*r[:4], *(None if ws is None else "|".join(ws) for ws in r[4:])) for r in reqs],
    )
    pkg.db.execute(
        "CREATE OR REPLACE TEMP TABLE _gr_datereq AS SELECT value, side, approx, year, string_split(months, '|') AS months, "
        "string_split(days, '|') AS days FROM _gr_datereq_in"
    )
    selects = []
    for name in pkg.model.cited_tables().values():
        if not pkg.usable(name):
            continue
        for f in pkg.tables[name].table.fields:
            if f.kind == "edtf":
                col = quote_sql_ident(f.name)
                selects.append(
                    f"SELECT '{name}' AS tbl, _line, id, '{f.name}' AS field, {col} AS value FROM \"{name}\" "
                    f"WHERE {col} IS NOT NULL AND id IS NOT NULL"
                )
    if not selects:
        return None
    # one join of the date bounds with their rows' citations (an uncited row drops out: it is
    # `uncited-row`'s), each bound attested or derived when one citation does it
    attested = (
        "contains(c.q, d.year) "
        "AND (d.months IS NULL OR len(list_filter(d.months, lambda m: contains(c.q, m))) > 0) "
        "AND (d.days IS NULL OR len(list_filter(d.days, lambda x: contains(c.q, x))) > 0)"
    )
    # the note put in word form only where it starts 'derived:' (CASE computes its branch on those
    # rows alone): the regular expression on every note of the joined rows cost 0.07 s at 1,000,000
    # replicated rows (104,000 notes, 25,000 of them 'derived:'). Elsewhere NULL, where the AND gave
    # false or NULL: bool_or and the coalesce below make the same answer of both
    derived = f"CASE WHEN lower(ltrim(c.note)) LIKE '{DERIVED}%' THEN contains({words_sql('c.note')}, d.year) END"
    keys = ("tbl", "_line", "field", "side")  # one bound of one date cell
    pkg.db.execute(
        "CREATE OR REPLACE TEMP VIEW _gr_bounds AS SELECT r.*, q.side, q.approx, q.year, q.months, q.days "
        f"FROM ({' UNION ALL '.join(selects)}) r JOIN _gr_datereq q ON q.value = r.value"
    )
    # only the bounds that no quote attests are kept (on a clean package none): the table of every
    # bound held 40 MB or more at 1,000,000 rows. The grouping carries the keys alone and the few
    # bounds left are joined back for their other columns: carrying those through the grouping
    # (any_value of six columns, two of them lists) cost 10 % more on 1,000,000 generated rows
    on = ", ".join(keys)
    pkg.db.execute(
        f"CREATE OR REPLACE TEMP TABLE _gr_dates AS WITH u AS (SELECT {', '.join(f'd.{k}' for k in keys)}, "
        f"coalesce(bool_or({derived}), false) AS derived FROM _gr_bounds d JOIN _gr_cit c ON c.record_id = d.id "
        f"GROUP BY {', '.join(f'd.{k}' for k in keys)} HAVING NOT bool_or({attested})) "
        f"SELECT {', '.join(f'd.{k}' for k in keys)}, d.id, d.value, d.approx, d.year, d.months, d.days, u.derived "
        f"FROM u JOIN _gr_bounds d USING ({on})"
    )
    pkg.cache["gr_dates"] = "_gr_dates"
    return "_gr_dates"


def _bound(value: str, side: int) -> str:
    if "/" not in value:
        return f"{value!r}"
    return f"{'the start' if side == 0 else 'the end'} of {value!r}"


@check("GR103", "date-unattested", reads=ROW, holds=GROUNDING)
def dates_attested(pkg: Package) -> Iterator[Problem]:
    """A date not marked approximate or uncertain is attested by one quote of its row at its precision.

    The quote holds the year; for a month also the month's name (or its three-letter form); for a
    day also the day. Each bound of an interval is checked; ``~ ? %`` bounds are GR104's.
    Passes: ``2017-04`` with "in Tocorón in April 2017". Fails: ``2017-05`` (month shifted), ``2018``
    shifted to ``2019``, ``2013`` made ``2013-06-01``, a derived ``2012~`` stripped of its ``~``.
    """
    table = _dates_ready(pkg)
    if table is None:
        return
    rows = _small_or_sql(
        pkg,
        lambda: grounding_small.unattested_dates(pkg, approx=False),
        f"SELECT tbl, _line, id, field, value, side, year, months, days FROM {table} "
        "WHERE NOT approx ORDER BY tbl, _line, field, side",
    )
    for tbl, line, rid, field, value, side, year, months, days in rows:
        want = (
            [year.strip()] + ([max(months, key=len).strip().capitalize()] if months else []) + ([days[0].strip()] if days else [])
        )
        yield at_cell(
            pkg,
            tbl,
            line,
            field,
            f"{rid}: {field} {_bound(value, side)} is not attested: no quote of the row holds {' + '.join(want)}",
            record=rid,
            hint="quote the passage that dates it, write it only as precisely as the source does, "
            "or mark it approximate (~) with a 'derived: ...' note saying how it was worked out",
        )


@check("GR104", "derived-date-unexplained", reads=ROW, holds=GROUNDING)
def derived_dates_explained(pkg: Package) -> Iterator[Problem]:
    """An approximate or uncertain date that no quote attests has a citation whose note starts 'derived:' and names its year.

    Passes: ``2012~`` with the quote "first imprisoned in Tocorón in 2010 but escaped two years
    leader" and the note "derived: two years after 2010, so 2012~". Fails: the same date without
    the note, or the note naming 2012 when the date says ``2013~``.
    """
    table = _dates_ready(pkg)
    if table is None:
        return
    rows = _small_or_sql(
        pkg,
        lambda: grounding_small.unattested_dates(pkg, approx=True),
        f"SELECT tbl, _line, id, field, value, side, year FROM {table} "
        "WHERE approx AND NOT derived ORDER BY tbl, _line, field, side",
    )
    for tbl, line, rid, field, value, side, year in rows:
        yield at_cell(
            pkg,
            tbl,
            line,
            field,
            f"{rid}: {field} {_bound(value, side)} is derived, but no citation's note says how "
            f"(a note starting 'derived:' that names {year.strip()})",
            record=rid,
            hint=f"add to the citation that supports it a note such as 'derived: <the reasoning>, so {year.strip()}~'",
        )


# --- parties --------------------------------------------------------------------------------


@check("GR105", "party-unidentified", reads=ROW, holds=(GROUNDING, MARKS))
def parties_identified(pkg: Package) -> Iterator[Problem]:
    """Every entity and place a row refers to is identified in the row's quotes, by its name, an alias or a resolution.

    Relations: subject and object; presence and activities: entity and place; events: place;
    event_actors: the actor. Where the quote says only "he", "the gang", "the prison", the
    citation's ``refers`` records the words and the id they stand for.
    Passes: presence of ``ent-gallegos-clan`` in ``loc-chile`` with "Gallegos Clan, a gang in
    Peru and Chile". Fails: the same row moved to ``loc-colombia``; a relation's object swapped for
    another entity.
    """
    if not _ready(pkg):
        return
    _marks_ready(pkg)
    # the parties no name was found for are set apart first, by a plain anti-join: written as a
    # NOT EXISTS beside the other conditions, DuckDB numbered every party row and joined them
    # twice (1,000,000 generated rows: 0.21 s, 0.11 s so); the other conditions hold on the few left
    rows = _small_or_sql(
        pkg,
        lambda: grounding_small.parties_unidentified(pkg),
        "WITH p AS MATERIALIZED (SELECT p.* FROM _gr_parties p ANTI JOIN _gr_hits h ON h.id = p.id AND h.party = p.party) "
        "SELECT p.tbl, p._line, p.id, p.field, p.party FROM p "
        "WHERE NOT EXISTS (SELECT 1 FROM _gr_refs r WHERE r.found AND r.record_id = p.id AND r.target = p.party) "
        "AND EXISTS (SELECT 1 FROM _gr_cit c WHERE c.record_id = p.id) AND p.party IN (SELECT id FROM _gr_known) "
        "ORDER BY p.tbl, p._line, p.field",
    )
    for tbl, line, rid, field, party in rows:
        yield at_cell(
            pkg,
            tbl,
            line,
            field,
            f"{rid}: {field} {party} is not identified in the row's quotes (by name, alias or refers)",
            record=rid,
            hint=f"quote a passage that names {party}, or, if the quote calls it "
            + (
                f"'he', 'the gang' ..., record that in the citation's refers: 'the gang={party}'"
                if party.startswith("ent-")
                else f"'there', 'the prison' ..., record that in the citation's refers: 'the prison={party}'"
            ),
        )


@check("GR106", "resolution-not-a-party", reads=ROW, holds=(GROUNDING, MARKS))
def resolutions_valid(pkg: Package) -> Iterator[Problem]:
    """A resolution in ``citations.refers`` names words of its quote and one of its row's own parties.

    For an entity or a location the row itself counts as its party; for an event, also its actors;
    for an event actor, also its event's place.
    Passes: "he=ent-hector-rustherford-guerrero-flores" on a quote with "he" cited by a relation
    whose subject is Guerrero. Fails: the id of an entity the row does not refer to, or words
    the quote does not contain.
    """
    if not _ready(pkg):
        return
    _marks_ready(pkg)
    rows = _small_or_sql(
        pkg,
        lambda: grounding_small.resolutions_invalid(pkg),
        "SELECT c._line, c.id, r.pair, r.words, r.target, r.found, "
        "r.party FROM _gr_refs r JOIN _gr_cit c ON c.id = r.cid WHERE (NOT r.found OR NOT r.party) "
        "AND EXISTS (SELECT 1 FROM _gr_rows w WHERE w.id = r.record_id) "
        "AND r.record_id NOT IN (SELECT id FROM _gr_dangling) ORDER BY c._line, r.pair",
    )
    for line, cid, _pair, words_, target, found_, _party in rows:
        if not found_:
            msg = f"{cid}: refers resolves {words_!r}, which its quote does not contain"
            hint = "write the words as they stand in the quote"
        else:
            msg = f"{cid}: refers resolves {words_!r} to {target}, which is not a party of its row"
            hint = "a resolution may only name an entity or place the cited row refers to"
        yield at_cell(pkg, "citations", line, "refers", msg, record=cid, hint=hint)


# _marks_ready searches every distinct quote for every distinct name when there are at most this
# many such pairs per citation. The other way joins every citation once to find the pairs that
# occur, then searches those: at 1.0 the search of all pairs makes no more substring searches
# than that join makes probes. Measured at 0.02 only (the replicated 1,000,000 rows: 12,000
# pairs for 572,000 citations, faster and 90 MB lower); both ways give the same rows.
ALL_PAIRS_PER_CITATION = 1.0


def _marks_ready(pkg: Package) -> None:
    """Register _gr_ident(id, party): what identifies a row (its parties; itself for an entity or a
    location; an event's actors; an event actor's event place), _gr_hits(cline, id, party): the
    citations (by line) whose quote names one of these (name or alias), and _gr_years(id, tok, event): its
    dates' years (an event actor's: its event's, valid where that event is cited). GR105, GR107 and tda stats share _gr_hits: the one costly comparison of names
    with quotes is made once."""
    if "gr_marks" in pkg.cache:
        return
    pkg.cache["gr_marks"] = True
    if "gr_small" in pkg.cache:
        _dates_ready(pkg)  # the years of the dates identify a row too
        grounding_small.marks(pkg)
        return
    parts = ["SELECT id, party FROM _gr_parties"]
    parts += [f'SELECT id, id AS party FROM "{n}" WHERE id IS NOT NULL' for n in ("entities", "locations") if pkg.usable(n)]
    if pkg.usable("event_actors") and pkg.usable("events"):
        parts.append("SELECT event_id AS id, entity_id AS party FROM event_actors WHERE entity_id IS NOT NULL")
        parts.append(
            "SELECT a.id, e.location_id AS party FROM event_actors a JOIN events e ON e.id = a.event_id "
            "WHERE e.location_id IS NOT NULL"
        )
    pkg.db.execute("CREATE OR REPLACE TEMP VIEW _gr_ident AS " + " UNION ALL ".join(parts))
    # each resolution's party flag is computed here once (its columns named: built again after
    # _release_marks, the table has the flag already): GR106 and GR107 had each joined the
    # resolutions with _gr_ident (257,000 resolutions at 1,000,000 rows: 0.4 s a query)
    # (without a resolution the EXISTS still cost a scan of _gr_ident: 0.06-0.1 s at 1,000,000 rows)
    (any_ref,) = pkg.db.execute("SELECT count(*) > 0 FROM (SELECT 1 FROM _gr_refs LIMIT 1)").fetchone() or (False,)
    exists = "EXISTS (SELECT 1 FROM _gr_ident i WHERE i.id = r.record_id AND i.party = r.target)" if any_ref else "false"
    pkg.db.execute(
        "CREATE OR REPLACE TEMP TABLE _gr_refs AS SELECT r.cid, r.record_id, r.pair, r.words, r.target, r.found, "
        f"{exists} AS party FROM _gr_refs r"
    )
    if "gr_quote_forms" in pkg.cache:
        # the quotes repeat (_quote_forms): the join carries each quote's number, not its text,
        # and each (quote, name) pair is searched once. The join is streamed past the names and
        # the pairs that hold, which are held (the join held as a table took 240 MB at its peak).
        forms, _ = pkg.cache["gr_quote_forms"]
        (distinct_names,) = pkg.db.execute("SELECT count(DISTINCT tok) FROM _gr_names").fetchone() or (0,)
        if len(forms) * distinct_names <= ALL_PAIRS_PER_CITATION * _rows(pkg, "citations"):
            # few distinct quotes and names: every distinct quote searched for every distinct name
            # costs less than a first pass of the join to find the pairs that occur (572,000
            # citations, 149 quotes, 81 names: 12,000 searches; 0.39 s -> 0.27 s, and the peak of
            # the statement 90 MB lower)
            pairs = "SELECT u.qi, t.tok FROM _gr_quote u, (SELECT DISTINCT tok FROM _gr_names) t WHERE contains(u.q, t.tok)"
        else:
            # the distinct pairs that occur, found by a first pass of the join (streamed too)
            pairs = (
                "SELECT d.qi, d.tok FROM (SELECT DISTINCT c.qi, n.tok FROM _gr_cit_arrow c JOIN _gr_ident i "
                "ON i.id = c.record_id JOIN _gr_names n ON n.id = i.party WHERE c.q IS NOT NULL) d "
                "JOIN _gr_quote u ON u.qi = d.qi WHERE contains(u.q, d.tok)"
            )
        pkg.execute_in_written_order(
            f"CREATE OR REPLACE TEMP TABLE _gr_hits AS WITH m AS MATERIALIZED ({pairs}) "
            "SELECT c._line AS cline, i.id, i.party FROM _gr_cit_arrow c JOIN _gr_ident i ON i.id = c.record_id "
            "JOIN _gr_names n ON n.id = i.party JOIN m ON m.qi = c.qi AND m.tok = n.tok WHERE c.q IS NOT NULL"
        )
    else:
        # the quotes streamed past the rows' parties and their names, which are held: DuckDB's own
        # choice held every citation with its quote (1,000,000 generated rows: 0.56 s and +109 MB
        # against 0.49 s and +70 MB)
        pkg.execute_in_written_order(
            "CREATE OR REPLACE TEMP TABLE _gr_hits AS SELECT c._line AS cline, i.id, i.party FROM _gr_cit c "
            "JOIN _gr_ident i ON i.id = c.record_id JOIN _gr_names n ON n.id = i.party WHERE contains(c.q, n.tok)"
        )
    table = _dates_ready(pkg)
    # the years of the bounds of cited rows; an event actor's, its event's years, where the event is
    # cited (an uncited event's dates do not identify its actors): GR107 asks that of the few rows
    # it joins, not of every bound (a semi-join with every citation: 0.07 s at 1,000,000 rows)
    years = ["SELECT id, year AS tok, NULL::VARCHAR AS event FROM _gr_bounds"] if table else []
    if table and pkg.usable("event_actors") and pkg.usable("events"):
        years.append("SELECT a.id, d.year AS tok, d.id AS event FROM event_actors a JOIN _gr_bounds d ON d.id = a.event_id")
    pkg.db.execute(
        "CREATE OR REPLACE TEMP VIEW _gr_years AS "
        + (" UNION ALL ".join(years) or "SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS tok, NULL::VARCHAR AS event WHERE false")
    )


@check("GR107", "citation-off-row", reads=ROW, holds=(GROUNDING, MARKS))
def citations_on_row(pkg: Package) -> Iterator[Problem]:
    """Each citation identifies at least one of its row's parties or values: a name, an alias, a resolution or a year of its dates.

    For an entity or a location, its own name or an alias; for an event, also its actors.
    Passes: "Various factors helped Tren de Aragua to grow stronger" on a relation whose object is
    Tren de Aragua. Fails: the quote of Guerrero's murder of Wilmer Brizuela moved to Tren del
    Llano's pact with Guerrero (it names neither).
    """
    if not _ready(pkg):
        return
    _marks_ready(pkg)
    # the conditions that drop the most citations come first: DuckDB joins them in this order; the
    # citations left whose quote holds a year are found by one join (as in GR101), an event
    # actor's event then asked to be cited
    rows = _small_or_sql(
        pkg,
        lambda: grounding_small.citations_off_row(pkg),
        "WITH c AS MATERIALIZED (SELECT c._line, c.id, c.record_id, c.q FROM _gr_cit c "
        "WHERE NOT EXISTS (SELECT 1 FROM _gr_hits h WHERE h.cline = c._line) "
        "AND NOT EXISTS (SELECT 1 FROM _gr_refs r WHERE r.cid = c.id AND r.found AND r.party)), "
        "ym AS MATERIALIZED (SELECT c._line, y.event FROM c JOIN _gr_years y ON y.id = c.record_id WHERE contains(c.q, y.tok)), "
        "yh AS (SELECT _line FROM ym WHERE event IS NULL "
        "UNION ALL SELECT ym._line FROM ym SEMI JOIN _gr_cit x ON x.record_id = ym.event) "
        "SELECT c._line, c.id, c.record_id FROM c WHERE c._line NOT IN (SELECT _line FROM yh) "
        "AND EXISTS (SELECT 1 FROM _gr_rows r WHERE r.id = c.record_id) "
        "AND NOT EXISTS (SELECT 1 FROM _gr_dangling d WHERE d.id = c.record_id) ORDER BY c._line",
    )
    for line, cid, rid in rows:
        yield at_cell(
            pkg,
            "citations",
            line,
            "quote",
            f"{cid}: the quote names none of {rid}'s parties or values",
            record=cid,
            hint="cite a passage about this row; if the quote calls a party 'he', 'the gang' ..., record it in refers",
        )


# --- vocabulary cues ------------------------------------------------------------------------


@check("GR108", "cue-missing", reads=ROW, holds=GROUNDING)
def cues_present(pkg: Package) -> Iterator[Problem]:
    """A relation's type and an activity's term have a cue word (``x-enumCues`` in the schema) in one of the row's quotes.

    A cue is a stem that starts a word, case ignored ("kidnap" matches "kidnappings").
    Passes: ``armed_conflict_with`` with "The gang fought guerrilla groups such as ...". Fails:
    ``allied_with`` on the same quote (a type flipped); ``kidnapping`` swapped for ``extortion``
    on "have all reported kidnappings by groups ...".
    """
    if not _ready(pkg):
        return
    for name, column in pkg.model.cued_columns():
        if not pkg.usable(name):
            continue
        cues = pkg.model.cues(name, column)
        key = f"_gr_cues_{name}"
        cue_rows = [(term, " " + words(cue).strip()) for term, lst in sorted(cues.items()) for cue in lst if words(cue).strip()]
        if "gr_small" in pkg.cache:
            rows = grounding_small.cues_missing(pkg, name, column, cue_rows)
        else:
            pkg.register_rows(key, [("term", "VARCHAR"), ("cue", "VARCHAR")], cue_rows)
            col = quote_sql_ident(column)
            rows = pkg.sql(
                f'WITH hit AS (SELECT DISTINCT c.record_id AS id FROM "{name}" r JOIN _gr_cit c ON c.record_id = r.id '
                f'JOIN "{key}" k ON k.term = r.{col} WHERE contains(c.q, k.cue)) '
                f'SELECT t._line, t.id, t.{col}, t.{col} IN (SELECT term FROM "{key}") FROM "{name}" t '
                f"WHERE t.{col} IS NOT NULL AND t.id IS NOT NULL AND {_cited(pkg)} "
                "AND t.id NOT IN (SELECT id FROM hit) ORDER BY t._line"
            )
        for line, rid, term, listed in rows:
            if listed:
                shown = ", ".join(cues[term][:8])
                msg = f"{rid}: no quote of the row has a cue for {column} {term!r} ({shown})"
                hint = (
                    f"quote the words that state it; if the source words it another way, add that wording to "
                    f"x-enumCues.{term} in {pkg.tables[name].table.schema_path} (reviewers see it)"
                )
            else:
                msg = f"{rid}: {column} {term!r} has no cue words documented"
                hint = f"list its cue words under x-enumCues in {pkg.tables[name].table.schema_path}"
            yield at_cell(pkg, name, line, column, msg, record=rid, hint=hint)


# --- duplicates -----------------------------------------------------------------------------


def fact_key(t: Table) -> list[str]:
    """The columns that say which fact a row of ``t`` states: its references, its vocabulary
    terms (but claim_status) and its dates."""
    refs = {fk.field for fk in t.foreign_keys}
    return [f.name for f in t.fields if f.name in refs or (f.enum and f.name != "claim_status") or f.kind == "edtf"]


@check("GR109", "duplicate-fact", reads=WHOLE_FACTS)
def facts_once(pkg: Package) -> Iterator[Problem]:
    """Two rows of one table do not state the same fact: the same entities, term, place and dates.

    The key is every reference, vocabulary term (not claim_status) and date of the row; for an
    event also the set of its actors. Entities and locations are not facts and are not compared.
    Fails: ``rel-a`` and ``rel-b`` both ``ent-x`` allied_with ``ent-y`` from 2018.
    """
    tables: list[tuple[str, list[str], str, str]] = []  # (table, key, its rows' columns, the key's columns)
    for name in pkg.model.cited_tables().values():
        if name in ("entities", "locations") or not pkg.usable(name):
            continue
        key = fact_key(pkg.tables[name].table)
        if not key:
            continue
        cols = [f"t.{quote_sql_ident(k)}" for k in key]
        actors = ""
        if name == "events" and pkg.usable("event_actors"):
            actors = ", (SELECT list_sort(list(a.entity_id)) FROM event_actors a WHERE a.event_id = t.id) AS actors"
            cols.append("actors")
        group = ", ".join(c.removeprefix("t.") for c in cols)
        body = f'SELECT t._line, t.id{"".join(", " + c for c in cols if c != "actors")}{actors} FROM "{name}" t WHERE t.id IS NOT NULL'
        tables.append((name, key, body, group))
    if not tables:
        return
    if _small(pkg, [t[0] for t in tables] + ["event_actors"]):
        for name, key, _, _ in tables:
            for line, rid, first, first_line in grounding_small.same_facts(pkg, name, key):
                yield _same_fact(pkg, name, key, line, rid, first, first_line)
        return
    # A key's hash found on two rows of a table or more picks the tables to compare (nearly
    # never one): one query over every table, where a query per table cost more than its rows.
    hashes = " UNION ALL ".join(
        f"SELECT {i} AS k, hash({group}) AS h FROM ({body})" for i, (_, _, body, group) in enumerate(tables)
    )
    shared = {k for (k,) in pkg.sql(f"SELECT DISTINCT k FROM (SELECT k FROM ({hashes}) GROUP BY k, h HAVING count(*) > 1)")}
    for name, key, body, group in (t for i, t in enumerate(tables) if i in shared):
        # the window that numbers the rows of each key runs on the candidates alone (equal keys
        # have equal hashes)
        rows = pkg.sql(
            f"WITH k AS MATERIALIZED (SELECT *, hash({group}) AS h FROM ({body})), "
            "d AS (SELECT * FROM k WHERE h IN (SELECT h FROM k GROUP BY h HAVING count(*) > 1)) "
            f"SELECT _line, id, first_value(id) OVER w, first_value(_line) OVER w, row_number() OVER w "
            f"FROM d WINDOW w AS (PARTITION BY {group} ORDER BY _line) QUALIFY row_number() OVER w > 1 ORDER BY _line"
        )
        for line, rid, first, first_line, _ in rows:
            yield _same_fact(pkg, name, key, line, rid, first, first_line)


def _same_fact(pkg: Package, name: str, key: list[str], line: int, rid: str, first: str, first_line: int) -> Problem:
    return at_cell(
        pkg,
        name,
        line,
        "id",
        f"{rid} states the same fact as {first} (line {first_line}): same {', '.join(key)}",
        record=rid,
        hint=f"merge the two rows (keep {first}, move the citations, retire {rid} in data/retired.csv), "
        "or record what tells them apart (place, dates)",
    )


# --- descriptions in our own words ----------------------------------------------------------


@check("GR110", "description-copies-source", severity="warning", reads=ROW, holds=GROUNDING)
def descriptions_own_words(pkg: Package) -> Iterator[Problem]:
    """A description does not share a run of 10 or more words with the quotes of its row: it says it in our own words.

    The quotes are the passages of the source the row rests on, where a copied description comes
    from; words compared as GR101 compares names (case and punctuation ignored). Comparing with
    the whole text of every source cost 5 s at 1,000,000 rows, ten times the budget of all checks.
    Warns: "The group was born out of a workers' union laboring on the construction of a railway
    project" on a row that quotes that sentence; passes: "Grew out of a union of railway construction workers".
    """
    if not _ready(pkg):
        return
    names = [
        n for n in pkg.model.cited_tables().values() if pkg.usable(n) and pkg.tables[n].table.field("description") is not None
    ]
    if "gr_cit_cols" in pkg.cache:
        found = _copies_by_hash(pkg, names)
    elif "gr_small" in pkg.cache:
        found = grounding_small.copies(pkg, names, COPY_RUN)
    else:
        found = {}
        # only a quote of COPY_RUN words or more can share a run of COPY_RUN words: the rows that
        # have one are the only ones whose descriptions are put in word form and cut into runs
        many = f"length(q) - length(replace(q, ' ', '')) > {COPY_RUN}"  # spaces = words + 1
        pkg.db.execute(f"CREATE OR REPLACE TEMP TABLE _gr_long AS SELECT record_id, q FROM _gr_cit WHERE {many}")
        # every table's descriptions in one table and one query (on a small package each
        # statement costs more than its rows: one pair per table took twice as long)
        selects = [
            f"SELECT {sql_str(name)} AS tbl, _line, id, description AS text FROM {quote_sql_ident(name)} "
            "WHERE description IS NOT NULL AND id IS NOT NULL AND id IN (SELECT record_id FROM _gr_long)"
            for name in names
        ]
        if selects:
            _create_with_words(pkg, "_gr_desc", " UNION ALL ".join(selects), sum(_rows(pkg, n) for n in names) >= FAST_WORDS_ROWS)
            for tbl, *row in pkg.sql(
                "WITH d AS (SELECT tbl, _line, id, string_split(trim(tok), ' ') AS w FROM _gr_desc), "
                f"g AS (SELECT tbl, _line, id, w, unnest(range(1, len(w) - {COPY_RUN - 2})) AS i FROM d WHERE len(w) >= {COPY_RUN}) "
                "SELECT g.tbl, g._line, g.id, g.w, list(DISTINCT g.i ORDER BY g.i) FROM g JOIN _gr_long c ON c.record_id = g.id "
                f"WHERE contains(c.q, ' ' || array_to_string(g.w[g.i:g.i + {COPY_RUN - 1}], ' ') || ' ') "
                "GROUP BY g.tbl, g._line, g.id, g.w ORDER BY g.tbl, g._line"
            ):
                found.setdefault(tbl, []).append(tuple(row))
    for name in names:
        for line, rid, w, starts in found.get(name, []):
            run_start, run_end = _longest_run(starts)
            shared = " ".join(w[run_start - 1 : run_end + COPY_RUN - 1])
            yield at_cell(
                pkg,
                name,
                line,
                "description",
                f"{rid}: the description shares {run_end - run_start + COPY_RUN} words in a row with its quotes: {short(shared, 90)}",
                record=rid,
                hint="say it in our own words; the quote in citations.csv carries the source's words",
            )


def _run_keys(h: Any, row: Any) -> Any:
    """A run's hash combined with its row's (the hash of the record id): one 64-bit key, its bits
    mixed so that its top bits can index a bitmap. Equal runs of one row give equal keys."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    k = h ^ (row * np.uint64(0x9E3779B97F4A7C15))
    k ^= k >> np.uint64(31)
    k *= np.uint64(0xBF58476D1CE4E5B9)
    k ^= k >> np.uint64(29)
    return k


_BITMAP_BITS = 24  # 16 MB each: at 2,500,000 description runs, about 15 % of their entries are set


def _copies_by_hash(pkg: Package, names: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """GR110 on large tables: the rows of each table in ``names`` whose description shares a run of
    COPY_RUN words with a quote of its row, as (line, id, words, first words of the shared runs).

    Cutting every description into runs and searching each in the row's quotes cost 4 s at
    1,000,000 rows. Here each run of COPY_RUN words, of the descriptions and of the quotes, is
    hashed (wordform.run_hashes) with its record id into one 64-bit key; a description's run
    whose key no quote run has is in no quote of its row (equal runs have equal keys), and the few
    runs whose key a quote run shares go through the very query of the small path, on the
    strings: a shared hash alone never reports a row."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    tables = {}
    for name in names:
        t = pkg.arrow(name).select(["_line", "id", "description"])
        if t["id"].null_count or t["description"].null_count:  # a filter copies every row, even when it keeps all
            t = t.filter(pc.and_(pc.is_valid(t["id"]), pc.is_valid(t["description"])))
        tables[name] = t
    cit = pkg.cache["gr_cit_cols"]
    quotes, record_ids = cit["q"], cit["record_id"]
    distinct_forms: dict[str, tuple[Any, Any]] = {}  # table -> its distinct descriptions and their word forms
    if "gr_quote_forms" in pkg.cache:
        # the quotes repeat (see _quote_forms): the runs of each distinct quote are hashed once,
        # and only the citations of a quote with a run that some description has (by its hash,
        # whatever the row) are keyed below; a quote without one shares no run with a description.
        # The descriptions' runs are hashed first, each distinct description once, and the rows
        # keyed only when some quote is left (a clean package of 1,000,000 rows with 149 distinct
        # quotes and 144 distinct descriptions: none is left, and GR110 took 0.1 s of CPU, not 0.4-0.6 s)
        forms, number = pkg.cache["gr_quote_forms"]
        for name, t in tables.items():
            distinct = pc.unique(t["description"])
            distinct_forms[name] = (distinct, word_forms(pkg.db, distinct))
        plain = [h for _, f in distinct_forms.values() for _, _, h in run_hashes(f, COPY_RUN)]
        if not plain:
            return {}
        runs = np.unique(np.concatenate(plain))
        del plain
        copied = np.zeros(len(forms) + 1, dtype=bool)  # the last entry: a null quote
        for which, _, h in run_hashes(forms, COPY_RUN):
            at = np.minimum(np.searchsorted(runs, h), len(runs) - 1)
            copied[which[runs[at] == h]] = True
        # each citation's quote number, a null quote's the last entry (pyarrow's fill_null would import pandas)
        numbers = [
            np.where(bools(c.is_valid()), np.frombuffer(c.buffers()[1], dtype=np.int32)[c.offset : c.offset + len(c)], len(forms))
            for c in number.chunks
            if len(c)
        ]
        take = int64_array(np.flatnonzero(copied[np.concatenate(numbers)]) if numbers else np.zeros(0, dtype=np.int64))
        if not len(take):
            return {}
        # the quotes as text (run_hashes reads a string column's bytes, not a dictionary's)
        quotes, record_ids = quotes.take(take).cast(pa.string()), record_ids.take(take)
    descs: dict[str, tuple[Any, Any, Any]] = {}
    keys = []
    for name, t in tables.items():
        row = string_hashes(t["id"])
        if name in distinct_forms:  # each row's description's form, put in word form once above
            distinct, forms_of = distinct_forms[name]
            tok = forms_of.take(pc.index_in(t["description"], value_set=distinct))
        else:
            tok = word_forms(pkg.db, t["description"])
        descs[name] = (t, tok, row)
        for which, _, h in run_hashes(tok, COPY_RUN):
            keys.append(_run_keys(h, row[which]))
    if not keys:
        return {}
    ours = np.concatenate(keys)
    del keys  # sorted in place: np.sort would hold the keys twice, with the pieces a third time
    ours.sort()
    # two bitmaps, of the keys' top and bottom bits, turn nearly every quote run away cheaply
    low = np.uint64((1 << _BITMAP_BITS) - 1)
    high = np.uint64(64 - _BITMAP_BITS)
    top = np.zeros(1 << _BITMAP_BITS, dtype=bool)
    top[ours >> high] = True
    bottom = np.zeros(1 << _BITMAP_BITS, dtype=bool)
    bottom[ours & low] = True
    qrow = string_hashes(record_ids)
    valid = bools(record_ids.is_valid())
    near = []
    for which, _, h in run_hashes(quotes, COPY_RUN):
        keep = valid[which]
        k = _run_keys(h[keep], qrow[which[keep]])
        k = k[top[k >> high]]
        near.append(k[bottom[k & low]])
    del top, bottom
    maybe = np.sort(np.concatenate(near)) if near else np.zeros(0, dtype=np.uint64)
    at = np.minimum(np.searchsorted(ours, maybe), len(ours) - 1)
    quoted = maybe[ours[at] == maybe]  # the keys of description runs that some quote run has
    found: dict[str, list[tuple[Any, ...]]] = {}
    if not len(quoted):
        return found
    for name, (t, tok, row) in descs.items():
        rows, firsts = [], []
        for which, start, h in run_hashes(tok, COPY_RUN):
            k = _run_keys(h, row[which])
            at = np.minimum(np.searchsorted(quoted, k), len(quoted) - 1)
            m = quoted[at] == k
            rows.append(which[m])
            firsts.append(start[m])
        picked = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        if not len(picked):
            continue
        take = int64_array(picked)
        _materialise(
            pkg,
            "_gr_copy",
            {
                "_line": t["_line"].take(take),
                "id": t["id"].take(take),
                "tok": tok.take(take),
                "i": int64_array(np.concatenate(firsts)),
            },
        )
        found[name] = pkg.sql(
            "WITH g AS (SELECT _line, id, string_split(trim(tok), ' ') AS w, i FROM _gr_copy) "
            "SELECT g._line, g.id, g.w, list(DISTINCT g.i ORDER BY g.i) FROM g JOIN _gr_cit c ON c.record_id = g.id "
            f"WHERE contains(c.q, ' ' || array_to_string(g.w[g.i:g.i + {COPY_RUN - 1}], ' ') || ' ') "
            "GROUP BY g._line, g.id, g.w ORDER BY g._line"
        )
    return found


def _longest_run(starts: list[int]) -> tuple[int, int]:
    """The first and last start of the longest run of consecutive shingle starts."""
    best = (starts[0], starts[0])
    first = prev = starts[0]
    for s in starts[1:]:
        if s != prev + 1:
            first = s
        prev = s
        if prev - first > best[1] - best[0]:
            best = (first, prev)
    return best


# --- what tda stats reports -----------------------------------------------------------------


def grounding_counts(pkg: Package) -> dict[str, object]:
    """How the rows are grounded, for ``tda stats``: per table, the rows whose parties are all
    named in their quotes, those that rely on a resolution (refers) for at least one, those with a
    party not identified, and those with no party; for entities and locations, names found in a
    quote and names declared descriptive; per cued vocabulary, the rows of each term, how many
    have a cue, and the rows each cue word was found in."""
    if not _ready(pkg):
        return {}
    _marks_ready(pkg)
    if "gr_small" in pkg.cache:
        grounding_small.register(pkg)
    tables: dict[str, dict[str, int]] = {}
    rows = pkg.sql(
        "WITH byname AS (SELECT DISTINCT id, party FROM _gr_hits), "
        "byref AS (SELECT DISTINCT p.id, p.party FROM _gr_parties p JOIN _gr_refs r ON r.record_id = p.id "
        "AND r.target = p.party WHERE r.found), "
        "st AS (SELECT p.tbl, p.id, b.id IS NOT NULL AS named, r.id IS NOT NULL AS resolved FROM _gr_parties p "
        "LEFT JOIN byname b ON b.id = p.id AND b.party = p.party LEFT JOIN byref r ON r.id = p.id AND r.party = p.party), "
        "per AS (SELECT tbl, id, bool_and(named) AS all_named, bool_and(named OR resolved) AS all_ok FROM st GROUP BY tbl, id) "
        "SELECT w.tbl, count(*), count(*) FILTER (WHERE per.all_named), "
        "count(*) FILTER (WHERE per.all_ok AND NOT per.all_named), count(*) FILTER (WHERE NOT per.all_ok), "
        "count(*) FILTER (WHERE per.id IS NULL) FROM _gr_rows w LEFT JOIN per ON per.id = w.id "
        "WHERE w.tbl NOT IN ('entities', 'locations') GROUP BY w.tbl"
    )
    for tbl, n, named, resolved, missing, none in rows:
        tables[tbl] = {"rows": n, "all_named": named, "with_resolution": resolved, "unidentified": missing, "no_party": none}
    for name in ("entities", "locations"):
        if not pkg.usable(name) or pkg.tables[name].table.field("name_descriptive") is None:
            continue
        ((n, descriptive, named, resolved),) = pkg.sql(
            f"SELECT count(*), count(*) FILTER (WHERE lower(t.name_descriptive) = 'true'), "
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM _gr_cit c JOIN _gr_words n ON n.id = c.record_id "
            f"WHERE n.tbl = '{name}' AND n._line = t._line AND n.kind = 'name' AND contains(c.q, n.tok))), "
            f"count(*) FILTER (WHERE EXISTS (SELECT 1 FROM _gr_refs r WHERE r.record_id = t.id AND r.target = t.id AND r.found)) "
            f'FROM "{name}" t'
        )
        tables[name] = {"rows": n, "name_quoted": named, "name_descriptive": descriptive, "with_resolution": resolved}
    order = list(pkg.model.cited_tables().values())
    cues: dict[str, dict[str, object]] = {}
    for name, column in pkg.model.cued_columns():
        if not pkg.usable(name):
            continue
        listed = pkg.model.cues(name, column)
        key = f"_gr_cuestat_{name}"
        pkg.register_rows(
            key,
            [("term", "VARCHAR"), ("cue", "VARCHAR"), ("tok", "VARCHAR")],
            [(t, c, " " + words(c).strip()) for t, lst in sorted(listed.items()) for c in lst if words(c).strip()],
        )
        col = quote_sql_ident(column)
        hits = pkg.sql(
            f'SELECT t.{col}, k.cue, count(DISTINCT t.id) FROM "{name}" t JOIN _gr_cit c ON c.record_id = t.id '
            f'JOIN "{key}" k ON k.term = t.{col} WHERE contains(c.q, k.tok) GROUP BY 1, 2'
        )
        counts = pkg.sql(
            f'SELECT t.{col}, count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM _gr_cit c JOIN "{key}" k '
            f'ON k.term = t.{col} WHERE c.record_id = t.id AND contains(c.q, k.tok))) FROM "{name}" t '
            f"WHERE t.{col} IS NOT NULL GROUP BY 1"
        )
        by_term: dict[str, object] = {}
        for term, n, cued in sorted(counts, key=lambda r: (-r[1], r[0])):
            used = {cue: k for t, cue, k in hits if t == term}
            by_term[term] = {"rows": n, "with_cue": cued, "cues": dict(sorted(used.items(), key=lambda kv: (-kv[1], kv[0])))}
        for term in sorted(set(listed) - set(by_term)):
            by_term[term] = {"rows": 0, "with_cue": 0, "cues": {}}
        cues[f"{name}.{column}"] = by_term
    return {"tables": {t: tables[t] for t in order if t in tables}, "cues": cues}
