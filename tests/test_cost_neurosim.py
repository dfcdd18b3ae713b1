"""Cost model against DNN+NeuroSim V1.5 on VGG-8: same direction of change per step."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

COMPARE_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "compare_neurosim.py"

# NeuroSim's energy rises by 0.2% from 128x128 to 256x256 crossbars; the analytical model
# falls by about 21%. Fewer row tiles halve the conversions and shift-adds, and imcnas's bit
# lines are too light (about 0.09 fF per cell) for the longer columns to make up for it.
KNOWN_MISMATCHES = {((128, 4), (256, 4), "dynamic_energy")}


def load_compare() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_neurosim", COMPARE_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


COMPARE = load_compare()
SUMMARY = COMPARE.run()
STEPS = [
    pytest.param(
        step,
        id=f"{step['quantity']}-{step['from'][0]}x{step['from'][1]}b-to-{step['to'][0]}x{step['to'][1]}b",
        marks=pytest.mark.xfail(strict=True, reason="known direction mismatch, see docs")
        if (tuple(step["from"]), tuple(step["to"]), step["quantity"]) in KNOWN_MISMATCHES
        else (),
    )
    for step in SUMMARY["direction"]["steps"]
]


def test_vgg8_mapping_matches_neurosim_ops() -> None:
    layers = COMPARE.vgg8_layers()

    ops = sum(2 * layer.n_in * layer.n_out * layer.n_mvm for layer in layers)
    # NeuroSim reports 2 * sum(H * W * C_in * K_h * K_w * C_out) = 1.2318e9 ops per image.
    assert ops == pytest.approx(1.2318e9, rel=5e-5)


def test_every_reference_row_compared() -> None:
    pairs = {(row["crossbar"], row["adc_bits"]) for row in SUMMARY["rows"]}

    assert pairs == {(128, b) for b in range(3, 8)} | {(64, 4), (256, 4)}


@pytest.mark.parametrize("step", STEPS)
def test_direction_of_change_matches_neurosim(step: dict) -> None:
    assert step["same_direction"], step
