"""Work done in a helper process, beside the main one.

Some checks wait for a shared result (a ``registry.Work``) that needs only a few files and
spends its time in Python code that holds the interpreter lock: reading the descriptor with
frictionless, looking places up in the gazetteer, searching quotes in their sources, scanning
quotes for hedging words. Threads would not run that in parallel with the main process's work,
so on Linux ``validate`` forks helpers before it loads anything heavy; a helper reads the files
its work declares itself (the same bytes, parsed the same way), computes the results and
streams them back through a pipe, one message per result, while the main process reads and
checks the tables. Wherever a helper cannot run (no ``fork``) or fails, the main process
computes the same result itself, so the answer never depends on the helper. Nothing here
knows a check: what runs where follows from the checks' declarations.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from typing import Any

from ..reading.package import Package, remove_spill_dirs
from .registry import CheckInfo, Work, works

# Two helpers: the descriptor's (importing frictionless and jsonschema is most of its work) and
# the tables' (the gazetteer, ISO codes, hedging and quotes, which read CSV files). Which work
# goes where follows from each Work's declared tables: none, the descriptor's helper.


def helper_groups(checks: list[CheckInfo]) -> list[list[Work]]:
    """The shared work of ``checks`` split between the two helpers, each in the order the checks ask."""
    all_work = works(checks)
    groups = [[w for w in all_work if not w.tables], [w for w in all_work if w.tables]]
    return [g for g in groups if g]


# Above this many bytes of the tables a helper reads, the main process computes its keys itself:
# the helper would parse the same tables a second time, in Python, on a core the main process's
# DuckDB and pyarrow threads want (1,000,000 rows: 6.1 s with the helper, 5.7 s without).
TABLES_HELPER_MAX_BYTES = 16 << 20


class Helpers:
    """Several helper processes, each computing some keys."""

    def __init__(self, helpers: list[Sidecar]) -> None:
        self.helpers = helpers

    def _owner(self, key: str) -> Sidecar | None:
        return next((h for h in self.helpers if key in h.keys), None)

    def has(self, key: str) -> bool:
        owner = self._owner(key)
        return owner is not None and owner.has(key)

    def get(self, key: str) -> tuple[bool, Any]:
        owner = self._owner(key)
        return owner.get(key) if owner is not None else (False, None)

    def close(self) -> None:
        for h in self.helpers:
            h.close()


class Sidecar:
    """The parent's end of one helper: results arrive in the order the helper computes them."""

    def __init__(self, pid: int, fd: int, keys: list[str]) -> None:
        self.pid = pid
        self.keys = set(keys)
        self._reader = os.fdopen(fd, "rb")
        self._results: dict[str, Any] = {}
        self._failed: set[str] = set()
        self._closed = False

    def has(self, key: str) -> bool:
        return key in self.keys and key not in self._failed

    def get(self, key: str) -> tuple[bool, Any]:
        """(True, value) when the helper delivered ``key``; (False, None) when it did not."""
        while key not in self._results and key not in self._failed and not self._closed:
            self._read_one()
        if key in self._results:
            return True, self._results.pop(key)
        return False, None

    def _read_one(self) -> None:
        head = self._reader.read(8)
        if len(head) < 8:
            self._finish()
            return
        (size,) = struct.unpack("<Q", head)
        body = self._reader.read(size)
        if len(body) < size:
            self._finish()
            return
        key, ok, value = pickle.loads(body)
        if ok:
            self._results[key] = value
        else:
            self._failed.add(key)

    def _finish(self) -> None:
        self._closed = True
        self._failed |= self.keys - self._results.keys()
        self.close()

    def close(self) -> None:
        if not self._reader.closed:
            self._reader.close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def start(pkg: Package, checks: list[CheckInfo]) -> Helpers | None:
    """Fork the helpers for the work the checks need; None where that is not possible.

    ``pkg`` is opened (``Package.open``: descriptor and model), so each helper inherits the
    model; a helper reads the tables its work declares unless ``pkg`` has read them already (a
    small package is read before the fork, in plain Python)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork") or os.environ.get("TDA_NO_SIDECAR"):
        return None
    if any(m in sys.modules for m in ("numpy", "pyarrow", "duckdb", "_duckdb")):
        return None  # their thread pools may be running: forking now is not safe
    helpers = []
    for group in helper_groups(checks):
        if sum(pkg.file_sizes({t for w in group for t in w.tables}).values()) > TABLES_HELPER_MAX_BYTES:
            continue  # so big that re-reading the tables costs more than the helper saves
        codes = {c.code for c in checks if any(w in group for w in c.work)}
        helper = _fork(pkg, group, codes)
        if helper is not None:
            helpers.append(helper)
    return Helpers(helpers) if helpers else None


def _fork(pkg: Package, group: list[Work], codes: set[str]) -> Sidecar | None:
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the helper
        os.close(read_fd)
        code = 0
        try:
            _serve(pkg, group, codes, write_fd)
        except BaseException:  # noqa: BLE001 - the parent computes whatever is missing
            code = 1
        finally:
            remove_spill_dirs()  # os._exit runs no finalizer
            os._exit(code)
    os.close(write_fd)
    return Sidecar(pid, read_fd, [w.key for w in group])


def _serve(pkg: Package, group: list[Work], codes: set[str], fd: int) -> None:
    if not pkg.tables:  # not read before the fork: read what this helper's work needs
        pkg.load_tables({t for w in group for t in w.tables})
    pkg.selected = codes
    with os.fdopen(fd, "wb") as out:
        for work in group:
            try:
                value, ok = work.compute(pkg), True
            except Exception:  # noqa: BLE001
                value, ok = None, False
            body = pickle.dumps((work.key, ok, value), protocol=pickle.HIGHEST_PROTOCOL)
            out.write(struct.pack("<Q", len(body)) + body)
            out.flush()
