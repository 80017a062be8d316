"""The checks, one module per concern; importing this package registers them all."""

from . import cells, dates, descriptor, files, grounding, keys, locations, provenance, relations, text  # noqa: F401
