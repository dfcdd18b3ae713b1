"""idx parsing: round trips, header validation and corrupt files."""

import gzip
import struct

import numpy as np
import pytest

from imcnas.data import DataError, parse_idx, read_idx


def idx_bytes(array: np.ndarray, type_code: int) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize(
    "dtype, code",
    [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)],
    ids=["ubyte", "sbyte", "short", "int", "float", "double"],
)
def test_parse_round_trip_every_type(dtype, code):
    values = (np.arange(24).reshape(2, 3, 4) - 7).astype(dtype)
    if dtype == np.uint8:
        values = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)

    parsed = parse_idx(idx_bytes(values, code))

    assert parsed.dtype == np.dtype(dtype)
    assert parsed.dtype.isnative
    np.testing.assert_array_equal(parsed, values)


def test_read_plain_and_gzip_files(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    plain = tmp_path / "labels-idx1-ubyte"
    plain.write_bytes(idx_bytes(labels, 0x08))
    compressed = tmp_path / "labels-idx1-ubyte.gz"
    compressed.write_bytes(gzip.compress(idx_bytes(labels, 0x08)))

    np.testing.assert_array_equal(read_idx(plain), labels)
    np.testing.assert_array_equal(read_idx(compressed), labels)


def test_big_endian_values_decoded():
    raw = bytes([0, 0, 0x0B, 1]) + struct.pack(">I", 2) + struct.pack(">hh", 258, -2)

    np.testing.assert_array_equal(parse_idx(raw), [258, -2])


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x00\x00", "shorter than the 4-byte header"),
        (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "does not start with two zero bytes"),
        (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", "unknown type code 0x07"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 1), "truncated header"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x00\x01", "needs 5 data bytes, the file has 2"),
        (b"\x00\x00\x0C\x01" + struct.pack(">I", 1) + b"\x00\x01\x02\x03\x04", "needs 4 data bytes, the file has 5"),
    ],
    ids=["short", "magic", "type-code", "no-dims", "header", "truncated-data", "extra-data"],
)
def test_corrupt_bytes_rejected(raw, message):
    with pytest.raises(DataError, match=message):
        parse_idx(raw, source="bad.idx")


def test_corrupt_gzip_rejected(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((2, 2), np.uint8), 0x08))[:-6])

    with pytest.raises(DataError, match="cannot read idx file"):
        read_idx(path)
