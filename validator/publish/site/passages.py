"""Where each quote sits in its source text, and the source text with those passages marked.

A quote is placed in its source by ``validator.reading.textspans.SourceText`` (found in the
normalised text, its offsets mapped back to the original text, which is what a source page
shows): the same (start, end) that the release's Web Annotations (``annotations.jsonld``) give
as their TextPositionSelector. Each passage's ``<mark>`` carries that range as
``data-char="start,end"`` (RFC 5147's character positions), so the two can be held together.

``mark_up`` turns the text and the located passages into paragraphs of HTML: each passage is a
``<mark>`` (nested where passages nest; a passage that crosses another's end or a paragraph
break is cut into pieces, the first carrying the anchor), followed by a numbered note link.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from ...reading.coverage import HEADING_MAX_CHARS, SENTENCE_ENDS
from ...reading.textspans import SourceText

__all__ = ["Paragraph", "Passage", "SourceText", "mark_up", "paragraphs_of"]


# --- marking passages up ------------------------------------------------------------------------


@dataclass
class Passage:
    """A stretch of the source quoted by one or more citations (all with this same range)."""

    start: int
    end: int
    anchor: str  # element id: the first citation's id
    number: int  # 1-based, in the order of the text (the note number)
    citations: list[str] = field(default_factory=list)  # every citation id quoting exactly this range


@dataclass
class _Node:
    start: int
    end: int
    passage: Passage | None  # None for a paragraph
    first: bool = True  # the first piece of its passage (carries the anchor and the note link)
    children: list[_Node] = field(default_factory=list)


@dataclass
class Paragraph:
    number: int
    html: Markup
    passages: list[Passage]  # whose first piece is in this paragraph, in text order
    heading: bool


def paragraphs_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of non-blank lines, trimmed of surrounding white space."""
    out: list[tuple[int, int]] = []
    offset = 0
    start = end = None
    for line in text.splitlines(keepends=True):
        if line.strip():
            stripped = len(line) - len(line.lstrip())
            if start is None:
                start = offset + stripped
            end = offset + len(line.rstrip())
        elif start is not None and end is not None:
            out.append((start, end))
            start = end = None
        offset += len(line)
    if start is not None and end is not None:
        out.append((start, end))
    return out


def _next_visible(text: str, at: int, limit: int) -> int:
    while at < limit and text[at].isspace():
        at += 1
    return at


def _tree(text: str, paragraphs: list[tuple[int, int]], passages: list[Passage]) -> list[_Node]:
    """Paragraph nodes holding passage nodes, nested; crossing ranges are cut at the crossing."""
    roots = [_Node(s, e, None) for s, e in paragraphs]
    # (start, -end, order, node): outer ranges before inner ones that start at the same place
    heap: list[tuple[int, int, int, _Node]] = []
    order = 0
    for p in passages:
        heap.append((p.start, -p.end, order, _Node(p.start, p.end, p)))
        order += 1
    heapq.heapify(heap)
    stack: list[_Node] = []
    root_index = 0
    while heap:
        start, _, _, node = heapq.heappop(heap)
        while stack and stack[-1].end <= start:
            stack.pop()
        if not stack:
            while root_index < len(roots) and roots[root_index].end <= start:
                root_index += 1
            if root_index >= len(roots) or roots[root_index].start > start:
                continue  # only white space lies outside paragraphs, and no passage starts there
            stack = [roots[root_index]]
        parent = stack[-1]
        if node.end > parent.end:  # crosses the parent's end: keep the part inside, requeue the rest
            rest_start = _next_visible(text, parent.end, node.end)
            if rest_start < node.end:
                rest = _Node(rest_start, node.end, node.passage, first=False)
                heapq.heappush(heap, (rest.start, -rest.end, order, rest))
                order += 1
            node.end = parent.end
        parent.children.append(node)
        stack.append(node)
    return roots


def _render(text: str, node: _Node, notes_href: str) -> Markup:
    out: list[str] = []
    at = node.start
    for child in node.children:
        out.append(str(escape(text[at : child.start])))
        out.append(str(_render(text, child, notes_href)))
        at = child.end
    out.append(str(escape(text[at : node.end])))
    inner = "".join(out)
    p = node.passage
    if p is None:
        return Markup(inner)
    if not node.first:
        return Markup(f'<mark class="cited cont" data-passage="{escape(p.anchor)}">{inner}</mark>')
    extra = "".join(f'<span class="anchor" id="{escape(c)}"></span>' for c in p.citations if c != p.anchor)
    note = escape(f"{notes_href}{p.number}")
    return Markup(
        f'<mark class="cited" id="{escape(p.anchor)}" data-passage="{escape(p.anchor)}" data-char="{p.start},{p.end}">'
        f"{extra}{inner}</mark>"
        f'<sup class="note-ref"><a href="{note}" id="ref-{p.number}" aria-label="note {p.number}: what this passage supports">'
        f"{p.number}</a></sup>"
    )


def _is_heading(body: str) -> bool:

    return "\n" not in body and len(body) <= HEADING_MAX_CHARS and not body.endswith(SENTENCE_ENDS)


def mark_up(text: str, located: dict[str, tuple[int, int]], notes_href: str = "#note-") -> list[Paragraph]:
    """The text as paragraphs of HTML with every located citation's passage marked.

    ``located`` maps a citation id to its (start, end) in ``text``. Citations with the same range
    share one passage (anchor: the smallest citation id; the others get an empty anchor inside
    it, so a link to any of them lands there). Passages are numbered in text order.
    """
    by_range: dict[tuple[int, int], list[str]] = {}
    for cid, rng in sorted(located.items()):
        by_range.setdefault(rng, []).append(cid)
    ordered = sorted(by_range.items(), key=lambda kv: (kv[0][0], -kv[0][1]))
    passages = [Passage(s, e, cids[0], n, cids) for n, ((s, e), cids) in enumerate(ordered, 1)]
    roots = _tree(text, paragraphs_of(text), passages)
    out: list[Paragraph] = []
    for n, root in enumerate(roots, 1):
        firsts: list[Passage] = []
        _collect_firsts(root, firsts)
        body = text[root.start : root.end]
        out.append(Paragraph(n, _render(text, root, notes_href), sorted(firsts, key=lambda p: p.number), _is_heading(body)))
    return out


def _collect_firsts(node: _Node, into: list[Passage]) -> None:
    for child in node.children:
        if child.passage is not None and child.first:
            into.append(child.passage)
        _collect_firsts(child, into)
