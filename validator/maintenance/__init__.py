"""Maintenance of the repository: canonical formatting (``fmt``), statistics (``stats``) and
the generated files (``generate``: the descriptor's resources and the docs of the checks).

May import: ``validator.errors``, ``validator.problems``, ``validator.reading``,
``validator.checks`` and ``validator.changes`` (to list the change rules). Nothing here imports
publishing or the CLI.
"""
