"""Random valid packages for property tests: the shared base plus random, correct rows.

``plans()`` is a hypothesis strategy for what to add: entities of random types with random
names, aliases and descriptions; towns inside Aragua; relations between the new entities with
a type that allows their entity types; a citation for each new row whose quote is a random run
of words of the source document. ``build(plan, dest)`` writes the package, every table in
canonical form (sorted by id, minimal quoting, LF), so that it is valid by construction.

Grounded by construction too (the GR checks): random names are declared descriptive, aliases are
words of the entity's quote, each citation resolves one of its words to each party of its row
(``refers``), a relation's quote is a run of the source around a cue word of its type, dates are
approximate with a ``derived:`` note naming their years, and a hedged quote never carries a
``reported`` row.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from casepkg import ROOT, build_base
from hypothesis import strategies as st

from validator.checks.grounding import words
from validator.checks.provenance import _HEDGE_RE
from validator.reading.model import Model, load_model
from validator.reading.textnorm import normalize

MODEL: Model = load_model(ROOT / "schemas", rel_to=ROOT)
SEED = ROOT / "tests" / "cases" / "_base" / "seeds" / "insightcrime-tren-de-aragua-profile.txt"
SEED_WORDS = normalize(SEED.read_text(encoding="utf-8")).split(" ")
SOURCE = "src-insightcrime-tda-profile"
ENTITY_TYPES = sorted(MODEL.tables["entities"].field("type").enum or ())
CLAIMS = sorted(MODEL.tables["relations"].field("claim_status").enum or ())
RELATION_TYPES = MODEL.relation_types()

LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúñü"
word = st.text(LETTERS, min_size=1, max_size=9)
name = st.lists(word, min_size=1, max_size=3).map(lambda ws: " ".join(w.capitalize() for w in ws))
sentence = st.lists(st.one_of(word, st.sampled_from(["2018", "(ELN)", "Aragua,", "its", "the"])), min_size=1, max_size=10).map(
    lambda ws: (" ".join(ws)).capitalize().rstrip(",") + "."
)
slug = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
date = st.one_of(
    st.just(""),
    st.integers(2000, 2022).map(lambda y: f"{y}~"),
    st.tuples(st.integers(2000, 2022), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}~"),
    st.tuples(st.integers(2000, 2010), st.integers(2011, 2022)).map(lambda t: f"{t[0]}~/{t[1]}~"),
)
REL_CUES = MODEL.cues("relations", "type")
_SEED_FORM = [words(w).strip() for w in SEED_WORDS]


def _cue_starts(cues: list[str]) -> list[int]:
    """Indices of SEED_WORDS where one of ``cues`` (in word form) starts a word."""
    out = []
    for i, _w in enumerate(_SEED_FORM):
        rest = " ".join(_SEED_FORM[i : i + 4])
        if any((" " + rest).startswith(" " + words(c).strip()) for c in cues):
            out.append(i)
    return out


CUE_STARTS = {t: _cue_starts(c) for t, c in REL_CUES.items()}


def source_run(start: int, n: int) -> str:
    """The ``n`` words of the source from word ``start``, begun earlier while the run would start
    with a formula character (TX904 would rightly flag such a cell): still a passage of the source,
    as PV402 requires (putting a word in front of it had made a quote the source does not have)."""
    while start > 0 and SEED_WORDS[start][:1] in "=+-@":
        start, n = start - 1, n + 1
    return " ".join(SEED_WORDS[start : start + n])


@st.composite
def quotes(draw: st.DrawFn) -> str:
    """A run of 3 to 12 words of the source, which therefore occurs in it after normalisation."""
    n = draw(st.integers(3, 12))
    return source_run(draw(st.integers(0, len(SEED_WORDS) - n)), n)


@st.composite
def cue_quotes(draw: st.DrawFn, rtype: str) -> str:
    """A run of the source that starts at a cue word of the relation type ``rtype``."""
    return source_run(draw(st.sampled_from(CUE_STARTS[rtype])), draw(st.integers(4, 12)))


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    entities = []
    for s in draw(st.lists(slug, max_size=4, unique=True)):
        aliases = draw(st.lists(name, max_size=2, unique=True))
        entities.append(
            {
                "id": f"ent-zz{s}",
                "type": draw(st.sampled_from(ENTITY_TYPES)),
                "name": draw(name),
                "aliases": "|".join(aliases),
                "description": draw(sentence),
                "protected": draw(st.sampled_from(["true", "false"])),
            }
        )
    towns = [{"id": f"loc-zz{s}", "name": draw(name)} for s in draw(st.lists(slug, max_size=3, unique=True))]
    relations = []
    pairs: set[frozenset[str]] = set()
    for k, (a, b) in enumerate(draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=4))):
        if a >= len(entities) or b >= len(entities) or a == b:
            continue
        subj, obj = entities[a], entities[b]
        allowed = sorted(
            t
            for t, spec in RELATION_TYPES.items()
            if subj["type"] in spec["subjectTypes"] and obj["type"] in spec["objectTypes"] and CUE_STARTS.get(t)
        )
        pair = frozenset((subj["id"], obj["id"]))
        if not allowed or pair in pairs:  # one relation per pair: no symmetric duplicates
            continue
        pairs.add(pair)
        relations.append(
            {
                "id": f"rel-zz{k}",
                "subject_id": subj["id"],
                "type": draw(st.sampled_from(allowed)),
                "object_id": obj["id"],
                "start": draw(date),
                "end": "",
                "claim_status": draw(st.sampled_from(CLAIMS)),
                "description": draw(sentence),
            }
        )
    cites = {r["id"]: draw(quotes()) for r in entities + towns}
    cites.update({r["id"]: draw(cue_quotes(r["type"])) for r in relations})
    for ent in entities:  # aliases are words of the entity's quote (GR102)
        quote_words = sorted({w for w in _words_of(cites[ent["id"]])})
        ent["aliases"] = "|".join(draw(st.lists(st.sampled_from(quote_words), max_size=2, unique=True)))
    for rel in relations:
        if rel["claim_status"] == "reported" and re.search(_HEDGE_RE, cites[rel["id"]].lower()):
            rel["claim_status"] = "alleged"  # the status the hedged wording gives (PV405)
    return {"entities": entities, "towns": towns, "relations": relations, "quotes": cites}


def _words_of(quote: str) -> list[str]:
    """The words of a quote as they stand in it (letters only)."""
    return [w for w in re.findall(r"[^\W\d_]+", quote)]


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _add(pkg: Path, table: str, new: list[dict[str, str]]) -> None:
    path = pkg / MODEL.tables[table].path
    header, *rows = read_rows(path)
    rows += [[r.get(col, "") for col in header] for r in new]
    write_rows(path, [header, *sorted(rows, key=lambda r: r[0])])


def build(plan: dict[str, Any], dest: Path) -> Path:
    pkg = build_base(dest)
    _add(pkg, "entities", [dict(e, name_descriptive="true") for e in plan["entities"]])
    _add(
        pkg,
        "locations",
        [
            {"id": t["id"], "type": "town", "name": t["name"], "parent_id": "loc-aragua", "name_descriptive": "true"}
            for t in plan["towns"]
        ],
    )
    _add(pkg, "relations", plan["relations"])
    parties = {r["id"]: [r["subject_id"], r["object_id"]] for r in plan["relations"]}
    dates = {r["id"]: re.findall(r"\d{4}", r["start"]) for r in plan["relations"]}
    citations = []
    for rid, quote in plan["quotes"].items():
        first = _words_of(quote)[0]
        refers = "|".join(f"{first}={p}" for p in parties.get(rid, [rid]))
        years = dates.get(rid)
        note = f"derived: a test date, {' and '.join(years)}" if years else ""
        citations.append(
            {"id": f"cit-{rid}-1", "record_id": rid, "source_id": SOURCE, "quote": quote, "note": note, "refers": refers}
        )
    _add(pkg, "citations", citations)
    return pkg
