"""RL: relations link two different entities, with a type that allows their kinds, symmetric ones once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..problems import Problem
from .common import at_cell
from .registry import check, reads

if TYPE_CHECKING:
    from ..reading.package import Package


def _ready(pkg: Package) -> bool:
    """Register _reltypes(type, subject_types, object_types, symmetric) from the relation vocabulary."""
    if not pkg.usable("relations"):
        return False
    if "reltypes" not in pkg.cache:
        vocab = pkg.model.relation_types()
        pkg.register_rows(
            "_reltypes",
            [("type", "VARCHAR"), ("subject_types", "VARCHAR[]"), ("object_types", "VARCHAR[]"), ("symmetric", "BOOLEAN")],
            [
                (k, list(v.get("subjectTypes", [])), list(v.get("objectTypes", [])), bool(v.get("symmetric")))
                for k, v in vocab.items()
            ],
        )
        pkg.cache["reltypes"] = vocab
    return True


@check("RL801", "self-relation", reads=reads("relations"))
def no_self_relations(pkg: Package) -> Iterator[Problem]:
    """A relation links two different entities.

    Fails: ``subject_id`` = ``object_id`` = ``ent-tren-de-aragua``.
    """
    if not _ready(pkg):
        return
    for line, rid, subj in pkg.sql("SELECT _line, id, subject_id FROM relations WHERE subject_id = object_id ORDER BY _line"):
        yield at_cell(pkg, "relations", line, "object_id", f"{rid} relates {subj} to itself", record=rid)


def _role_types(pkg: Package, side: str) -> Iterator[Problem]:
    if not (_ready(pkg) and pkg.usable("entities")):
        return
    col = "subject_id" if side == "subject" else "object_id"
    rows = pkg.sql(
        f"SELECT r._line, r.id, r.type, e.type, t.{side}_types FROM relations r JOIN entities e ON r.{col} = e.id "
        f"JOIN _reltypes t ON r.type = t.type WHERE e.type IS NOT NULL AND NOT list_contains(t.{side}_types, e.type) ORDER BY r._line"
    )
    for line, rid, rtype, etype, allowed in rows:
        article = "an" if etype[:1] in "aeiou" else "a"
        yield at_cell(
            pkg,
            "relations",
            line,
            col,
            f"{rtype} does not take {article} {etype} as its {side}",
            record=rid,
            hint=f"a {side} of {rtype} is one of: {', '.join(allowed)} (docs/data-dictionary.md)",
        )


@check("RL802", "subject-type", reads=reads("relations", "entities", follows=["references"]))
def subject_types(pkg: Package) -> Iterator[Problem]:
    """The relation type allows the subject's entity type.

    Fails: ``leader_of`` with a criminal_group as subject; passes: a person.
    """
    yield from _role_types(pkg, "subject")


@check("RL803", "object-type", reads=reads("relations", "entities", follows=["references"]))
def object_types(pkg: Package) -> Iterator[Problem]:
    """The relation type allows the object's entity type.

    Fails: ``killed`` with a criminal_group as object; passes: a person.
    """
    yield from _role_types(pkg, "object")


@check("RL804", "symmetric-twice", reads=reads("relations", follows=["twins"]))
def symmetric_once(pkg: Package) -> Iterator[Problem]:
    """A symmetric relation (allied_with, rival_of ...) is stored once, not in both directions.

    Fails: A allied_with B and B allied_with A.
    """
    if not _ready(pkg):
        return
    rows = pkg.sql(
        "SELECT b._line, b.id, a.id, b.type FROM relations a JOIN relations b ON a.subject_id = b.object_id "
        "AND a.object_id = b.subject_id AND a.type = b.type AND a._line < b._line "
        "JOIN _reltypes t ON t.type = b.type WHERE t.symmetric AND a.subject_id <> a.object_id ORDER BY b._line"
    )
    for line, rid, other, rtype in rows:
        yield at_cell(
            pkg,
            "relations",
            line,
            "subject_id",
            f"{rtype} is symmetric and {other} already states it the other way",
            record=rid,
            hint=f"delete {rid}, or merge its dates and citations into {other}",
        )
