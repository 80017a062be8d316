"""Publishing: the Python API over a package or release, releases in every format, the site.

Holds ``api`` (``load()`` and the ``Dataset`` a researcher queries), ``build`` (a release from a
validated package), ``export`` (one module per format, one shared interface), ``site`` (the
static site) and ``redact`` (protected persons left out of a release).

May import: ``validator.errors``, ``validator.problems``, ``validator.reading`` and
``validator.checks`` (a release is built from a validated package). Nothing here imports the
change tooling, maintenance or the CLI.
"""
