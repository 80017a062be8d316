"""Renderers for a Report: text (people), json (tools), github (workflow annotations), markdown."""

from __future__ import annotations

import json

from ..checks.runner import Report
from ..problems import Problem

FORMATS = ("text", "json", "github", "markdown")


def where(p: Problem) -> str:
    parts = [p.path]
    if p.line is not None:
        parts.append(str(p.line))
        if p.column is not None:
            parts.append(str(p.column))
    return ":".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_line(report: Report) -> str:
    rows = sum(report.rows.values())
    verdict = "valid" if report.valid else "invalid"
    text = (
        f"{verdict}: {_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')} "
        f"in {_plural(len(report.rows), 'table')} ({_plural(rows, 'row')})"
    )
    hidden = sum(report.omitted.values())
    if hidden:
        text += f"; {hidden:,} more not shown (--max-per-group 0 shows all)"
    if report.strict and report.warnings and not report.errors:
        text += "; warnings fail because of --strict"
    return text


def render_text(report: Report) -> str:
    lines = []
    for p in report.problems:
        level = "" if p.severity == "error" else "[warning] "
        lines.append(f"{where(p)}: {p.code} {level}{p.message}")
        if p.hint:
            lines.append(f"    hint: {p.hint}")
    for (code, path), n in sorted(report.omitted.items()):
        lines.append(f"{path}: {code} ... and {n:,} more like this")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(report: Report) -> str:
    """GitHub Actions workflow commands: one ::error or ::warning annotation per problem."""
    lines = []
    for p in report.problems:
        props = [f"file={_gh_escape(p.path, True)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
            if p.column is not None:
                props.append(f"col={p.column}")
        props.append(f"title={_gh_escape(p.code + ' ' + p.name, True)}")
        message = p.message + (f"\nhint: {p.hint}" if p.hint else "")
        lines.append(f"::{p.severity} {','.join(props)}::{_gh_escape(message)}")
    for (code, path), n in sorted(report.omitted.items()):
        lines.append(f"::notice file={_gh_escape(path, True)},title={code}::{n:,} more {code} problems not shown")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    out = [f"### Validation: {summary_line(report)}", ""]
    if report.problems:
        out += ["| where | code | problem | hint |", "|---|---|---|---|"]
        for p in report.problems:
            level = "" if p.severity == "error" else " (warning)"
            out.append(f"| `{where(p)}` | {p.code}{level} | {_md_cell(p.message)} | {_md_cell(p.hint or '')} |")
        for (code, path), n in sorted(report.omitted.items()):
            out.append(f"| `{path}` | {code} | {n:,} more not shown | |")
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "github": render_github, "markdown": render_markdown}


def render(report: Report, fmt: str) -> str:
    return RENDERERS[fmt](report)
