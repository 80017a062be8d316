"""PV: every fact is cited, every quote is in its source, every source is the file it claims to be."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import limits
from ..paths import not_a_file
from ..problems import Problem
from ..registry import check, found
from ..textnorm import normalize, sql_normalize
from .common import at_cell, short

if TYPE_CHECKING:
    from ..package import Package

# Words by which a source hedges a claim (rule 10 of DATA-MODEL.md, and their close kin).
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


def source_files(pkg: Package) -> dict[str, tuple[int, str, bytes | None, str | None]]:
    """source id -> (line, path, bytes or None, why it could not be read)."""
    cached = pkg.cache.get("source_files")
    if cached is not None:
        return cached
    out: dict[str, tuple[int, str, bytes | None, str | None]] = {}
    if pkg.usable("sources"):
        for line, sid, rel in pkg.sql(
            "SELECT _line, id, path FROM sources WHERE id IS NOT NULL AND path IS NOT NULL ORDER BY _line"
        ):
            target, reason = pkg.seed_path(rel)
            if target is None:
                out.setdefault(sid, (line, rel, None, reason))
                continue
            data = pkg.seed_bytes(rel)
            if data is not None:
                reason = None
            elif target.is_file():
                reason = (
                    f"the file is larger than the limit of {limits.MAX_SOURCE_BYTES:,} bytes (docs/limits.md), or cannot be read"
                )
            else:
                why = not_a_file(target)
                reason = "the file does not exist under seeds/" if why == "does not exist" else why
            out.setdefault(sid, (line, rel, data, reason))
    pkg.cache["source_files"] = out
    return out


def _ensure_source_table(pkg: Package) -> bool:
    """Register the normalised text of every readable source as the table _source_text."""
    if pkg.cache.get("source_table"):
        return True
    import pyarrow as pa

    ids, texts = [], []
    for sid, (_, _, data, _) in source_files(pkg).items():
        if data is None:
            continue
        try:
            texts.append(data.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        ids.append(sid)
    raw = pa.table({"source_id": pa.array(ids, pa.string()), "raw": pa.array(texts, pa.string())})
    pkg.db.register("_source_raw", raw)
    pkg.db.execute(f"CREATE TEMP TABLE _source_text AS SELECT source_id, {sql_normalize('raw')} AS text FROM _source_raw")
    pkg.cache["source_table"] = True
    return True


@check("PV401", "uncited-row")
def rows_cited(pkg: Package) -> Iterator[Problem]:
    """Every row of entities, locations, relations, presence, activities, events and event_actors has a citation.

    Fails: an entity that no ``citations.record_id`` names.
    """
    if not pkg.usable("citations"):
        return
    for name in pkg.model.cited_tables().values():
        if not pkg.usable(name):
            continue
        rows = pkg.sql(
            f'SELECT _line, id FROM "{name}" t WHERE id IS NOT NULL AND NOT EXISTS '
            f"(SELECT 1 FROM citations c WHERE c.record_id = t.id) ORDER BY _line"
        )
        for line, rid in rows:
            yield at_cell(
                pkg,
                name,
                line,
                "id",
                f"{rid} has no citation",
                record=rid,
                hint="add a row to data/citations.csv with record_id, source_id and a verbatim quote",
            )


@check("PV402", "quote-not-in-source")
def quotes_in_source(pkg: Package) -> Iterator[Problem]:
    """A citation's quote occurs in its source text (after NFC, whitespace and quote-mark normalisation).

    Fails: a quote with a word changed; passes: the sentence copied from seeds/ exactly.
    """
    if not (pkg.usable("citations") and pkg.usable("sources")):
        return
    _ensure_source_table(pkg)
    rows = pkg.sql(
        f"SELECT c._line, c.id, c.source_id, c.quote FROM citations c JOIN _source_text s ON c.source_id = s.source_id "
        f"WHERE c.quote IS NOT NULL AND NOT contains(s.text, {sql_normalize('c.quote')}) ORDER BY c._line"
    )
    files = source_files(pkg)
    for n, (line, cid, sid, quote) in enumerate(rows):
        rel = files[sid][1]
        hint = f"copy the words from seeds/{rel} exactly"
        near = _closest_passage(pkg, sid, quote) if n < HINTS_SEARCHED else None
        if near:
            hint += f"; the closest passage reads: {near!r}"
        yield at_cell(pkg, "citations", line, "quote", f"quote not found in {sid}: {short(quote, 80)}", record=cid, hint=hint)


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


@check("PV403", "source-file-missing")
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


@check("PV404", "checksum-mismatch")
def source_checksums(pkg: Package) -> Iterator[Problem]:
    """A source file's SHA-256 equals the sources.sha256 recorded for it.

    Fails: a seed file edited after it was recorded.
    """
    if not pkg.usable("sources"):
        return
    recorded = {sid: (line, sha) for line, sid, sha in pkg.sql("SELECT _line, id, sha256 FROM sources WHERE id IS NOT NULL")}
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


@check("PV405", "hedged-but-reported", severity="warning")
def hedging_kept(pkg: Package) -> Iterator[Problem]:
    """A row marked 'reported' is not supported by a quote that hedges ('allegedly', 'suspected', 'according to' ...).

    Warns: claim_status ``reported`` with the quote "he allegedly ran a network"; passes: ``alleged``.
    """
    if not pkg.usable("citations"):
        return
    for name in pkg.model.cited_tables().values():
        if not pkg.usable(name) or pkg.tables[name].table.field("claim_status") is None:
            continue
        rows = pkg.sql(
            f'SELECT t._line, t.id, c.id, regexp_extract(lower(c.quote), ?, 1) FROM "{name}" t JOIN citations c ON c.record_id = t.id '
            f"WHERE t.claim_status = 'reported' AND regexp_matches(lower(c.quote), ?) ORDER BY t._line, c.id",
            [_HEDGE_RE, _HEDGE_RE],
        )
        for line, rid, cid, word in rows:
            yield at_cell(
                pkg,
                name,
                line,
                "claim_status",
                f"{rid} is 'reported' but its quote in {cid} hedges ({word!r})",
                record=rid,
                hint="use the status the source's wording gives: alleged, suspected, attributed ...",
            )


@check("PV406", "seed-unlisted", severity="warning")
def seeds_listed(pkg: Package) -> Iterator[Problem]:
    """Every document under seeds/ (but its README) is a row of sources."""
    seeds = pkg.root / "seeds"
    if not seeds.is_dir() or not pkg.seeds_inside() or not pkg.usable("sources"):
        return  # a seeds/ that links out of the package is DP103's, and is never listed
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
