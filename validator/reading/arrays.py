"""pyarrow arrays built from their buffers.

pyarrow imports pandas (about half a second and 50 MB) the first time it converts a Python or
numpy value: ``pa.array``, ``pa.scalar``, ``fill_null`` with a Python value. Nothing here needs
pandas, so the arrays the checks hand to pyarrow are built from buffers instead.
"""

from __future__ import annotations

from typing import Any


def int64_array(values: Any) -> Any:
    """A pyarrow int64 array of a numpy array's (or a sequence's) values."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, numpy_buffer(values)])


def bool_array(mask: Any) -> Any:
    """A pyarrow boolean array (no nulls) of a numpy array of booleans."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    mask = np.asarray(mask, dtype=bool)
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, numpy_buffer(np.packbits(mask, bitorder="little"))])


def string_array(values: list[str]) -> Any:
    """A pyarrow string array (no nulls) of Python strings, from its offsets and bytes."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    if offsets[-1] >= 1 << 31:  # more than a string array holds (never from a file within the limits)
        return pa.Array.from_buffers(pa.large_string(), len(encoded), [None, numpy_buffer(offsets), data]).cast(pa.string())
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, numpy_buffer(offsets.astype(np.int32)), data])


def binary_array(values: list[str]) -> Any:
    """``string_array`` typed as bytes: the terms to compare with a column read or cast as bytes."""
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    return string_array(values).view(pa.binary())


def bools(array: Any) -> Any:
    """A pyarrow boolean array or chunked array without nulls as a numpy bool array (its bits
    unpacked: ``numpy.asarray`` on it would import pandas)."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    if hasattr(array, "chunks"):
        parts = [bools(c) for c in array.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    if not len(array):
        return np.zeros(0, dtype=bool)
    bits = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[array.offset : array.offset + len(array)].astype(bool)


def null_string() -> Any:
    """A null pyarrow string scalar."""
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    return pa.nulls(1, pa.string())[0]


def numpy_buffer(values: Any) -> Any:
    """A pyarrow buffer over a numpy array's memory, without a copy (typed Any: the stubs do not
    know numpy arrays as buffers)."""
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    return pa.py_buffer(values)
