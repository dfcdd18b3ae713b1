"""Reader for the idx binary format used by MNIST and Fashion-MNIST.

An idx file starts with a 4-byte magic number: two zero bytes, a type code and the
number of dimensions. Then come one big-endian uint32 size per dimension and the
values in C order, big-endian.
"""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np

from imcnas.data.dataset import DataError

# Type codes of the idx format, mapped to big-endian NumPy dtypes.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an idx file (plain, or gzip when the name ends in ``.gz``) into a native-endian array.

    Raises :class:`DataError` when the magic number, type code, sizes or length are invalid.
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as error:
        raise DataError(f"cannot read idx file {path}: {error}") from error

    return parse_idx(raw, source=path)


def parse_idx(raw: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an idx file; ``source`` names the file in error messages."""
    if len(raw) < 4:
        raise DataError(f"invalid idx file {source}: {len(raw)} bytes is shorter than the 4-byte header")
    zero_0, zero_1, type_code, n_dims = raw[0], raw[1], raw[2], raw[3]
    if zero_0 != 0 or zero_1 != 0:
        raise DataError(
            f"invalid idx file {source}: magic number {raw[:4].hex()} does not start with two zero bytes"
        )
    if type_code not in IDX_DTYPES:
        valid = ", ".join(f"0x{code:02X}" for code in IDX_DTYPES)
        raise DataError(f"invalid idx file {source}: unknown type code 0x{type_code:02X} (valid: {valid})")
    if n_dims == 0:
        raise DataError(f"invalid idx file {source}: the header declares 0 dimensions")

    header_end = 4 + 4 * n_dims
    if len(raw) < header_end:
        raise DataError(f"invalid idx file {source}: truncated header of {n_dims} dimension sizes")
    shape = struct.unpack(f">{n_dims}I", raw[4:header_end])
    dtype = IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header_end
    if actual != expected:
        raise DataError(
            f"invalid idx file {source}: shape {shape} of {dtype.name} needs {expected} data bytes, "
            f"the file has {actual}"
        )

    values = np.frombuffer(raw, dtype=dtype, offset=header_end).reshape(shape)
    return values.astype(dtype.newbyteorder("="))
