"""The base of the typed records: a pydantic model that also reads like the dict it replaces.

``records.py`` (generated from ``schemas/`` by ``tda generate``) holds one model per table, each a
subclass of ``Record``. A record has its columns as attributes (``rec.name``) and still answers
``rec["name"]``, ``rec.get("name")``, ``"name" in rec``, ``rec.keys()`` / ``values()`` /
``items()``, ``dict(rec)`` and ``{**rec}`` as the plain dicts of earlier versions did, and it
equals a dict with the same content. ``rec.model_dump()`` is that dict (lists copied).

One difference from a dict: iterating a record (``for x in rec``) yields ``(column, value)``
pairs, as pydantic does; use ``rec.keys()`` for the column names.

``Row`` is the record of a table the generated module does not describe (a package with other
columns than this version's schemas): the same interface, with the columns as pydantic extras
and nothing checked.
"""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from datetime import date
from typing import Any, ClassVar, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, PrivateAttr

# (column, kind, required) per column, as validator.reading.model.Field has them.
Columns = tuple[tuple[str, str, bool], ...]


def unique_items(values: list[str]) -> list[str]:
    """The check behind ``"uniqueItems": true`` (pydantic has no such constraint for a list)."""
    if len(set(values)) != len(values):
        raise ValueError("the list has an item twice")
    return values


def iso_date(value: str) -> str:
    """The check behind ``"format": "date"``: a calendar date written YYYY-MM-DD. The value stays
    a string, as in the JSON form (``Dataset.dataframe`` gives a date column)."""
    try:
        ok = len(value) == 10 and date.fromisoformat(value).isoformat() == value
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    return value


class Record(BaseModel):
    """A row of a table. Strict (no coercion of "1" to 1) and closed (no unknown columns)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    _derived: dict[str, Any] = PrivateAttr(default_factory=dict)

    # The table the model describes, and the shape of its columns; set by each generated model.
    TABLE: ClassVar[str] = ""
    COLUMNS: ClassVar[Columns] = ()

    @classmethod
    def trusted(cls, data: dict[str, Any]) -> Self:
        """A record from values already typed as the schema says, without validation (as fast as
        building the dict; ``model_validate`` checks every constraint)."""
        return cls.model_construct(**data)

    def with_columns(self, derived: Mapping[str, Any]) -> Self:
        """A copy that also carries ``derived`` columns (a release's ``<date>_earliest``,
        ``category`` ...): read like the others (``rec["category"]``, ``items()``), left out of
        ``model_dump()``, which stays the row of the table's schema."""
        copy = self.model_copy()
        copy._derived = dict(derived)
        return copy

    def _data(self) -> dict[str, Any]:
        extra = self.__pydantic_extra__
        data = {**self.__dict__, **extra} if extra else self.__dict__
        return {**data, **self._derived} if self._derived else data

    def __getitem__(self, column: str) -> Any:
        return self._data()[column]

    def get(self, column: str, default: Any = None) -> Any:
        return self._data().get(column, default)

    def __contains__(self, column: object) -> bool:
        return column in self._data()

    def __len__(self) -> int:
        return len(self._data())

    def keys(self) -> KeysView[str]:
        return self._data().keys()

    def values(self) -> ValuesView[Any]:
        return self._data().values()

    def items(self) -> ItemsView[str, Any]:
        return self._data().items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data() == dict(other)
        return super().__eq__(other)


class Row(Record):
    """A record of a table whose columns the generated models do not describe."""

    model_config = ConfigDict(extra="allow", strict=True)


# What the helpers that only read a record's columns take: a typed record, or the plain dict it replaces.
RecordLike: TypeAlias = "Record | Mapping[str, Any]"
