"""Loaders for the supported datasets, all from local files in their standard formats.

Nothing is ever downloaded: a missing file raises :class:`DataFileNotFoundError` naming
the paths that were tried and how to get the files.
"""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from imcnas.data.dataset import DataError, DataFileNotFoundError, Dataset, subset_indices
from imcnas.data.idx import read_idx

logger = logging.getLogger(__name__)

FASHION_MNIST_ROOT = "/usr/share/datasets/fashion-mnist"
"""Folder of the idx files installed by the Debian package ``dataset-fashion-mnist``."""

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
"""Standard MNIST / Fashion-MNIST file names; each is also accepted with a ``.gz`` suffix."""

CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{index}" for index in range(1, 6))
CIFAR10_TEST_BATCH = "test_batch"

# The 1,797 digits are split once with this fixed seed, so every run shares the same test set.
DIGITS_SPLIT_SEED = 0
DIGITS_TEST_SIZE = 360


def load_dataset(
    name: str,
    *,
    train_samples: int | None = None,
    test_samples: int | None = None,
    seed: int = 0,
    root: str | os.PathLike | None = None,
) -> Dataset:
    """Load dataset ``name`` and optionally reduce it to stratified seeded subsets.

    ``name`` is one of :data:`DATASET_NAMES`. ``train_samples`` and ``test_samples``
    give the subset sizes (``None`` keeps the whole split). ``seed`` picks the subsets.
    ``root`` is the folder with the dataset files. It is required for mnist and
    cifar10. For fashion-mnist it defaults to :data:`FASHION_MNIST_ROOT`. Digits ships
    with scikit-learn and reads no files, so passing ``root`` for it raises DataError.
    """
    if name not in _LOADERS:
        raise DataError(f"unknown dataset {name!r}; valid names are {', '.join(DATASET_NAMES)}")

    raw = _LOADERS[name](None if root is None else Path(root))
    train_index, test_index = subset_indices(
        raw.y_train,
        raw.y_test,
        train_samples=train_samples,
        test_samples=test_samples,
        seed=seed,
        dataset=name,
    )

    # Subsets are taken before scaling: converting all 60,000 Fashion-MNIST images to
    # float32 costs more than reading the files.
    def scaled(images: np.ndarray, index: np.ndarray | None) -> np.ndarray:
        picked = images if index is None else images[index]
        return np.ascontiguousarray(picked, dtype=np.float32) / np.float32(raw.max_value)

    def picked_labels(labels: np.ndarray, index: np.ndarray | None) -> np.ndarray:
        return np.ascontiguousarray(labels if index is None else labels[index], dtype=np.int64)

    dataset = Dataset(
        name=name,
        x_train=scaled(raw.x_train, train_index),
        y_train=picked_labels(raw.y_train, train_index),
        x_test=scaled(raw.x_test, test_index),
        y_test=picked_labels(raw.y_test, test_index),
        input_shape=raw.x_train.shape[1:],
        n_classes=raw.n_classes,
    )
    logger.debug("loaded %s: %d train, %d test images", name, dataset.n_train, dataset.n_test)
    return dataset


class _RawData(NamedTuple):
    """Both splits as stored on disk: images (n, C, H, W) with values in [0, max_value]."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    max_value: float
    n_classes: int


def _load_digits(root: Path | None) -> _RawData:
    if root is not None:
        raise DataError(
            f"digits ships with scikit-learn and reads no files, but root={str(root)!r} was "
            "given; drop root for digits"
        )
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = bunch.images[:, None, :, :]
    labels = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=DIGITS_TEST_SIZE, random_state=DIGITS_SPLIT_SEED, stratify=labels
    )
    # Pixel values are integers 0..16.
    return _RawData(x_train, y_train, x_test, y_test, max_value=16.0, n_classes=10)


def _load_fashion_mnist(root: Path | None) -> _RawData:
    hint = "install it with `apt-get install dataset-fashion-mnist` or pass root=FOLDER"
    return _load_idx_dataset("fashion-mnist", root or Path(FASHION_MNIST_ROOT), hint)


def _load_mnist(root: Path | None) -> _RawData:
    if root is None:
        raise DataError(
            "mnist needs root=FOLDER with the idx files "
            + ", ".join(IDX_FILES.values())
            + " (optionally .gz); it is never downloaded"
        )
    return _load_idx_dataset("mnist", root, "pass root=FOLDER with the MNIST idx files")


def _find_idx_file(root: Path, base_name: str, dataset: str, hint: str) -> Path:
    candidates = [root / (base_name + ".gz"), root / base_name]
    for path in candidates:
        if path.is_file():
            return path
    raise DataFileNotFoundError(
        f"{dataset} file not found: expected {candidates[0]} or {candidates[1]}; {hint}"
    )


def _load_idx_dataset(name: str, root: Path, hint: str) -> _RawData:
    paths = {key: _find_idx_file(root, base, name, hint) for key, base in IDX_FILES.items()}
    arrays = {key: read_idx(path) for key, path in paths.items()}

    splits = {}
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        image_path, label_path = paths[f"x_{split}"], paths[f"y_{split}"]
        if images.ndim != 3 or images.dtype != np.uint8:
            raise DataError(
                f"{image_path} must hold uint8 images of shape (n, rows, cols); "
                f"got {images.dtype} {images.shape}"
            )
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise DataError(f"{label_path} must hold uint8 labels of shape (n,); got {labels.dtype} {labels.shape}")
        if len(images) != len(labels):
            raise DataError(f"{image_path} has {len(images)} images but {label_path} has {len(labels)} labels")
        if labels.size and labels.max() >= 10:
            raise DataError(f"{label_path} has label {labels.max()}; labels must be in [0, 10)")
        splits[split] = (images[:, None, :, :], labels.astype(np.int64))

    if splits["train"][0].shape[1:] != splits["test"][0].shape[1:]:
        raise DataError(
            f"{name} train images {splits['train'][0].shape[2:]} and test images "
            f"{splits['test'][0].shape[2:]} differ in size"
        )
    return _RawData(*splits["train"], *splits["test"], max_value=255.0, n_classes=10)


def _load_cifar10(root: Path | None) -> _RawData:
    if root is None:
        raise DataError("cifar10 needs root=FOLDER with the python batches data_batch_1..5 and test_batch")
    if (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"

    train = [_read_cifar_batch(root / name) for name in CIFAR10_TRAIN_BATCHES]
    x_test, y_test = _read_cifar_batch(root / CIFAR10_TEST_BATCH)
    x_train = np.concatenate([images for images, _ in train])
    y_train = np.concatenate([labels for _, labels in train])
    return _RawData(x_train, y_train, x_test, y_test, max_value=255.0, n_classes=10)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise DataFileNotFoundError(
            f"cifar10 file not found: expected {path}; pass root=FOLDER holding the CIFAR-10 python batches"
        )
    # NOTE: the CIFAR-10 python format is a pickle, so only load batches from a trusted source.
    with open(path, "rb") as stream:
        try:
            batch = pickle.load(stream, encoding="bytes")
        except (pickle.UnpicklingError, EOFError, ValueError) as error:
            raise DataError(f"cannot read CIFAR-10 batch {path}: {error}") from error

    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise DataError(f"CIFAR-10 batch {path} must be a dict with b'data' and b'labels' entries")
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DataError(f"CIFAR-10 batch {path} data must be uint8 of shape (n, 3072); got {data.dtype} {data.shape}")
    if labels.shape != (len(data),):
        raise DataError(f"CIFAR-10 batch {path} has {len(data)} images but {labels.size} labels")
    if labels.size and (labels.min() < 0 or labels.max() >= 10):
        raise DataError(f"CIFAR-10 batch {path} has labels outside [0, 10)")

    return data.reshape(-1, 3, 32, 32), labels


_LOADERS: dict[str, Callable[[Path | None], _RawData]] = {
    "digits": _load_digits,
    "fashion-mnist": _load_fashion_mnist,
    "mnist": _load_mnist,
    "cifar10": _load_cifar10,
}

DATASET_NAMES = tuple(_LOADERS)
"""Names accepted by :func:`load_dataset`."""
