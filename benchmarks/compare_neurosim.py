"""Compare the analytical cost model with DNN+NeuroSim V1.5 on VGG-8 / CIFAR-10.

The NeuroSim figures in ``benchmarks/reference/`` were measured with NeuroSim V1.5 at 22 nm:
RRAM 1T1R cells (R_on 6 kOhm, on/off 17), 1-bit cells, 8-bit weights and inputs streamed one
bit per cycle, 8 columns per flash ADC, weight duplication 16, 16, 4, 4, 2, 1, 1, 8 and a
pipelined schedule. This script configures imcnas the same way and writes the ratios
imcnas / NeuroSim for chip area, dynamic energy and latency, and the ADC shares of area
and energy, to ``benchmarks/results/compare_neurosim.json``.

NeuroSim V1.5 books its array read energy (word lines and bit lines) inside its ADC energy
(``SubArray.cpp``: the ADC figure is the array, sense-amplifier and encoder energy together).
The script therefore also compares NeuroSim's ADC energy share with the imcnas share of
``array + dac + adc``, the same set of circuits.

Run: ``.venv/bin/python benchmarks/compare_neurosim.py``
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from imcnas.hardware.config import HardwareConfig
from imcnas.hardware.cost import CostReport, LayerSpec, estimate_cost
from imcnas.hardware.technology import TECH_22NM, DeviceConductance, TechnologyTable

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
RESULTS_PATH = Path(__file__).resolve().parent / "results" / "compare_neurosim.json"

# Weight copies per layer that NeuroSim used to balance its pipeline.
DUPLICATION = (16, 16, 4, 4, 2, 1, 1, 8)

# The NeuroSim run's device: R_on = 6 kOhm with an on/off ratio of 17.
RRAM_6K = DeviceConductance.from_resistance(6e3, 17.0, source="NeuroSim V1.5 reference run")


def vgg8_layers() -> list[LayerSpec]:
    """Return VGG-8 as matrices, one MVM per output position (same padding)."""
    layers = []
    with open(REFERENCE_DIR / "vgg8-cifar10-layers.csv", newline="") as file:
        for index, row in enumerate(csv.DictReader(file)):
            size = {key: int(value) for key, value in row.items()}
            positions = (size["input_h"] // size["stride"]) * (size["input_w"] // size["stride"])
            layers.append(
                LayerSpec(
                    name=f"layer{index + 1}",
                    n_in=size["in_channels"] * size["kernel_h"] * size["kernel_w"],
                    n_out=size["out_channels"],
                    n_mvm=positions,
                    w_bits=8,
                    in_bits=8,
                    duplication=DUPLICATION[index],
                )
            )
    return layers


def neurosim_rows() -> list[dict[str, float]]:
    """Return the NeuroSim reference rows with numeric values."""
    with open(REFERENCE_DIR / "neurosim-v1.5-vgg8-rram22nm.csv", newline="") as file:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(file)]


def neurosim_technology() -> TechnologyTable:
    """Return the 22 nm table with the NeuroSim run's flash ADC and RRAM device."""
    return TECH_22NM.replace(name="22nm-neurosim-vgg8", adc_type="flash", devices={"rram": RRAM_6K})


def hardware_for(row: dict[str, float], adc_conversion: str = "difference") -> HardwareConfig:
    size = int(row["crossbar_rows_cols"])
    return HardwareConfig(
        xbar_rows=size, xbar_cols=size, cell_bits=1, dac_bits=1, adc_bits=int(row["adc_bits"]),
        cols_per_adc=8, adc_conversion=adc_conversion, device="rram",
    )


def estimate_row(row: dict[str, float], tech: TechnologyTable, adc_conversion: str = "difference") -> CostReport:
    return estimate_cost(vgg8_layers(), hardware_for(row, adc_conversion), tech, schedule="pipelined")


def compare_row(row: dict[str, float], report: CostReport) -> dict[str, Any]:
    """Return imcnas / NeuroSim ratios and ADC shares for one reference row."""
    energy_uj = report.energy_pj * 1e-6
    latency_us = report.latency_ns * 1e-3
    ours_adc_area_share = report.breakdown_area["adc"] / report.area_mm2
    ours_adc_energy_share = report.breakdown_energy["adc"] / report.energy_pj
    sensing = ("array", "dac", "adc")
    ours_sensing_share = sum(report.breakdown_energy[name] for name in sensing) / report.energy_pj
    ref_adc_area_share = row["adc_area_mm2"] / row["chip_area_mm2"]
    ref_adc_energy_share = row["adc_energy_uJ"] / row["dynamic_energy_per_image_uJ"]
    return {
        "crossbar": int(row["crossbar_rows_cols"]),
        "adc_bits": int(row["adc_bits"]),
        "imcnas": {
            "chip_area_mm2": report.area_mm2,
            "dynamic_energy_uJ": energy_uj,
            "latency_us": latency_us,
            "adc_area_share": ours_adc_area_share,
            "adc_energy_share": ours_adc_energy_share,
            "sensing_energy_share": ours_sensing_share,
            "breakdown_energy_uJ": {k: v * 1e-6 for k, v in report.breakdown_energy.items()},
            "breakdown_area_mm2": report.breakdown_area,
            "tiles": sum(layer.tiles for layer in report.layers),
        },
        "neurosim": {
            "chip_area_mm2": row["chip_area_mm2"],
            "dynamic_energy_uJ": row["dynamic_energy_per_image_uJ"],
            "latency_us": row["latency_per_image_us"],
            "adc_area_share": ref_adc_area_share,
            "adc_energy_share": ref_adc_energy_share,
            "tiles": int(row["tiles"]),
        },
        "ratio": {
            "chip_area": report.area_mm2 / row["chip_area_mm2"],
            "dynamic_energy": energy_uj / row["dynamic_energy_per_image_uJ"],
            "latency": latency_us / row["latency_per_image_us"],
        },
        "adc_share_difference_pp": {
            "area": 100.0 * (ours_adc_area_share - ref_adc_area_share),
            "energy": 100.0 * (ours_adc_energy_share - ref_adc_energy_share),
            "sensing_energy": 100.0 * (ours_sensing_share - ref_adc_energy_share),
        },
    }


def direction_agreement(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Check that imcnas moves the same way as NeuroSim at every step.

    Steps: adc_bits 3 -> 7 at crossbar 128, and crossbar 64 -> 128 -> 256 at adc_bits 4.
    """
    by_key = {(r["crossbar"], r["adc_bits"]): r for r in results}
    steps = [((128, b), (128, b + 1)) for b in range(3, 7)] + [((64, 4), (128, 4)), ((128, 4), (256, 4))]
    quantities = {
        "chip_area": "chip_area_mm2",
        "dynamic_energy": "dynamic_energy_uJ",
        "latency": "latency_us",
    }
    checks = []
    for before, after in steps:
        for name, key in quantities.items():
            ours = by_key[after]["imcnas"][key] - by_key[before]["imcnas"][key]
            theirs = by_key[after]["neurosim"][key] - by_key[before]["neurosim"][key]
            checks.append({
                "from": list(before), "to": list(after), "quantity": name,
                "imcnas_change": ours, "neurosim_change": theirs,
                "same_direction": (ours > 0) == (theirs > 0) and (ours < 0) == (theirs < 0),
            })
    return {"all_same_direction": all(c["same_direction"] for c in checks), "steps": checks}


def run() -> dict[str, Any]:
    tech = neurosim_technology()
    rows = sorted(neurosim_rows(), key=lambda r: (r["crossbar_rows_cols"], r["adc_bits"]))
    results = [compare_row(row, estimate_row(row, tech)) for row in rows]
    return {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "technology": tech.to_dict(),
        "adc_conversion": "difference",
        "schedule": "pipelined",
        "rows": results,
        "direction": direction_agreement(results),
    }


def main() -> None:
    summary = run()
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(summary, indent=2) + "\n")

    header = (
        f"{'xbar':>5} {'adc':>4} {'area':>7} {'energy':>7} {'latency':>8} {'adc area pp':>12} "
        f"{'adc energy pp':>14} {'sensing pp':>11}"
    )
    print("imcnas / NeuroSim V1.5, VGG-8 CIFAR-10, 22 nm RRAM")
    print(header)
    for row in summary["rows"]:
        ratio, share = row["ratio"], row["adc_share_difference_pp"]
        print(
            f"{row['crossbar']:>5} {row['adc_bits']:>4} {ratio['chip_area']:>7.3f} "
            f"{ratio['dynamic_energy']:>7.3f} {ratio['latency']:>8.3f} "
            f"{share['area']:>12.1f} {share['energy']:>14.1f} {share['sensing_energy']:>11.1f}"
        )
    print(f"same direction at every step: {summary['direction']['all_same_direction']}")
    print(f"wrote {RESULTS_PATH}")


if __name__ == "__main__":
    main()
