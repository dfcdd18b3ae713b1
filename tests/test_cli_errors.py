"""Bad input to ``imcnas search`` stops with one line that names the value, and writes nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from imcnas.cli.main import main

VALID = """
[run]
name = "bad-input"
output_dir = "out"
evaluations = 2
population = 2

[data]
dataset = "digits"

[space.network]
kind = ["mlp"]
depth = [1]
width = [16]

[space.hardware]
xbar_size = [64]
adc_bits = [6]
"""


def _run(tmp_path: Path, text: str, capsys) -> tuple[int, str]:
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(text))
    status = main(["search", str(config), "--no-progress"])
    return status, capsys.readouterr().err


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("evaluations = 2", "evalutions = 2", "'evalutions'"),
        ("adc_bits = [6]", "adc_bits = [0]", "adc_bits"),
        ("adc_bits = [6]", "adc_bits = [40]", "40"),
        ("xbar_size = [64]", "xbar_size = [64.5]", "64.5"),
        ("evaluations = 2", "evaluations = 2.5", "2.5"),
        ('dataset = "digits"', 'dataset = "fashion-mnist"\nroot = "no-such-folder"', "no-such-folder"),
        ('dataset = "digits"', 'dataset = "cifar-100"', "cifar-100"),
        ('kind = ["mlp"]', 'kind = ["rnn"]', "rnn"),
        ('name = "bad-input"', 'name = "bad-input"\nseed = -1', "-1"),
        ('name = "bad-input"', 'name = ""', "run.name"),
        ('name = "bad-input"', 'name = "bad-input"\nstrategy = "grid"', "'grid'"),
        ('kind = ["mlp"]\ndepth = [1]', 'kind = ["cnn"]\nconv_depth = [1, 4]\nkernel = [5]', "conv_depth=4"),
        ('dataset = "digits"', 'dataset = "digits"\n[evaluate]\ntimes_s = [60.0, 60.0]', "times_s"),
    ],
    ids=["unknown-key", "adc-bits-zero", "adc-bits-too-large", "non-integer-size",
         "non-integer-count", "missing-data-files", "unknown-dataset", "unknown-network-kind",
         "negative-seed", "empty-name", "unknown-strategy", "cnn-too-deep", "repeated-time"],
)
def test_bad_input_one_line_error(tmp_path, capsys, old, new, expected):
    assert old in VALID
    status, err = _run(tmp_path, VALID.replace(old, new), capsys)

    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("imcnas: error: ")
    assert expected in lines[0]
    assert not (tmp_path / "out").exists(), "nothing may be written for bad input"


def test_missing_config_file(tmp_path, capsys):
    status = main(["search", str(tmp_path / "absent.toml")])

    err = capsys.readouterr().err
    assert status == 2
    assert "absent.toml" in err


def test_invalid_toml(tmp_path, capsys):
    status, err = _run(tmp_path, "[run\nname = 1", capsys)

    assert status == 2
    assert "invalid TOML" in err
    assert not (tmp_path / "out").exists()


def test_report_without_store(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(VALID))

    status = main(["report", str(config)])

    assert status == 2
    assert "no results store" in capsys.readouterr().err


def test_output_dir_is_a_file(tmp_path, capsys):
    (tmp_path / "out").write_text("not a folder")

    status, err = _run(tmp_path, VALID, capsys)

    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "cannot create output folder" in err
    assert (tmp_path / "out").read_text() == "not a folder"


def test_overrides_apply_without_root(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(VALID))

    status = main(["search", str(config), "--no-progress", "--evaluations", "1", "--workers", "1",
                   "--output-dir", str(tmp_path / "elsewhere")])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "evaluated 1 candidates" in captured.out
    assert (tmp_path / "elsewhere" / "results.sqlite").exists()
    assert not (tmp_path / "out").exists()


def test_resume_with_changed_config(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(VALID.replace("evaluations = 2", "evaluations = 1")))
    assert main(["search", str(config), "--no-progress"]) == 0
    capsys.readouterr()

    config.write_text(textwrap.dedent(VALID.replace("width = [16]", "width = [16, 32]")))
    status = main(["search", str(config), "--no-progress"])

    err = capsys.readouterr().err
    assert status == 2
    assert "space" in err
    assert "restore it to resume" in err
