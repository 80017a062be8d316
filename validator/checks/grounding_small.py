"""The grounding checks' work on small tables, in plain Python.

On a package of a few hundred rows each DuckDB statement of the grounding checks costs more
than its rows (a few milliseconds of planning and hash tables for joins of a few hundred rows),
so where every table involved was read in plain Python (``Package.python_rows``) and is small,
the shared tables and every grounding check's rows are computed here by passes over the rows;
the shared tables become tables of the database only for ``tda stats``. Each function gives
exactly what the SQL statements it stands for give; ``tests/test_grounding_small.py`` runs
every check both ways on the failing cases and corrupted packages and compares the reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..reading.smallwords import word_forms_small

if TYPE_CHECKING:
    from ..reading.package import Package

# Up to this many rows in each table involved (and every one of them read in Python) the work is
# done here; above, in SQL. A test sets it to -1 to compare the two ways.
PYTHON_ROWS = 5_000


def held(pkg: Package, names: list[str]) -> bool:
    """True when every usable table of ``names`` is held in Python and has at most PYTHON_ROWS rows."""
    for name in names:
        if not pkg.usable(name):
            continue
        rows = pkg.python_rows(name)
        if rows is None or len(rows) > PYTHON_ROWS:
            return False
    return True


def _field_or_none(pkg: Package, name: str, field: str) -> list[Any]:
    """One column of a table held in Python, None for every row when the table has no such field."""
    if pkg.tables[name].table.field(field) is None:
        return [None] * len(pkg.python_rows(name) or [])
    return [r[1] for r in pkg.column_rows(name, [field])]


def _columns(spec: str) -> list[tuple[str, str]]:
    """Columns for register_rows from "name name:TYPE ...", VARCHAR where no type is given."""
    return [(c.partition(":")[0], c.partition(":")[2] or "VARCHAR") for c in spec.split()]


def shared_tables(pkg: Package) -> None:
    """The rows of _gr_cit, _gr_words, _gr_names and _gr_refs (as ``grounding._ready`` describes
    them), kept in ``pkg.cache['gr_small']`` for the checks that run here; they become tables of
    the database only when ``register`` is called (tda stats queries them; the checks do not)."""
    cit = pkg.column_rows("citations", ["id", "record_id", "quote"])
    refers = _field_or_none(pkg, "citations", "refers")
    notes = _field_or_none(pkg, "citations", "note")
    kept = [(r, ref, note) for r, ref, note in zip(cit, refers, notes, strict=True) if r[2] is not None and r[3] is not None]
    qs = [q or "" for q in word_forms_small(pkg.db, [r[3] for r, _, _ in kept])]  # no quote is None here
    cit_rows = [(r[1], r[0], r[2], q, ref, note) for (r, ref, note), q in zip(kept, qs, strict=True)]
    named: list[tuple[str, int, Any, str, str]] = []  # (tbl, _line, id, kind, value)
    for name in ("entities", "locations"):
        if not pkg.usable(name):
            continue
        for line, rid, value in pkg.column_rows(name, ["id", "name"]):
            if value is not None:
                named.append((name, line, rid, "name", value))
        if name == "entities":
            for line, rid, aliases in pkg.column_rows(name, ["id", "aliases"]):
                if aliases is not None:
                    named += [(name, line, rid, "alias", a) for a in aliases.split("|")]
    toks = word_forms_small(pkg.db, [n[4] for n in named])
    word_rows = [(*n, tok) for n, tok in zip(named, toks, strict=True)]
    pairs = [(cid, rid, q, pair) for cid, _, rid, q, ref, _ in cit_rows if ref is not None for pair in ref.split("|")]
    # split_part(pair, '=', n): the n-th piece, '' past the last; trim: spaces only
    heads = [p.split("=")[0] for _, _, _, p in pairs]
    head_forms = [f or "" for f in word_forms_small(pkg.db, heads)]  # no head is None
    refs = [
        (cid, rid, pair, head.strip(" "), (pair.split("=") + [""])[1].strip(" "), form in q)
        for (cid, rid, q, pair), head, form in zip(pairs, heads, head_forms, strict=True)
    ]
    pkg.cache["gr_small"] = {
        "cit": cit_rows,
        "words": word_rows,
        "refs": refs,
        "tables": [
            ("_gr_cit", "id _line:BIGINT record_id q refers note", cit_rows),
            ("_gr_words", "tbl _line:BIGINT id kind value tok", word_rows),
            ("_gr_names", "id tok", [(w[2], w[5]) for w in word_rows if w[5] != "  "]),
            ("_gr_refs", "cid record_id pair words target found:BOOLEAN", refs),
        ],
    }


def register(pkg: Package) -> None:
    """Make the tables and views the SQL statements of ``grounding_counts`` read (once)."""
    small = pkg.cache["gr_small"]
    for name, spec, rows in small.pop("tables", []):
        pkg.register_rows(name, _columns(spec), rows)
    for view in small.pop("views", []):
        pkg.db.execute(view)


def copies(pkg: Package, names: list[str], run: int) -> dict[str, list[tuple[Any, ...]]]:
    """``descriptions_own_words``'s query in Python: per table of ``names``, the rows (line, id, words, first words of
    the shared runs, from 1) whose description shares a run of ``run`` words with a quote of its
    row that has more than ``run`` spaces, by line."""
    long: dict[str, list[str]] = {}
    for _, _, rid, q, _, _ in pkg.cache["gr_small"]["cit"]:
        if q.count(" ") > run:
            long.setdefault(rid, []).append(q)
    found: dict[str, list[tuple[Any, ...]]] = {}
    for name in names:
        rows = [(line, rid, d) for line, rid, d in pkg.column_rows(name, ["id", "description"]) if d is not None and rid in long]
        forms = word_forms_small(pkg.db, [d for _, _, d in rows])
        for (line, rid, _), tok in zip(rows, forms, strict=True):
            assert tok is not None
            w = tok.strip(" ").split(" ")
            quotes = long[rid]
            starts = [
                i for i in range(1, len(w) - run + 2) if any(" " + " ".join(w[i - 1 : i - 1 + run]) + " " in q for q in quotes)
            ]
            if starts:
                found.setdefault(name, []).append((line, rid, w, starts))
    return found


def same_facts(pkg: Package, name: str, key: list[str]) -> list[tuple[int, str, str, int]]:
    """``facts_once``'s query in Python for one table: (line, id, the first row's id and line) of every
    row with an id whose key (``key``'s cells; for an event also the sorted list of its actors)
    an earlier row of the table has, by line. Empty cells are equal keys, as in SQL's PARTITION BY."""
    actors: dict[str, list[Any]] | None = None
    if name == "events" and pkg.usable("event_actors"):
        actors = {}
        for _, event, entity in pkg.column_rows("event_actors", ["event_id", "entity_id"]):
            actors.setdefault(event, []).append(entity)
    first: dict[tuple[Any, ...], tuple[str, int]] = {}
    out = []
    for line, rid, *cells in pkg.column_rows(name, ["id", *key]):
        if rid is None:
            continue
        k: tuple[Any, ...] = tuple(cells)
        if actors is not None:
            ids = actors.get(rid)  # list_sort puts NULL last
            k += (tuple(sorted(ids, key=lambda e: (e is None, e or ""))) if ids else None,)
        if k in first:
            out.append((line, rid, *first[k]))
        else:
            first[k] = (rid, line)
    return out


def _quotes(pkg: Package) -> dict[str, list[str]]:
    """record id -> the word forms of its quotes."""
    if "by_record" not in pkg.cache["gr_small"]:
        by: dict[str, list[str]] = {}
        for _, _, rid, q, _, _ in pkg.cache["gr_small"]["cit"]:
            by.setdefault(rid, []).append(q)
        pkg.cache["gr_small"]["by_record"] = by
    return pkg.cache["gr_small"]["by_record"]


def names_unattested(pkg: Package, name: str) -> list[tuple[int, str, str]]:
    """``names_attested``'s query in Python for one table: (line, id, name) of the cited rows, not marked
    name_descriptive, whose name no quote of the row holds, by line."""
    quotes = _quotes(pkg)
    descriptive: set[int] = set()
    if pkg.tables[name].table.field("name_descriptive") is not None:
        # lower() of DuckDB and of Python agree on every text that lower-cases to 'true'
        descriptive = {line for line, flag in pkg.column_rows(name, ["name_descriptive"]) if (flag or "").lower() == "true"}
    out = []
    for tbl, line, rid, kind, value, tok in pkg.cache["gr_small"]["words"]:
        if tbl != name or kind != "name" or line in descriptive or rid not in quotes:
            continue
        if not any(tok in q for q in quotes[rid]):
            out.append((line, rid, value))
    return sorted(out, key=lambda r: r[0])


def aliases_unattested(pkg: Package) -> list[tuple[int, str, str]]:
    """``aliases_attested``'s query in Python: (line, id, alias) of every non-empty alias of a cited entity that
    no quote of the entity holds, by line and alias."""
    quotes = _quotes(pkg)
    out = [
        (line, rid, value)
        for tbl, line, rid, kind, value, tok in pkg.cache["gr_small"]["words"]
        if tbl == "entities" and kind == "alias" and value != "" and rid in quotes and not any(tok in q for q in quotes[rid])
    ]
    return sorted(out, key=lambda r: (r[0], r[2]))


def cues_missing(pkg: Package, name: str, column: str, cues: list[tuple[str, str]]) -> list[tuple[int, str, str, bool]]:
    """``cues_present``'s query in Python for one column: (line, id, term, whether the term has cues) of the
    cited rows with a term whose id no row of that id with a cue of its term in its quotes has, by line."""
    quotes = _quotes(pkg)
    by_term: dict[str, list[str]] = {}
    for term, cue in cues:
        by_term.setdefault(term, []).append(cue)
    rows = pkg.column_rows(name, ["id", column])
    hit = {
        rid
        for _, rid, term in rows
        if rid in quotes and term in by_term and any(cue in q for q in quotes[rid] for cue in by_term[term])
    }
    return [
        (line, rid, term, term in by_term)
        for line, rid, term in rows
        if term is not None and rid is not None and rid in quotes and rid not in hit
    ]


def _parties(pkg: Package) -> list[tuple[str, int, str, str, str]]:
    """_gr_parties's rows: (table, line, id, field, party) for every reference of a cited row
    (not an entity or a location) to an entity or a place."""
    out = []
    for name in pkg.model.cited_tables().values():
        if name in ("entities", "locations") or not pkg.usable(name):
            continue
        for fk in pkg.tables[name].table.foreign_keys:
            if fk.resource in ("entities", "locations"):
                out += [
                    (name, line, rid, fk.field, party)
                    for line, rid, party in pkg.column_rows(name, ["id", fk.field])
                    if party is not None and rid is not None
                ]
    return out


def date_bounds(pkg: Package, reqs: list[tuple[Any, ...]]) -> None:
    """_gr_bounds and _gr_dates (as ``grounding._dates_ready`` describes them) from the rows held
    in Python: every bound of a cited row's date cell with what attests it (``reqs``: value,
    side, approximate, year, months, days), and the bounds that no quote of the row attests, with
    whether a citation's note derives the year."""
    by_value: dict[str, list[tuple[Any, ...]]] = {}
    for value, *req in reqs:
        by_value.setdefault(value, []).append(tuple(req))
    bounds = []  # (tbl, line, id, field, value, side, approx, year, months, days)
    for name in pkg.model.cited_tables().values():
        if not pkg.usable(name):
            continue
        for f in pkg.tables[name].table.fields:
            if f.kind == "edtf":
                for line, rid, value in pkg.column_rows(name, ["id", f.name]):
                    if value is not None and rid is not None:
                        bounds += [(name, line, rid, f.name, value, *req) for req in by_value.get(value, [])]
    cits: dict[str, list[tuple[str, Any]]] = {}
    for _, _, rid, q, _, note in pkg.cache["gr_small"]["cit"]:
        cits.setdefault(rid, []).append((q, note))
    # a note starts 'derived:' as lower(ltrim(note)) LIKE 'derived:%' decides: DuckDB lower-cases
    # İ to i (Python to two characters); no other character lower-cases to a letter of 'derived'
    notes = sorted({n for rows in cits.values() for _, n in rows if n is not None})
    derives = {n: f for n, f in zip(notes, word_forms_small(pkg.db, notes), strict=True) if _derived(n)}
    dates = []
    for tbl, line, rid, field, value, side, approx, year, months, days in bounds:
        if rid not in cits:
            continue
        attested = any(
            year in q and (months is None or any(m in q for m in months)) and (days is None or any(d in q for d in days))
            for q, _ in cits[rid]
        )
        if not attested:
            derived = any(n is not None and n in derives and year in (derives[n] or "") for _, n in cits[rid])
            dates.append((tbl, line, field, side, rid, value, approx, year, months, days, derived))
    dates.sort(key=lambda d: (d[0], d[1], d[2], d[3]))
    pkg.cache["gr_small"]["bounds"] = bounds
    pkg.cache["gr_small"]["dates"] = dates


def _derived(note: str) -> bool:
    return note.lstrip(" ")[:8].replace("\u0130", "I").lower() == "derived:"


def unattested_dates(pkg: Package, approx: bool) -> list[tuple[Any, ...]]:
    """``dates_attested``'s rows (``approx`` false: tbl, line, id, field, value, side, year, months, days) or
    ``derived_dates_explained``'s (true, and not derived: tbl, line, id, field, value, side, year), in their order."""
    rows = pkg.cache["gr_small"]["dates"]
    if not approx:
        return [(t, ln, rid, f, v, s, y, m, d) for t, ln, f, s, rid, v, a, y, m, d, _ in rows if not a]
    return [(t, ln, rid, f, v, s, y) for t, ln, f, s, rid, v, a, y, _, _, der in rows if a and not der]


def marks(pkg: Package) -> None:
    """What ``grounding._marks_ready`` registers, in Python: what identifies each row (its
    parties, itself, an event's actors, an event actor's event place), the citations whose quote
    names one of these, and the years of its dates; and the rows of _gr_hits, for ``tda stats``."""
    small = pkg.cache["gr_small"]
    parties = _parties(pkg)
    ident: set[tuple[Any, Any]] = {(rid, party) for _, _, rid, _, party in parties}
    known: set[str] = set()
    for name in ("entities", "locations"):
        if pkg.usable(name):
            ids = {rid for _, rid in pkg.column_rows(name, ["id"]) if rid is not None}
            known |= ids
            ident |= {(rid, rid) for rid in ids}
    actors: list[tuple[Any, Any, Any]] = []  # (event actor id, event id, entity id)
    if pkg.usable("event_actors") and pkg.usable("events"):
        actors = [(a, e, n) for _, a, e, n in pkg.column_rows("event_actors", ["id", "event_id", "entity_id"])]
        ident |= {(event, entity) for _, event, entity in actors if entity is not None}
        places: dict[str, list[str]] = {}
        for _, eid, place in pkg.column_rows("events", ["id", "location_id"]):
            if place is not None and eid is not None:
                places.setdefault(eid, []).append(place)
        ident |= {(a, p) for a, event, _ in actors if event is not None for p in places.get(event, [])}
    names: dict[str, list[str]] = {}
    for _, _, rid, _, _, tok in small["words"]:
        if tok != "  " and rid is not None:
            names.setdefault(rid, []).append(tok)
    by_party: dict[Any, list[Any]] = {}
    for rid, party in ident:
        by_party.setdefault(rid, []).append(party)
    hits = []  # (citation line, id, party): the SQL's rows but for repeats, which no reader counts
    for _, cline, rid, q, _, _ in small["cit"]:
        hits += [(cline, rid, party) for party in by_party.get(rid, []) if any(tok in q for tok in names.get(party, []))]
    small.setdefault("tables", []).append(("_gr_hits", "cline:BIGINT id party", hits))
    years: dict[str, set[str]] = {}
    cited = {rid for _, _, rid, _, _, _ in small["cit"]}
    actors_of: dict[Any, list[str]] = {}
    for a, event, _ in actors:
        if a is not None:
            actors_of.setdefault(event, []).append(a)
    for _, _, rid, _, _, _, _, year, _, _ in small.get("bounds", []):
        years.setdefault(rid, set()).add(year)
        if rid in cited:
            for a in actors_of.get(rid, []):
                years.setdefault(a, set()).add(year)
    small["marks"] = {
        "known": known,
        "ident": ident,
        "dangling": {rid for _, _, rid, _, party in parties if party not in known},
        "rows": {
            rid for name in pkg.model.cited_tables().values() if pkg.usable(name) for _, rid in pkg.column_rows(name, ["id"])
        },
        "parties": parties,
        "hit_pairs": {(rid, party) for _, rid, party in hits},
        "hit_lines": {cline for cline, _, _ in hits},
        "years": years,
    }


def parties_unidentified(pkg: Package) -> list[tuple[str, int, str, str, str]]:
    """``parties_identified``'s rows: (table, line, id, field, party) of each known party of a cited row that no
    quote of the row names and no resolution of it identifies, by table, line and field."""
    small = pkg.cache["gr_small"]
    m = small["marks"]
    quotes = _quotes(pkg)
    resolved = {(rid, target) for _, rid, _, _, target, found in _refs(pkg) if found}
    out = [
        p
        for p in m["parties"]
        if p[2] in quotes and p[4] in m["known"] and (p[2], p[4]) not in m["hit_pairs"] and (p[2], p[4]) not in resolved
    ]
    return sorted(out, key=lambda p: (p[0], p[1], p[3]))


def _refs(pkg: Package) -> list[tuple[Any, ...]]:
    return pkg.cache["gr_small"]["refs"]


def resolutions_invalid(pkg: Package) -> list[tuple[int, Any, str, str, str, bool, bool]]:
    """``resolutions_valid``'s rows: (citation line, citation id, pair, words, target, found, whether the target
    identifies the row) of each resolution of a cited row (not one referring to an unknown id)
    whose words its quote lacks or whose target is not a party of the row, by line and pair."""
    m = pkg.cache["gr_small"]["marks"]
    lines: dict[str, list[int]] = {}
    for cid, line, _, _, _, _ in pkg.cache["gr_small"]["cit"]:
        if cid is not None:
            lines.setdefault(cid, []).append(line)
    out = []
    for cid, rid, pair, words, target, found in _refs(pkg):
        party = (rid, target) in m["ident"]
        if (found and party) or rid not in m["rows"] or rid in m["dangling"]:
            continue
        out += [(line, cid, pair, words, target, found, party) for line in lines.get(cid, [])]
    return sorted(out, key=lambda r: (r[0], r[2]))


def citations_off_row(pkg: Package) -> list[tuple[int, Any, str]]:
    """``citations_on_row``'s rows: (line, id, record id) of each citation of a row (not one referring to an
    unknown id) whose quote names none of the row's parties or years and that resolves none, by line."""
    small = pkg.cache["gr_small"]
    m = small["marks"]
    resolving = {cid for cid, rid, _, _, target, found in _refs(pkg) if found and cid is not None and (rid, target) in m["ident"]}
    out = []
    for cid, line, rid, q, _, _ in small["cit"]:
        if rid not in m["rows"] or rid in m["dangling"] or line in m["hit_lines"] or cid in resolving:
            continue
        if any(y in q for y in m["years"].get(rid, ())):
            continue
        out.append((line, cid, rid))
    return sorted(out)
