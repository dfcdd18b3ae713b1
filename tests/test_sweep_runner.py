"""The sweep runner stores every result at once and the CLI reads a run back from its store."""

from __future__ import annotations

import sqlite3
import textwrap

import pytest

import imcnas.sweep
from imcnas.cli.main import main
from imcnas.config import config_from_dict

SPACE = {
    "network": {"kind": ["mlp"], "depth": [1], "width": [8, 16, 32]},
    "compression": {"w_bits": [4, 8]},
    "hardware": {"xbar_size": [64, 128], "adc_bits": [6, 8]},
}


def _fake_metrics(candidate) -> dict:
    width = candidate.network.hidden[0]
    return {"accuracy": width / 64, "energy_pj": float(width * candidate.w_bits[0]),
            "latency_ns": 1.0, "area_mm2": 0.1, "edp": 1.0, "tops_per_w": 1.0}


def test_inline_results_stored_before_interrupt(tmp_path, monkeypatch):
    calls = []

    def evaluate(candidate, dataset, settings):
        calls.append(candidate.key())
        if len(calls) == 3:
            raise KeyboardInterrupt
        return _fake_metrics(candidate)

    monkeypatch.setattr(imcnas.sweep, "evaluate_candidate", evaluate)
    config = config_from_dict(
        {"run": {"evaluations": 6, "population": 4, "workers": 1, "output_dir": str(tmp_path / "out")},
         "space": SPACE},
    )

    with pytest.raises(KeyboardInterrupt):
        imcnas.sweep.run_sweep(config, progress=False)

    with sqlite3.connect(config.store_path) as connection:
        keys = [row[0] for row in connection.execute("SELECT key FROM evaluations")]
    assert keys == calls[:2]


def test_sweep_stops_at_requested_total(tmp_path, monkeypatch):
    monkeypatch.setattr(imcnas.sweep, "evaluate_candidate", lambda c, d, s: _fake_metrics(c))
    config = config_from_dict(
        {"run": {"evaluations": 5, "population": 4, "workers": 1, "output_dir": str(tmp_path / "out")},
         "space": SPACE},
    )

    summary = imcnas.sweep.run_sweep(config, progress=False)

    assert summary.evaluated == 5
    assert summary.failed == 0
    with sqlite3.connect(config.store_path) as connection:
        assert connection.execute("SELECT COUNT(DISTINCT key) FROM evaluations").fetchone()[0] == 5


CONFIG = """
[run]
name = "labels"
output_dir = "out"
evaluations = 2
population = 2

[data]
dataset = "digits"
test_samples = 100

[train]
epochs = 1
finetune_epochs = 0

[evaluate]
times_s = [{times}]
chips = {chips}

[space.network]
kind = ["mlp"]
depth = [1]
width = [8, 16]
"""


def test_report_labels_come_from_store(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(CONFIG.format(times="1.0, 2592000.0, 2592001.0", chips=1)))
    assert main(["search", str(config), "--no-progress"]) == 0
    capsys.readouterr()

    config.write_text(textwrap.dedent(CONFIG.format(times="5.0", chips=3)))
    assert main(["report", str(config)]) == 0

    out = capsys.readouterr().out
    assert "accuracy at t = 1 s after programming, mean of 1 chip(s)" in out
    header = (tmp_path / "out" / "evaluations.csv").read_text().splitlines()[0]
    assert "accuracy_at_1s" in header
    assert "accuracy_at_2592000s" in header
    assert "accuracy_at_2592001s" in header


def test_resume_without_store(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(CONFIG.format(times="1.0", chips=1)))

    status = main(["resume", str(config)])

    assert status == 2
    assert "no results store" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_store_not_a_database(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(CONFIG.format(times="1.0", chips=1)))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "results.sqlite").write_text("plain text, not SQLite")

    status = main(["search", str(config), "--no-progress"])

    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "results.sqlite" in err


def test_version_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])

    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("imcnas ")
