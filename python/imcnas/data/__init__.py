"""Dataset loaders: real data from local files in standard formats, never downloaded."""

from imcnas.data.dataset import DataError, DataFileNotFoundError, Dataset, stratified_subset
from imcnas.data.idx import parse_idx, read_idx
from imcnas.data.loaders import DATASET_NAMES, FASHION_MNIST_ROOT, load_dataset

__all__ = [
    "DATASET_NAMES",
    "DataError",
    "DataFileNotFoundError",
    "Dataset",
    "FASHION_MNIST_ROOT",
    "load_dataset",
    "parse_idx",
    "read_idx",
    "stratified_subset",
]
