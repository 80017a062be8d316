"""GraphML and GEXF: ``graph/<name>.graphml`` and ``graph/<name>.gexf``, for Gephi, Cytoscape, networkx.

Nodes are the entities (id = entity id; ``label`` = name; ``entity_type``, ``aliases`` joined
with ``|``, ``description``, ``protected``,
``name_descriptive``). Edges are the relations, directed subject -> object
(id = relation id; ``label`` and ``relation_type`` = the type; ``category`` = the type's category;
``start``/``end`` as EDTF text in ``start_edtf``/``end_edtf``, and their bounds as ISO dates in
``start_earliest``, ``start_latest``, ``end_earliest``, ``end_latest``; ``claim_status``;
``description``; ``symmetric`` true for types such as allied_with that read both ways). A missing
value is an absent attribute.

GEXF reserves ``start``/``end`` (dynamic graphs, real dates) and ``type`` (edge direction), hence
the names. networkx's GEXF writer stamps the day of writing (``lastmodifieddate``); it is pinned
to the package's ``created`` date so that two builds give the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..derived import bounds
from .base import Exporter

if TYPE_CHECKING:
    import networkx as nx


def _attrs(pairs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pairs.items() if v is not None}


class GraphExporter(Exporter):
    NAME = "graph"
    TITLE = "GraphML and GEXF"
    REQUIRES = ("networkx",)

    def graph(self) -> nx.MultiDiGraph[str]:
        import networkx as nx  # networkx loads on first use: every tda command would pay its start-up time otherwise

        ds = self.release.dataset
        symmetric = {t for t, spec in ds.model.relation_types().items() if spec.get("symmetric")}
        g: nx.MultiDiGraph[str] = nx.MultiDiGraph(name=ds.descriptor.get("title", ds.name))
        for ent in ds.tables.get("entities", []):
            g.add_node(
                ent["id"],
                **_attrs(
                    {
                        "label": ent.get("name"),
                        "entity_type": ent.get("type"),
                        "aliases": "|".join(ent.get("aliases") or []) or None,
                        "description": ent.get("description"),
                        "protected": bool(ent.get("protected")),
                        "name_descriptive": bool(ent.get("name_descriptive")),
                    }
                ),
            )
        for rel in ds.tables.get("relations", []):
            g.add_edge(
                rel["subject_id"],
                rel["object_id"],
                key=rel["id"],
                **_attrs(
                    {
                        "id": rel["id"],
                        "label": rel.get("type"),
                        "relation_type": rel.get("type"),
                        "category": ds.model.relation_category(rel.get("type")),
                        "start_edtf": rel.get("start"),
                        "end_edtf": rel.get("end"),
                        "start_earliest": bounds(rel.get("start"))[0],
                        "start_latest": bounds(rel.get("start"))[1],
                        "end_earliest": bounds(rel.get("end"))[0],
                        "end_latest": bounds(rel.get("end"))[1],
                        "claim_status": rel.get("claim_status"),
                        "description": rel.get("description"),
                        "symmetric": rel.get("type") in symmetric,
                    }
                ),
            )
        return g

    def finalize(self) -> list[str]:
        import networkx as nx  # networkx loads on first use: every tda command would pay its start-up time otherwise
        from networkx.readwrite.gexf import (
            GEXFWriter,  # networkx loads on first use: every tda command would pay its start-up time otherwise
        )

        g = self.graph()
        r = self.release
        graphml = f"graph/{r.name}.graphml"
        # The plain-XML writer, whether or not lxml is installed: the same bytes everywhere.
        nx.write_graphml_xml(g, r.path(graphml), encoding="utf-8", prettyprint=True, edge_id_from_attribute="id")
        gexf = f"graph/{r.name}.gexf"
        writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
        meta = writer.xml.find("meta")
        if meta is not None:
            meta.set("lastmodifieddate", r.created.isoformat())
        writer.add_graph(g)
        with open(r.path(gexf), "wb") as fh:
            writer.write(fh)
        return [graphml, gexf]
