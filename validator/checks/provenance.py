"""PV: every fact is cited, every quote is in its source, every source is the file it claims to be."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..problems import Problem
from ..reading.package import release_memory
from ..reading.queries import record_gaps, source_files, source_paths
from ..reading.quotes import missing
from ..reading.textnorm import normalize
from .common import at_cell, short
from .registry import Work, check, found, reads

if TYPE_CHECKING:
    from ..reading.package import Package

# Words by which a source hedges a claim (the hedging rule of docs/data-dictionary.md, and their close kin).
HEDGES = (
    "allegedly",
    "alleged",
    "suspected",
    "presumed",
    "presumably",
    "reportedly",
    "according to",
    "believed",
    "accused",
    "purportedly",
    "apparently",
    "seemingly",
    "indications",
)
_HEDGE_RE = r"\b(" + "|".join(h.replace(" ", r"\s+") for h in HEDGES) + r")\b"
# The closest-passage hint of PV402 is searched for the first failing quotes only (the report
# shows 20 of a kind by default), and only where len(quote) x len(text) stays under the budget.
HINTS_SEARCHED = 20
HINT_BUDGET = 20_000_000


def _quote_columns(pkg: Package) -> tuple[Any, Any]:
    """The quote and source_id columns: pyarrow arrays for a big table, lists for a small one."""
    csv = pkg.tables["citations"].csv
    if csv is None or csv.arrow is None:
        return pkg.column("citations", "quote"), pkg.column("citations", "source_id")
    citations = pkg.arrow("citations")
    return citations.column("quote"), citations.column("source_id")


def missing_quotes(pkg: Package) -> list[int]:
    """Row indices of the citations whose quote is not in its source (after normalisation)."""
    return _quote_work(pkg)()


class _NormalisedTexts(Mapping[str, str]):
    """source id -> normalised text, for every source whose file is readable UTF-8, each file read
    and normalised when asked and kept by no one (the search asks for each once per round).

    The files are read here, on the search's thread, rather than taken from ``source_files``:
    that would hold every file's bytes (32 MB for 2,000 sources) from the start of the run, while
    the grounding checks reach the run's peak, when the checks that need the bytes come later.
    ``alike`` maps each source to the first one whose file has the same SHA-256, the digest by
    which the package itself tells that a source is byte for byte what was retrieved. Only files
    whose size another file shares are hashed: where every file differs (most packages) the
    digests would cost a pass over all the bytes for nothing."""

    def __init__(self, pkg: Package, paths: dict[str, str]) -> None:
        self._load = pkg.load_seed
        self._paths: dict[str, str] = {}
        self.alike: dict[str, str] = {}
        first: dict[bytes, str] = {}
        shared = _shared_sizes(pkg, paths.values())
        for sid, rel in paths.items():
            data = self._load(rel)
            if data is not None and _is_utf8(data):
                self._paths[sid] = rel
                self.alike[sid] = first.setdefault(hashlib.sha256(data).digest(), sid) if len(data) in shared else sid

    def __getitem__(self, sid: str) -> str:
        data = self._load(self._paths[sid])
        return normalize(data.decode("utf-8", "replace")) if data is not None else ""

    def __contains__(self, sid: object) -> bool:
        return sid in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _shared_sizes(pkg: Package, rels: Iterable[str]) -> set[int]:
    """The sizes on disk that two or more of the seed files ``rels`` have. A file whose size
    changes before it is read is then simply not grouped with another: the grouping compares
    the digests of the bytes read, so it never joins files that differ."""
    seen: set[int] = set()
    shared: set[int] = set()
    for rel in rels:  # two sources of one file share its size: searched as one text
        path, _ = pkg.seed_path(rel)
        try:
            size = path.stat().st_size if path is not None else -1
        except OSError:
            continue
        (shared if size in seen else seen).add(size)
    return shared


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _seed_paths(pkg: Package) -> dict[str, str]:
    """source id -> its path under seeds/, for the sources whose file ``source_files`` would read
    (the first row of an id, a path that stays inside seeds/)."""
    return {sid: rel for sid, (_, rel) in source_paths(pkg).items() if pkg.seed_path(rel)[0] is not None}


def _quote_work(pkg: Package) -> Callable[[], list[int]]:
    """The quote search as a closure over data read on this thread (the database is not shared)."""

    paths = _seed_paths(pkg)
    quotes, sources = _quote_columns(pkg)

    def work() -> list[int]:
        texts = _NormalisedTexts(pkg, paths)
        found = missing(quotes, sources, texts, texts.alike)
        # the search's arrays were freed on this worker thread, in its own heap arena, which the
        # main thread does not reuse: hand that memory back now rather than keep it to the end
        release_memory()
        return found

    return work


QUOTES = Work("quotes", missing_quotes, tables=("citations", "sources"), early=_quote_work)
HEDGED = Work("hedged", lambda pkg: hedged_citations(pkg), tables=("citations",))


@check("PV401", "uncited-row", reads=reads(follows=["citations"]))
def rows_cited(pkg: Package) -> Iterator[Problem]:
    """Every row of entities, locations, relations, presence, activities, events and event_actors has a citation.

    Fails: an entity that no ``citations.record_id`` names.
    """
    if not pkg.usable("citations"):
        return
    names = [name for name in pkg.model.cited_tables().values() if pkg.usable(name)]
    if not names:
        return
    gaps = record_gaps(pkg)  # every cited table readable: the join the check of citation targets shares
    if gaps is not None:
        rows = gaps[0]
    else:
        # the ids of every cited table in one join: DuckDB hashes them (fewer than the citations)
        # and probes with each record_id once, instead of a distinct list of record ids and a join per table
        ids = " UNION ALL ".join(f'SELECT {i} AS k, _line, id FROM "{name}" WHERE id IS NOT NULL' for i, name in enumerate(names))
        rows = pkg.sql(f"SELECT k, _line, id FROM ({ids}) t ANTI JOIN citations c ON c.record_id = t.id ORDER BY k, _line")
    for k, line, rid in rows:
        yield at_cell(
            pkg,
            names[k],
            line,
            "id",
            f"{rid} has no citation",
            record=rid,
            hint="add a row to data/citations.csv with record_id, source_id and a verbatim quote",
        )


@check("PV402", "quote-not-in-source", reads=reads("citations", "sources", follows=["references"]), work=QUOTES)
def quotes_in_source(pkg: Package) -> Iterator[Problem]:
    """A citation's quote occurs in its source text (after NFC, whitespace and quote-mark normalisation).

    Fails: a quote with a word changed; passes: the sentence copied from seeds/ exactly.
    """
    if not (pkg.usable("citations") and pkg.usable("sources")):
        return
    bad = QUOTES.result(pkg)
    if not bad:
        return
    files = source_files(pkg)
    lines, ids = pkg.column("citations", "_line"), pkg.column("citations", "id")
    quotes, sources = pkg.column("citations", "quote"), pkg.column("citations", "source_id")
    for n, i in enumerate(bad):
        sid, quote = sources[i], quotes[i]
        rel = files[sid][1]
        hint = f"copy the words from seeds/{rel} exactly"
        near = _closest_passage(pkg, sid, quote) if n < HINTS_SEARCHED else None
        if near:
            hint += f"; the closest passage reads: {near!r}"
        yield at_cell(
            pkg,
            "citations",
            lines[i],
            "quote",
            f"quote not found in {sid}: {short(quote, 80)}",
            record=ids[i],
            hint=hint,
        )


def _closest_passage(pkg: Package, sid: str, quote: str) -> str | None:
    """The passage of the source that shares the longest run of characters with ``quote``, if any.

    difflib costs about len(quote) x len(text) steps, so a long quote against a long text gets
    no passage rather than minutes of search (a 5,000-character quote took 8 minutes).
    """
    texts = pkg.cache.setdefault("normalized_sources", {})
    if sid not in texts:
        data = source_files(pkg)[sid][2]
        texts[sid] = normalize(data.decode("utf-8", "replace")) if data else ""
    text, q = texts[sid], normalize(quote)
    if not q or not text or len(q) * len(text) > HINT_BUDGET:
        return None
    match = difflib.SequenceMatcher(None, q, text, autojunk=False).find_longest_match(0, len(q), 0, len(text))
    if match.size < 12:
        return None
    start = max(0, match.b - match.a)
    return text[start : start + len(q)]


@check("PV403", "source-file-missing", reads=reads("sources"))
def source_files_present(pkg: Package) -> Iterator[Problem]:
    """Every source names a UTF-8 text file that exists under seeds/.

    Fails: ``path`` = ``missing.txt`` with no seeds/missing.txt.
    """
    for sid, (line, rel, data, reason) in source_files(pkg).items():
        if data is None:
            if reason and "outside" not in reason and "'..'" not in reason and "absolute" not in reason:
                yield at_cell(
                    pkg,
                    "sources",
                    line,
                    "path",
                    f"{sid}: seeds/{rel}: {reason}",
                    record=sid,
                    hint="store the document under seeds/ byte-identical to what was retrieved",
                )
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield at_cell(pkg, "sources", line, "path", f"{sid}: seeds/{rel} is not UTF-8 text (byte {exc.start})", record=sid)


@check("PV404", "checksum-mismatch", reads=reads("sources"))
def source_checksums(pkg: Package) -> Iterator[Problem]:
    """A source file's SHA-256 equals the sources.sha256 recorded for it.

    Fails: a seed file edited after it was recorded.
    """
    if not pkg.usable("sources"):
        return
    recorded = {sid: (line, sha) for line, sid, sha in pkg.column_rows("sources", ["id", "sha256"]) if sid is not None}
    for sid, (_, rel, data, _) in source_files(pkg).items():
        if data is None or sid not in recorded:
            continue
        line, sha = recorded[sid]
        actual = pkg.sha256(data)
        if sha and sha != actual:
            yield at_cell(
                pkg,
                "sources",
                line,
                "sha256",
                f"{sid}: seeds/{rel} has SHA-256 {actual}, not the recorded one",
                record=sid,
                hint="a source document must stay byte-identical; if it truly changed, "
                "record it as a new source (and re-check every quote)",
            )


@check("PV405", "hedged-but-reported", reads=reads(follows=["citations"]), work=HEDGED)
def hedging_kept(pkg: Package) -> Iterator[Problem]:
    """A row marked 'reported' is not supported by a quote that hedges ('allegedly', 'suspected', 'according to' ...).

    Fails: claim_status ``reported`` with the quote "he allegedly ran a network"; passes: ``alleged``,
    or a citation with ``hedge_elsewhere`` = ``true`` when the hedge governs another clause of the
    quote, not the row's claim.
    """

    if not pkg.usable("citations"):
        return
    tables = [
        n for n in pkg.model.cited_tables().values() if pkg.usable(n) and pkg.tables[n].table.field("claim_status") is not None
    ]
    if not tables:
        return
    # one query over every table with a claim status (a query per table cost more than its rows)
    reported = " UNION ALL ".join(
        f"SELECT {k} AS k, _line, id FROM \"{name}\" WHERE claim_status = 'reported'" for k, name in enumerate(tables)
    )
    elsewhere = pkg.tables["citations"].table.field("hedge_elsewhere") is not None
    rows = _hedged_reported_sql(pkg, reported, elsewhere) if _hedges_in_sql(pkg) else _hedged_reported(pkg, reported, elsewhere)
    for k, line, rid, cid, word in rows:
        name = tables[k]
        yield at_cell(
            pkg,
            name,
            line,
            "claim_status",
            f"{rid} is 'reported' but its quote in {cid} hedges ({word!r})",
            record=rid,
            hint="use the status the source's wording gives: alleged, suspected, attributed ...; "
            "if the hedge governs another clause of the quote, set hedge_elsewhere = true on the citation",
        )


def _hedges_in_sql(pkg: Package) -> bool:
    """Whether PV405 finds the hedged quotes in the same statement as the rows they cite: when the
    citations are only in the database (read by pyarrow) and no helper process computes HEDGED.
    The rows a package held in Python gives, or a helper's result, take the way of HEDGED instead."""
    return pkg.python_rows("citations") is None and not pkg.computing(HEDGED.key)


def _hedged_reported(pkg: Package, reported: str, elsewhere: bool) -> list[tuple]:
    """PV405's rows (table number, line, row id, citation id, hedge word) from HEDGED's list."""
    hedged = HEDGED.result(pkg)
    if not hedged:
        return []
    pkg.register_rows("_hedged", [("id", "VARCHAR"), ("record_id", "VARCHAR"), ("word", "VARCHAR")], list(hedged))
    if elsewhere:
        pkg.db.execute("DELETE FROM _hedged WHERE id IN (SELECT id FROM citations WHERE lower(hedge_elsewhere) = 'true')")
    return pkg.sql(
        f"SELECT t.k, t._line, t.id, h.id, h.word FROM ({reported}) t JOIN _hedged h ON h.record_id = t.id "
        "ORDER BY t.k, t._line, h.id"
    )


def _hedged_reported_sql(pkg: Package, reported: str, elsewhere: bool) -> list[tuple]:
    """The rows of ``_hedged_reported`` in one statement, nothing of them passed through Python.

    The hedge expression depends on the quote alone, so it runs once per distinct quote of the
    citations of reported rows (the list aggregate keeps DuckDB from pushing it below the
    DISTINCT, back onto every row). Where a package repeats its quotes that is a few hundred
    expressions instead of hundreds of thousands; where they are all different it costs a hash
    of each quote more. An anti join drops the citations whose id marks the hedge as governing
    another clause, as the DELETE by id does on the other way. The pre-check of hedge words
    comes first: where no quote could hedge (the generated 1,000,000 rows), the statement would
    hash every distinct quote for nothing."""
    if not _may_hedge(pkg):
        return []
    drop = "ANTI JOIN (SELECT id FROM citations WHERE lower(hedge_elsewhere) = 'true') e ON e.id = c.id " if elsewhere else ""
    return pkg.sql(
        f"WITH t AS ({reported}), "
        "q AS (SELECT unnest(list(DISTINCT c.quote)) AS quote FROM citations c SEMI JOIN t ON c.record_id = t.id), "
        "h AS (SELECT quote, regexp_extract(lower(quote), $1, 1) AS word FROM q WHERE regexp_matches(lower(quote), $1)) "
        "SELECT t.k, t._line, t.id, c.id, h.word FROM t JOIN citations c ON c.record_id = t.id JOIN h ON c.quote = h.quote "
        f"{drop}ORDER BY t.k, t._line, c.id",
        [_HEDGE_RE],
    )


def hedged_citations(pkg: Package) -> list[tuple[str, str, str]]:
    """(citation id, record id, hedge word) of every citation whose quote hedges."""
    if not pkg.usable("citations") or not _may_hedge(pkg):
        return []
    return [
        tuple(r)
        for r in pkg.sql(
            "SELECT id, record_id, regexp_extract(lower(quote), ?, 1) FROM citations "
            "WHERE record_id IS NOT NULL AND regexp_matches(lower(quote), ?) ORDER BY id",
            [_HEDGE_RE, _HEDGE_RE],
        )
    ]


def _may_hedge(pkg: Package) -> bool:
    """Whether any hedge word's first word occurs in any quote, case ignored: one pass of RE2
    over the quote column (1,000,000 rows: 0.14 s, where folding the case in numpy and searching
    the bytes once per word took 0.74 s) that lets a package without hedged quotes skip the
    per-quote expression. It may say yes too often, never no too often."""
    firsts = sorted({word.split()[0] for word in HEDGES})
    csv = pkg.tables["citations"].csv
    if csv is None or csv.arrow is None:
        text = "\n".join(q for q in pkg.column("citations", "quote") if q).lower()
        return any(word in text for word in firsts)
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    quotes = pkg.arrow("citations").column("quote")
    pattern = "|".join(re.escape(word) for word in firsts)
    return bool(pc.any(pc.match_substring_regex(quotes, pattern, ignore_case=True)).as_py())


@check("PV406", "seed-unlisted", severity="warning", reads=reads("sources", whole=True))
def seeds_listed(pkg: Package) -> Iterator[Problem]:
    """Every document under seeds/ (but its README) is a row of sources."""
    seeds = pkg.root / "seeds"
    if not seeds.is_dir() or not pkg.seeds_inside() or not pkg.usable("sources"):
        return  # a seeds/ that links out of the package is the path check's, and is never listed
    listed = {rel for _, rel, _, _ in source_files(pkg).values()}
    for path in sorted(seeds.rglob("*")):
        if path.is_file() and path.name.lower() not in ("readme.md", ".gitattributes"):
            rel = path.relative_to(seeds).as_posix()
            if rel not in listed:
                yield found(
                    f"seeds/{rel} is not listed in data/sources.csv",
                    path=f"seeds/{rel}",
                    line=None,
                    hint="add a sources row for it, or remove the file",
                )
