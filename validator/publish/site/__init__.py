"""The static site of a release: ``tda site`` writes ``<release>/site/``.

The site is one more release format (``SiteExporter``): ``tda site`` runs the whole build
(validation first, an invalid package refused, ``--redact-protected`` applied to the records and
the source texts) and adds ``site/`` to the release, whose ``SHA256SUMS`` and zip then cover it.
Pages are rendered with Jinja2 (``templates/``) by ``pages.py``; the source pages mark each
quoted passage (``passages.py``); the timeline reads EDTF bounds (``dates.py``); the network is
laid out with networkx (``network.py``); the map projects Natural Earth outlines vendored from
the npm package world-atlas (``geo.py``, ``mapview.py``). Everything is drawn when the site is
built, so pages fetch nothing and work from disk; the small script in ``static/site.js`` only
adds search-as-you-type, network highlighting and filters.
"""

from __future__ import annotations

from ..export.base import Exporter

SITE_DIR = "site"


class SiteExporter(Exporter):
    NAME = "site"
    TITLE = "the static site"
    REQUIRES = ("jinja2", "networkx", "scipy")

    def finalize(self) -> list[str]:
        from .pages import render_site  # jinja2 and the site's modules load only for tda site

        files = render_site(self.release)
        return [self.release.write_bytes(f"{SITE_DIR}/{rel}", data) for rel, data in files.items()]
