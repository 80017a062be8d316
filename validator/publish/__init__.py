"""Publishing: the Python API over a package or release, releases in every format, the site.

Holds ``api`` (``load()`` and the ``Dataset`` a researcher queries), ``records`` (its typed
records, generated from schemas/ by ``tda generate``; their base class in ``recordbase``),
``frames`` (a table as a pandas DataFrame), ``build`` (a release from a validated package), ``export`` (one module per format, one shared interface), ``site`` (the
static site) and ``redact`` (protected persons left out of a release).

May import: ``validator.errors``, ``validator.problems``, ``validator.reading`` and
``validator.checks`` (a release is built from a validated package). Nothing here imports the
change tooling, maintenance or the CLI.
"""
