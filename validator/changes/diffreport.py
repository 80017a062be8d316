"""Renderers for a PackageDiff: text (people), json (tools, stable keys), markdown (a pull-request comment).

An added row is shown with its values, a removed row with the values it had, and a changed row
with each changed column's value before and after (text and markdown leave empty cells out,
JSON gives every column, ``null`` when empty).

Text and markdown list at most ``max_rows`` rows per table and kind of change (0: all) and
then say how many more there are; JSON always lists everything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .diff import PackageDiff, RowChange, SourceChange, TableDiff

FORMATS = ("text", "json", "markdown")
DEFAULT_MAX_ROWS = 50
VALUE_LIMIT = 80  # characters of a cell value shown in text and markdown


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def side_label(info: dict) -> str:
    return f"{info['spec']} ({info['commit'][:12]})" if info.get("commit") else str(info["spec"])


def _value(v: str | None) -> str:
    if v is None:
        return "(empty)"
    text = v if len(v) <= VALUE_LIMIT else v[: VALUE_LIMIT - 1] + "…"
    return repr(text)


def _filled(r: RowChange) -> list[tuple[str, str | None]]:
    """An added or removed row's non-empty cells."""
    return [(c, v) for c, v in r.values if v is not None]


def version_line(diff: PackageDiff) -> str:
    before, after = diff.base.get("version"), diff.head.get("version")
    level = diff.required_bump()
    text = f"version {before} → {after}" if before != after else f"version {after} (unchanged)"
    need = f"the changes need a {level} bump" if level else "no data changed, no bump needed"
    return f"{text}; {need}"


def summary_line(diff: PackageDiff) -> str:
    if diff.empty:
        return "no changes"
    s = diff.summary()
    parts = [
        f"{_plural(s['rows_added'], 'row')} added, {s['rows_removed']:,} removed, {s['rows_changed']:,} changed "
        f"in {_plural(s['tables_changed'], 'table')}"
    ]
    if s["schema_changes"]:
        parts.append(_plural(s["schema_changes"], "schema change"))
    for status in ("added", "removed", "changed"):
        if s[f"sources_{status}"]:
            parts.append(f"{_plural(s[f'sources_{status}'], 'source')} {status}")
    if s["metadata_changes"]:
        parts.append(_plural(s["metadata_changes"], "metadata change"))
    return "; ".join(parts)


def _table_counts(t: TableDiff) -> str:
    rows = f"{t.rows_base if t.rows_base is not None else '-'} → {t.rows_head if t.rows_head is not None else '-'} rows"
    return f"{len(t.added):,} added, {len(t.removed):,} removed, {len(t.changed):,} changed; {rows}"


def _capped(items: Sequence[RowChange], max_rows: int) -> tuple[Sequence[RowChange], int]:
    if max_rows <= 0 or len(items) <= max_rows:
        return items, 0
    return items[:max_rows], len(items) - max_rows


def _source_text(s: SourceChange) -> str:
    cites = _plural(len(s.citations), "citation")
    if s.status == "added":
        return f"+ {s.id}: seeds/{s.path_head} added ({cites})"
    if s.status == "removed":
        return f"- {s.id}: seeds/{s.path_base} removed ({cites} quoted it)"
    path = f"seeds/{s.path_head}" if s.path_base == s.path_head else f"seeds/{s.path_base} → seeds/{s.path_head}"
    sha = f"sha256 {(s.sha_base or '-')[:12]} → {(s.sha_head or '-')[:12]}"
    return f"~ {s.id}: {path} changed ({sha}); {cites} quote it and are re-checked against the new text"


# --- text ------------------------------------------------------------------------------------


def render_text(diff: PackageDiff, max_rows: int = DEFAULT_MAX_ROWS) -> str:
    out = [f"diff {side_label(diff.base)} → {side_label(diff.head)}", version_line(diff)]
    if diff.schema:
        out.append("schema:")
        out += [f"  {c.table}: {c.detail} [{c.level}]" for c in diff.schema]
    touched = [t for t in diff.tables if t.touched]
    if touched:
        out.append("rows:")
    for t in touched:
        out.append(f"  {t.name} ({t.path}): {_table_counts(t)}" + (f" ({t.note})" if t.note else ""))
        for sign, items, where in (("+", t.added, ""), ("-", t.removed, " in base"), ("~", t.changed, "")):
            shown, more = _capped(items, max_rows)
            for r in shown:
                line = f"    {sign} {r.id} (line {r.line}{where})"
                if r.fields:
                    line += ": " + "; ".join(f"{f.field} {_value(f.before)} → {_value(f.after)}" for f in r.fields)
                elif _filled(r):
                    line += ": " + "; ".join(f"{c} {_value(v)}" for c, v in _filled(r))
                out.append(line)
            if more:
                out.append(f"    {sign} ... and {more:,} more (--max-rows 0 shows all)")
    if diff.sources:
        out.append("sources:")
        out += ["  " + _source_text(s) for s in diff.sources]
    if diff.metadata:
        out.append("metadata:")
        out += [f"  ~ {m.key} changed" for m in diff.metadata]
    out.append(f"summary: {summary_line(diff)}")
    return "\n".join(out) + "\n"


# --- json ------------------------------------------------------------------------------------


def render_json(diff: PackageDiff, max_rows: int = 0) -> str:
    return json.dumps(diff.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- markdown --------------------------------------------------------------------------------


def md_escape(text: str) -> str:
    """Text safe in a GitHub markdown table cell: no cell break, no HTML, no @mention, no stray code span."""
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("`", "&#96;"), ("@", "&#64;")):
        text = text.replace(a, b)
    return text.replace("\r", " ").replace("\n", " ")


def _md_value(v: str | None) -> str:
    if v is None:
        return "*(empty)*"
    return md_escape(v if len(v) <= VALUE_LIMIT else v[: VALUE_LIMIT - 1] + "…")


def render_markdown(diff: PackageDiff, max_rows: int = DEFAULT_MAX_ROWS) -> str:
    out = [
        f"### Data changes: {md_escape(side_label(diff.base))} → {md_escape(side_label(diff.head))}",
        "",
        f"{md_escape(version_line(diff))}. Summary: {md_escape(summary_line(diff))}.",
        "",
    ]
    touched = [t for t in diff.tables if t.touched]
    if touched:
        out += ["| table | added | removed | changed | rows |", "|---|---:|---:|---:|---|"]
        for t in touched:
            rows = f"{t.rows_base if t.rows_base is not None else '-'} → {t.rows_head if t.rows_head is not None else '-'}"
            out.append(f"| `{t.name}` | {len(t.added):,} | {len(t.removed):,} | {len(t.changed):,} | {rows} |")
        out.append("")
    if diff.schema:
        out += ["**Schema**", ""]
        out += [f"- `{c.table}`: {md_escape(c.detail)} ({c.level})" for c in diff.schema]
        out.append("")
    if diff.sources:
        out += ["**Source documents**", ""]
        out += [f"- {md_escape(_source_text(s)[2:])}" for s in diff.sources]
        out.append("")
    if diff.metadata:
        out += ["**Metadata**", ""]
        out += [f"- `{m.key}` changed" for m in diff.metadata]
        out.append("")
    for t in touched:
        out += _md_table_rows(t, max_rows)
    return "\n".join(out).rstrip() + "\n"


def _md_table_rows(t: TableDiff, max_rows: int) -> list[str]:
    if not (t.added or t.removed or t.changed):
        return []
    out = [
        f"<details><summary>{t.name}: {_table_counts(t)}</summary>",
        "",
        "| | id | line | field | before | after |",
        "|---|---|---:|---|---|---|",
    ]
    more_total = 0
    for sign, items in (("added", t.added), ("removed", t.removed), ("changed", t.changed)):
        shown, more = _capped(items, max_rows)
        more_total += more
        for r in shown:
            cells = [(f.field, _md_value(f.before), _md_value(f.after)) for f in r.fields]
            if not cells and sign == "added":
                cells = [(c, "", _md_value(v)) for c, v in _filled(r)]
            elif not cells and sign == "removed":
                cells = [(c, _md_value(v), "") for c, v in _filled(r)]
            if not cells:
                out.append(f"| {sign} | {md_escape(r.id)} | {r.line} | | | |")
            for i, (name, before, after) in enumerate(cells):
                lead = f"| {sign} | {md_escape(r.id)} | {r.line}" if i == 0 else "| | | "
                out.append(f"{lead} | {md_escape(name)} | {before} | {after} |")
    if more_total:
        out += ["", f"{more_total:,} more rows not shown (`tda diff --max-rows 0` shows all)."]
    out += ["", "</details>", ""]
    return out


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}


def render(diff: PackageDiff, fmt: str, max_rows: int = DEFAULT_MAX_ROWS) -> str:
    return RENDERERS[fmt](diff, max_rows)
