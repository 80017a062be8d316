"""The *word form* of a text, under which the grounding checks compare a row's values with its quotes.

The rule: Unicode NFC, lower case, every run of characters that are not letters or digits made
one space, the ends trimmed, and one space added on each side (so that `` name `` is found as
whole words by a substring search). ``word_form_sql`` states it as a DuckDB expression; that
expression is the definition, and everything here gives exactly its answers.

It costs: over 568,000 quotes DuckDB's ``regexp_replace`` and ``nfc_normalize`` take about 2 s of
one run, mostly in the regular expression. ``word_forms`` computes the same strings with numpy
over the bytes of a whole pyarrow column, for every text made only of characters of ``DOMAIN``
(ASCII, Latin-1, the Latin Extended blocks and general punctuation: nearly all text in the
sources). For those characters the rule works character by character:

- no two of them combine under NFC and each is its own NFC form (a test proves it on every pair),
  so NFC leaves such a text as it is;
- lower case and the letter-or-digit class are looked up per character in tables that DuckDB
  itself fills (``lower`` and the same ``\\p{L}\\p{N}`` class), once per process, so the tables
  cannot drift from the SQL rule; a character whose lower case changes its UTF-8 length is left
  out of the domain.

A text with any character outside the domain (Greek, Cyrillic, combining marks, emoji ...) gets
its word form from ``word_form_sql`` itself. A test compares the two on tricky texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .arrays import bool_array, int64_array, null_string, numpy_buffer, string_array
from .duckconnect import arrow_of, register_arrow

if TYPE_CHECKING:
    import duckdb
    import pyarrow

# characters handled by the byte path (subject to the tables DuckDB fills): U+0001-U+02FF, Latin
# Extended Additional U+1E00-U+1EFF and the general punctuation U+2010-U+205E (dashes,
# typographic quote marks, ellipsis, primes). Not U+0000: DuckDB's nfc_normalize ends a text there.
DOMAIN = (range(0x0001, 0x0300), range(0x1E00, 0x1F00), range(0x2010, 0x205F))
_SIZE = 0x205F  # code points below this have a row in the tables; above, outside the domain
CHUNK_BYTES = 1 << 21  # text bytes transformed at once (bounds the temporary arrays)

_WORD_CLASS = "[^\\p{L}\\p{N}]+"


def word_form_sql(expr: str) -> str:
    """DuckDB expression: ``expr`` in word form, padded with one space on each side (the definition)."""
    return f"(' ' || trim(regexp_replace(lower(nfc_normalize({expr})), '{_WORD_CLASS}', ' ', 'g')) || ' ')"


def char_rules(db: duckdb.DuckDBPyConnection, codes: Iterable[int]) -> list[tuple[int, str, bool, bool]]:
    """How ``word_form_sql`` treats each character, asked of DuckDB itself: (code point, its lower
    case, whether it is its own NFC form, whether its lower case is a letter or digit). The byte
    tables here and ``smallwords``' translation table are both filled from it."""
    rows = db.execute(
        "SELECT c, lower(c), nfc_normalize(c) = c, regexp_matches(lower(c), '^[\\p{L}\\p{N}]$') "
        "FROM (SELECT unnest(?::VARCHAR[]) AS c)",
        [[chr(c) for c in codes]],
    ).fetchall()
    return [(ord(ch), lowered, nfc, is_word) for ch, lowered, nfc, is_word in rows]


_tables_cache: dict[str, Any] = {}


def _tables(db: duckdb.DuckDBPyConnection) -> tuple[Any, Any, bytes, Any, Any]:
    """Per code point below _SIZE (plus one row for 'outside'): in the domain, and the UTF-8 bytes
    of its lower case if it is a letter or digit once lower-cased, else spaces (3 columns, unused
    ones 0); per byte value, an ASCII byte's lower case or a space (other bytes themselves), as a
    ``bytes.translate`` table; and the pyarrow strings " " and "" (made from buffers: see arrays)."""
    if "t" in _tables_cache:
        return _tables_cache["t"]
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    rows = char_rules(db, (c for r in DOMAIN for c in r))
    ok = np.zeros(_SIZE + 1, dtype=bool)
    low = np.zeros((_SIZE + 1, 3), dtype=np.uint8)
    for c, lowered, nfc, is_word in rows:
        enc = lowered.encode("utf-8")
        if not nfc or len(lowered) != 1 or len(enc) != len(chr(c).encode("utf-8")):
            continue  # İ lower-cases to i (two bytes to one): such texts go to the SQL rule
        ok[c] = True
        # a character that is no letter or digit becomes spaces, one per byte (runs are collapsed
        # later); no byte of a letter's lower case is a space (UTF-8's later bytes are >= 0x80)
        low[c, : len(enc)] = list(enc) if is_word else [0x20] * len(enc)
    ascii_low = np.arange(256, dtype=np.uint8)  # bytes >= 0x80: themselves for now
    ascii_low[:128] = low[:128, 0]
    space, empty = string_array([" ", ""])
    _tables_cache["t"] = (ok, low, ascii_low.tobytes(), space, empty)
    return _tables_cache["t"]


def word_forms(db: duckdb.DuckDBPyConnection, strings: pyarrow.Array | pyarrow.ChunkedArray) -> pyarrow.ChunkedArray:
    """The word form of each string (a null stays null): the answers of ``word_form_sql``."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    tables = _tables(db)
    pieces: list[Any] = []
    outside: list[tuple[int, Any, Any]] = []  # (piece, strings to patch in it, the piece's source strings)
    # chunk by chunk: no copy of the whole column
    for arr in strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]:
        _pieces(arr, tables, pieces, outside)
    if outside:
        # the texts outside the domain of every chunk by one query: one per chunk cost 6 ms each
        # (568,000 quotes: 29 queries for 199 texts)
        fixed = _sql_forms(db, pa.concat_arrays([src.take(int64_array(bad)) for _, bad, src in outside]))
        at = 0
        for k, bad, _ in outside:
            mask = np.zeros(len(pieces[k]), dtype=bool)
            mask[bad] = True
            pieces[k] = pc.replace_with_mask(pieces[k], bool_array(mask), fixed.slice(at, len(bad)))
            at += len(bad)
    return pa.chunked_array(pieces, type=pa.string())


def _pieces(arr: pyarrow.Array, tables: tuple[Any, ...], pieces: list[Any], outside: list[tuple[int, Any, Any]]) -> None:
    """Append the word forms of ``arr`` to ``pieces``, a slice of about CHUNK_BYTES at a time, and
    to ``outside`` the strings of each piece that ``word_form_sql`` is to compute."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    n = len(arr)
    if n == 0:
        return
    wide = arr.type == pa.large_string()
    buffers: list[Any] = arr.buffers()  # pyarrow's Buffer supports the buffer protocol numpy reads
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)[arr.offset : arr.offset + n + 1]
    data_buf = buffers[2]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, dtype=np.uint8)
    validity = arr.is_valid()
    lo = 0
    while lo < n:  # chunks of whole strings, about CHUNK_BYTES each
        hi = int(np.searchsorted(offsets, offsets[lo] + CHUNK_BYTES, side="right")) - 1
        hi = min(max(hi, lo + 1), n)
        piece, bad = _transform(data, offsets[lo : hi + 1], tables)
        if len(bad):
            outside.append((len(pieces), bad, arr.slice(lo, hi - lo)))
        pieces.append(_with_nulls(piece, validity.slice(lo, hi - lo)))
        lo = hi


def _with_nulls(piece: pyarrow.Array, validity: pyarrow.BooleanArray) -> pyarrow.Array:
    """``piece`` with nulls where ``validity`` is false."""
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    if validity.false_count == 0:
        return piece
    return pc.if_else(validity, piece, null_string())


def _sql_forms(db: duckdb.DuckDBPyConnection, strings: pyarrow.Array) -> pyarrow.Array:
    """The word forms of ``strings`` (texts with a character outside the domain) by the SQL rule
    itself, in order; a null gives an empty string (its place is null in the result anyway)."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    todo = pa.table({"i": int64_array(np.arange(len(strings))), "s": strings.cast(pa.string())})
    register_arrow(db, "_wordform_todo", todo)
    try:
        return arrow_of(db, f"SELECT coalesce({word_form_sql('s')}, '') AS w FROM _wordform_todo ORDER BY i")[
            "w"
        ].combine_chunks()
    finally:
        db.unregister("_wordform_todo")


def _transform(data: Any, offsets: Any, tables: tuple[Any, Any, bytes, Any, Any]) -> tuple[Any, Any]:
    """Word forms of the strings data[offsets[i]:offsets[i+1]]: (a pyarrow string array of them,
    indices of the strings with a character outside the domain, whose output is to be replaced)."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    ok, low, ascii_bytes, space_str, empty_str = tables
    base = int(offsets[0])
    b = data[base : int(offsets[-1])]
    rel = (offsets - base).astype(np.int64)
    n = len(rel) - 1
    starts, ends = rel[:-1], rel[1:]
    # every byte its lower case, or a space where the character is no letter or digit: ASCII by
    # bytes.translate (a quarter of the CPU of a numpy table lookup, which widens each byte to an
    # index), then the characters outside it (few) patched
    raw = bytearray(b)
    bad_pos = np.flatnonzero(b == 0) if raw.find(0) >= 0 else np.zeros(0, dtype=np.int64)
    out = np.frombuffer(raw.translate(ascii_bytes), dtype=np.uint8)  # a bytearray: writable
    del raw
    lead = np.flatnonzero(b >= 0xC0)  # first bytes of the characters outside ASCII
    if len(lead):
        padded = np.concatenate((b, np.zeros(3, dtype=np.uint8)))
        b0 = padded[lead].astype(np.int64)
        b1 = padded[lead + 1].astype(np.int64) & 0x3F
        b2 = padded[lead + 2].astype(np.int64) & 0x3F
        three = (b0 >= 0xE0) & (b0 < 0xF0)
        cp = np.where(b0 < 0xE0, ((b0 & 0x1F) << 6) | b1, np.where(three, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, _SIZE))
        cp = np.minimum(cp, _SIZE)
        bad_pos = np.concatenate((bad_pos, lead[~ok[cp]]))
        out[lead] = low[cp, 0]
        out[lead + 1] = low[cp, 1]
        t3 = lead[three]
        out[t3 + 2] = low[cp[three], 2]
    # a byte is kept unless it is a space that opens its string or follows a space: what is left
    # is each string's words, each followed by one space if anything followed it
    space = out == 0x20
    keep = np.empty(len(out), dtype=bool)
    np.logical_and(space[1:], space[:-1], out=keep[1:])
    if len(out):
        keep[0] = space[0]
    filled = np.flatnonzero(ends > starts)  # an empty string opens nowhere
    opening = starts[filled]
    keep[opening] = space[opening]
    np.logical_not(keep, out=keep)
    # the bytes kept of each string: summed per string (reduceat over the non-empty strings, whose
    # starts rise strictly) in a third of the CPU of counting the dropped ones by searchsorted
    kept = np.zeros(n, dtype=np.int64)
    if len(filled):
        kept[filled] = np.add.reduceat(keep.view(np.uint8), opening, dtype=np.int64)
    # a closing space is added where the last byte kept is a letter's (or none is kept); each
    # string then opens with a space
    closing = kept == 0
    closing[filled] |= ~space[ends[filled] - 1]
    # a chunk's word forms are at most its bytes plus two per string: 32-bit offsets suffice
    at = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(kept, out=at[1:])
    words = pa.StringArray.from_buffers(n, numpy_buffer(at), numpy_buffer(out[keep]))
    del out, keep, space
    tail = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(closing, out=tail[1:])
    tails = pa.StringArray.from_buffers(n, numpy_buffer(tail), pa.py_buffer(b" " * int(tail[-1])))
    # the opening and closing spaces joined on by pyarrow: half the CPU of np.insert, which sorts
    # the places it is given and fills a mask as long as the result
    form = pc.binary_join_element_wise(space_str, words, tails, empty_str)
    bad = np.unique(np.searchsorted(rel, bad_pos, side="right") - 1) if len(bad_pos) else bad_pos
    return form, bad


# --- runs of words, by hash -------------------------------------------------------------------

# The hash of a byte string s is sum(s[k] * _BASE**k) modulo 2**64 (numpy's unsigned arithmetic
# wraps there). Equal strings always get equal hashes, which is all a caller may rely on: two
# unequal runs can share a hash, so a caller compares the strings of every hash it finds shared.
_BASE = 0x9E3779B97F4A7C15  # odd, hence invertible modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)
_powers_cache: dict[str, Any] = {}


def _powers(size: int) -> tuple[Any, Any]:
    """_BASE**k and _BASE_INV**k modulo 2**64 for k < size (at least), kept for the next call."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    have = _powers_cache.get("p")
    if have is None or len(have[0]) < size:
        n = max(2 * size, CHUNK_BYTES + (1 << 16))  # a slice is about CHUNK_BYTES
        up = np.ones(n, dtype=np.uint64)
        down = np.ones(n, dtype=np.uint64)
        k = 1
        while k < n:  # doubling: the powers k..2k-1 are those below k times base**k
            m = min(k, n - k)
            up[k : k + m] = up[:m] * pow(_BASE, k, 1 << 64)
            down[k : k + m] = down[:m] * pow(_BASE_INV, k, 1 << 64)
            k *= 2
        have = (up, down)
        _powers_cache["p"] = have
    return have


def forget() -> None:
    """Let go of the powers kept for the next call (tens of MB after a large column)."""
    _powers_cache.clear()


def _slices(strings: pyarrow.Array | pyarrow.ChunkedArray) -> Iterator[tuple[int, Any, Any]]:
    """The column a slice of whole strings at a time, about CHUNK_BYTES each: (the index of its
    first string, its bytes, the offsets of its strings in those bytes) as numpy arrays."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    base = 0
    for arr in strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]:
        n = len(arr)
        if n == 0:
            continue
        buffers: list[Any] = arr.buffers()
        wide = arr.type == pa.large_string()
        offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)[arr.offset : arr.offset + n + 1]
        data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, dtype=np.uint8)
        lo = 0
        while lo < n:
            hi = int(np.searchsorted(offsets, offsets[lo] + CHUNK_BYTES, side="right")) - 1
            hi = min(max(hi, lo + 1), n)
            yield base + lo, data[int(offsets[lo]) : int(offsets[hi])], (offsets[lo : hi + 1] - offsets[lo]).astype(np.int64)
            lo = hi
        base += n


def _prefix(b: Any) -> Any:
    """prefix[k]: the hash of b[:k], for every k up to len(b)."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    up, _ = _powers(len(b) + 1)
    prefix = np.zeros(len(b) + 1, dtype=np.uint64)
    np.cumsum(b.astype(np.uint64) * up[: len(b)], out=prefix[1:])
    return prefix


def string_hashes(strings: pyarrow.Array | pyarrow.ChunkedArray) -> Any:
    """The hash of each string, as a numpy array (a null's, of whatever bytes it holds)."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    out = np.zeros(len(strings), dtype=np.uint64)
    for lo, b, rel in _slices(strings):
        prefix = _prefix(b)
        _, down = _powers(len(b) + 1)
        out[lo : lo + len(rel) - 1] = (prefix[rel[1:]] - prefix[rel[:-1]]) * down[rel[:-1]]
    return out


def run_hashes(forms: pyarrow.Array | pyarrow.ChunkedArray, run: int) -> Iterator[tuple[Any, Any, Any]]:
    """The runs of ``run`` consecutive words of each word form (as ``word_forms`` makes them: words
    between single spaces, one space at each end), as numpy arrays, a slice of the column at a time:
    (the string's index in ``forms``, the run's first word counted from 1, the hash of the run with
    the spaces around it: `` w1 w2 ... wn ``, as ``string_hashes`` hashes that string). A string
    with fewer words has no run; a null string's bytes, if any, are read as they are (callers drop
    the rows they do not want)."""
    for lo, b, rel in _slices(forms):
        found = _runs(b, rel, run)
        if found is not None:
            which, start, h = found
            yield which + lo, start, h


def _runs(b: Any, rel: Any, run: int) -> tuple[Any, Any, Any] | None:
    """run_hashes over the strings b[rel[i]:rel[i+1]]: (string, first word, hash), or None."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    spaces = np.flatnonzero(b == 0x20)
    if len(spaces) <= run:
        return None
    # the string each space is in: every non-empty word form opens with a space, so the count of
    # opening spaces so far numbers the non-empty strings
    filled = np.flatnonzero(rel[1:] > rel[:-1])
    opens = np.zeros(len(b), dtype=bool)
    opens[rel[filled]] = True
    owner = filled[np.cumsum(opens[spaces]) - 1]
    # a run is the bytes from one space to the run-th space after it, both in the same string
    first = np.flatnonzero(owner[:-run] == owner[run:])
    if not len(first):
        return None
    prefix = _prefix(b)
    _, down = _powers(len(b) + 1)
    start, end = spaces[first], spaces[first + run] + 1
    h = (prefix[end] - prefix[start]) * down[start]  # shifted back as if the run began at 0
    which = owner[first]
    # the run's first word: the spaces of its string before its opening space, plus one
    opening = np.zeros(len(rel) - 1, dtype=np.int64)  # the index in spaces of each string's opening space
    opening[filled] = np.flatnonzero(opens[spaces])
    word = first - opening[which] + 1
    return which, word, h
