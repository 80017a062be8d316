"""The rows two versions of a table's CSV file differ in, found from their bytes.

``git diff`` of a large table costs more than everything else ``tda validate --since`` does
(1,000,000 rows: 0.8 s of its 2 s), because it splits both versions into lines, hashes every
line and runs a general line diff. Two versions of a table are mostly equal runs of bytes, and
the rows are sorted by id, so this walks both at once instead:

- the next difference is found by comparing ever longer stretches of the two files (a memory
  comparison in C, galloping then halving), so equal stretches cost no Python per line;
- at a difference both sides step back to the start of the line, and one line is taken from one
  side or both: a line that reappears just after on the other side was inserted or deleted; else
  the lower id was added (HEAD) or removed (BASE), and equal ids mean the row changed.

Any sequence of such steps is a correct diff: what is left out is byte for byte the same on both
sides. Sorted files give the smallest diff; an unsorted one may give a larger one (every row
after an out-of-place row), which is still correct, and which ``MAX_CHANGED_ROWS`` sends to the
full run. Each line taken must be one clean CSV record (``parse_line``): BASE is valid, so its
cells hold no line break, and a clean added line ends where its record ends; anything else (a
record spanning lines, a carriage return, the header changed, no final line end) is
NotIncremental. Beside each run of changed lines, the unchanged line before and after it are the
*context* rows, as ``git diff --unified=1`` shows them.
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import NotIncremental
from ..reading import csvread, limits

MAX_CHANGED_ROWS = 20_000  # more changed lines than this: the full run costs no more than the lookups would
_FIRST_STRETCH = 1 << 12  # bytes compared at the first step of the search for a difference
_SCAN = 64  # below this many bytes, the difference is looked for byte by byte


@dataclass
class Row:
    line: int  # in HEAD (in BASE for a removed row)
    cells: list[str]

    @property
    def id(self) -> str:
        return self.cells[0]


@dataclass
class TableChange:
    added: list[Row] = field(default_factory=list)  # HEAD lines
    removed: list[Row] = field(default_factory=list)  # BASE lines
    context: list[Row] = field(default_factory=list)  # unchanged neighbours, HEAD lines


def parse_line(text: bytes, width: int) -> list[str]:
    """One clean CSV record (a line without its line end), or NotIncremental."""
    if b"\r" in text or b"\x00" in text or not text:
        raise NotIncremental("a line with a carriage return, NUL, or nothing")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise NotIncremental("a line that is not UTF-8") from None
    if not csvread.RFC_LINE.fullmatch(decoded):
        raise NotIncremental("a line that is not one RFC 4180 record")
    cells = next(csv.reader([decoded], strict=True))
    if len(cells) != width:
        raise NotIncremental("a record with the wrong number of fields")
    if any(len(cell) > limits.MAX_CELL_CHARS for cell in cells):
        raise NotIncremental("a cell over the length limit")  # the reader's finding, which only the full path makes
    return cells


Data = bytes | mmap.mmap
_CHUNK = 1 << 20  # bytes: two mapped files are compared through copies of one of them this large


def _same(a: Data, b: Data, i: int, j: int, n: int) -> bool:
    """Whether ``a[i:i+n]`` equals ``b[j:j+n]`` (both within bounds): a memory comparison in C,
    through ``startswith`` of whichever side is bytes. A map lacks it, so when both are mapped,
    ``a`` is copied a chunk at a time (each copy small enough to stay in the cache). The pages of
    a map compared are let go of as the comparison passes them (``let_go``)."""
    if isinstance(b, bytes):
        same = b.startswith(memoryview(a)[i : i + n], j)
        if same:  # a stretch that differs is searched again, by halves
            let_go(a, i, n)
        return same
    if isinstance(a, bytes):
        same = a.startswith(memoryview(b)[j : j + n], i)
        if same:
            let_go(b, j, n)
        return same
    view = memoryview(b)
    done = 0  # compared and not yet let go of: let go of every _LET_GO bytes (each call costs the
    # other cores of this process a flush of their address caches)
    for k in range(0, n, _CHUNK):
        m = min(_CHUNK, n - k)
        if not a[i + k : i + k + m].startswith(view[j + k : j + k + m]):
            return False
        if k + m - done >= _LET_GO or k + m == n:
            let_go(a, i + done, k + m - done)
            let_go(b, j + done, k + m - done)
            done = k + m
    return True


_LET_GO = 16 << 20  # bytes


def let_go(data: Data, start: int = 0, length: int | None = None) -> None:
    """Take the pages of ``data[start:start+length]`` (the whole of it by default) out of this
    process's memory, when ``data`` is a mapped file: they stay in the system's file cache, and a
    later look at them maps them again. --since reads a changed file of 174 MB and BASE's version
    of it whole (a line count, a column parse, the comparison): left mapped, both counted in the
    process's resident memory to the end. Nothing for bytes, or where the system lacks it."""
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if not isinstance(data, mmap.mmap) or advice is None or data.closed:
        return
    end = len(data) if length is None else min(len(data), start + length)
    first = start - start % mmap.PAGESIZE
    last = end - end % mmap.PAGESIZE  # whole pages only: the one the range ends in may be read next
    if last > first:
        try:
            data.madvise(advice, first, last - first)
        except (OSError, ValueError):
            pass  # only memory is at stake


def common_length(a: Data, b: Data, i: int, j: int) -> int:
    """How many bytes ``a[i:]`` and ``b[j:]`` have in common at their start (either may be mapped)."""
    n = min(len(a) - i, len(b) - j)
    lo, step = 0, _FIRST_STRETCH
    while lo < n:
        hi = min(n, lo + step)
        if _same(a, b, i + lo, j + lo, hi - lo):
            lo, step = hi, step * 2
            continue
        while hi - lo > _SCAN:  # the difference is in [lo, hi)
            mid = (lo + hi) // 2
            if _same(a, b, i + lo, j + lo, mid - lo):
                lo = mid
            else:
                hi = mid
        while lo < hi and a[i + lo] == b[j + lo]:
            lo += 1
        return lo
    return n


def _line_end(data: Data, start: int) -> int:
    """The offset just past the line starting at ``start`` (every line ends with a line end)."""
    end = data.find(b"\n", start)
    if end < 0:
        raise ValueError("no line end")  # rows_changed checked that the data ends with one
    return end + 1


def rows_changed(base: Data, head: Data, width: int, lines_before: Callable[[int], int] | None = None) -> TableChange:
    """The rows added to, removed from and kept beside the changes of a CSV file of ``width``
    columns, BASE's bytes against HEAD's; NotIncremental for a change that is not rows edited.

    Either may be a mapped file (BASE: git's copy of it; HEAD: the working tree's), not read
    into memory: they are only searched, sliced and compared (``_same``).

    ``lines_before(offset)``, when given, counts HEAD's line ends before an offset from an index
    the caller builds anyway (the line numbers of its lookups): counting the unchanged stretches
    again would read the whole file a second time."""
    for data in (base, head):
        if data[-1:] != b"\n":
            raise NotIncremental("a file without a final line end")
    change = TableChange()
    i = j = 0  # offsets in base and head, each at the start of a line
    line_a = line_b = 1  # the line numbers there
    runs: list[tuple[int, int, int, int]] = []  # changed HEAD lines: (offset, line) where a run starts and ends
    steps = 0
    while True:
        k = common_length(base, head, i, j)
        if i + k == len(base) and j + k == len(head):
            break
        # back to the start of the line the difference is in (the same on both sides: equal so far)
        start = base.rfind(b"\n", i, i + k) + 1
        if start > i:
            # the same bytes on both sides so far
            skipped = lines_before(j + (start - i)) - lines_before(j) if lines_before else head[j : j + (start - i)].count(b"\n")
            line_a, line_b = line_a + skipped, line_b + skipped
            i, j = start, j + (start - i)
        run_start = (j, line_b)
        while True:  # one changed line a step, until the two sides agree on a whole line again
            steps += 1
            if steps > MAX_CHANGED_ROWS:
                raise NotIncremental(f"more than {MAX_CHANGED_ROWS:,} rows changed in one file")
            if line_a == 1 or line_b == 1:
                raise NotIncremental("the header line changed")
            take_a, take_b = _step(base, head, i, j)
            if take_a:
                end = _line_end(base, i)
                change.removed.append(Row(line_a, parse_line(base[i : end - 1], width)))
                i, line_a = end, line_a + 1
            if take_b:
                end = _line_end(head, j)
                change.added.append(Row(line_b, parse_line(head[j : end - 1], width)))
                j, line_b = end, line_b + 1
            if i == len(base) and j == len(head):
                break
            if i < len(base) and j < len(head):
                end = base.find(b"\n", i) + 1
                if j + (end - i) <= len(head) and _same(base, head, i, j, end - i):
                    break  # the next lines agree
        runs.append((*run_start, j, line_b))
    # the unchanged line before and after each run (never the header)
    seen: set[int] = {r.line for r in change.added}
    for start, first, end, after in runs:
        if first > 2:
            before = head.rfind(b"\n", 0, start - 1) + 1
            _context(change, seen, head, before, first - 1, width)
        if end < len(head):
            _context(change, seen, head, end, after, width)
    change.context.sort(key=lambda r: r.line)
    return change


def _context(change: TableChange, seen: set[int], head: Data, start: int, line: int, width: int) -> None:
    if line not in seen:
        seen.add(line)
        change.context.append(Row(line, parse_line(head[start : _line_end(head, start) - 1], width)))


def _step(base: Data, head: Data, i: int, j: int) -> tuple[bool, bool]:
    """Which side(s) the differing lines at ``base[i]`` and ``head[j]`` are taken from."""
    if i == len(base):
        return False, True  # rows added at the end
    if j == len(head):
        return True, False  # rows removed at the end
    end_a, end_b = _line_end(base, i), _line_end(head, j)
    line_a, line_b = base[i:end_a], head[j:end_b]  # one line each: copies cost nothing
    if head[end_b : end_b + len(line_a)] == line_a:
        return False, True  # HEAD's line was inserted before a line both have
    if line_b == base[end_a : end_a + len(line_b)]:
        return True, False  # BASE's line was deleted before a line both have
    id_a, id_b = first_cell(line_a), first_cell(line_b)
    if id_a == id_b:
        return True, True  # the row changed
    return (True, False) if id_a < id_b else (False, True)


def first_cell(line: bytes) -> bytes:
    """The id, as bytes (files are sorted in byte order); a quoted one is unquoted."""
    if not line.startswith(b'"'):
        return line.split(b",", 1)[0].rstrip(b"\n")
    try:
        return next(csv.reader([line.decode("utf-8")]))[0].encode("utf-8")
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return line
