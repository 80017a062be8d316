"""Temporary git repositories holding the base test package, for tests on real history.

``Repo.create(path)`` commits a copy of the shared valid base (tests/cases/_base, see
casepkg.py) plus a Keep a Changelog DATA-CHANGELOG.md (the data's) and CHANGELOG.md (the tools'); a test then edits files with the helpers
below and commits again, so the change rules and ``tda diff`` read real commits.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from casepkg import build_base

CHANGELOG = """\
# Changelog

All notable changes to the data of the package, following Keep a Changelog.

## [Unreleased]

## [0.1.0] - 2026-11-24

### Added
- The first slice of the profile.
"""

TOOLS_CHANGELOG = """\
# Changelog of the tools

## [Unreleased]

"""

_TEMPLATE: dict[str, Path] = {}


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def create(cls, dest: Path, template_dir: Path) -> Repo:
        """A fresh repository with one commit (the base package); built once, then copied."""
        if "repo" not in _TEMPLATE:
            repo = cls(build_base(template_dir / "template"))
            (repo.root / "DATA-CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
            (repo.root / "CHANGELOG.md").write_text(TOOLS_CHANGELOG, encoding="utf-8")
            # no template (sample hooks) and the objects in one pack: the template is copied for
            # every test, and its 25 files copy in a third of the time of the 85 git makes by default
            repo.git("init", "-q", "-b", "main", "--template=")
            repo.git("config", "user.name", "Test Contributor")
            repo.git("config", "user.email", "contributor@example.org")
            repo.git("config", "commit.gpgsign", "false")
            repo.commit("Base package")
            repo.git("repack", "-adq")
            _TEMPLATE["repo"] = repo.root
        shutil.copytree(_TEMPLATE["repo"], dest, symlinks=True)
        return cls(dest)

    def git(self, *args: str) -> str:
        result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=True, timeout=60)
        return result.stdout.strip()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    # -- editing -----------------------------------------------------------------------------

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        self.path(rel).write_text(text, encoding="utf-8")

    def _rows(self, rel: str) -> tuple[str, list[str]]:
        header, *rows = self.read(rel).splitlines()
        return header, rows

    def remove_row(self, rel: str, rid: str) -> str:
        """Delete the row whose id is ``rid``; return it."""
        header, rows = self._rows(rel)
        (gone,) = [r for r in rows if r.split(",", 1)[0] == rid]
        self.write(rel, "\n".join([header] + [r for r in rows if r is not gone]) + "\n")
        return gone

    def put_row(self, rel: str, row: str) -> None:
        """Add ``row`` (or replace the row with its id), keeping the file sorted by id."""
        header, rows = self._rows(rel)
        rid = row.split(",", 1)[0]
        rows = sorted([r for r in rows if r.split(",", 1)[0] != rid] + [row], key=lambda r: r.split(",", 1)[0])
        self.write(rel, "\n".join([header, *rows]) + "\n")

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new))

    def set_version(self, version: str) -> None:
        text = re.sub(r'"version": "[^"]*"', f'"version": "{version}"', self.read("datapackage.json"), count=1)
        self.write("datapackage.json", text)

    def add_changelog(self, version: str, *lines: str, path: str = "DATA-CHANGELOG.md") -> None:
        items = "".join(f"- {line}\n" for line in lines)
        section = f"## [{version}] - 2026-12-01\n\n" + (f"### Changed\n{items}\n" if items else "")
        self.replace(path, "## [Unreleased]\n\n", f"## [Unreleased]\n\n{section}")

    def release(self, version: str, note: str = "What changed.") -> None:
        """Set the version and add its changelog section."""
        self.set_version(version)
        self.add_changelog(version, note)

    def reseal_source(self, seed: str = "insightcrime-tren-de-aragua-profile.txt") -> None:
        """Record the seed file's current SHA-256 in sources.csv."""
        digest = hashlib.sha256(self.path(f"seeds/{seed}").read_bytes()).hexdigest()
        text = re.sub(r",[0-9a-f]{64},", f",{digest},", self.read("data/sources.csv"), count=1)
        self.write("data/sources.csv", text)
