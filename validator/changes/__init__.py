"""Change tooling: comparing two versions of a package.

Holds git access (``gitside``), the row-level diff and its reports (``diff``, ``diffreport``),
the change rules of family CH (``rules``) and ``tda validate --since`` (``incremental``), which
checks only what a change can have broken.

May import: ``validator.errors``, ``validator.problems``, ``validator.reading`` and
``validator.checks``. Nothing here imports publishing, maintenance or the CLI.
"""
