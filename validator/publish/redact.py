"""Redaction of protected persons for ``tda build --redact-protected``.

An entity with ``protected = true`` (a private person named only as a victim or in an
allegation about private life) becomes a neutral placeholder in every table and file:

- its row keeps its type and ``protected = true``; its name becomes ``Protected person N``
  (N numbers the protected entities in id order, so it is stable within one release only), its
  aliases are emptied and its description is replaced by a neutral line;
- every text cell (quotes, notes, descriptions, titles, names of other rows) has each of its
  names and aliases replaced by ``[protected person N]``: whole words, any case, with or without
  accents, any run of white space between the words;
- ids that spell the name (``ent-oswaldo-gonzalez``, ``rel-x-killed-oswaldo-gonzalez``,
  ``cit-ent-oswaldo-gonzalez-1``) have that part replaced by ``protected-N``, in the row and in
  every reference to it, so keys stay consistent;
- the seed documents get the same text replacement, and ``sources.sha256`` the new files'
  hashes, so every redacted quote still occurs in its redacted source and the release validates.

Forms shorter than three characters are not searched for (they would match ordinary words).
A mention by a part of the name that is not recorded as an alias (a surname alone) is not found:
record such forms as aliases of the protected entity.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..errors import CannotRun
from ..reading.model import Model
from .api import Dataset, Record

Row = dict[str, Any]  # a record being redacted: a plain dict until the dataset types it again

MIN_FORM_CHARS = 3
PLACEHOLDER_DESCRIPTION = "A private person this release does not name (protected)."
_APOSTROPHES = "'\u2019\u2018\u02bc"


def fold(text: str) -> str:
    """Text without accents (NFKD, combining marks dropped)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    """The id form of a name: ASCII lowercase words joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")


def _form_pattern(form: str) -> str:
    words = []
    for word in form.split():
        words.append("".join(f"[{re.escape(_APOSTROPHES)}]" if c in _APOSTROPHES else re.escape(c) for c in word))
    return r"\s+".join(words)


def _name_regex(forms: list[str]) -> re.Pattern[str] | None:
    variants: set[str] = set()
    for form in forms:
        form = " ".join(form.split())
        if len(form) < MIN_FORM_CHARS:
            continue
        for v in (form, fold(form)):
            variants.add(unicodedata.normalize("NFC", v))
            variants.add(unicodedata.normalize("NFD", v))
    if not variants:
        return None
    alternatives = sorted(variants, key=lambda v: (-len(v), v))
    return re.compile(r"(?<!\w)(?:" + "|".join(_form_pattern(v) for v in alternatives) + r")(?!\w)", re.IGNORECASE)


def _slug_regex(slugs: set[str]) -> re.Pattern[str] | None:
    keep = sorted((s for s in slugs if len(s) >= MIN_FORM_CHARS), key=lambda s: (-len(s), s))
    if not keep:
        return None
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(s) for s in keep) + r")(?![a-z0-9])", re.IGNORECASE)


@dataclass
class Placeholder:
    number: int
    entity_id: str
    entity_type: str
    names: re.Pattern[str] | None
    slugs: re.Pattern[str] | None
    longest: int = 0  # length of the longest name form

    @property
    def label(self) -> str:
        return f"Protected {'person' if self.entity_type == 'person' else 'entity'} {self.number}"

    @property
    def text(self) -> str:
        return f"[{self.label.lower()}]"

    @property
    def slug(self) -> str:
        return f"protected-{self.number}"


@dataclass
class Redaction:
    """What to replace, for every protected entity; apply with ``text`` and ``ident``."""

    placeholders: list[Placeholder] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.placeholders)

    def text(self, value: str) -> str:
        """Free text with every protected name (and id spelling of it) replaced."""
        for p in self.placeholders:
            if p.names is not None:
                value = p.names.sub(p.text, value)
            if p.slugs is not None:
                value = p.slugs.sub(p.slug, value)
        return value

    def ident(self, value: str) -> str:
        """An id (or a reference to one) with the part that spells a protected name replaced."""
        for p in self.placeholders:
            if p.slugs is not None:
                value = p.slugs.sub(p.slug, value)
        return value


def plan(dataset: Dataset) -> Redaction:
    """The placeholders for the protected entities of ``dataset``, numbered in id order."""
    protected = sorted((e for e in dataset.tables.get("entities", []) if e.get("protected")), key=lambda e: e["id"])
    out = Redaction()
    for n, ent in enumerate(protected, start=1):
        forms = [ent["name"], *(ent.get("aliases") or [])]
        slugs = {slug(f) for f in forms} | {ent["id"].split("-", 1)[1]}
        longest = max(len(f) for f in forms)
        out.placeholders.append(Placeholder(n, ent["id"], ent.get("type", ""), _name_regex(forms), _slug_regex(slugs), longest))
    # Longer names first, so that one person's full name is replaced before another's shorter alias.
    out.placeholders.sort(key=lambda p: (-p.longest, p.number))
    return out


def _key_fields(model: Model, table: str) -> set[str]:
    t = model.tables[table]
    return {"id", *(fk.field for fk in t.foreign_keys), *t.polymorphic}


def _redact_record(model: Model, table: str, rec: Record, redaction: Redaction) -> Row:
    keys = _key_fields(model, table)
    fields = {f.name: f for f in model.tables[table].fields}
    out: Row = {}
    for name, value in rec.items():
        f = fields.get(name)
        if value is None or f is None:
            out[name] = value
        elif name in keys:
            out[name] = redaction.ident(value)
        elif name == "refers" and isinstance(value, str):  # words=id pairs: the words are text, the ids ids
            pairs = (pair.split("=", 1) for pair in value.split("|"))
            out[name] = "|".join(
                f"{redaction.text(w)}={redaction.ident(i)}" if i is not None else redaction.text(w)
                for w, i in ((p[0], p[1] if len(p) > 1 else None) for p in pairs)
            )
        elif f.kind == "list":
            out[name] = list(dict.fromkeys(redaction.text(v) for v in value))  # two spellings may become one placeholder
        elif f.kind == "string" and not f.enum and not f.pattern:
            out[name] = redaction.text(value)  # free text (codes, hashes and vocabulary terms are left alone)
        else:
            out[name] = value
    return out


def redact(dataset: Dataset, seeds: dict[str, bytes]) -> tuple[Dataset, dict[str, bytes], Redaction]:
    """The dataset and seed files with every protected entity replaced by its placeholder.

    ``seeds`` maps a path under seeds/ to the file's bytes; the result maps the (redacted) path
    to the redacted bytes, and ``sources.path``/``sha256`` follow. Raises CannotRun when a seed
    is not UTF-8 text or when redaction would make two ids equal.
    """
    redaction = plan(dataset)
    if not redaction:
        return dataset, dict(seeds), redaction
    by_id = {p.entity_id: p for p in redaction.placeholders}
    tables: dict[str, list[Row]] = {}
    for name, rows in dataset.tables.items():
        new_rows = []
        for rec in rows:
            red = _redact_record(dataset.model, name, rec, redaction)
            if name == "entities" and rec["id"] in by_id:
                red.update(name=by_id[rec["id"]].label, aliases=[], description=PLACEHOLDER_DESCRIPTION)
            new_rows.append(red)
        tables[name] = sorted(new_rows, key=lambda r: r.get("id", ""))
    new_seeds: dict[str, bytes] = {}
    for rel, data in sorted(seeds.items()):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise CannotRun(
                f"seeds/{rel} is not UTF-8 text, so protected names in it cannot be redacted",
                hint="build without --redact-protected, or store the source as text",
            ) from None
        new_seeds[redaction.text(rel)] = redaction.text(text).encode("utf-8")
    _rehash_sources(tables, new_seeds)
    _check_unique(tables)
    return dataset.replace_tables(tables), new_seeds, redaction


def _rehash_sources(tables: dict[str, list[Row]], seeds: dict[str, bytes]) -> None:
    for src in tables.get("sources", []):
        data = seeds.get(src.get("path") or "")
        if data is not None:
            src["sha256"] = hashlib.sha256(data).hexdigest()


def _check_unique(tables: dict[str, list[Row]]) -> None:
    seen: dict[str | None, str] = {}
    for name, rows in tables.items():
        for rec in rows:
            rid = rec.get("id")
            if rid in seen:
                raise CannotRun(
                    f"redaction makes two ids equal: {rid!r} (in {seen[rid]} and {name})",
                    hint="rename one of the rows whose id spells a protected name",
                )
            seen[rid] = name
