"""What a package holds: rows per table, per vocabulary term and per claim_status, citations per row.

``package_stats(path)`` returns a ``Stats`` structure; ``render_text`` turns it into the report
``tda stats`` prints. Nothing here prints. The numbers come from the tables as the validator
loads them (every value text, in DuckDB), so a table must be readable for its rows to be counted.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checks.grounding import grounding_counts
from ..errors import CannotRun
from ..reading.package import Package

# Vocabulary columns counted per term, besides claim_status (which gets its own section).
SKIPPED_VOCABULARIES = {"claim_status"}


@dataclass(frozen=True)
class UncitedRow:
    table: str
    path: str
    line: int
    id: str


@dataclass(frozen=True)
class CitationCounts:
    """How many citations the rows of one table (or all cited tables) have."""

    rows: int
    min: int | None
    median: float | None
    max: int | None
    one: int
    two: int
    three_or_more: int
    uncited: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "min": self.min,
            "median": self.median,
            "max": self.max,
            "rows_with": {"0": self.uncited, "1": self.one, "2": self.two, "3+": self.three_or_more},
        }


@dataclass
class Stats:
    package: str
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows, in model order
    vocabularies: dict[str, dict[str, int]] = field(default_factory=dict)  # "table.column" -> term -> rows
    claim_status: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> status -> rows
    citations: dict[str, CitationCounts] = field(default_factory=dict)  # table (and "all") -> counts
    uncited: list[UncitedRow] = field(default_factory=list)
    grounding: dict[str, Any] = field(default_factory=dict)  # see checks.grounding.grounding_counts

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "rows": {"total": self.total_rows, "by_table": dict(self.tables)},
            "vocabularies": {k: dict(v) for k, v in self.vocabularies.items()},
            "claim_status": {k: dict(v) for k, v in self.claim_status.items()},
            "citations_per_row": {k: v.as_dict() for k, v in self.citations.items()},
            "uncited": [{"table": u.table, "path": u.path, "line": u.line, "id": u.id} for u in self.uncited],
            "grounding": self.grounding,
        }


def _require_readable(pkg: Package) -> None:
    """Counting a table that was only partly read would give wrong numbers: refuse instead."""
    for name, loaded in pkg.tables.items():
        skipped = [line for line, _ in loaded.ragged] + [line for line, _ in (loaded.csv.broken if loaded.csv else [])]
        if not loaded.usable or skipped:
            where = f" (line {min(skipped)})" if skipped else ""
            raise CannotRun(
                f"{loaded.rel}: the {name} table cannot be read in full{where}",
                hint="run `tda validate` to see what is wrong with it",
                path=loaded.rel,
            )


def _term_counts(pkg: Package, table: str, column: str) -> dict[str, int]:
    rows = pkg.sql(f'SELECT "{column}", count(*) AS n FROM "{table}" WHERE "{column}" IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1')
    return {term: n for term, n in rows}


def _citation_counts(counts: list[int]) -> CitationCounts:
    if not counts:
        return CitationCounts(0, None, None, None, 0, 0, 0, 0)
    median = statistics.median(counts)
    return CitationCounts(
        rows=len(counts),
        min=min(counts),
        median=int(median) if float(median).is_integer() else float(median),
        max=max(counts),
        one=sum(1 for n in counts if n == 1),
        two=sum(1 for n in counts if n == 2),
        three_or_more=sum(1 for n in counts if n >= 3),
        uncited=sum(1 for n in counts if n == 0),
    )


def collect(pkg: Package) -> Stats:
    """The statistics of a loaded package whose tables are all readable."""
    _require_readable(pkg)
    stats = Stats(package=str(pkg.root))
    for name, loaded in pkg.tables.items():
        stats.tables[name] = pkg.sql(f'SELECT count(*) FROM "{name}"')[0][0]
        for f in loaded.table.fields:
            if f.enum and f.name not in SKIPPED_VOCABULARIES:
                stats.vocabularies[f"{name}.{f.name}"] = _term_counts(pkg, name, f.name)
        if loaded.table.field("claim_status") is not None:
            stats.claim_status[name] = _term_counts(pkg, name, "claim_status")
    total: dict[str, int] = {}
    for counts in stats.claim_status.values():
        for status, n in counts.items():
            total[status] = total.get(status, 0) + n
    if stats.claim_status:
        stats.claim_status["all"] = dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))

    every: list[int] = []
    for name in pkg.model.cited_tables().values():
        rows = pkg.sql(
            f'SELECT t._line, t.id, count(c.id) FROM "{name}" t LEFT JOIN citations c ON c.record_id = t.id '
            f"GROUP BY t._line, t.id ORDER BY t._line"
        )
        cited = [n for _, _, n in rows]
        stats.citations[name] = _citation_counts(cited)
        every += cited
        path = pkg.tables[name].rel
        stats.uncited += [UncitedRow(name, path, line, rid) for line, rid, n in rows if n == 0]
    stats.citations["all"] = _citation_counts(every)
    stats.grounding = grounding_counts(pkg)
    return stats


def package_stats(path: str | Path) -> Stats:
    """Load the package at ``path`` and count what it holds. Raises CannotRun if a table cannot be read."""
    return collect(Package.load(path))


# --- text rendering ---------------------------------------------------------------------------


def _counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{term} {n}" for term, n in counts.items()) or "(none)"


def render_text(stats: Stats) -> str:
    out = [f"{stats.package}: {stats.total_rows} rows in {len(stats.tables)} tables", "", "Rows per table"]
    width = max((len(t) for t in stats.tables), default=0)
    out += [f"  {name:<{width}}  {n:>6}" for name, n in stats.tables.items()]
    out += ["", "Rows per vocabulary term"]
    out += [f"  {col}: {_counts_line(counts)}" for col, counts in stats.vocabularies.items()]
    out += ["", "Rows per claim_status"]
    out += [f"  {name}: {_counts_line(counts)}" for name, counts in stats.claim_status.items()]
    out += ["", "Citations per row", "  table            rows   min  median   max  rows with 1 / 2 / 3+"]
    for name, c in stats.citations.items():
        median = "-" if c.median is None else f"{c.median:g}"
        lo = "-" if c.min is None else str(c.min)
        hi = "-" if c.max is None else str(c.max)
        out.append(f"  {name:<14} {c.rows:>6} {lo:>5} {median:>7} {hi:>5}  {c.one} / {c.two} / {c.three_or_more}")
    out += ["", f"Uncited rows: {len(stats.uncited) or 'none'}"]
    out += [f"  {u.path}:{u.line}: {u.id}" for u in stats.uncited]
    out += _render_grounding(stats.grounding)
    return "\n".join(out) + "\n"


def _render_grounding(g: dict[str, Any]) -> list[str]:
    if not g:
        return []
    out = [
        "",
        "Grounding (GR checks): rows whose entities and places are all named in their quotes,",
        "rows that rely on a resolution (citations.refers) for at least one, rows with one not identified",
    ]
    out.append("  table            rows  all named  with resolution  not identified  no party")
    for name, t in g["tables"].items():
        if "all_named" in t:
            out.append(
                f"  {name:<14} {t['rows']:>6} {t['all_named']:>10} {t['with_resolution']:>16} {t['unidentified']:>15} {t['no_party']:>9}"
            )
    for name, t in g["tables"].items():
        if "name_quoted" in t:
            out.append(
                f"  {name}: {t['rows']} rows, name in a quote {t['name_quoted']}, descriptive name {t['name_descriptive']}, "
                f"identified through a resolution {t['with_resolution']}"
            )
    for col, terms in g["cues"].items():
        out += ["", f"Cue coverage: {col} (rows with a cue / rows; the cue words found, in how many rows)"]
        for term, t in terms.items():
            used = ", ".join(f"{c} {n}" for c, n in t["cues"].items()) or "none"
            out.append(f"  {term}: {t['with_cue']}/{t['rows']} ({used})")
    return out
