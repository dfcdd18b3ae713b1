"""A small real sweep on digits through the command line: store, CSV, plot, resume."""

from __future__ import annotations

import csv
import sqlite3
import textwrap

import pytest

from imcnas.cli.main import main

CONFIG = """
[run]
name = "tiny"
output_dir = "out"
seed = 3
strategy = "{strategy}"
evaluations = {evaluations}
population = 4

[data]
dataset = "digits"
test_samples = 200

[train]
epochs = 1
finetune_epochs = 0
batch_size = 64

[evaluate]
times_s = [1.0, 86400.0]
chips = 1

[space.network]
kind = ["mlp"]
depth = [1]
width = [16, 32]

[space.compression]
w_bits = [4, 8]
prune = [0.0, 0.25]

[space.hardware]
xbar_size = [64, 128]
adc_bits = [4, 8]
cell_bits = [2]
"""


def _count_rows(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0]


@pytest.mark.parametrize("strategy", ["random", "nsga2"])
def test_search_writes_store_csv_plot(tmp_path, capsys, strategy):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(CONFIG.format(strategy=strategy, evaluations=4)))

    status = main(["search", str(config), "--no-progress"])

    out = capsys.readouterr().out
    assert status == 0
    assert "Pareto front" in out
    store = tmp_path / "out" / "results.sqlite"
    assert _count_rows(store) == 4
    with open(tmp_path / "out" / "evaluations.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 4
    assert sum(int(row["pareto"]) for row in rows) >= 1
    for row in rows:
        assert 0.0 <= float(row["accuracy"]) <= 1.0
        assert float(row["energy_pj"]) > 0
    assert (tmp_path / "out" / "pareto.png").stat().st_size > 1000


def test_resume_skips_finished_candidates(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(CONFIG.format(strategy="random", evaluations=2)))
    assert main(["search", str(config), "--no-progress"]) == 0
    store = tmp_path / "out" / "results.sqlite"
    with sqlite3.connect(store) as connection:
        first_keys = {row[0] for row in connection.execute("SELECT key FROM evaluations")}

    config.write_text(textwrap.dedent(CONFIG.format(strategy="random", evaluations=4)))
    assert main(["search", str(config), "--no-progress"]) == 0

    out = capsys.readouterr().out
    assert "2 resumed" in out
    with sqlite3.connect(store) as connection:
        keys = [row[0] for row in connection.execute("SELECT key FROM evaluations")]
    assert len(keys) == 4
    assert len(set(keys)) == 4
    assert first_keys <= set(keys)


def test_same_seed_same_results(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(CONFIG.format(strategy="nsga2", evaluations=4)))
    for name in ("first", "second"):
        assert main(["search", str(config), "--no-progress", "--output-dir", str(tmp_path / name)]) == 0

    results = []
    for name in ("first", "second"):
        with sqlite3.connect(tmp_path / name / "results.sqlite") as connection:
            rows = connection.execute("SELECT key, accuracy, energy_pj FROM evaluations ORDER BY key").fetchall()
        results.append(rows)
    assert len(results[0]) == 4
    assert results[0] == results[1]
