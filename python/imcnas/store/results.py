"""SQLite results store: every evaluated candidate is committed as soon as it finishes.

The database runs in WAL mode, so readers (a report, a second process) do not block the
writer. Each :meth:`ResultStore.add` commits its own transaction, so a result is on disk
once the call returns and a killed sweep loses only the candidates still being evaluated. One :class:`ResultStore` (one SQLite
connection) belongs to one thread; other threads and processes open their own.
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from imcnas.candidate import Candidate

logger = logging.getLogger("imcnas.store")

KEY_METRICS = ("accuracy", "energy_pj", "latency_ns", "area_mm2", "wall_time_s")
"""Metrics copied into REAL columns of the evaluations table so SQL can filter and sort them."""

STATUSES = ("ok", "failed")

BUSY_TIMEOUT_MS = 60_000
"""How long a write waits for another process's write lock before SQLite raises."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    seed INTEGER NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    candidate TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error TEXT,
    metrics TEXT,
    accuracy REAL,
    energy_pj REAL,
    latency_ns REAL,
    area_mm2 REAL,
    wall_time_s REAL,
    created REAL NOT NULL,
    UNIQUE (run_id, key)
);
CREATE INDEX IF NOT EXISTS evaluations_by_run_status ON evaluations (run_id, status);
"""


class DuplicateResultError(ValueError):
    """A candidate key already has a result in this run (pass ``replace=True`` to overwrite it)."""


@dataclass(frozen=True)
class RunInfo:
    """One row of the runs table."""

    id: int
    name: str
    config: dict[str, Any]
    seed: int
    created: float
    """UNIX time in seconds."""


@dataclass(frozen=True)
class Record:
    """One evaluated candidate of a run."""

    key: str
    candidate: Candidate
    metrics: dict[str, Any] | None
    """Metrics dict as added; None for a failed candidate added without metrics."""
    status: str
    """``ok`` or ``failed``."""
    error: str | None
    created: float
    """UNIX time in seconds when the result was stored."""
    run_id: int


def _to_json_value(value: Any, path: str) -> Any:
    """Convert numpy scalars and arrays to JSON types, rejecting NaN, infinities and unknown types."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if not math.isfinite(value):
            raise ValueError(f"metric {path} is {value}; metric values must be finite (store failures with status='failed')")
        return float(value)
    if isinstance(value, Mapping):
        converted = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"metric {path} has a non-string key {key!r}; JSON objects need string keys")
            converted[key] = _to_json_value(item, f"{path}.{key}")
        return converted
    if isinstance(value, (list, tuple)):
        return [_to_json_value(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise ValueError(f"metric {path} has type {type(value).__name__}, which JSON cannot store")


def _key_metric(metrics: Mapping[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"metric {name} must be a real number; got {value!r}")
    return float(value)


class ResultStore:
    """Runs and their evaluated candidates in one SQLite file.

    ``path`` is created with its parent folders if missing. Use as a context manager or
    call :meth:`close`.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: every write below opens its own explicit transaction.
        self._connection: sqlite3.Connection | None = sqlite3.connect(
            self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
        connection = self._connection
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise OSError(f"could not switch {self.path} to WAL mode (journal_mode is {mode}); use a local file system")
        # FULL syncs the WAL on every commit, so a finished result survives a power loss too.
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(_SCHEMA)

    # ------------------------------------------------------------------ lifetime

    @property
    def connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError(f"the result store {self.path} is closed")
        return self._connection

    def close(self) -> None:
        """Close the connection; calling it again does nothing."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def journal_mode(self) -> str:
        return self.connection.execute("PRAGMA journal_mode").fetchone()[0]

    # ------------------------------------------------------------------ runs

    def begin_run(self, name: str, config: Mapping[str, Any], seed: int) -> int:
        """Create the run ``name`` and return its id, or return the id of the existing run.

        Re-opening a run resumes it: the stored config and seed are kept. A different
        config or seed is logged as a warning (for example a larger evaluation budget
        on resume), not rejected.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"run name must be a non-empty string; got {name!r}")
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise ValueError(f"seed must be an integer; got {seed!r}")
        config_text = json.dumps(_to_json_value(dict(config), "config"), sort_keys=True)

        connection = self.connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            row = connection.execute("SELECT id, config, seed FROM runs WHERE name = ?", (name,)).fetchone()
            if row is None:
                cursor = connection.execute(
                    "INSERT INTO runs (name, config, seed, created) VALUES (?, ?, ?, ?)",
                    (name, config_text, int(seed), time.time()),
                )
                run_id = int(cursor.lastrowid)
            else:
                run_id = int(row[0])
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

        if row is not None:
            if row[1] != config_text or row[2] != int(seed):
                logger.warning("run %r (id %d) resumed with a different config or seed; the stored ones are kept", name, run_id)
            logger.info("resuming run %r (id %d)", name, run_id)
        return run_id

    def run(self, name: str) -> RunInfo | None:
        """Return the run called ``name``, or None."""
        row = self.connection.execute("SELECT id, name, config, seed, created FROM runs WHERE name = ?", (name,)).fetchone()
        return None if row is None else RunInfo(row[0], row[1], json.loads(row[2]), row[3], row[4])

    def runs(self) -> list[RunInfo]:
        """Return every run, oldest first."""
        rows = self.connection.execute("SELECT id, name, config, seed, created FROM runs ORDER BY id").fetchall()
        return [RunInfo(row[0], row[1], json.loads(row[2]), row[3], row[4]) for row in rows]

    # ------------------------------------------------------------------ evaluations

    def add(
        self,
        run_id: int,
        candidate: Candidate,
        metrics: Mapping[str, Any] | None,
        status: str = "ok",
        error: str | None = None,
        *,
        wall_time_s: float | None = None,
        replace: bool = False,
    ) -> None:
        """Store one evaluated candidate and commit at once.

        ``metrics`` values must be finite numbers, strings, booleans, None, or lists and
        string-keyed dicts of those (numpy scalars and arrays are converted). An ``ok``
        result needs metrics and no error; a ``failed`` one needs an error text and may
        carry partial metrics. ``wall_time_s`` defaults to ``metrics["wall_time_s"]``.
        A key already stored in the run raises :class:`DuplicateResultError` unless
        ``replace`` is True, which overwrites the earlier result (e.g. to retry a failure).
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
        if status == "ok" and (metrics is None or error is not None):
            raise ValueError("an 'ok' result needs a metrics dict and no error text")
        if status == "failed" and not error:
            raise ValueError("a 'failed' result needs the error text")
        if not isinstance(candidate, Candidate):
            raise TypeError(f"candidate must be a Candidate; got {type(candidate).__name__}")
        if metrics is not None and not isinstance(metrics, Mapping):
            raise ValueError(f"metrics must be a dict or None; got {type(metrics).__name__}")

        metrics_json = None if metrics is None else _to_json_value(dict(metrics), "metrics")
        key_values = {name: None if metrics_json is None else _key_metric(metrics_json, name) for name in KEY_METRICS}
        if wall_time_s is not None:
            key_values["wall_time_s"] = _key_metric({"wall_time_s": wall_time_s}, "wall_time_s")
            if not math.isfinite(key_values["wall_time_s"]):
                raise ValueError(f"wall_time_s must be finite; got {wall_time_s}")

        key = candidate.key()
        row = (
            run_id, key, candidate.canonical_json(), status, error,
            None if metrics_json is None else json.dumps(metrics_json, sort_keys=True),
            *key_values.values(), time.time(),
        )
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        columns = "run_id, key, candidate, status, error, metrics, " + ", ".join(KEY_METRICS) + ", created"
        placeholders = ", ".join("?" * len(row))
        connection = self.connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(f"{verb} INTO evaluations ({columns}) VALUES ({placeholders})", row)
            connection.execute("COMMIT")
        except BaseException as failure:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(failure, sqlite3.IntegrityError) and "UNIQUE" in str(failure):
                raise DuplicateResultError(
                    f"candidate {key[:12]} already has a result in run {run_id}; pass replace=True to overwrite it"
                ) from None
            if isinstance(failure, sqlite3.IntegrityError) and "FOREIGN KEY" in str(failure):
                raise ValueError(f"run id {run_id} does not exist; call begin_run() first") from None
            raise

    def has(self, run_id: int, key: str) -> bool:
        """Return whether the run has a result (ok or failed) for candidate ``key``."""
        row = self.connection.execute("SELECT 1 FROM evaluations WHERE run_id = ? AND key = ?", (run_id, key)).fetchone()
        return row is not None

    def get(self, run_id: int, key: str) -> Record | None:
        """Return the result of candidate ``key`` in the run, or None."""
        row = self.connection.execute(
            f"SELECT {_RECORD_COLUMNS} FROM evaluations WHERE run_id = ? AND key = ?", (run_id, key)
        ).fetchone()
        return None if row is None else _record_from_row(row)

    def records(self, run_id: int | None = None, status: str | None = "ok") -> list[Record]:
        """Return results in the order they were added, optionally of one run and one status (None = all)."""
        where, parameters = _filters(run_id, status)
        rows = self.connection.execute(
            f"SELECT {_RECORD_COLUMNS} FROM evaluations{where} ORDER BY id", parameters
        ).fetchall()
        return [_record_from_row(row) for row in rows]

    def count(self, run_id: int | None = None, status: str | None = "ok") -> int:
        """Return the number of results that :meth:`records` would return."""
        where, parameters = _filters(run_id, status)
        return int(self.connection.execute(f"SELECT COUNT(*) FROM evaluations{where}", parameters).fetchone()[0])


_RECORD_COLUMNS = "key, candidate, metrics, status, error, created, run_id"


def _record_from_row(row: tuple[Any, ...]) -> Record:
    key, candidate, metrics, status, error, created, run_id = row
    return Record(
        key=key,
        candidate=Candidate.from_dict(json.loads(candidate)),
        metrics=None if metrics is None else json.loads(metrics),
        status=status,
        error=error,
        created=created,
        run_id=run_id,
    )


def _filters(run_id: int | None, status: str | None) -> tuple[str, tuple[Any, ...]]:
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)} or None; got {status!r}")
    clauses, parameters = [], []
    if run_id is not None:
        clauses.append("run_id = ?")
        parameters.append(run_id)
    if status is not None:
        clauses.append("status = ?")
        parameters.append(status)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    return where, tuple(parameters)
