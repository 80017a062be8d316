"""The interface every exporter shares: the ``Release`` it reads and writes into, and ``Exporter``.

A format module imports this one; ``validator.publish.export`` lists the formats.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ...reading.model import Table
from ..api import Dataset, Record


@dataclass
class Release:
    """Everything an exporter may read, and the directory it writes into."""

    directory: Path  # the release directory being written (a temporary name until the build ends)
    dataset: Dataset  # typed records, already redacted when ``redacted``
    seeds: dict[str, bytes]  # path under seeds/ -> bytes, as they go into the release
    package_root: Path  # the package the release is built from
    redacted: bool = False
    protected_count: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.dataset.name

    @property
    def version(self) -> str:
        return self.dataset.version

    @property
    def descriptor(self) -> dict[str, Any]:
        return self.dataset.descriptor

    @property
    def created(self) -> date:
        """The package's ``created`` date: the one date a release carries (never the build's)."""
        text = str(self.descriptor.get("created", ""))[:10]
        try:
            return date.fromisoformat(text)
        except ValueError:
            return date(1980, 1, 1)

    def path(self, rel: str) -> Path:
        target = self.directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_text(self, rel: str, text: str) -> str:
        self.path(rel).write_bytes(text.encode("utf-8"))
        return rel

    def write_bytes(self, rel: str, data: bytes) -> str:
        self.path(rel).write_bytes(data)
        return rel


def plain(value: Any) -> Any:
    """``json.dumps``'s hook for what it cannot write: a typed record as its dict (derived columns included)."""
    if isinstance(value, Record):
        return dict(value.items())  # its columns, the derived ones included
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_json(data: Any, indent: int | None = 2) -> str:
    """JSON as every exporter writes it: UTF-8 text, keys in the order given, a final newline."""
    return json.dumps(data, ensure_ascii=False, indent=indent, default=plain) + "\n"


class Exporter:
    """One release format. Subclasses set ``NAME`` and ``TITLE`` and override what they need."""

    NAME = ""
    TITLE = ""
    REQUIRES: tuple[str, ...] = ()  # modules the exporter imports (from the build extra)

    def __init__(self, release: Release) -> None:
        self.release = release
        self.tables: dict[str, tuple[Table, list[Record]]] = {}

    def write(self, table: Table, records: list[Record]) -> None:
        """Receive one table's records (the default keeps them for ``finalize``)."""
        self.tables[table.name] = (table, records)

    def finalize(self) -> list[str]:
        """Write the format's files; return their paths relative to the release directory."""
        raise NotImplementedError


def missing_modules(formats: list[type[Exporter]]) -> list[str]:
    """The modules some exporter needs that are not installed."""

    return sorted({m for cls in formats for m in cls.REQUIRES if importlib.util.find_spec(m) is None})
