"""Work done in a helper process, beside the main one.

Four pieces of the validation need only a few files and spend their time in Python code that
holds the interpreter lock: frictionless's reading of the descriptor (DP101), the gazetteer
lookup (LC706, LC707), the search for quotes in their sources (PV402) and the scan for hedging
words (PV405). Threads would not run them in parallel with the main process's work, so on
Linux ``validate`` forks a helper before it loads anything heavy; the helper reads the files
it needs itself (the same bytes, parsed the same way), computes those results and streams
them back through a pipe, one message per result, while the main process reads and checks
the tables. Wherever the helper cannot run (no ``fork``) or fails, the main process computes
the same result itself, so the answer never depends on the helper.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from pathlib import Path
from typing import Any

# key -> the codes that need it
KEYS = {
    "frictionless": {"DP101"},
    "metadata": {"DP102"},
    "gazetteer": {"LC706", "LC707"},
    "iso": {"LC702", "LC703", "LC704"},
    "hedged": {"PV405"},
    "quotes": {"PV402"},
}
TABLES = {
    "frictionless": set(),
    "metadata": set(),
    "gazetteer": {"locations"},
    "iso": {"locations"},
    "hedged": {"citations"},
    "quotes": {"citations", "sources"},
}
# Two helpers: the descriptor's (importing frictionless and jsonschema is most of its work) and
# the tables' (the gazetteer, ISO codes, hedging and quotes, which read CSV files).
HELPERS = (("frictionless", "metadata"), ("iso", "gazetteer", "quotes", "hedged"))  # in the order the checks ask


# Above this many bytes of the tables a helper reads, the main process computes its keys itself:
# the helper would parse the same tables a second time, in Python, on a core the main process's
# DuckDB and pyarrow threads want (1,000,000 rows: 6.1 s with the helper, 5.7 s without).
TABLES_HELPER_MAX_BYTES = 16 << 20


def _table_bytes(root: Path, tables: set[str]) -> int:
    """Bytes of the tables under their usual paths (data/NAME.csv); a guess is enough here."""
    total = 0
    for name in tables:
        try:
            total += (root / "data" / f"{name}.csv").stat().st_size
        except OSError:
            pass
    return total


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


def start(root: Path, selected: set[str]) -> Helpers | None:
    """Fork the helpers for the keys the selected checks need; None where that is not possible."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork") or os.environ.get("TDA_NO_SIDECAR"):
        return None
    if any(m in sys.modules for m in ("numpy", "pyarrow", "duckdb")):
        return None  # their thread pools may be running: forking now is not safe
    helpers = []
    for group in HELPERS:
        keys = [k for k in group if KEYS[k] & selected]
        if keys and _table_bytes(root, {t for k in keys for t in TABLES[k]}) > TABLES_HELPER_MAX_BYTES:
            continue  # so big that re-reading the tables costs more than the helper saves
        if keys:
            helper = _fork(root, keys)
            if helper is not None:
                helpers.append(helper)
    return Helpers(helpers) if helpers else None


def _fork(root: Path, keys: list[str]) -> Sidecar | None:
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
            _serve(root, keys, write_fd)
        except BaseException:  # noqa: BLE001 - the parent computes whatever is missing
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    return Sidecar(pid, read_fd, keys)


def _serve(root: Path, keys: list[str], fd: int) -> None:
    from ..reading.package import Package

    tables = set().union(*(TABLES[k] for k in keys))
    pkg = Package.load(root, tables=tables)
    pkg.selected = set().union(*(KEYS[k] for k in keys))
    with os.fdopen(fd, "wb") as out:
        for key in keys:
            try:
                value, ok = compute(pkg, key), True
            except Exception:  # noqa: BLE001
                value, ok = None, False
            body = pickle.dumps((key, ok, value), protocol=pickle.HIGHEST_PROTOCOL)
            out.write(struct.pack("<Q", len(body)) + body)
            out.flush()


def compute(pkg: Any, key: str) -> Any:
    """The result ``key`` for a package, as the checks themselves would compute it."""
    from . import descriptor, locations, provenance

    if key == "frictionless":
        return descriptor.frictionless_notes(pkg.descriptor)
    if key == "metadata":
        return descriptor.metadata_problems(pkg.descriptor)
    if key == "gazetteer":
        return locations.lookup_places(pkg)
    if key == "iso":
        return locations.iso_lookup(pkg)
    if key == "hedged":
        return provenance.hedged_citations(pkg)
    if key == "quotes":
        return provenance.missing_quotes(pkg)
    raise KeyError(key)
