"""Building a release: ``build(package, out)`` writes ``<out>/<name>-<version>/`` and its zip.

The package is validated first and a package with errors is refused (``InvalidPackage``,
carrying the report). The typed records then go through every exporter in
``validator.publish.export.exporters()``; ``SHA256SUMS`` lists every file; one zip holds the whole.
Two builds of the same package give byte-identical files: rows and keys in a fixed order, and
the only date written anywhere is the package's ``created`` (zip entries included).

The release is written under a temporary name and renamed when complete, so an interrupted
build never leaves a half release under the real name. An existing release of the same name
is replaced; a directory of that name that is not a release is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks.runner import validate
from ..errors import CannotRun, InvalidPackage
from ..reading.package import Package
from ..reading.paths import resolve_inside
from .api import Dataset, dataset_from_package
from .export import Exporter, Release, exporters, missing_modules

if TYPE_CHECKING:
    from datetime import date

    from ..reading.package import Package

# Called as progress(what is being done, step number from 1, number of steps).
Progress = Callable[[str, int, int], None]

CHECKSUMS = "SHA256SUMS"
ZIP_EPOCH: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


@dataclass(frozen=True)
class BuildResult:
    directory: Path  # the release directory
    archive: Path  # the zip next to it
    files: tuple[str, ...]  # every file of the release, relative to ``directory``, sorted
    redacted: bool
    protected: int  # protected entities (replaced by placeholders when redacted)
    warnings: int  # validation warnings (they do not stop a build)

    @property
    def size(self) -> int:
        return sum((self.directory / f).stat().st_size for f in self.files)


def release_name(descriptor: dict, redacted: bool) -> str:
    return f"{descriptor['name']}-{descriptor['version']}" + ("-redacted" if redacted else "")


def read_seeds(root: Path) -> dict[str, bytes]:
    """Every regular file under seeds/ (path relative to seeds/ -> bytes), skipping links that leave it."""
    seeds = root / "seeds"
    out: dict[str, bytes] = {}
    if not seeds.is_dir():
        return out
    for path in sorted(seeds.rglob("*")):
        rel = path.relative_to(seeds).as_posix()
        target, _ = resolve_inside(seeds, rel)
        if target is not None and target.is_file():
            out[rel] = target.read_bytes()
    return out


class _Steps:
    """Counts the build's steps and reports each to the progress callback."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, what: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(what, self.done, self.total)


def build(
    package: str | Path = ".",
    out: str | Path = "dist",
    *,
    redact_protected: bool = False,
    progress: Progress | None = None,
    site: bool = False,
) -> BuildResult:
    """Validate the package at ``package`` and write its release under ``out``.

    With ``site=True`` the release also holds the static site, ``site/`` (``tda site``).
    Raises InvalidPackage when validation finds errors, CannotRun when the package cannot be
    read or the release cannot be written. ``progress`` is called before each step.
    """

    formats = exporters()
    extra = "build"
    if site:
        from .site import SiteExporter  # the site's dependencies (jinja2, scipy) load only for tda site

        formats.append(SiteExporter)
        extra = "site"
    missing = missing_modules(formats)
    if missing:
        raise CannotRun(
            f"tda {'site' if site else 'build'} needs {', '.join(missing)}, which is not installed",
            hint=f"pip install 'tren-de-aragua-data[{extra}]' (or, in a clone, pip install -e '.[{extra}]')",
        )
    step = _Steps(progress, 2 + int(redact_protected) + len(formats) + 3)
    out_dir = Path(out)
    step("validating the package")
    pkg = Package.load(package)
    if _nameable(pkg.descriptor):  # fail before the long part when the target is taken
        _refuse_non_release(out_dir / release_name(pkg.descriptor, redact_protected))
    report = validate(pkg.root, package=pkg, max_per_group=0)
    if not report.valid:
        raise InvalidPackage(report)
    dataset, seeds, protected = _records(pkg, redact_protected, step)
    name = release_name(pkg.descriptor, redact_protected)
    final, partial = out_dir / name, out_dir / f".{name}.partial"
    _refuse_non_release(final)
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    release = Release(partial, dataset, seeds, pkg.root, redacted=redact_protected, protected_count=protected)
    try:
        files = _write_formats(release, formats, step)
        step("writing the zip")
        if final.exists():
            shutil.rmtree(final)
        os.replace(partial, final)
        archive = out_dir / f"{name}.zip"
        write_zip(final, files, archive, release.created)
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    return BuildResult(final, archive, tuple(files), redact_protected, protected, report.warnings)


def _records(pkg: Package, redact_protected: bool, step: _Steps) -> tuple[Dataset, dict[str, bytes], int]:
    """The typed records and seed files that go into the release, and the number of protected entities."""
    step("reading the tables")
    dataset = dataset_from_package(pkg)
    seeds = read_seeds(pkg.root)
    protected = sum(1 for e in dataset.tables.get("entities", []) if e.get("protected"))
    if redact_protected:
        from .redact import redact  # loaded only when a release is redacted

        step("redacting protected persons")
        dataset, seeds, _ = redact(dataset, seeds)
    return dataset, seeds, protected


def _write_formats(release: Release, formats: list[type[Exporter]], step: _Steps) -> list[str]:
    """Run every exporter, then the README and SHA256SUMS; return every file written, sorted."""
    tables = release.dataset.model.tables.values()
    for cls in formats:
        step(f"writing {cls.TITLE}")
        exporter = cls(release)
        for table in tables:
            exporter.write(table, release.dataset.tables[table.name])
        release.files += exporter.finalize()
    step("writing the release README")
    release.files.append(release.write_text("README.md", release_readme(release)))
    step(f"writing {CHECKSUMS}")
    files = sorted(set(release.files))
    release.write_text(CHECKSUMS, checksums(release.directory, files))
    return sorted([*files, CHECKSUMS])


def _nameable(descriptor: dict) -> bool:
    """True when name and version can name a directory (the validator reports them otherwise)."""
    return all(
        isinstance(descriptor.get(k), str) and re.fullmatch(r"[A-Za-z0-9._+-]+", descriptor[k]) for k in ("name", "version")
    )


def _refuse_non_release(target: Path) -> None:
    if target.exists() and not (target / CHECKSUMS).is_file():
        raise CannotRun(
            f"{target} exists and is not a release built by tda (no {CHECKSUMS} in it)",
            hint="move it away, or build into another directory with --out",
        )


def checksums(root: Path, files: list[str]) -> str:
    """``sha256sum`` format: one ``<hex>  <path>`` line per file, sorted by path (``sha256sum -c`` reads it)."""
    lines = []
    for rel in sorted(files):
        digest = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        lines.append(f"{digest}  {rel}\n")
    return "".join(lines)


def write_zip(directory: Path, files: list[str], archive: Path, when: date) -> None:
    """One zip of the release (entries under ``<release name>/``), the same bytes for the same files."""
    stamp = max((when.year, when.month, when.day, 0, 0, 0), ZIP_EPOCH)
    partial = archive.with_name(f".{archive.name}.partial")
    with zipfile.ZipFile(partial, "w") as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(f"{directory.name}/{rel}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permission bits below are read
            info.external_attr = 0o100644 << 16
            zf.writestr(info, (directory / rel).read_bytes(), compresslevel=9)
    os.replace(partial, archive)


def release_readme(release: Release) -> str:
    """README.md of the release: what each file is and which tool opens it."""
    r = release
    name = r.name
    title = r.descriptor.get("title", name)
    lines = [
        f"# {title}",
        "",
        f"Release {r.version} of the `{name}` data package, built by `tda build`.",
    ]
    if r.redacted:
        lines += [
            "",
            f"**Redacted release.** The {r.protected_count} protected person(s) (private persons named only as victims "
            "or in allegations about private life) appear only as placeholders (`Protected person N`): their names, "
            "aliases and descriptions are replaced, and so is every mention of them in quotes, descriptions, ids and "
            "the source texts under `seeds/`.",
        ]
    lines += [
        "",
        "| path | what | open with |",
        "|---|---|---|",
        "| `datapackage.json`, `data/*.csv`, `schemas/`, `seeds/` | the Frictionless Data Package: CSV tables, "
        "one JSON Schema per table, the source documents | `frictionless validate datapackage.json`, pandas, R, any spreadsheet |",
        f"| `excel/{name}.xlsx` | one workbook: a README sheet, one sheet per table, the codebook and the vocabularies | "
        "Excel, LibreOffice, pandas (`read_excel`); use it rather than opening the CSV files in Excel, which may "
        "garble accented names |",
        "| `codebook/columns.csv`, `codebook/vocabularies.csv` | every column (type, required, description, constraints) "
        "and every vocabulary term with its meaning | any CSV reader; also tables `codebook_*` in the SQLite database |",
        "| `annotations.jsonld` | every citation as a W3C Web Annotation: the quote's place in its source "
        "(TextQuoteSelector, TextPositionSelector into `seeds/`) and the row it supports | annotation tools, any JSON-LD reader |",
        "| `json/<table>.json` | one array of typed records per table | any JSON reader; each record validates against "
        "`schemas/<table>.schema.json` |",
        "| `parquet/<table>.parquet` | typed columns | pandas, pyarrow, DuckDB, R (arrow) |",
        f"| `sqlite/{name}.db`, `sqlite/metadata.json` | every table, keys, full-text search | "
        f"`datasette serve --immutable sqlite/{name}.db -m sqlite/metadata.json`, sqlite3 |",
        "| `geo/locations.geojson` | every place (outlines of countries and states, points, or no geometry with the reason) and who is present there, what they do and what happened | QGIS, any GIS |",
        f"| `graph/{name}.graphml`, `graph/{name}.gexf` | entities and their relations as a graph | Gephi, Cytoscape, networkx |",
        f"| `ftm/{name}.ftm.json` | FollowTheMoney entities, one JSON object per line | Aleph (`alephclient`), `ftm` tools |",
        "| `CITATION.cff` | how to cite this release | GitHub, Zenodo, reference managers |",
        *(
            [
                "| `site/index.html` | the profile as a website: overview, a page per entity, place and source, timeline, "
                "network, map, search; works from disk | any web browser |"
            ]
            if "site/index.html" in r.files
            else []
        ),
        "| `docs/data-dictionary.md` | every table, column and vocabulary term | |",
        *(["| `DATA-CHANGELOG.md` | what changed in the data, version by version | |"] if "DATA-CHANGELOG.md" in r.files else []),
        f"| `{CHECKSUMS}` | SHA-256 of every file | `sha256sum -c {CHECKSUMS}` |",
        "",
        "The JSON, Parquet and SQLite tables add derived columns after the CSV ones: `<column>_earliest` and "
        "`<column>_latest`, the first and last day each EDTF date can mean (ISO dates; `~ ? %` do not widen them; "
        "an open or unknown end is empty), and `category` on relations (see `docs/data-dictionary.md`).",
        "",
        "Every row is traced to a verbatim quote (table `citations`) from a document under `seeds/`, with the "
        "source's hedging kept in `claim_status`. An allegation recorded here is an allegation, not a finding of guilt.",
        "",
        "Licence: see `LICENSE-DATA.md`.",
    ]
    return "\n".join(lines) + "\n"
