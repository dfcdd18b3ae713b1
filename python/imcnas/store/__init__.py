"""Results store: runs and evaluated candidates in an SQLite database (WAL mode)."""

from imcnas.store.results import KEY_METRICS, DuplicateResultError, Record, ResultStore, RunInfo

__all__ = ["KEY_METRICS", "DuplicateResultError", "Record", "ResultStore", "RunInfo"]
