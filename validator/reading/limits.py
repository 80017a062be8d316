"""The limits on what tda reads, in one place (docs/limits.md states them; a test keeps the two in step).

Input comes from strangers' pull requests. Each limit keeps one kind of input from hanging
the validator or exhausting memory; going over one is a problem in the report (or exit 2
where the package cannot be read at all), never a crash. The code reads these names at call
time (``limits.MAX_ROWS``, not a copy), so a test can lower one to probe it cheaply.
"""

from __future__ import annotations

# datapackage.json and schemas/*.schema.json: over a limit, exit 2 (the package cannot be read).
MAX_DESCRIPTOR_BYTES = 10 << 20  # 10 MiB; the real descriptor is about 34 KB
MAX_SCHEMA_BYTES = 1 << 20  # one table schema; the largest is about 16 KB
MAX_JSON_DEPTH = 64  # nesting of arrays and objects; a descriptor needs about 8
MAX_JSON_VALUES = 50_000  # values (objects, arrays, keys, strings, numbers ...) in one JSON file; the descriptor has about 1,500

# CSV tables: over a limit, the too-large check reports it (field-count for fields).
MAX_CSV_BYTES = 1 << 30  # 1 GiB per file; checked before the file is read
MAX_ROWS = 1_000_000  # data rows per table; 1,000,000 uncited rows (100 MB, a problem each) take 11.5 s and 1.1 GB
MAX_CELL_CHARS = 65_536  # one cell; the longest quote or description is a few hundred
MAX_FIELDS = 256  # fields in one record, the header included

# Values inside cells.
MAX_EDTF_CHARS = 64  # one date; the longest level-1 form (two date-times with offsets) has 51
MAX_PARENT_DEPTH = 32  # steps up a location's parent chain; a real one has at most 6

# Source documents in seeds/.
MAX_SOURCE_BYTES = 64 << 20  # 64 MiB per document
