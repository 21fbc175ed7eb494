"""Append rows to a ``.npy`` file whose length is not known up front, and publish it only when complete.

The header is written first with room to spare (:data:`_HEADER_BYTES`) and rewritten in place with the final
shape at the end; the file is written as ``NAME.partial`` and renamed to ``NAME`` when done.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = ["write_npy"]

_HEADER_BYTES = 128  # room for the .npy header of any shape we can write (64-byte aligned, as numpy writes it)


def _npy_header(shape: tuple[int, ...], dtype: np.dtype) -> bytes:
    """A version 1.0 ``.npy`` header of exactly _HEADER_BYTES bytes, so it can be rewritten in place."""
    fields = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": tuple(shape)}
    text = repr(fields)
    room = _HEADER_BYTES - 10 - 1 - len(text)  # 10 = magic (6) + version (2) + header length (2); 1 = "\n"
    if room < 0:  # pragma: no cover - would need a shape with about 40 digits
        raise ValueError(f"shape {shape} does not fit in the .npy header")
    body = (text + " " * room + "\n").encode("latin1")
    return np.lib.format.magic(1, 0) + struct.pack("<H", len(body)) + body


def write_npy(path: Path, windows: Iterable[np.ndarray], row_shape: tuple[int, int], dtype: np.dtype) -> np.memmap:
    """Append each window's rows to ``path`` and return the finished file as a read-only memmap."""
    partial = path.with_name(path.name + ".partial")
    n_rows = 0
    try:
        with open(partial, "wb") as fh:
            fh.write(_npy_header((0, *row_shape), dtype))  # placeholder, rewritten below with the real count
            for rows in windows:
                fh.write(np.ascontiguousarray(rows, dtype=dtype).tobytes())
                n_rows += len(rows)
            fh.seek(0)
            fh.write(_npy_header((n_rows, *row_shape), dtype))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return np.load(path, mmap_mode="r")
