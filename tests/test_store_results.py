"""SQLite results store: round trip, persistence, WAL, concurrency, failures, duplicates, bad metrics."""

import json
import logging
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing

import numpy as np
import pytest

from imcnas.candidate import Candidate, NetworkSpec
from imcnas.hardware.config import HardwareConfig
from imcnas.store import DuplicateResultError, ResultStore


def make_candidate(width=64, adc_bits=8):
    return Candidate(NetworkSpec(hidden=(width,)), w_bits=(4, 8), in_bits=(8, 8), prune=(0.25, 0.0),
                     hardware=HardwareConfig(adc_bits=adc_bits))


METRICS = {"accuracy": 0.91, "energy_pj": 1.5e3, "latency_ns": 220.0, "area_mm2": 0.75,
           "accuracy_at": {"1.0": 0.93, "86400.0": 0.91}, "cost_layers": [{"name": "fc0", "energy_pj": 1e3}]}


@pytest.fixture
def store(tmp_path):
    with ResultStore(tmp_path / "nested" / "folder" / "results.sqlite") as opened:
        yield opened


def test_store_creates_parents_and_uses_wal(store):
    assert store.path.exists()
    assert store.journal_mode == "wal"


def test_round_trip(store):
    run_id = store.begin_run("sweep", {"run": {"seed": 1}, "space": {}}, seed=1)
    candidate = make_candidate()

    store.add(run_id, candidate, METRICS, wall_time_s=12.5)
    record = store.get(run_id, candidate.key())

    assert record.candidate == candidate
    assert record.key == candidate.key()
    assert record.metrics == METRICS
    assert record.status == "ok"
    assert record.error is None
    assert record.run_id == run_id
    assert store.has(run_id, candidate.key())
    assert not store.has(run_id, make_candidate(width=32).key())
    assert store.get(run_id, make_candidate(width=32).key()) is None


def test_key_metrics_fill_real_columns(store):
    run_id = store.begin_run("sweep", {}, seed=0)
    store.add(run_id, make_candidate(), {**METRICS, "wall_time_s": 3.0})

    row = store.connection.execute(
        "SELECT accuracy, energy_pj, latency_ns, area_mm2, wall_time_s, typeof(accuracy) FROM evaluations"
    ).fetchone()

    assert row == (0.91, 1500.0, 220.0, 0.75, 3.0, "real")


def test_numpy_metrics_are_converted(store):
    run_id = store.begin_run("sweep", {}, seed=0)
    metrics = {"accuracy": np.float32(0.5), "crossbars": np.int64(12), "per_chip": np.array([0.5, 0.25])}

    store.add(run_id, make_candidate(), metrics)

    assert store.records(run_id)[0].metrics == {"accuracy": 0.5, "crossbars": 12, "per_chip": [0.5, 0.25]}


def test_records_persist_across_reopen(tmp_path):
    path = tmp_path / "results.sqlite"
    candidates = [make_candidate(width) for width in (8, 16, 32)]
    with ResultStore(path) as store:
        run_id = store.begin_run("sweep", {"a": 1}, seed=3)
        for candidate in candidates:
            store.add(run_id, candidate, {"accuracy": candidate.network.hidden[0] / 100})

    with ResultStore(path) as store:
        assert store.begin_run("sweep", {"a": 1}, seed=3) == run_id
        records = store.records(run_id)
        assert [record.candidate for record in records] == candidates
        assert store.run("sweep").config == {"a": 1}
        assert store.run("sweep").seed == 3


def test_failed_candidate_keeps_its_error(store):
    run_id = store.begin_run("sweep", {}, seed=0)
    good, bad = make_candidate(8), make_candidate(16)
    store.add(run_id, good, {"accuracy": 0.8})

    store.add(run_id, bad, None, status="failed", error="ArithmeticError: non-finite energy_pj")

    failed = store.records(run_id, status="failed")
    assert [record.key for record in failed] == [bad.key()]
    assert failed[0].error == "ArithmeticError: non-finite energy_pj"
    assert failed[0].metrics is None
    assert store.count(run_id) == 1
    assert store.count(run_id, status="failed") == 1
    assert store.count(run_id, status=None) == 2
    assert [record.key for record in store.records(run_id, status=None)] == [good.key(), bad.key()]


def test_duplicate_key_is_rejected_unless_replaced(store):
    run_id = store.begin_run("sweep", {}, seed=0)
    candidate = make_candidate()
    store.add(run_id, candidate, None, status="failed", error="killed")

    with pytest.raises(DuplicateResultError, match=r"already has a result in run 1; pass replace=True"):
        store.add(run_id, candidate, {"accuracy": 0.9})
    store.add(run_id, candidate, {"accuracy": 0.9}, replace=True)

    assert store.count(run_id, status=None) == 1
    assert store.get(run_id, candidate.key()).status == "ok"


def test_same_key_in_two_runs(store):
    first = store.begin_run("first", {}, seed=0)
    second = store.begin_run("second", {}, seed=0)
    candidate = make_candidate()

    store.add(first, candidate, {"accuracy": 0.1})
    store.add(second, candidate, {"accuracy": 0.2})

    assert first != second
    assert store.get(second, candidate.key()).metrics == {"accuracy": 0.2}
    assert store.count() == 2
    assert [run.name for run in store.runs()] == ["first", "second"]


def test_reopened_run_with_other_config_warns(store, caplog):
    run_id = store.begin_run("sweep", {"evaluations": 10}, seed=0)

    with caplog.at_level(logging.WARNING, logger="imcnas.store"):
        again = store.begin_run("sweep", {"evaluations": 20}, seed=0)

    assert again == run_id
    assert "different config or seed" in caplog.text
    assert store.run("sweep").config == {"evaluations": 10}


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ({"accuracy": float("nan")}, r"metric metrics.accuracy is nan; metric values must be finite"),
        ({"energy_pj": float("inf")}, r"metrics.energy_pj is inf"),
        ({"accuracy_at": {"1.0": np.float64("nan")}}, r"metrics.accuracy_at.1.0 is nan"),
        ({"per_chip": [0.5, float("nan")]}, r"metrics.per_chip\[1\] is nan"),
        ({"layers": {1: 0.5}}, "non-string key 1"),
        ({"model": object()}, "type object, which JSON cannot store"),
        ({"accuracy": "high"}, "metric accuracy must be a real number; got 'high'"),
    ],
    ids=["nan", "inf", "nested-nan", "list-nan", "int-key", "object", "string-key-metric"],
)
def test_bad_metrics_are_rejected(store, metrics, message):
    run_id = store.begin_run("sweep", {}, seed=0)

    with pytest.raises(ValueError, match=message):
        store.add(run_id, make_candidate(), metrics)
    assert store.count(run_id, status=None) == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"metrics": None}, "an 'ok' result needs a metrics dict"),
        ({"metrics": {}, "error": "boom"}, "an 'ok' result needs a metrics dict and no error"),
        ({"metrics": None, "status": "failed"}, "a 'failed' result needs the error text"),
        ({"metrics": {}, "status": "done"}, "status must be one of ok, failed; got 'done'"),
        ({"metrics": {}, "wall_time_s": float("nan")}, "wall_time_s must be finite"),
    ],
)
def test_add_rejects_inconsistent_status(store, arguments, message):
    run_id = store.begin_run("sweep", {}, seed=0)

    with pytest.raises(ValueError, match=message):
        store.add(run_id, make_candidate(), **arguments)


def test_add_to_missing_run_is_rejected(store):
    with pytest.raises(ValueError, match="run id 99 does not exist; call begin_run"):
        store.add(99, make_candidate(), {"accuracy": 0.5})


def test_begin_run_rejects_bad_input(store):
    with pytest.raises(ValueError, match="run name must be a non-empty string"):
        store.begin_run("", {}, seed=0)
    with pytest.raises(ValueError, match=r"metric config.x is nan"):
        store.begin_run("sweep", {"x": float("nan")}, seed=0)


def test_closed_store_raises(tmp_path):
    store = ResultStore(tmp_path / "results.sqlite")
    store.close()
    store.close()

    with pytest.raises(ValueError, match="is closed"):
        store.records()


def test_reader_sees_commits_while_holding_a_read_transaction(tmp_path):
    path = tmp_path / "results.sqlite"
    with ResultStore(path) as writer, ResultStore(path) as reader:
        run_id = writer.begin_run("sweep", {}, seed=0)
        writer.add(run_id, make_candidate(8), {"accuracy": 0.1})

        # In WAL mode an open read transaction neither blocks the writer nor reads its
        # later commits until it ends.
        reader.connection.execute("BEGIN")
        assert reader.count(run_id) == 1
        writer.add(run_id, make_candidate(16), {"accuracy": 0.2})
        assert reader.count(run_id) == 1
        reader.connection.execute("COMMIT")

        assert reader.count(run_id) == 2


def test_concurrent_writer_process(tmp_path):
    path = tmp_path / "results.sqlite"
    script = textwrap.dedent(f"""
        from imcnas.candidate import Candidate, NetworkSpec
        from imcnas.store import ResultStore
        with ResultStore({str(path)!r}) as store:
            run_id = store.begin_run("sweep", {{}}, seed=0)
            for width in range(1, 41):
                candidate = Candidate(NetworkSpec(hidden=(width,)), (8, 8), (8, 8), (0.0, 0.0))
                store.add(run_id, candidate, {{"accuracy": width / 100}})
    """)
    with ResultStore(path) as store:
        run_id = store.begin_run("sweep", {}, seed=0)
        process = subprocess.Popen([sys.executable, "-c", script])
        counts = []
        while process.poll() is None:
            counts.append(store.count(run_id))
        assert process.wait(timeout=120) == 0

        assert store.count(run_id) == 40
        assert counts == sorted(counts)
        assert [record.metrics["accuracy"] for record in store.records(run_id)] == [w / 100 for w in range(1, 41)]


def test_stored_candidate_json_is_canonical(store):
    run_id = store.begin_run("sweep", {}, seed=0)
    candidate = make_candidate()
    store.add(run_id, candidate, {"accuracy": 0.5})

    text = store.connection.execute("SELECT candidate FROM evaluations").fetchone()[0]

    assert text == candidate.canonical_json()
    assert Candidate.from_dict(json.loads(text)).key() == candidate.key()


def test_store_file_is_plain_sqlite(tmp_path):
    path = tmp_path / "results.sqlite"
    with ResultStore(path) as store:
        run_id = store.begin_run("sweep", {}, seed=0)
        store.add(run_id, make_candidate(), {"accuracy": 0.5})

    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM evaluations WHERE status = 'ok'").fetchone() == (1,)
