"""A table of the Python API as a pandas DataFrame with the dtypes its schema implies.

pandas is optional (``pip install pandas``, or the ``pandas`` extra) and imported only here, on
first use. One column per schema column, in the schema's order, one row per record in file
order (sorted by id), with a default RangeIndex (``df.set_index("id")`` where wanted):

========================  ===================================  =================================
schema column             dtype                                an empty cell
========================  ===================================  =================================
text, EDTF date           ``string``                           ``<NA>``
vocabulary (``enum``)     ``category``, the terms in schema    ``NaN``
                          order (unused terms included)
boolean                   ``boolean``                          ``<NA>``
integer                   ``Int64``                            ``<NA>``
number (coordinates)      ``float64``                          ``NaN``
date (``format: date``)   ``datetime64`` (midnight)            ``NaT``
list (``aliases``)        ``object``: a Python list each       ``[]``
========================  ===================================  =================================

EDTF dates (``2018``, ``2012~``, ``2015/2017``) stay text: they are not single days.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..reading.model import Field, Table

if TYPE_CHECKING:
    import pandas as pd

    from .recordbase import Record

SIMPLE_DTYPES = {"string": "string", "edtf": "string", "boolean": "boolean", "integer": "Int64", "number": "float64"}


def _pandas() -> Any:
    try:
        import pandas  # pandas loads on first use: every tda command would pay its start-up time otherwise
    except ImportError as exc:
        raise ModuleNotFoundError(
            "Dataset.dataframe needs pandas: pip install pandas (or pip install 'tren-de-aragua-data[pandas]')",
            name="pandas",
        ) from exc
    return pandas


def column(f: Field, values: list[Any]) -> pd.Series:
    """One column of the frame: ``values`` (typed as in the records) with ``f``'s dtype."""
    pd = _pandas()
    if f.enum:
        return pd.Series(pd.Categorical(values, categories=list(f.enum)), name=f.name)
    if f.kind == "date":
        return pd.Series(pd.to_datetime(values, format="%Y-%m-%d"), name=f.name)
    if f.kind == "list":
        return pd.Series(values, dtype=object, name=f.name)
    return pd.Series(values, dtype=SIMPLE_DTYPES.get(f.kind, "string"), name=f.name)


def dataframe(table: Table, records: Sequence[Record]) -> pd.DataFrame:
    """The records of ``table`` as a DataFrame (dtypes in the module docstring)."""
    pd = _pandas()
    cols = {f.name: column(f, [rec.get(f.name) for rec in records]) for f in table.fields}
    return pd.DataFrame(cols, index=pd.RangeIndex(len(records)))
