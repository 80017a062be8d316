"""Change rules (family CH): what a change to the package must respect, judged from BASE and HEAD.

``change_problems(base, head)`` takes two loaded packages and returns the problems of the change
between them, in the same Problem model as the checks; it does not depend on how (or whether)
the full validation of HEAD runs (``validator.changes.since`` puts the two together for
``tda validate --since``). A rule is registered here with ``@change_rule``, in the same code
space as the checks.

The rules (docs/versioning.md explains the policy behind them):

- an id of BASE is still in HEAD or has a tombstone in data/retired.csv (CH001), and a
  tombstone is never removed (CH002); a new tombstone records the version it is retired in (CH008);
- the version follows the semantic versioning policy for data (CH003, CH004, CH005);
- the data changelog, DATA-CHANGELOG.md, has an entry for a new version (CH006; the tools'
  changes go to CHANGELOG.md, which this rule does not read);
- a changed source document is called out (CH007); its citations are re-checked by the quote check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks.common import at_cell, at_json
from ..checks.registry import claim, found
from ..problems import Problem, Severity
from ..reading.package import DESCRIPTOR
from ..reading.queries import tombstones
from .diff import LEVELS, PackageDiff, diff_packages
from .diffreport import side_label

if TYPE_CHECKING:
    import semver

    from ..reading.package import Package

CHANGELOG = "DATA-CHANGELOG.md"  # the data's changelog (CHANGELOG.md is the tools')
MAX_CHANGELOG_BYTES = 10 << 20
RETIRED_PATH = "data/retired.csv"


ChangeRuleFunc = Callable[["Change"], Iterator[Problem]]


@dataclass(frozen=True)
class ChangeRule:
    """A rule on a change, registered with ``@change_rule``: ``func(change) -> Iterator[Problem]``."""

    code: str
    name: str
    severity: Severity
    func: ChangeRuleFunc
    rule: str
    doc: str

    @property
    def family(self) -> str:
        return self.code[:2]


CHANGE_RULES: dict[str, ChangeRule] = {}


def change_rule(code: str, name: str, severity: Severity = "error") -> Callable[[ChangeRuleFunc], ChangeRuleFunc]:
    """Register ``func`` as the change rule for ``code`` (family CH)."""
    if not code.startswith("CH"):
        raise ValueError(f"change rule {code} must be in the CH family")

    def register(func: ChangeRuleFunc) -> ChangeRuleFunc:
        rule, doc = claim(code, func)
        CHANGE_RULES[code] = ChangeRule(code, name, severity, func, rule, doc)
        return func

    return register


def all_change_rules() -> list[ChangeRule]:
    """Every change rule, by code."""
    return [CHANGE_RULES[c] for c in sorted(CHANGE_RULES)]


@dataclass
class Change:
    """What a change rule looks at: the two packages and what differs between them."""

    base: Package
    head: Package
    diff: PackageDiff

    @property
    def base_label(self) -> str:
        return side_label(self.diff.base)


def change_problems(
    base: Package, head: Package, *, diff: PackageDiff | None = None, rules: Iterable[ChangeRule] | None = None
) -> list[Problem]:
    """The problems of the change from ``base`` to ``head`` (every CH rule, or only ``rules``)."""
    change = Change(base, head, diff or diff_packages(base, head))
    problems: list[Problem] = []
    for info in all_change_rules() if rules is None else rules:
        for p in info.func(change):
            problems.append(replace(p, code=info.code, name=info.name, severity=info.severity))
    return problems


# --- ids and tombstones ----------------------------------------------------------------------


@change_rule("CH001", "id-removed")
def removed_ids_have_tombstones(change: Change) -> Iterator[Problem]:
    """An id of BASE is still in HEAD, or data/retired.csv has a tombstone for it (ids never silently disappear).

    Fails: ``ent-oswaldo-gonzalez`` deleted from entities.csv; passes: deleted, with the row
    ``ent-oswaldo-gonzalez,takedown,,0.2.0,`` added to retired.csv.
    """
    retired = tombstones(change.head)
    version = change.diff.head.get("version") or "VERSION"
    for t in change.diff.tables:
        table = change.base.model.table(t.name)
        if table is None or table.tombstones or (t.name in change.head.model.tables and not change.head.usable(t.name)):
            continue  # a table HEAD cannot read is reported by the checks, not as every row removed
        for row in t.removed:
            if row.id in retired:
                continue
            yield found(
                f"{row.id} was removed from {t.name} without a tombstone; it was line {row.line} at {change.base_label}",
                path=t.path,
                record=row.id,
                hint=f"ids are stable: restore the row, or retire the id with a row '{row.id},REASON,REPLACED_BY,{version},NOTE' "
                f"in {RETIRED_PATH} (REASON: merged, renamed, retracted, error or takedown; see docs/versioning.md)",
            )


@change_rule("CH002", "tombstone-removed")
def tombstones_are_permanent(change: Change) -> Iterator[Problem]:
    """A tombstone of BASE stays in data/retired.csv: a retired id stays retired (and is never reused).

    Fails: the row ``ent-old,error,,0.2.0,`` of retired.csv deleted; passes: the row kept.
    """
    before, after = tombstones(change.base), tombstones(change.head)
    table = change.head.model.tombstone_table()
    path = table.path if table is not None else RETIRED_PATH
    for rid in sorted(set(before) - set(after)):
        stone = before[rid]
        yield found(
            f"the tombstone of {rid} (retired in {stone.version}, {stone.reason}) was removed",
            path=path,
            record=rid,
            hint="keep every tombstone: downstream users rely on a retired id never coming back with another meaning",
        )


@change_rule("CH008", "tombstone-version")
def new_tombstones_name_this_version(change: Change) -> Iterator[Problem]:
    """A tombstone added by the change records the version it is retired in: HEAD's datapackage.json version.

    Fails: a new tombstone with version ``0.1.0`` when the change sets version ``0.2.0``; passes: ``0.2.0``.
    """
    version = change.diff.head.get("version")
    table = change.head.model.tombstone_table()
    if not version or table is None:
        return
    before, after = tombstones(change.base), tombstones(change.head)
    # the new ids first, then sorted: sorting all 45,441 tombstones of a large package to find a
    # handful of new ones is needless work
    for rid in sorted(after.keys() - before.keys()):
        stone = after[rid]
        if stone.version != version:
            yield at_cell(
                change.head,
                table.name,
                stone.line,
                "version",
                f"{rid} is retired by this change, in version {version}, not {stone.version}",
                record=rid,
                hint=f"set its version to {version} (datapackage.json's version)",
            )


# --- versions --------------------------------------------------------------------------------


def _versions(change: Change) -> tuple[semver.Version, semver.Version] | None:
    """BASE's and HEAD's versions, parsed; None if either is not plain MAJOR.MINOR.PATCH (the descriptor's metadata check reports HEAD's)."""
    import semver  # semver loads on first use: every tda command would pay its start-up time otherwise

    try:
        return semver.Version.parse(change.diff.base["version"]), semver.Version.parse(change.diff.head["version"])
    except (TypeError, ValueError):
        return None


def bump_kind(before: semver.Version, after: semver.Version) -> str | None:
    """'major', 'minor' or 'patch' when ``after`` is the next such version of ``before``; None otherwise."""
    if after.prerelease or after.build:
        return None
    for kind in reversed(LEVELS):
        if after == before.next_version(kind) and not before.prerelease:
            return kind
    return None


def _why(change: Change, level: str) -> str:
    reasons = change.diff.reasons(level)
    text = "; ".join(reasons[:3])
    return text + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")


def _version_problem(change: Change, message: str, hint: str | None) -> Problem:
    return at_json(DESCRIPTOR, "/version", message, hint=hint)


def _set_version_hint(before: semver.Version, level: str) -> str:
    target = before.next_version(level)
    return f"set version to {target} and add a '## [{target}] - YYYY-MM-DD' section to {CHANGELOG} (docs/versioning.md)"


@change_rule("CH003", "version-not-bumped")
def version_bumped(change: Change) -> Iterator[Problem]:
    """A change to the data comes with a new version in datapackage.json (docs/versioning.md).

    Fails: a row added and ``version`` still ``0.1.0``; passes: ``version`` ``0.2.0``.
    """
    versions, need = _versions(change), change.diff.required_bump()
    if versions is None or need is None:
        return
    before, after = versions
    if after == before:
        yield _version_problem(
            change,
            f"the data changed since {change.base_label} but version is still {after}: the changes need a {need} bump "
            f"({_why(change, need)})",
            _set_version_hint(before, need),
        )


@change_rule("CH004", "version-bump-wrong")
def version_bump_enough(change: Change) -> Iterator[Problem]:
    """A new version is the next major, minor or patch version, at least as large as the changes need.

    Breaking schema change: major; rows added or removed: minor; corrections only: patch.
    Fails: rows added and ``0.1.0`` → ``0.1.1``, or ``0.1.0`` → ``0.3.0``; passes: ``0.1.0`` → ``0.2.0``.
    """
    versions = _versions(change)
    if versions is None or versions[0] == versions[1]:
        return
    before, after = versions
    need, kind = change.diff.required_bump(), bump_kind(before, after)
    if kind is None:
        nexts = ", ".join(str(before.next_version(k)) for k in reversed(LEVELS))
        yield _version_problem(
            change,
            f"version {before} → {after} is not a semantic-versioning step: the next version is one of {nexts}",
            _set_version_hint(before, need or "patch"),
        )
    elif need is not None and LEVELS.index(kind) < LEVELS.index(need):
        yield _version_problem(
            change,
            f"version {before} → {after} is a {kind} bump, but the changes need a {need} bump ({_why(change, need)})",
            _set_version_hint(before, need),
        )


@change_rule("CH005", "version-bump-larger", severity="warning")
def version_bump_not_larger(change: Change) -> Iterator[Problem]:
    """A new version is no larger a step than the changes need, so users can trust what a major or minor bump says.

    Warns: ``0.1.0`` → ``1.0.0`` when only a value was corrected (a patch); passes: ``0.1.0`` → ``0.1.1``.
    """
    versions = _versions(change)
    if versions is None or versions[0] == versions[1]:
        return
    before, after = versions
    need, kind = change.diff.required_bump(), bump_kind(before, after)
    if kind is not None and (need is None or LEVELS.index(kind) > LEVELS.index(need)):
        what = f"the changes need only a {need} bump" if need else "the data did not change"
        hint = f"use {before.next_version(need)}" if need else f"keep version {before}"
        yield _version_problem(change, f"version {before} → {after} is a {kind} bump, but {what}", hint + " (docs/versioning.md)")


# --- changelog -------------------------------------------------------------------------------


def changelog_entry(root: Path, version: str) -> tuple[str | None, int | None]:
    """Why DATA-CHANGELOG.md has no usable entry for ``version`` (None if it has one), and the line of its heading."""
    import keepachangelog  # keepachangelog loads on first use: every tda command would pay its start-up time otherwise

    path = root / CHANGELOG
    if not path.is_file():
        return f"there is no {CHANGELOG}", None
    if path.stat().st_size > MAX_CHANGELOG_BYTES:
        return f"{CHANGELOG} is larger than {MAX_CHANGELOG_BYTES:,} bytes and was not read", None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    heading = next(
        (i for i, line in enumerate(lines, 1) if line.startswith("## ") and line[3:].strip().lower().startswith(f"[{version}]")),
        None,
    )
    entry = keepachangelog.to_dict(lines).get(version.lower())
    if heading is None or entry is None:
        return f"{CHANGELOG} has no section for version {version}", None
    if not any(items for key, items in entry.items() if key != "metadata"):
        return f"{CHANGELOG}'s section for version {version} lists no change", heading
    return None, heading


@change_rule("CH006", "changelog-entry-missing")
def changelog_has_entry(change: Change) -> Iterator[Problem]:
    """A new version of the data has its section in DATA-CHANGELOG.md (Keep a Changelog: '## [0.2.0] - 2026-12-01', then what changed).

    Fails: version ``0.2.0`` with DATA-CHANGELOG.md's newest section still ``## [0.1.0]`` (a section in
    CHANGELOG.md, the tools' changelog, does not count); passes: a ``## [0.2.0]`` section with an
    ``### Added`` list in DATA-CHANGELOG.md.
    """
    before, after = change.diff.base.get("version"), change.diff.head.get("version")
    if not after or after == before:
        return
    why, line = changelog_entry(change.head.root, after)
    if why:
        yield found(
            why,
            path=CHANGELOG,
            line=line,
            column=1 if line else None,
            hint=f"add '## [{after}] - YYYY-MM-DD' with '### Added', '### Changed' or '### Removed' lists of what "
            "changed (https://keepachangelog.com/en/1.1.0/)",
        )


# --- sources ---------------------------------------------------------------------------------


@change_rule("CH007", "source-changed", severity="warning")
def changed_sources_called_out(change: Change) -> Iterator[Problem]:
    """A source document whose stored file changed is called out; every citation of it must still match the new text.

    Warns: seeds/insightcrime-tren-de-aragua-profile.txt edited (its SHA-256 differs from BASE's);
    passes: source documents byte-identical to BASE's.
    """
    for s in change.diff.sources:
        if s.status != "changed":
            continue
        where = f"seeds/{s.path_head}" if s.path_base == s.path_head else f"seeds/{s.path_base} → seeds/{s.path_head}"
        message = (
            f"source document {s.id} ({where}) changed since {change.base_label}: sha256 {(s.sha_base or '-')[:12]} → "
            f"{(s.sha_head or '-')[:12]}; its {len(s.citations)} citation{'s' * (len(s.citations) != 1)} must still quote it exactly"
        )
        hint = (
            "a stored source stays byte-identical to what was retrieved: if the publisher changed the document, add the "
            "new copy as a new source and cite it; tda validate re-checks every quote against the new text"
        )
        if s.line is not None and change.head.usable("sources"):
            yield at_cell(change.head, "sources", s.line, "sha256", message, record=s.id, hint=hint)
        else:
            yield found(message, path="data/sources.csv", record=s.id, hint=hint)
