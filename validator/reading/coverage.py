"""Paragraph coverage: each paragraph of each source, with the rows whose quotes fall in it.

It lets a second reader check an extraction paragraph by paragraph: a paragraph that states
something but lists no rows is a candidate for a missing fact; a row listed under page furniture
(donation appeals, teasers) is a quote taken from the wrong place. A paragraph is a run of
non-blank lines. A quote is placed in every paragraph where it occurs (after the normalisation
the quote check uses); a quote that spans paragraphs is placed in each paragraph it touches. A quote found
nowhere is reported as unplaced (``tda validate`` reports it too).

``source_coverage(pkg)`` returns the structure; ``render_text`` and ``render_markdown`` format
it (the Markdown form is docs/source-coverage.md, written by ``tda generate``). Nothing here prints.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .queries import source_files
from .textnorm import normalize

if TYPE_CHECKING:
    from .package import Package

# A heading: one short line that does not end like a sentence (titles, breadcrumbs, section names).
HEADING_MAX_CHARS = 80
SENTENCE_ENDS = tuple('.!?:;)"”’…')


@dataclass
class Paragraph:
    number: int  # 1-based, in the order of the source
    line: int  # the line of the source file where it starts
    text: str
    heading: bool
    records: list[str] = field(default_factory=list)  # ids of the rows quoted in it, sorted

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "line": self.line, "heading": self.heading, "text": self.text, "records": self.records}


@dataclass
class SourceCoverage:
    source_id: str
    path: str  # relative to seeds/
    paragraphs: list[Paragraph] = field(default_factory=list)
    unplaced: list[tuple[str, str]] = field(default_factory=list)  # (citation id, record id) whose quote was not found

    @property
    def without_rows(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if not p.records]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "path": self.path,
            "paragraphs": [p.as_dict() for p in self.paragraphs],
            "unplaced": [{"citation": c, "record": r} for c, r in self.unplaced],
        }


def split_paragraphs(text: str) -> list[Paragraph]:
    """Runs of non-blank lines, with the line each starts on."""
    out: list[Paragraph] = []
    current: list[str] = []
    start = 0
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not current:
                start = n
            current.append(line.strip())
        elif current:
            out.append(_paragraph(len(out) + 1, start, current))
            current = []
    if current:
        out.append(_paragraph(len(out) + 1, start, current))
    return out


def _paragraph(number: int, line: int, lines: list[str]) -> Paragraph:
    text = "\n".join(lines)
    heading = len(lines) == 1 and len(text) <= HEADING_MAX_CHARS and not text.endswith(SENTENCE_ENDS)
    return Paragraph(number, line, text, heading)


def _place(paragraphs: list[Paragraph], normalised: list[str], quote: str) -> list[int]:
    """Indexes of the paragraphs a quote falls in: every one that holds it whole, else the ones a match spans."""
    q = normalize(quote)
    if not q:
        return []
    whole = [i for i, p in enumerate(normalised) if q in p]
    if whole:
        return whole
    # Spanning paragraphs: search the paragraphs joined by one space, then map offsets back.
    starts, joined = [], []
    offset = 0
    for p in normalised:
        starts.append(offset)
        joined.append(p)
        offset += len(p) + 1
    hay = " ".join(joined)
    found: set[int] = set()
    at = hay.find(q)
    while at >= 0:
        first = bisect.bisect_right(starts, at) - 1
        last = bisect.bisect_right(starts, at + len(q) - 1) - 1
        found.update(range(first, last + 1))
        at = hay.find(q, at + 1)
    return sorted(found)


def source_coverage(pkg: Package) -> list[SourceCoverage]:
    """Every readable source's paragraphs with the rows quoted in each, in source id order."""

    if not (pkg.usable("sources") and pkg.usable("citations")):
        return []
    cites: dict[str, list[tuple[str, str, str]]] = {}
    for cid, rid, sid, quote in pkg.sql(
        "SELECT id, record_id, source_id, quote FROM citations WHERE quote IS NOT NULL AND source_id IS NOT NULL ORDER BY id"
    ):
        cites.setdefault(sid, []).append((cid, rid, quote))
    out = []
    for sid, (_, rel, data, _) in sorted(source_files(pkg).items()):
        if data is None:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        cov = SourceCoverage(sid, rel, split_paragraphs(text))
        normalised = [normalize(p.text) for p in cov.paragraphs]
        records: list[set[str]] = [set() for _ in cov.paragraphs]
        for cid, rid, quote in cites.get(sid, []):
            where = _place(cov.paragraphs, normalised, quote)
            if not where:
                cov.unplaced.append((cid, rid or ""))
            for i in where:
                if rid:
                    records[i].add(rid)
        for p, ids in zip(cov.paragraphs, records, strict=True):
            p.records = sorted(ids)
        out.append(cov)
    return out


# --- rendering --------------------------------------------------------------------------------


def _summary(cov: SourceCoverage) -> str:
    headings = sum(1 for p in cov.paragraphs if p.heading)
    bare = sum(1 for p in cov.without_rows if not p.heading)
    return (
        f"{len(cov.paragraphs)} paragraphs: {len(cov.paragraphs) - len(cov.without_rows)} with rows, "
        f"{bare} without rows, {sum(1 for p in cov.without_rows if p.heading)} of {headings} headings without rows"
    )


def render_text(coverage: list[SourceCoverage]) -> str:
    out: list[str] = []
    for cov in coverage:
        out += [f"{cov.source_id} (seeds/{cov.path}): {_summary(cov)}", ""]
        for p in cov.paragraphs:
            kind = " [heading]" if p.heading else ""
            out.append(f"¶{p.number} line {p.line}{kind}: {p.text}")
            out.append("    " + (", ".join(p.records) if p.records else "-- NO ROWS --"))
        if cov.unplaced:
            out += ["", "Quotes not found in the source (tda validate reports them):"]
            out += [f"    {cid} ({rid})" for cid, rid in cov.unplaced]
        out.append("")
    return "\n".join(out) if out else "no readable source with citations\n"


def _grouped(records: list[str]) -> str:
    groups: dict[str, list[str]] = {}
    for rid in records:
        groups.setdefault(rid.split("-", 1)[0], []).append(f"`{rid}`")
    return "; ".join(", ".join(ids) for ids in groups.values())


MARKDOWN_INTRO = """\
# Source coverage

<!-- Generated by `tda generate` from data/citations.csv and seeds/. Do not edit by hand. -->

Every paragraph of every source, with the ids of the rows whose citations quote it, so that a
second reader can check the extraction paragraph by paragraph: does each statement that fits
the data model have its rows, and does each row rest on what the paragraph says? Paragraphs
marked **no rows** hold nothing cited: headings, and the page furniture that follows the profile
(share buttons, donation appeals, reuse terms, teasers), which is not data.
The same listing prints with `tda stats --paragraphs`.
"""


def render_markdown(coverage: list[SourceCoverage]) -> str:
    out = [MARKDOWN_INTRO]
    if not coverage:
        out.append("No source could be read.\n")
    for cov in coverage:
        out += [f"## {cov.source_id}", "", f"File `seeds/{cov.path}`; {_summary(cov)}.", ""]
        for p in cov.paragraphs:
            kind = " (heading)" if p.heading else ""
            out += [f"### ¶{p.number} · line {p.line}{kind}", ""]
            out += ["> " + line for line in p.text.splitlines()]
            out += ["", f"Rows ({len(p.records)}): {_grouped(p.records)}" if p.records else "**No rows.**", ""]
        if cov.unplaced:
            out += [
                "Quotes not found in the source (tda validate reports them): " + ", ".join(f"`{c}`" for c, _ in cov.unplaced),
                "",
            ]
    return "\n".join(out).rstrip() + "\n"
