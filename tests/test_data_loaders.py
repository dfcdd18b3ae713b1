"""Dataset loaders: real files, missing and corrupt files, subsets."""

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imcnas.data import (
    DATASET_NAMES,
    FASHION_MNIST_ROOT,
    DataError,
    DataFileNotFoundError,
    load_dataset,
    stratified_subset,
)

FASHION_FILES_PRESENT = (Path(FASHION_MNIST_ROOT) / "train-images-idx3-ubyte.gz").is_file()
needs_fashion = pytest.mark.skipif(
    not FASHION_FILES_PRESENT, reason="dataset-fashion-mnist is not installed (scripts/setup.sh installs it)"
)


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> None:
    raw = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


def write_mnist_folder(root: Path, n_train=40, n_test=20, size=6, compress=False, labels_train=None) -> None:
    rng = np.random.default_rng(0)
    suffix = ".gz" if compress else ""
    write_idx(root / f"train-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n_train, size, size), dtype=np.uint8), compress)
    if labels_train is None:
        labels_train = np.arange(n_train, dtype=np.uint8) % 10
    write_idx(root / f"train-labels-idx1-ubyte{suffix}", labels_train, compress)
    write_idx(root / f"t10k-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n_test, size, size), dtype=np.uint8), compress)
    write_idx(root / f"t10k-labels-idx1-ubyte{suffix}", np.arange(n_test, dtype=np.uint8) % 10, compress)


def test_digits_shapes_and_range():
    data = load_dataset("digits", seed=0)

    assert data.input_shape == (1, 8, 8)
    assert data.n_classes == 10
    assert data.x_train.shape == (1437, 1, 8, 8)
    assert data.x_test.shape == (360, 1, 8, 8)
    assert data.x_train.dtype == np.float32
    assert data.y_train.dtype == np.int64
    assert data.x_train.min() == 0.0
    assert data.x_train.max() == 1.0
    # Values are the integers 0..16 divided by 16.
    np.testing.assert_array_equal(data.x_train * 16, np.round(data.x_train * 16))


def test_digits_test_split_fixed_across_seeds():
    first = load_dataset("digits", seed=0)
    second = load_dataset("digits", seed=5)

    np.testing.assert_array_equal(first.x_test, second.x_test)


@needs_fashion
def test_fashion_mnist_real_files():
    data = load_dataset("fashion-mnist", train_samples=1000, test_samples=500, seed=3)

    assert data.input_shape == (1, 28, 28)
    assert data.x_train.shape == (1000, 1, 28, 28)
    assert data.x_test.shape == (500, 1, 28, 28)
    np.testing.assert_array_equal(np.bincount(data.y_train, minlength=10), [100] * 10)
    np.testing.assert_array_equal(np.bincount(data.y_test, minlength=10), [50] * 10)
    assert data.x_train.min() >= 0.0
    assert data.x_train.max() <= 1.0
    np.testing.assert_allclose(data.x_train * 255, np.round(data.x_train * 255), atol=1e-4)


@needs_fashion
def test_fashion_mnist_subsets_deterministic():
    first = load_dataset("fashion-mnist", train_samples=300, test_samples=100, seed=7)
    again = load_dataset("fashion-mnist", train_samples=300, test_samples=100, seed=7)
    other = load_dataset("fashion-mnist", train_samples=300, test_samples=100, seed=8)

    np.testing.assert_array_equal(first.x_train, again.x_train)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    assert not np.array_equal(first.x_train, other.x_train)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_mnist_from_root(tmp_path, compress):
    write_mnist_folder(tmp_path, compress=compress)

    data = load_dataset("mnist", root=tmp_path, seed=0)

    assert data.input_shape == (1, 6, 6)
    assert data.n_train == 40
    assert data.n_test == 20
    assert data.x_train.max() <= 1.0


def test_mnist_requires_root():
    with pytest.raises(DataError, match="mnist needs root=FOLDER"):
        load_dataset("mnist")


def test_missing_file_error_names_paths(tmp_path):
    write_mnist_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()

    with pytest.raises(DataFileNotFoundError) as raised:
        load_dataset("fashion-mnist", root=tmp_path)

    message = str(raised.value)
    assert str(tmp_path / "t10k-labels-idx1-ubyte.gz") in message
    assert str(tmp_path / "t10k-labels-idx1-ubyte") in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert isinstance(raised.value, FileNotFoundError)
    assert "\n" not in message


def test_label_count_mismatch_rejected(tmp_path):
    write_mnist_folder(tmp_path, labels_train=np.zeros(39, dtype=np.uint8))

    with pytest.raises(DataError, match="has 40 images but .* has 39 labels"):
        load_dataset("mnist", root=tmp_path)


def test_label_out_of_range_rejected(tmp_path):
    labels = np.arange(40, dtype=np.uint8) % 10
    labels[5] = 12
    write_mnist_folder(tmp_path, labels_train=labels)

    with pytest.raises(DataError, match="has label 12"):
        load_dataset("mnist", root=tmp_path)


def test_wrong_image_rank_rejected(tmp_path):
    write_mnist_folder(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((40, 36), dtype=np.uint8))

    with pytest.raises(DataError, match=r"must hold uint8 images of shape \(n, rows, cols\)"):
        load_dataset("mnist", root=tmp_path)


def test_corrupt_idx_file_rejected(tmp_path):
    write_mnist_folder(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])

    with pytest.raises(DataError, match="invalid idx file .*train-images-idx3-ubyte"):
        load_dataset("mnist", root=tmp_path)


def test_unknown_name_lists_valid_names():
    with pytest.raises(DataError) as raised:
        load_dataset("imagenet")

    for name in DATASET_NAMES:
        assert name in str(raised.value)


def test_cifar10_python_batches(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    names = [f"data_batch_{index}" for index in range(1, 6)] + ["test_batch"]
    for name in names:
        batch = {b"data": rng.integers(0, 256, (10, 3072), dtype=np.uint8), b"labels": list(range(10))}
        (folder / name).write_bytes(pickle.dumps(batch))

    data = load_dataset("cifar10", root=tmp_path)

    assert data.input_shape == (3, 32, 32)
    assert data.n_train == 50
    assert data.n_test == 10
    first = pickle.loads((folder / "data_batch_1").read_bytes())[b"data"][0]
    np.testing.assert_allclose(data.x_train[0].reshape(-1) * 255, first, atol=1e-4)


def test_cifar10_missing_batch(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="data_batch_1"):
        load_dataset("cifar10", root=tmp_path)


@pytest.mark.parametrize("count", [0, 41, 2.5], ids=["zero", "too-many", "float"])
def test_invalid_sample_count(tmp_path, count):
    write_mnist_folder(tmp_path)

    with pytest.raises(DataError, match="train_samples"):
        load_dataset("mnist", root=tmp_path, train_samples=count)


@pytest.mark.parametrize("key", ["train_samples", "test_samples"])
def test_digits_sample_count_names_parameter(key):
    total = {"train_samples": 1437, "test_samples": 360}[key]
    split = {"train_samples": "training", "test_samples": "test"}[key]

    with pytest.raises(DataError, match=rf"^{key}=100000 exceeds the {total} {split} images of digits; "):
        load_dataset("digits", **{key: 100000})
    with pytest.raises(DataError, match=rf"^{key}=0 must be at least 1"):
        load_dataset("digits", **{key: 0})
    with pytest.raises(DataError, match=rf"^{key} must be an integer or None"):
        load_dataset("digits", **{key: 2.5})


def test_digits_sample_count_at_limit():
    data = load_dataset("digits", train_samples=np.int64(1437), test_samples=360)

    assert data.n_train == 1437
    assert data.n_test == 360


def test_digits_rejects_root(tmp_path):
    with pytest.raises(DataError, match=r"digits ships with scikit-learn and reads no files, but root='.*' was given"):
        load_dataset("digits", root=tmp_path)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(1, 30), min_size=2, max_size=6),
    fraction=st.floats(0.01, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_subset_invariants(counts, fraction, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    n_samples = max(1, int(round(fraction * len(labels))))

    index = stratified_subset(labels, n_samples, seed)

    assert len(index) == n_samples
    assert len(np.unique(index)) == n_samples
    per_class = np.bincount(labels[index], minlength=len(counts))
    expected = np.asarray(counts) * n_samples / len(labels)
    assert np.all(np.abs(per_class - expected) < 1.0)
    np.testing.assert_array_equal(index, stratified_subset(labels, n_samples, seed))
