"""The in-memory dataset container shared by all loaders, and seeded subsetting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class DataError(ValueError):
    """A dataset is missing, malformed or requested with invalid arguments."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """The files of a dataset are not on disk; the message names the expected paths."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images and labels of one dataset, split into train and test sets.

    Images are float32 arrays of shape ``(n, C, H, W)`` scaled to [0, 1], so the first layer
    streams unsigned inputs. Labels are int64 class indices in ``[0, n_classes)``.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple[int, int, int]
    """Shape of one image as (channels, height, width)."""
    n_classes: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", tuple(int(size) for size in self.input_shape))
        for split in ("train", "test"):
            images = getattr(self, f"x_{split}")
            labels = getattr(self, f"y_{split}")
            _check_split(self.name, split, images, labels, self.input_shape, self.n_classes)

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)


def _check_split(
    name: str,
    split: str,
    images: np.ndarray,
    labels: np.ndarray,
    input_shape: tuple[int, ...],
    n_classes: int,
) -> None:
    if images.dtype != np.float32 or images.ndim != 4 or images.shape[1:] != input_shape:
        raise DataError(
            f"{name} x_{split} must be float32 of shape (n, {', '.join(map(str, input_shape))}); "
            f"got {images.dtype} {images.shape}"
        )
    if labels.dtype != np.int64 or labels.shape != (images.shape[0],):
        raise DataError(
            f"{name} y_{split} must be int64 of shape ({images.shape[0]},) to match x_{split}; "
            f"got {labels.dtype} {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DataError(
            f"{name} y_{split} labels must be in [0, {n_classes}); got range "
            f"[{labels.min()}, {labels.max()}]"
        )
    if images.size and (not np.isfinite(images).all() or images.min() < 0.0 or images.max() > 1.0):
        raise DataError(f"{name} x_{split} values must be finite and in [0, 1]")


def stratified_subset(labels: np.ndarray, n_samples: int, seed: int) -> np.ndarray:
    """Return indices of ``n_samples`` items drawn without replacement, class ratios kept.

    Each class gets ``floor(n_samples * share)`` items. The items left over go to the
    classes with the largest remainders, ties to the lower class index. The result comes
    in a seeded random order and is the same for the same labels, size and seed.
    """
    n_total = len(labels)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise DataError(f"sample count must be an integer; got {n_samples!r}")
    if not 1 <= n_samples <= n_total:
        raise DataError(f"sample count must be in [1, {n_total}]; got {n_samples}")

    rng = np.random.default_rng(seed)
    order = rng.permutation(n_total)
    if n_samples == n_total:
        return order

    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * (n_samples / n_total)
    quota = np.floor(exact).astype(np.int64)
    remainder_order = np.lexsort((classes, -(exact - quota)))
    quota[remainder_order[: n_samples - int(quota.sum())]] += 1

    shuffled_labels = labels[order]
    keep = np.zeros(n_total, dtype=bool)
    for label, count in zip(classes, quota):
        positions = np.flatnonzero(shuffled_labels == label)[:count]
        keep[positions] = True
    return order[keep]


def check_sample_count(name: str, value: object, n_total: int, split_images: str) -> None:
    """Raise DataError unless ``value`` is None or an integer in [1, n_total].

    ``name`` is the parameter (``train_samples``), ``split_images`` what it counts, for
    example ``"training images of digits"``.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{name} must be an integer or None (the whole split); got {value!r}")
    if value < 1:
        raise DataError(f"{name}={value} must be at least 1; use None for the whole split")
    if value > n_total:
        raise DataError(
            f"{name}={value} exceeds the {n_total} {split_images}; use at most {n_total}, "
            "or None for the whole split"
        )


def subset_indices(
    y_train: np.ndarray,
    y_test: np.ndarray,
    *,
    train_samples: int | None,
    test_samples: int | None,
    seed: int,
    dataset: str = "the dataset",
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Return stratified seeded indices into the train and test splits; ``None`` keeps a split whole.

    ``dataset`` names the dataset in the error for a sample count out of range.
    """
    check_sample_count("train_samples", train_samples, len(y_train), f"training images of {dataset}")
    check_sample_count("test_samples", test_samples, len(y_test), f"test images of {dataset}")
    # Separate streams, so the test subset does not change with the train sample count.
    train_seed, test_seed = np.random.SeedSequence(seed).spawn(2)
    train_index = None if train_samples is None else stratified_subset(y_train, train_samples, train_seed)
    test_index = None if test_samples is None else stratified_subset(y_test, test_samples, test_seed)
    return train_index, test_index
