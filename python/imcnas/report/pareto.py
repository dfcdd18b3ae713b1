"""Pareto-front reports of a sweep: a printed table, CSV files and a PNG plot."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from imcnas.config import OBJECTIVES

# Columns of the CSV files, after the candidate key; metrics missing from a record are left empty.
METRIC_COLUMNS = (
    "accuracy",
    "accuracy_std",
    "accuracy_software",
    "energy_pj",
    "latency_ns",
    "area_mm2",
    "edp",
    "tops_per_w",
    "crossbars",
)
CANDIDATE_COLUMNS = (
    "network",
    "w_bits",
    "prune",
    "xbar",
    "cell_bits",
    "dac_bits",
    "adc_bits",
    "adc_mode",
    "cols_per_adc",
    "device",
)


def objective_matrix(records: Sequence[Any], objectives: Sequence[str]) -> np.ndarray:
    """Return an (n, m) array of the objectives of ``records``, every column minimised."""
    matrix = np.empty((len(records), len(objectives)), dtype=np.float64)
    for i, record in enumerate(records):
        for j, name in enumerate(objectives):
            value = float(record.metrics[name])
            matrix[i, j] = -value if OBJECTIVES[name][0] == "max" else value
    return matrix


def pareto_front(records: Sequence[Any], objectives: Sequence[str]) -> list[Any]:
    """Return the non-dominated records, sorted by the second objective (ascending)."""
    from imcnas.search.kernels import pareto_mask

    if not records:
        return []
    mask = pareto_mask(objective_matrix(records, objectives))
    front = [record for record, keep in zip(records, mask) if keep]
    return sorted(front, key=lambda record: record.metrics[objectives[1]])


def candidate_summary(candidate: Any) -> dict[str, str]:
    """Return short text columns that describe a candidate's network, compression and hardware."""
    network = candidate.network
    if network.kind == "cnn":
        convs = "-".join(f"c{c}k{k}" for c, k in zip(network.channels, network.kernels))
        layers = "-".join([convs, *(str(width) for width in network.hidden)])
    else:
        layers = "-".join(str(width) for width in network.hidden)
    hw = candidate.hardware
    return {
        "network": f"{network.kind}:{layers}",
        "w_bits": "/".join(str(bits) for bits in candidate.w_bits),
        "prune": "/".join(f"{ratio:g}" for ratio in candidate.prune),
        "xbar": f"{hw.xbar_rows}x{hw.xbar_cols}",
        "cell_bits": str(hw.cell_bits),
        "dac_bits": str(hw.dac_bits),
        "adc_bits": str(hw.adc_bits),
        "adc_mode": hw.adc_mode,
        "cols_per_adc": str(hw.cols_per_adc),
        "device": hw.device,
    }


def format_pareto_table(front: Sequence[Any]) -> str:
    """Format the Pareto front as a fixed-width text table."""
    header = (
        f"{'#':>2} {'accuracy':>9} {'energy_nJ':>10} {'latency_us':>10} {'area_mm2':>9}  "
        f"{'network':<22} {'w_bits':<10} {'prune':<14} {'xbar':<8} {'cell':>4} {'dac':>3} {'adc':>3} {'adc_mode':<10} device"
    )
    lines = [header, "-" * len(header)]
    for index, record in enumerate(front):
        metrics = record.metrics
        text = candidate_summary(record.candidate)
        accuracy = f"{metrics['accuracy']:.4f}"
        lines.append(
            f"{index:>2} {accuracy:>9} {metrics['energy_pj'] / 1e3:>10.3f} "
            f"{metrics['latency_ns'] / 1e3:>10.3f} {metrics['area_mm2']:>9.4f}  "
            f"{text['network']:<22} {text['w_bits']:<10} {text['prune']:<14} {text['xbar']:<8} "
            f"{text['cell_bits']:>4} {text['dac_bits']:>3} {text['adc_bits']:>3} {text['adc_mode']:<10} {text['device']}"
        )
    return "\n".join(lines)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        # mkstemp creates the file private (0600); give it the permissions of a normal new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_csv(path: Path, records: Sequence[Any], front_keys: set[str]) -> None:
    """Write one row per record: key, Pareto flag, metrics, accuracy at each time, candidate description.

    The accuracy columns per time are named ``accuracy_at_<t>s`` (mean over chips).
    """
    times = sorted({time for record in records for time in record.metrics.get("accuracy_at", {})}, key=float)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["key", "pareto", *METRIC_COLUMNS, *(f"accuracy_at_{float(t):.15g}s" for t in times), *CANDIDATE_COLUMNS]
    )
    for record in records:
        metrics = record.metrics
        values = ["" if metrics.get(name) is None else repr(float(metrics[name])) for name in METRIC_COLUMNS]
        at_times = metrics.get("accuracy_at", {})
        values += ["" if at_times.get(t) is None else repr(float(at_times[t])) for t in times]
        text = candidate_summary(record.candidate)
        writer.writerow(
            [record.key, int(record.key in front_keys), *values, *(text[name] for name in CANDIDATE_COLUMNS)]
        )
    _write_atomically(path, buffer.getvalue().encode())


# Axis labels and the factor that converts each objective to the unit shown.
_AXES = {
    "accuracy": ("accuracy on simulated chip", 1.0, "linear"),
    "energy_pj": ("energy per inference (nJ)", 1e-3, "log"),
    "latency_ns": ("latency per inference (us)", 1e-3, "log"),
    "area_mm2": ("chip area (mm^2)", 1.0, "log"),
    "edp": ("energy-delay product (nJ*us)", 1e-6, "log"),
}


def plot_pareto(
    path: Path, records: Sequence[Any], front: Sequence[Any], *, objectives: Sequence[str], title: str
) -> None:
    """Plot the first objective against the second for all records, with the Pareto front highlighted.

    With more than two objectives the front is the non-dominated set over all of them, so
    its points are marked but not joined.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y_name, x_name = objectives[0], objectives[1]
    x_label, x_factor, x_scale = _AXES[x_name]
    y_label, y_factor, y_scale = _AXES[y_name]
    figure, axes = plt.subplots(figsize=(7.0, 4.5), dpi=120)
    x_all = [record.metrics[x_name] * x_factor for record in records]
    y_all = [record.metrics[y_name] * y_factor for record in records]
    axes.scatter(x_all, y_all, s=18, color="0.6", label="evaluated")
    front = sorted(front, key=lambda record: record.metrics[x_name])
    x_front = [record.metrics[x_name] * x_factor for record in front]
    y_front = [record.metrics[y_name] * y_factor for record in front]
    style = "o-" if len(objectives) == 2 else "o"
    axes.plot(x_front, y_front, style, color="tab:red", label="Pareto front (numbered as in the table)",
              drawstyle="steps-post")
    # Front points carry their row number in the printed table and pareto.csv, which list
    # the same order (ascending second objective); hardware labels would overlap.
    for index, (x, y) in enumerate(zip(x_front, y_front)):
        axes.annotate(str(index), (x, y), textcoords="offset points", xytext=(3, -11), fontsize=8)
    axes.set_xscale(x_scale)
    axes.set_yscale(y_scale)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="best")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    _write_atomically(path, buffer.getvalue())
