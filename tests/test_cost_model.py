"""Analytical cost model: exact sums, closed-form mapping, monotone ADC cost, errors, batch."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imcnas._core import cost as core
from imcnas.hardware.config import ConfigError, HardwareConfig
from imcnas.hardware.cost import (
    COMPONENTS,
    AnalyticalEstimator,
    CostEstimator,
    LayerSpec,
    estimate_cost,
    estimate_cost_batch,
)
from imcnas.hardware.technology import TECH_22NM, DeviceConductance, TechnologyTable

SMALL_CNN = [
    LayerSpec("conv1", n_in=3 * 9, n_out=16, n_mvm=28 * 28, w_bits=8, in_bits=8),
    LayerSpec("conv2", n_in=16 * 9, n_out=32, n_mvm=14 * 14, w_bits=6, in_bits=6),
    LayerSpec("fc1", n_in=32 * 49, n_out=128, n_mvm=1, w_bits=4, in_bits=4, input_signed=True),
    LayerSpec("fc2", n_in=128, n_out=10, n_mvm=1, w_bits=8, in_bits=8),
]

layer_specs = st.builds(
    LayerSpec,
    name=st.just("layer"),
    n_in=st.integers(1, 3000),
    n_out=st.integers(1, 600),
    n_mvm=st.integers(1, 2000),
    w_bits=st.integers(2, 12),
    in_bits=st.integers(2, 10),
    input_signed=st.booleans(),
    duplication=st.integers(1, 4),
)

hardware_configs = st.builds(
    HardwareConfig,
    xbar_rows=st.sampled_from([32, 64, 128, 256, 512]),
    xbar_cols=st.sampled_from([32, 64, 128, 256, 512]),
    cell_bits=st.integers(1, 4),
    dac_bits=st.integers(1, 4),
    adc_bits=st.integers(2, 12),
    cols_per_adc=st.sampled_from([1, 2, 4, 8, 16]),
    adc_conversion=st.sampled_from(["difference", "per_column"]),
)


def test_totals_equal_layer_sums() -> None:
    report = estimate_cost(SMALL_CNN, HardwareConfig())

    assert report.energy_pj == sum(layer.energy_pj for layer in report.layers)
    assert report.latency_ns == sum(layer.latency_ns for layer in report.layers)
    assert report.area_mm2 == sum(layer.area_mm2 for layer in report.layers)
    for component in COMPONENTS:
        assert report.breakdown_energy[component] == sum(
            layer.breakdown_energy[component] for layer in report.layers
        ), component
        assert report.breakdown_area[component] == sum(
            layer.breakdown_area[component] for layer in report.layers
        ), component
    for layer in report.layers:
        assert layer.energy_pj == sum(layer.breakdown_energy[c] for c in COMPONENTS)
        assert layer.area_mm2 == sum(layer.breakdown_area[c] for c in COMPONENTS)


def test_pipelined_latency_is_slowest_layer() -> None:
    report = estimate_cost(SMALL_CNN, HardwareConfig(), schedule="pipelined")

    assert report.latency_ns == max(layer.latency_ns for layer in report.layers)
    assert report.energy_pj == sum(layer.energy_pj for layer in report.layers)


@settings(max_examples=60, deadline=None)
@given(layers=st.lists(layer_specs, min_size=1, max_size=4), hw=hardware_configs)
def test_totals_equal_layer_sums_any_config(layers: list[LayerSpec], hw: HardwareConfig) -> None:
    report = estimate_cost(layers, hw)

    assert report.energy_pj == sum(layer.energy_pj for layer in report.layers)
    assert report.latency_ns == sum(layer.latency_ns for layer in report.layers)
    assert report.area_mm2 == sum(layer.area_mm2 for layer in report.layers)
    for component in COMPONENTS:
        assert report.breakdown_energy[component] == sum(
            layer.breakdown_energy[component] for layer in report.layers
        )
    assert all(math.isfinite(v) and v >= 0.0 for v in report.breakdown_energy.values())
    assert all(math.isfinite(v) and v >= 0.0 for v in report.breakdown_area.values())


def test_mapping_matches_closed_form() -> None:
    hw = HardwareConfig(xbar_rows=64, xbar_cols=64, cell_bits=2, dac_bits=2, adc_bits=6, cols_per_adc=8)
    layer = LayerSpec("conv", n_in=300, n_out=40, n_mvm=49, w_bits=7, in_bits=5, input_signed=True)

    mapping = estimate_cost([layer], hw).layers[0].mapping

    slices = math.ceil((7 - 1) / 2)  # 3
    bitlines = 40 * slices * 2  # 240
    row_tiles = math.ceil(300 / 64)  # 5
    col_tiles = math.ceil(bitlines / 64)  # 4
    cycles = math.ceil((5 - 1) / 2)  # 2 magnitude cycles
    assert mapping["slices"] == slices
    assert mapping["bitlines"] == bitlines
    assert mapping["row_tiles"] == row_tiles
    assert mapping["col_tiles"] == col_tiles
    assert mapping["crossbars"] == row_tiles * col_tiles
    assert mapping["utilization"] == pytest.approx(300 * bitlines / (row_tiles * col_tiles * 64 * 64), rel=1e-15)
    assert mapping["input_cycles"] == cycles
    assert mapping["converted_columns"] == 40 * slices
    assert mapping["conversions"] == 49 * cycles * row_tiles * 40 * slices
    assert mapping["conversions_per_adc"] == 4  # 8 bit lines = 4 differential pairs
    assert mapping["adcs_per_crossbar"] == 32 // 4


def test_energy_matches_hand_computation() -> None:
    tech = TECH_22NM.replace(adc_type="sar")
    hw = HardwareConfig(xbar_rows=128, xbar_cols=128, cell_bits=1, dac_bits=1, adc_bits=5, cols_per_adc=8)
    layer = LayerSpec("fc", n_in=100, n_out=20, n_mvm=3, w_bits=3, in_bits=4)

    report = estimate_cost([layer], hw, tech)

    conversions = 3 * 4 * 1 * 20 * 2  # n_mvm * cycles * row tiles * (n_out * slices)
    f_um = tech.feature_size_nm * 1e-3
    row_um, col_um = 128 * tech.cell_width_f * f_um, 128 * tech.cell_height_f * f_um
    settle_ns = 0.38 * tech.wire_res_ohm_per_um * tech.wire_cap_ff_per_um * 1e-6 * (row_um**2 + col_um**2)
    read_ns = settle_ns + 4 * tech.sar_cycle_ns * 5
    # Voltage sensing: every mapped bit line charges to V_read once per read.
    bitline_ff = 128 * (tech.wire_cap_ff_per_um * tech.cell_height_f * f_um + tech.access_drain_cap_ff)
    bitline_charges = 3 * 4 * 1 * (20 * 2 * 2)  # n_mvm * cycles * row tiles * bit lines
    array_pj = bitline_charges * bitline_ff * tech.read_voltage_v**2 * 1e-3
    # Row drives: word line and access gates at V_wl when the input bit is 1 (p = 0.5), and
    # the source-line wire at V_read weighted by E[x^2] = 0.5.
    row_ff = tech.wire_cap_ff_per_um * row_um
    wordline_fj = 0.5 * (row_ff + 128 * tech.access_gate_cap_ff) * tech.wordline_voltage_v**2
    source_fj = 0.5 * (row_ff * tech.read_voltage_v**2 + tech.dac_unit_energy_fj)
    dac_pj = 3 * 4 * 100 * 1 * (wordline_fj + source_fj) * 1e-3
    adc_pj = conversions * tech.sar_fom_fj * 2**5 * 1e-3
    assert report.breakdown_energy["array"] == pytest.approx(array_pj, rel=1e-12)
    assert report.breakdown_energy["dac"] == pytest.approx(dac_pj, rel=1e-12)
    assert report.breakdown_energy["adc"] == pytest.approx(adc_pj, rel=1e-12)
    # Input and output bits cross the 256-bit buffer port, one transfer per clock cycle. The
    # clock slows to one 5-cycle SAR conversion (1.25 ns) per cycle.
    transfer_cycles = math.ceil((3 * 100 * 4 + 3 * 20 * 4) / tech.bus_width_bits)
    clock_ns = max(tech.min_clock_ns, 5 * tech.sar_cycle_ns)
    assert report.latency_ns == pytest.approx(3 * 4 * read_ns + transfer_cycles * clock_ns, rel=1e-15)
    assert report.ops == 2 * 100 * 20 * 3


def test_current_sensing_matches_hand_computation() -> None:
    tech = TECH_22NM.replace(adc_type="sar", read_sensing="current")
    hw = HardwareConfig(xbar_rows=128, xbar_cols=128, cell_bits=1, dac_bits=1, adc_bits=5, cols_per_adc=8)
    layer = LayerSpec("fc", n_in=100, n_out=20, n_mvm=3, w_bits=3, in_bits=4)

    report = estimate_cost([layer], hw, tech)

    # The clamped cells of a column conduct while it is converted: 5 SAR cycles.
    g = tech.conductance("rram")
    g_mean = g.g_min_us + (g.g_max_us - g.g_min_us) / 4
    cell_reads = 3 * 4 * 100 * (20 * 2 * 2)
    conversion_ns = 5 * tech.sar_cycle_ns
    array_pj = cell_reads * 0.5 * tech.read_voltage_v**2 * g_mean * conversion_ns * 1e-3
    assert report.breakdown_energy["array"] == pytest.approx(array_pj, rel=1e-12)


def test_flash_reference_columns_in_adc_energy() -> None:
    tech = TECH_22NM.replace(adc_type="flash")
    hw = HardwareConfig(xbar_rows=64, xbar_cols=64, cell_bits=1, dac_bits=1, adc_bits=4, cols_per_adc=8)
    layer = LayerSpec("fc", n_in=50, n_out=8, n_mvm=2, w_bits=2, in_bits=2)

    report = estimate_cost([layer], hw, tech)

    # 15 comparator decisions plus 15/16 of a reference bit line charged per conversion.
    f_um = tech.feature_size_nm * 1e-3
    bitline_ff = 64 * (tech.wire_cap_ff_per_um * tech.cell_height_f * f_um + tech.access_drain_cap_ff)
    reference_fj = 15 / 16 * bitline_ff * tech.read_voltage_v**2
    conversions = 2 * 2 * 1 * 8  # n_mvm * cycles * row tiles * (n_out * slices)
    adc_pj = conversions * (15 * tech.flash_comparator_energy_fj + reference_fj) * 1e-3
    assert report.breakdown_energy["adc"] == pytest.approx(adc_pj, rel=1e-12)


@pytest.mark.parametrize("adc_type", ["sar", "flash"])
def test_adc_cost_monotone_in_bits_closed_form(adc_type: str) -> None:
    tech = TECH_22NM.replace(adc_type=adc_type).to_core()
    energies = [core.adc_energy_pj(tech, bits) for bits in range(1, 25)]
    areas = [core.adc_area_um2(tech, bits) for bits in range(1, 25)]

    assert all(b >= a for a, b in zip(energies, energies[1:]))
    assert all(b >= a for a, b in zip(areas, areas[1:]))


@settings(max_examples=60, deadline=None)
@given(
    layers=st.lists(layer_specs, min_size=1, max_size=3),
    hw=hardware_configs,
    adc_type=st.sampled_from(["sar", "flash"]),
)
def test_adc_cost_never_decreases_with_bits(
    layers: list[LayerSpec], hw: HardwareConfig, adc_type: str
) -> None:
    tech = TECH_22NM.replace(adc_type=adc_type)
    bits = range(hw.adc_bits, min(hw.adc_bits + 4, 24) + 1)
    reports = [estimate_cost(layers, hw.replace(adc_bits=b), tech) for b in bits]

    energies = [r.breakdown_energy["adc"] for r in reports]
    areas = [r.breakdown_area["adc"] for r in reports]
    assert all(b >= a for a, b in zip(energies, energies[1:])), energies
    assert all(b >= a for a, b in zip(areas, areas[1:])), areas


def test_more_crossbars_cost_more_area() -> None:
    hw = HardwareConfig(xbar_rows=128, xbar_cols=128)
    small = LayerSpec("small", n_in=128, n_out=32, n_mvm=10, w_bits=8, in_bits=8)
    large = LayerSpec("large", n_in=1024, n_out=256, n_mvm=10, w_bits=8, in_bits=8)

    report = estimate_cost([small, large], hw)

    small_cost, large_cost = report.layers
    assert large_cost.crossbars > small_cost.crossbars
    assert large_cost.area_mm2 > small_cost.area_mm2
    assert large_cost.breakdown_area["array"] > small_cost.breakdown_area["array"]
    assert large_cost.breakdown_area["adc"] > small_cost.breakdown_area["adc"]


def test_duplication_trades_area_for_latency() -> None:
    hw = HardwareConfig()
    single = LayerSpec("conv", n_in=576, n_out=64, n_mvm=256, w_bits=8, in_bits=8)
    doubled = LayerSpec("conv", n_in=576, n_out=64, n_mvm=256, w_bits=8, in_bits=8, duplication=4)

    one, four = estimate_cost([single], hw), estimate_cost([doubled], hw)

    assert four.layers[0].crossbars == 4 * one.layers[0].crossbars
    # Copies divide the reads, not the transfer through the buffer port (8-bit SAR: 2 ns clock).
    transfer_ns = math.ceil(256 * (576 + 64) * 8 / TECH_22NM.bus_width_bits) * 8 * TECH_22NM.sar_cycle_ns
    assert four.latency_ns - transfer_ns == pytest.approx((one.latency_ns - transfer_ns) / 4, rel=1e-12)
    assert four.breakdown_area["array"] == pytest.approx(4 * one.breakdown_area["array"], rel=1e-15)
    assert four.breakdown_energy["adc"] == one.breakdown_energy["adc"]


def test_per_column_conversion_costs_more_adc_energy() -> None:
    difference = estimate_cost(SMALL_CNN, HardwareConfig(adc_conversion="difference"))
    per_column = estimate_cost(SMALL_CNN, HardwareConfig(adc_conversion="per_column"))

    assert per_column.breakdown_energy["adc"] == pytest.approx(2 * difference.breakdown_energy["adc"], rel=1e-15)
    assert per_column.latency_ns > difference.latency_ns


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n_in", 0, "n_in must be in"),
        ("n_out", 0, "n_out must be in"),
        ("n_mvm", 0, "n_mvm must be in"),
        ("w_bits", 1, "w_bits must be in"),
        ("in_bits", 0, "in_bits must be in"),
        ("duplication", 0, "duplication must be in"),
    ],
)
def test_invalid_geometry_raises_value_error(field: str, value: int, message: str) -> None:
    values = dict(name="bad", n_in=8, n_out=8, n_mvm=1, w_bits=8, in_bits=8)
    values[field] = value

    with pytest.raises(ValueError, match=message) as error:
        estimate_cost([LayerSpec(**values)], HardwareConfig())
    assert f"got {value}" in str(error.value)
    assert "layer 'bad'" in str(error.value)


def test_signed_one_bit_input_rejected() -> None:
    with pytest.raises(ValueError, match=r"in_bits must be >= 2 for signed inputs .*got 1"):
        estimate_cost([LayerSpec("l", 8, 8, 1, 8, 1, input_signed=True)], HardwareConfig())


def test_empty_network_rejected() -> None:
    with pytest.raises(ValueError, match="no layers"):
        estimate_cost([], HardwareConfig())


def test_single_layer_not_in_list_rejected() -> None:
    layer = LayerSpec("l", 8, 8, 1, 8, 8)

    with pytest.raises(ValueError, match=r"layers must be a list of LayerSpec, not a LayerSpec; wrap a single layer"):
        estimate_cost(layer, HardwareConfig())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"layers must be a list of LayerSpec, not a str"):
        estimate_cost("l", HardwareConfig())  # type: ignore[arg-type]


def test_non_layer_item_rejected() -> None:
    with pytest.raises(ValueError, match=r"layers\[1\] must be a LayerSpec; got dict"):
        estimate_cost([LayerSpec("l", 8, 8, 1, 8, 8), {"n_in": 8}], HardwareConfig())  # type: ignore[list-item]


def test_non_config_hardware_rejected() -> None:
    with pytest.raises(ValueError, match=r"hw must be a HardwareConfig; got dict"):
        estimate_cost([LayerSpec("l", 8, 8, 1, 8, 8)], {"xbar_rows": 128})  # type: ignore[arg-type]


def test_technology_name_rejected() -> None:
    with pytest.raises(ValueError, match=r"tech must be a TechnologyTable or None .*got str '22nm'"):
        estimate_cost([LayerSpec("l", 8, 8, 1, 8, 8)], HardwareConfig(), tech="22nm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"tech must be a TechnologyTable or None"):
        estimate_cost_batch([([LayerSpec("l", 8, 8, 1, 8, 8)], HardwareConfig())], tech=22)  # type: ignore[arg-type]


def test_non_integer_size_rejected() -> None:
    with pytest.raises(ConfigError, match="n_in must be an integer, got 8.0"):
        LayerSpec("l", 8.0, 8, 1, 8, 8)  # type: ignore[arg-type]


@pytest.mark.parametrize("integer", [np.int64, np.int32, np.uint16, int])
def test_layer_accepts_numpy_integers(integer) -> None:
    layer = LayerSpec("l", integer(300), integer(40), integer(49), integer(7), integer(5), duplication=integer(2))
    expected = LayerSpec("l", 300, 40, 49, 7, 5, duplication=2)

    assert layer == expected
    assert type(layer.n_in) is int
    assert estimate_cost([layer], HardwareConfig()) == estimate_cost([expected], HardwareConfig())


@pytest.mark.parametrize("value", [True, np.bool_(True), 8.0, np.float64(8.0), "8", None])
def test_layer_rejects_non_integer_types(value) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"layer 'l': n_in must be an integer, got {value!r}")):
        LayerSpec("l", value, 8, 1, 8, 8)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("n_in", 1, 2**32), ("n_out", 1, 2**32), ("n_mvm", 1, 2**32), ("w_bits", 2, 32),
     ("in_bits", 1, 32), ("duplication", 1, 4096)],
)
def test_layer_range_matches_core(field, low, high) -> None:
    values = dict(name="l", n_in=8, n_out=8, n_mvm=1, w_bits=8, in_bits=8)
    message = rf"layer 'l': {field} must be in \[{low}, {high}\]"

    # Values that the C++ field cannot store raise in LayerSpec, with the C++ model's range.
    for huge in (2**70, -(2**70), 2**63):
        with pytest.raises(ConfigError, match=rf"{message}, got {huge}$"):
            LayerSpec(**{**values, field: huge})
    # Values that it stores are checked by the C++ model with the same range.
    with pytest.raises(ValueError, match=message):
        estimate_cost([LayerSpec(**{**values, field: high + 1})], HardwareConfig())


def test_layer_rejects_bad_name_and_flag() -> None:
    with pytest.raises(ConfigError, match="layer name must be a string, got 5"):
        LayerSpec(5, 8, 8, 1, 8, 8)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="layer 'l': input_signed must be True or False, got 'yes'"):
        LayerSpec("l", 8, 8, 1, 8, 8, input_signed="yes")  # type: ignore[arg-type]


def test_invalid_technology_rejected() -> None:
    with pytest.raises(ConfigError, match="wordline_voltage_v must be a positive finite number, got -1"):
        TechnologyTable(wordline_voltage_v=-1.0)
    with pytest.raises(ConfigError, match="adc_type must be one of sar, flash; got 'pipeline'"):
        TechnologyTable(adc_type="pipeline")
    with pytest.raises(ConfigError, match="read_sensing must be one of voltage, current; got 'charge'"):
        TechnologyTable(read_sensing="charge")
    with pytest.raises(ConfigError, match="g_max_us must exceed"):
        DeviceConductance(g_min_us=10.0, g_max_us=5.0)


def test_unknown_schedule_rejected() -> None:
    with pytest.raises(ConfigError, match="schedule must be one of layer_by_layer, pipelined"):
        AnalyticalEstimator(schedule="overlapped")


def test_batch_equals_one_by_one() -> None:
    configs = [
        HardwareConfig(),
        HardwareConfig(xbar_rows=64, xbar_cols=64, adc_bits=5),
        HardwareConfig(adc_conversion="per_column", cols_per_adc=4, cell_bits=1),
        HardwareConfig(xbar_rows=256, xbar_cols=256, dac_bits=2, adc_bits=10),
    ]
    pairs = [(SMALL_CNN[: 1 + i % len(SMALL_CNN)], hw) for i, hw in enumerate(configs * 10)]

    batched = estimate_cost_batch(pairs)
    single = [estimate_cost(layers, hw) for layers, hw in pairs]

    assert [r.to_dict() for r in batched] == [r.to_dict() for r in single]


def test_batch_error_names_pair_index() -> None:
    bad = [LayerSpec("bad", 0, 8, 1, 8, 8)]
    pairs = [(SMALL_CNN, HardwareConfig()), (bad, HardwareConfig())]

    with pytest.raises(ValueError, match=r"pair 1: layer 'bad': n_in must be in"):
        estimate_cost_batch(pairs)


def test_estimator_interface() -> None:
    estimator = AnalyticalEstimator()

    assert isinstance(estimator, CostEstimator)
    assert estimator.estimate(SMALL_CNN, HardwareConfig()) == estimate_cost(SMALL_CNN, HardwareConfig())


def test_report_to_dict_is_json_ready() -> None:
    import json

    report = estimate_cost(SMALL_CNN, HardwareConfig())
    data = json.loads(json.dumps(report.to_dict()))

    assert data["energy_pj"] == report.energy_pj
    assert [layer["name"] for layer in data["layers"]] == ["conv1", "conv2", "fc1", "fc2"]
    assert set(data["breakdown_energy"]) == set(COMPONENTS)
    assert report.edp == report.energy_pj * report.latency_ns
    assert report.tops_per_w == pytest.approx(report.ops / report.energy_pj, rel=1e-15)


def test_unknown_device_conductance_rejected() -> None:
    with pytest.raises(ConfigError, match="no conductance range for device 'memristor9'"):
        TECH_22NM.conductance("memristor9")


@pytest.mark.parametrize("device", ["rram", "pcm"])
def test_conductance_matches_device_presets(device: str) -> None:
    from imcnas.hardware.devices import DEVICE_PRESETS

    g = TECH_22NM.conductance(device)

    assert g.g_min_us == DEVICE_PRESETS[device].g_min_us
    assert g.g_max_us == DEVICE_PRESETS[device].g_max_us


def test_conductance_override_wins() -> None:
    override = DeviceConductance(g_min_us=1.0, g_max_us=10.0)
    # Only current sensing prices the cell conductances (voltage sensing charges C_BL).
    current = TECH_22NM.replace(read_sensing="current")
    tech = current.replace(devices={"rram": override})

    assert tech.conductance("rram") == override
    low = estimate_cost(SMALL_CNN, HardwareConfig(), tech).breakdown_energy["array"]
    high = estimate_cost(SMALL_CNN, HardwareConfig(), current).breakdown_energy["array"]
    assert low < high
