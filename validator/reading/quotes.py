"""Finding which citation quotes do not occur in their source, fast and exactly.

The rule of the quote check: after normalisation (``textnorm.normalize``) a quote is a substring of its
source's text. Searching each quote through its source scans the source each time; with
hundreds of thousands of citations that is seconds. Instead, per batch of sources:

1. each source text is normalised once and encoded as UTF-8 (a substring of the UTF-8 bytes is
   a substring of the text: UTF-8 is self-synchronising);
2. every *word start* of the sources (a position after a space, a quote mark, a bracket, a
   slash, a hyphen or the start of the text) gets a fingerprint of the 16 bytes that follow;
3. each quote gets the fingerprint of its first 16 bytes; its candidate positions are the word
   starts of its own source with the same fingerprint, and a candidate matches when the source
   bytes there equal the quote's bytes, compared byte for byte (vectorised with numpy).

Fingerprints only choose candidates, so a collision costs a comparison, never a wrong answer.
Quotes are tried as written, then normalised (NFC, quote marks, white space); whatever the index
cannot decide (quotes shorter than 16 bytes, starting mid-word, or with a start repeated more
than MAX_CANDIDATES times in the source) goes to the plain search, ``normalize(q) in text``.
A quote is reported only when that fails too, so the answer is the plain search's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .arrays import bools, int64_array, string_array
from .textnorm import DOUBLE_QUOTES, SINGLE_QUOTES, normalize

PLAIN_SEARCH_MAX = 20_000  # up to this many quotes, search each one plainly
KEY_BYTES = 16  # bytes of a quote's start that select candidate positions
MAX_CANDIDATES = 32  # a start found more often than this sends the quote to the plain search
BATCH_BYTES = 1 << 20  # source bytes indexed at once (bounds the arrays' memory: about 20 bytes per source byte;
# the generated 1,000,000 rows: the search's peak 100 MB above its start with 2 MB, 75 MB with 1 MB, the same CPU)
WORD_BEFORE = b" \"'([{/-\x00"  # a position after one of these bytes is a word start
_FNV = 0x100000001B3


def missing(quotes: Any, source_ids: Any, texts: Mapping[str, str], alike: Mapping[str, str] | None = None) -> list[int]:
    """Indices of the quotes (a pyarrow string array, or a list; nulls skipped) that do not occur, after
    normalisation, in the text of their source (``texts``: source id -> normalised text).
    Quotes whose source has no text are skipped: another check reports the source.
    ``alike`` (source id -> the id of a source whose file has the same bytes, every source of
    ``texts`` named) lets the sources of one text be searched as one.

    The indexed search asks ``texts`` for each source's text once per round, a batch of sources
    at a time, and keeps none of them: ``texts`` may compute each one when asked, so that the
    normalised sources are never all in memory together. Where the quotes repeat, each distinct
    (quote, text) pair is searched once and its answer given to every row of it."""
    if isinstance(quotes, list) or len(quotes) < PLAIN_SEARCH_MAX:  # few quotes: the plain search is quicker
        qs = quotes if isinstance(quotes, list) else quotes.to_pylist()
        ss = source_ids if isinstance(source_ids, list) else source_ids.to_pylist()
        rows = [i for i, (q, s) in enumerate(zip(qs, ss, strict=True)) if q is not None and s in texts]
        cited = sorted({ss[i] for i in rows})
        index = {n: k for k, n in enumerate(cited)}
        left = _plain_pairs([qs[i] for i in rows], [index[ss[i]] for i in rows], cited, texts)
        return sorted(rows[j] for j in left)
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    # the columns stay in their chunks: each batch of sources takes just its own quotes (a copy
    # of the whole quote column, or a folded one, would be 30 MB more at 1,000,000 rows)
    quotes = quotes if isinstance(quotes, pa.ChunkedArray) else pa.chunked_array([quotes])
    source_ids = source_ids if isinstance(source_ids, pa.ChunkedArray) else pa.chunked_array([source_ids])
    distinct = pc.unique(source_ids).drop_null()
    names = distinct.to_pylist()
    has_text = np.array([n in texts for n in names] + [False], dtype=bool)
    src = _positions(pc.index_in(source_ids, value_set=distinct), len(names))
    if alike:  # every source of one text stands for the first of them
        first: dict[str, int] = {}
        same = [first.setdefault(alike[n], i) if n in texts else i for i, n in enumerate(names)]
        if len(set(same)) < len(same):
            src = np.array(same + [len(names)], dtype=np.int64)[src]
    todo = np.flatnonzero(has_text[src] & ~bools(quotes.is_null()))
    if not _repeats(quotes):
        return _search(quotes, src, todo, names, texts)
    # each distinct (quote, text) once: the replicated 1,000,000 rows' 572,221 citations are 149
    # distinct quotes of one text (1,683 sources of the same bytes)
    values = pc.unique(quotes).drop_null()
    pair = _positions(pc.index_in(quotes, value_set=values), len(values))[todo] * (len(names) + 1) + src[todo]
    pairs, of_row = np.unique(pair, return_inverse=True)
    pair_quotes = values.take(int64_array(pairs // (len(names) + 1)))
    pair_src = pairs % (len(names) + 1)
    if len(pairs) < PLAIN_SEARCH_MAX:
        left = _plain_pairs(pair_quotes.to_pylist(), pair_src.tolist(), names, texts)
    else:
        left = _search(pa.chunked_array([pair_quotes]), pair_src, np.arange(len(pairs)), names, texts)
    bad = np.zeros(len(pairs), dtype=bool)
    bad[np.array(left, dtype=np.int64)] = True
    return todo[bad[of_row.reshape(-1)]].tolist()


SAMPLE_QUOTES = 1 << 13  # quotes counted at the start of the column to tell whether they repeat


def _repeats(quotes: Any) -> bool:
    """Whether the quotes repeat enough for the search by distinct pair to pay: at most half of
    the first SAMPLE_QUOTES are distinct. Hashing every quote to find the distinct ones costs
    0.1 s where they are mostly distinct (the generated 1,000,000 rows), a few milliseconds
    where they repeat; the sample, under a millisecond. Either way gives the same answer."""
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    sample = quotes.slice(0, SAMPLE_QUOTES)
    return len(sample) > 0 and pc.count_distinct(sample).as_py() * 2 <= len(sample)


def _plain_pairs(quotes: list[str], src: Sequence[int], names: list[str], texts: Mapping[str, str]) -> list[int]:
    """Indices of the quotes not found in their source (``src``: each quote's index in ``names``),
    searched plainly: a source's text computed once and held only while its quotes are searched."""
    out: list[int] = []
    text, at = "", -1
    for j in sorted(range(len(src)), key=src.__getitem__):
        if src[j] != at:
            at = int(src[j])
            text = texts[names[at]]
        if normalize(quotes[j]) not in text:
            out.append(j)
    return out


def _search(quotes: Any, src: Any, todo: Any, names: list[str], texts: Mapping[str, str]) -> list[int]:
    """The indexed search of the quotes at ``todo`` (sorted), ``src`` the index in ``names`` of each
    quote's source: the indices of those not found."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    # round 1: the quotes as written, those with typographic quote marks folded to straight
    # ones (as in the sources); round 2: the rest, fully normalised; then the plain search
    marked = _rows_with_quote_marks(quotes)
    folded = None
    if len(marked):
        folded = pc.replace_substring_regex(_take(quotes, marked), f"[{SINGLE_QUOTES}]", "'")
        folded = pc.replace_substring_regex(folded, f"[{DOUBLE_QUOTES}]", '"')

    def as_written(rows: Any) -> tuple[Any, Any]:
        """The batch's quotes of round 1 (folded where marked), and the rows in their order."""
        if folded is None:
            return _take(quotes, rows), rows
        at = np.searchsorted(marked, rows)
        is_marked = at < len(marked)
        is_marked[is_marked] = marked[at[is_marked]] == rows[is_marked]
        plain, mark = rows[~is_marked], rows[is_marked]
        parts = [_take(quotes, plain), folded.take(int64_array(at[is_marked]))]
        return pa.concat_arrays(parts), np.concatenate((plain, mark))

    rest = _index_match(as_written, src, todo, names, texts)
    if not rest:
        return []
    rest.sort()
    normalised = string_array([normalize(q) for q in _take(quotes, np.array(rest)).to_pylist()])
    rest2 = _index_match(lambda rows: (normalised.take(int64_array(rows)), rows), src[rest], np.arange(len(rest)), names, texts)
    by_source: dict[int, list[int]] = {}
    for j in rest2:
        by_source.setdefault(int(src[rest[j]]), []).append(j)
    out = []
    for g, js in by_source.items():
        text = texts[names[g]]
        out += [rest[j] for j in js if normalised[j].as_py() not in text]
    return sorted(out)


def _take(column: Any, rows: Any) -> Any:
    """The values of a chunked string column at the sorted ``rows``, as one array: taken chunk by
    chunk, so that no copy of the whole column is made."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    bounds = np.cumsum([0] + [len(c) for c in column.chunks])
    cut = np.searchsorted(rows, bounds)
    parts = [
        chunk.take(int64_array(rows[cut[k] : cut[k + 1]] - bounds[k]))
        for k, chunk in enumerate(column.chunks)
        if cut[k + 1] > cut[k]
    ]
    if not parts:
        return pa.array([], pa.string()) if column.type == pa.string() else column.chunk(0).slice(0, 0)
    return parts[0] if len(parts) == 1 else pa.concat_arrays(parts)


def _positions(indices: Any, null_index: int) -> Any:
    """A chunked int32 column of positions as one int64 numpy array, a null as ``null_index``."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    parts = []
    for chunk in indices.chunks:
        raw = _values(chunk, np.int32).astype(np.int64)
        if chunk.null_count:
            raw[bools(chunk.is_null())] = null_index
        parts.append(raw)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _rows_with_quote_marks(quotes: Any) -> Any:
    """Indices of the quotes holding a typographic quote mark that the first round folds (one
    RE2 pass, a boolean per quote: no copy of the quote bytes)."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow.compute as pc  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    found, start = [], 0
    for chunk in quotes.chunks:
        has = pc.match_substring_regex(chunk, f"[{SINGLE_QUOTES}{DOUBLE_QUOTES}]")
        found.append(_values(pc.indices_nonzero(has), np.uint64).astype(np.int64) + start)  # a null quote counts as false
        start += len(chunk)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _values(array: Any, dtype: Any) -> Any:
    """The values of a pyarrow array of fixed-width numbers as a numpy view (nulls not masked)."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    return np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + len(array)]


def _index_match(
    take: Callable[[Any], tuple[Any, Any]], src: Any, todo: Any, names: list[str], texts: Mapping[str, str]
) -> list[int]:
    """The indices in ``todo`` that the index could not match (grouped by source, batched).
    ``take(rows)`` gives the quotes of ``rows`` as one string array, and the rows in its order."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    order = todo[np.argsort(src[todo], kind="stable")]
    if not len(order):
        return []
    groups, first = np.unique(src[order], return_index=True)
    ends = np.append(first[1:], len(order))
    unresolved: list[Any] = []
    batch: list[int] = []
    chunks: list[bytes] = []  # the batch's texts as UTF-8
    lo = size = 0
    for g, a, b in zip(groups.tolist(), first.tolist(), ends.tolist(), strict=True):
        if not batch:
            lo = a
        batch.append(g)
        chunks.append(texts[names[g]].encode("utf-8"))
        size += len(chunks[-1])
        if size >= BATCH_BYTES:
            unresolved.append(_batch_quotes(take, batch, chunks, len(names), order[lo:b], src))
            batch, chunks, size = [], [], 0
    if batch:
        unresolved.append(_batch_quotes(take, batch, chunks, len(names), order[lo:], src))
    return np.concatenate(unresolved).tolist() if unresolved else []


def _batch_quotes(
    take: Callable[[Any], tuple[Any, Any]], batch: list[int], chunks: list[bytes], n_sources: int, rows: Any, src: Any
) -> Any:
    """``_match_batch`` on the quotes of ``rows`` alone, taken out of their column for it."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    quotes, rows = take(np.sort(rows))
    offsets = np.frombuffer(quotes.buffers()[1], dtype=np.int32)[quotes.offset : quotes.offset + len(quotes) + 1].astype(np.int64)
    buf = quotes.buffers()[2]
    # the quote bytes in place: only quotes of KEY_BYTES or more are keyed or compared, so every
    # window read from them lies inside the buffer
    qbytes = np.frombuffer(buf, dtype=np.uint8) if buf is not None else np.zeros(0, dtype=np.uint8)
    left = _match_batch(batch, chunks, n_sources, np.arange(len(rows)), src[rows], offsets, qbytes)
    return rows[left]


def _keys(data: Any, pos: Any) -> Any:
    """A 64-bit key from the KEY_BYTES bytes at each position (one gather of 16-byte rows)."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    rows = np.lib.stride_tricks.sliding_window_view(data, KEY_BYTES)[pos]  # (n, 16) copy
    words = np.ascontiguousarray(rows).view(np.uint64)  # (n, 2)
    return words[:, 0] ^ (words[:, 1] * np.uint64(_FNV))


def _same_spans(a: Any, a_start: Any, b: Any, b_start: Any, lens: Any) -> Any:
    """For each i, whether a[a_start[i]:+lens[i]] == b[b_start[i]:+lens[i]], exactly; compared
    8 bytes at a time (windows at 0, 8, 16 ... and one ending at the span's end). lens >= 8."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    words = (lens + 7) // 8
    seg = np.cumsum(words) - words
    k = np.arange(int(words.sum())) - np.repeat(seg, words)
    span = np.repeat(lens, words)
    shift = np.minimum(k * 8, span - 8)  # the last window ends at the span's end
    wa = np.lib.stride_tricks.sliding_window_view(a, 8)
    wb = np.lib.stride_tricks.sliding_window_view(b, 8)
    xa = np.ascontiguousarray(wa[np.repeat(a_start, words) + shift]).view(np.uint64)[:, 0]
    xb = np.ascontiguousarray(wb[np.repeat(b_start, words) + shift]).view(np.uint64)[:, 0]
    return np.add.reduceat((xa != xb).astype(np.int64), seg) == 0


TABLE_BITS = 22  # at most 4M slots in the direct-address table that maps quote keys to their group


def _match_batch(batch: list[int], texts: list[bytes], n_sources: int, qidx: Any, src: Any, offsets: Any, qbytes: Any) -> Any:
    """Match quotes ``qidx`` (all of the sources in ``batch``, whose UTF-8 texts are ``texts``);
    return those left unmatched."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    # the batch's source bytes, each followed by a 0 byte (which no valid quote contains), and
    # padding so that every window of KEY_BYTES exists
    sbytes = np.frombuffer(b"\x00".join(texts) + b"\x00" + bytes(KEY_BYTES), dtype=np.uint8)
    sizes = np.array([len(c) + 1 for c in texts])
    starts_of = np.concatenate(([0], np.cumsum(sizes)))
    local = np.full(n_sources + 1, -1, dtype=np.int64)
    local[batch] = np.arange(len(batch))
    salt = np.uint64(0x9E3779B97F4A7C15)

    qs = offsets[qidx]
    qlen = offsets[qidx + 1] - qs
    short = qlen < KEY_BYTES
    long_idx, qs, qlen = qidx[~short], qs[~short], qlen[~short]
    if not len(long_idx):
        return qidx
    qkeys = _keys(qbytes, qs) ^ (local[src[long_idx]].astype(np.uint64) * salt)
    # quotes grouped by key (equal keys: the same start, in the same source)
    qorder = np.argsort(qkeys)
    keys, group_first, group_size = np.unique(qkeys[qorder], return_index=True, return_counts=True)

    # word starts of the sources and the quote group their key selects
    before = np.zeros(256, dtype=bool)
    before[list(WORD_BEFORE)] = True
    pos = np.flatnonzero(np.concatenate(([True], before[sbytes[: starts_of[-1] - 1]])))
    owner = np.searchsorted(starts_of, pos, side="right") - 1
    keep = pos + KEY_BYTES < starts_of[owner + 1]
    pos, owner = pos[keep], owner[keep]
    skeys = _keys(sbytes, pos) ^ (owner.astype(np.uint64) * salt)
    group = _lookup(keys, skeys)
    found = group >= 0
    pos, group = pos[found], group[found]

    hit = np.zeros(len(long_idx), dtype=bool)
    count = group_size[group]
    total = int(count.sum())
    if total:
        quote = qorder[np.arange(total) - np.repeat(np.cumsum(count) - count, count) + np.repeat(group_first[group], count)]
        cand = np.repeat(pos, count)
        per_quote = np.bincount(quote, minlength=len(long_idx))
        fair = per_quote[quote] <= MAX_CANDIDATES  # a start repeated more often: the plain search
        quote, cand = quote[fair], cand[fair]
        lens = qlen[quote]
        fits = cand + lens <= starts_of[-1]
        quote, cand, lens = quote[fits], cand[fits], lens[fits]
        if len(quote):
            same = _same_spans(qbytes, qs[quote], sbytes, cand, lens)
            hit[quote[same]] = True
    return np.concatenate((qidx[short], long_idx[~hit]))


def _lookup(keys: Any, probes: Any) -> Any:
    """For each probe, the index of the equal key in the sorted unique ``keys``, or -1.

    A direct-address table on the keys' top bits answers most probes with one memory access;
    probes landing on a slot shared by several keys fall back to binary search."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    # about 16 slots per key: few keys share one, and the table stays small for a small batch
    bits = min(TABLE_BITS, max(10, int(len(keys)).bit_length() + 4))
    shift = np.uint64(64 - bits)
    slot = (keys >> shift).astype(np.int64)
    table = np.full(1 << bits, -1, dtype=np.int32)
    slots, slot_count = np.unique(slot, return_counts=True)
    table[slot] = np.arange(len(keys), dtype=np.int32)
    table[slots[slot_count > 1]] = -2
    out = table[(probes >> shift).astype(np.int64)].astype(np.int64)
    direct = out >= 0
    out[direct] = np.where(keys[out[direct]] == probes[direct], out[direct], -1)
    shared = np.flatnonzero(out == -2)
    if len(shared):
        at = np.searchsorted(keys, probes[shared])
        at_ok = at < len(keys)
        match = np.zeros(len(shared), dtype=bool)
        match[at_ok] = keys[at[at_ok]] == probes[shared][at_ok]
        out[shared] = np.where(match, at, -1)
    return out
