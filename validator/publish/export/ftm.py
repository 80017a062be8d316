"""FollowTheMoney entities as JSON lines: ``ftm/<name>.ftm.json``, for Aleph and OpenSanctions tooling.

One entity per line (``{"id", "schema", "properties"}``), sorted by id; ids are the package's.

| package | FollowTheMoney |
|---|---|
| entity, type person | Person |
| criminal_group, armed_group, political_body, organization | Organization |
| state_institution, security_force | PublicBody |
| public_officials (unnamed officials as a group) | LegalEntity |
| relation leader_of | Directorship (director -> organization, role "leader") |
| relation member_of | Membership (member -> organization, role "member") |
| relation associated_with between two persons | Associate (person, associate, relationship "associate") |
| any other relation | UnknownLink (subject -> object, role = the relation type in words: "armed conflict with") |
| event | Event (involved = its actors, location = the place's name) |

Every entity carries its sources (``sourceUrl``, ``publisher``) and, on relations and events,
the claim status (``status`` where the schema has it, and ``summary`` always). Dates go to
``startDate``/``endDate``/``date`` only when the EDTF value is a plain year, month or day; an
approximate, uncertain or unspecified date (``2012~``, ``2019?``, ``201X``) is not made precise
but named in ``summary``. No ``topics`` are set: a topic such as ``crime`` would state as a
finding what the sources often only allege. Presence, activities and places have no fitting
FollowTheMoney schema and are left out.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..api import Record
from .base import Exporter

ENTITY_SCHEMATA = {
    "person": "Person",
    "state_institution": "PublicBody",
    "security_force": "PublicBody",
    "public_officials": "LegalEntity",
}
DEFAULT_ENTITY_SCHEMA = "Organization"
ROLES = {"leader_of": "leader", "member_of": "member", "associated_with": "associate"}
PLAIN_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def ftm_date(edtf: str | None) -> str | None:
    """A plain EDTF date (a year, month or day, no qualifier) as a FollowTheMoney date, else None."""
    return edtf if edtf and PLAIN_DATE.match(edtf) else None


def relation_mapping(rel_type: str, subject_schema: str, object_schema: str) -> tuple[str, str, str, str]:
    """(schema, subject property, object property, role property) for a relation type."""
    if rel_type == "leader_of":
        return "Directorship", "director", "organization", "role"
    if rel_type == "member_of":
        return "Membership", "member", "organization", "role"
    if rel_type == "associated_with" and subject_schema == object_schema == "Person":
        return "Associate", "person", "associate", "relationship"
    return "UnknownLink", "subject", "object", "role"


def _date(proxy: Any, prop: str, value: str | None, label: str, notes: list[str]) -> None:
    """Set ``prop`` when ``value`` is a plain date; otherwise keep the EDTF text in the notes."""
    if not value or value == "..":
        return
    if ftm_date(value):
        proxy.add(prop, value)
    else:
        notes.append(f"{label} (EDTF) {value}")


class FtMExporter(Exporter):
    NAME = "ftm"
    TITLE = "FollowTheMoney"
    REQUIRES = ("followthemoney",)

    def finalize(self) -> list[str]:
        from followthemoney import (
            model,  # followthemoney loads on first use: every tda command would pay its start-up time otherwise
        )

        self.model = model
        proxies = self.entities() + self.relations() + self.events()
        lines = [json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True) for p in sorted(proxies, key=lambda p: p.id)]
        rel = f"ftm/{self.release.name}.ftm.json"
        return [self.release.write_text(rel, "".join(line + "\n" for line in lines))]

    def _make(self, schema: str, rec: Record) -> Any:
        proxy = self.model.make_entity(schema)
        proxy.id = rec["id"]
        for cited in self.release.dataset.citations_of(rec["id"]):
            if cited.source:
                proxy.add("sourceUrl", cited.source.get("url"))
                proxy.add("publisher", cited.source.get("publisher"))
        return proxy

    def schema_of(self, entity_id: str) -> str:
        ent = self.release.dataset.get(entity_id)
        return ENTITY_SCHEMATA.get(ent.get("type", "") if ent else "", DEFAULT_ENTITY_SCHEMA)

    def entities(self) -> list[Any]:
        out = []
        for ent in self.release.dataset.tables.get("entities", []):
            proxy = self._make(self.schema_of(ent["id"]), ent)
            proxy.add("name", ent["name"])
            proxy.add("alias", ent.get("aliases") or [])
            proxy.add("description", ent.get("description"))
            out.append(proxy)
        return out

    def relations(self) -> list[Any]:
        out = []
        for rel in self.release.dataset.tables.get("relations", []):
            schema, subj, obj, role = relation_mapping(
                rel["type"], self.schema_of(rel["subject_id"]), self.schema_of(rel["object_id"])
            )
            proxy = self._make(schema, rel)
            proxy.add(subj, rel["subject_id"])
            proxy.add(obj, rel["object_id"])
            proxy.add(role, ROLES.get(rel["type"], rel["type"].replace("_", " ")))
            proxy.add("description", rel.get("description"))
            proxy.add("recordId", rel["id"])
            if "status" in proxy.schema.properties:
                proxy.add("status", rel["claim_status"])
            notes = [f"claim status: {rel['claim_status']}"]
            _date(proxy, "startDate", rel.get("start"), "start", notes)
            _date(proxy, "endDate", rel.get("end"), "end", notes)
            proxy.add("summary", "; ".join(notes))
            out.append(proxy)
        return out

    def events(self) -> list[Any]:
        ds = self.release.dataset
        out = []
        for evt in ds.tables.get("events", []):
            proxy = self._make("Event", evt)
            proxy.add("name", evt.get("title"))
            proxy.add("description", evt.get("description"))
            proxy.add("recordId", evt["id"])
            place = ds.get(evt["location_id"]) if evt.get("location_id") else None
            if place:
                proxy.add("location", place.get("name"))
            proxy.add("involved", sorted({a.actor["entity_id"] for a in ds.actors_of(evt["id"])}))
            notes = [f"claim status: {evt['claim_status']}"]
            date = evt.get("date") or ""
            if "/" in date:
                first, last = date.split("/", 1)
                if ftm_date(first) and (ftm_date(last) or last == ".."):
                    _date(proxy, "startDate", first, "start", notes)
                    _date(proxy, "endDate", last, "end", notes)
                else:
                    notes.append(f"date (EDTF) {date}")
            else:
                _date(proxy, "date", date, "date", notes)
            proxy.add("summary", "; ".join(notes))
            out.append(proxy)
        return out
