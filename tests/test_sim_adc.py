"""ADC behaviour: lossy widths, the lossless width, ranges and counters."""

import numpy as np
import pytest

from imcnas._core import sim as core_sim
from imcnas.hardware import ConfigError, HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS
from imcnas.sim import adc_transfer, lossless_adc_bits, max_conversion_input, program_layer, reference


@pytest.fixture
def layer_data():
    rng = np.random.default_rng(11)
    weights = rng.normal(size=(24, 200))
    x_int = rng.integers(0, 256, size=(64, 200))
    return weights, x_int


@pytest.mark.parametrize("conversion", ["difference", "per_column"])
@pytest.mark.parametrize("mode", ["full_range", "granular"])
def test_rms_error_falls_to_zero_with_adc_bits(layer_data, conversion, mode):
    weights, x_int = layer_data
    base = HardwareConfig(xbar_rows=64, xbar_cols=16, cols_per_adc=8, cell_bits=2, dac_bits=2,
                          adc_conversion=conversion, adc_mode=mode)
    lossless = lossless_adc_bits(base)
    start = 2 if conversion == "difference" else 1

    errors = []
    for bits in range(start, lossless + 1):
        layer = program_layer(weights, base.replace(adc_bits=bits), w_bits=8)
        exact = x_int @ layer.weight_int.T
        y_int = layer.forward_int(x_int, in_bits=8)
        errors.append(float(np.sqrt(np.mean((y_int - exact) ** 2))))

    # Per-column conversion rounds G+ and G- on their own, so at the coarsest widths (a
    # step of 64+ unit currents here) its error can exceed that of an ADC that returns 0.
    # From there on, and for the difference converter throughout, it never grows.
    checked = errors if conversion == "difference" else errors[-6:]
    assert errors[0] > 0.0
    assert all(later <= earlier for earlier, later in zip(checked, checked[1:])), errors
    assert errors[-1] == 0.0
    # Granular clipping at one bit less only bites on near-full-scale sums, which random
    # data rarely reaches; the full-range step doubles there and always costs accuracy.
    assert errors[-2] > 0.0 or mode == "granular"


def test_lossless_bits_closed_form():
    # P_max = 128 rows * (2^1 - 1) * (2^2 - 1) = 384 unit-cell currents.
    hw = HardwareConfig(xbar_rows=128, cell_bits=2, dac_bits=1, device="pcm")
    assert max_conversion_input(hw, DEVICE_PRESETS["pcm"]) == 384
    # Signed: 2^(b-1) - 1 >= 384 needs b = 10. Unsigned per column with g_min = 0: b = 9.
    assert lossless_adc_bits(hw) == 10
    assert lossless_adc_bits(hw.replace(adc_conversion="per_column")) == 9
    # RRAM's g_min adds g0 = 1/16 unit per row at cell_bits = 1: 128 * (1 + 1/16) = 136.
    rram = HardwareConfig(xbar_rows=128, cell_bits=1, adc_conversion="per_column")
    assert max_conversion_input(rram, DEVICE_PRESETS["rram"]) == pytest.approx(136.0)
    assert lossless_adc_bits(rram) == 8


def test_lossless_bits_beyond_max_adc_bits_rejected():
    # P_max = 4096 rows * (2^8 - 1) * (2^4 - 1) = 15,667,200 > 2^23 - 1, so a signed
    # converter needs 25 bits, one more than HardwareConfig accepts.
    hw = HardwareConfig(xbar_rows=4096, xbar_cols=4096, cell_bits=4, dac_bits=8, device="pcm")
    assert max_conversion_input(hw, DEVICE_PRESETS["pcm"]) == 15_667_200

    with pytest.raises(ValueError, match="no ADC of at most 24 bits is lossless .* it needs 25 bits"):
        lossless_adc_bits(hw)
    # Unsigned per-column conversion fits 2^24 - 1 >= 15,667,200 with PCM's g_min = 0.
    assert lossless_adc_bits(hw.replace(adc_conversion="per_column")) == 24


def test_lossless_bits_accepts_preset_name():
    hw = HardwareConfig(xbar_rows=128, cell_bits=1, adc_conversion="per_column")
    # At 255 rows PCM (g_min = 0) has P_max = 255, so 8 bits suffice. RRAM's g0 = 1/16
    # raises P_max to 255 * 17/16 = 270.9, past 2^8 - 1, so it needs 9 bits.
    assert lossless_adc_bits(hw, "rram") == lossless_adc_bits(hw, DEVICE_PRESETS["rram"])
    assert lossless_adc_bits(hw.replace(xbar_rows=255), "pcm") == 8
    assert lossless_adc_bits(hw.replace(xbar_rows=255), "rram") == 9


@pytest.mark.parametrize("device", ["bogus", "", 3, True, b"pcm", {"name": "pcm"}])
def test_lossless_bits_rejects_invalid_device(device):
    with pytest.raises(ValueError, match=r"device must be a device preset name \(ideal, pcm, rram, sram\)") as error:
        lossless_adc_bits(HardwareConfig(), device)
    assert repr(device) in str(error.value)


def test_lossless_bits_rejects_non_config_hardware():
    with pytest.raises(ValueError, match="hw must be a HardwareConfig; got dict"):
        lossless_adc_bits({"xbar_rows": 128})


def test_max_adc_bits_exported_from_sim():
    import imcnas.sim
    from imcnas.hardware.config import MAX_ADC_BITS

    assert imcnas.sim.MAX_ADC_BITS == MAX_ADC_BITS
    assert "MAX_ADC_BITS" in imcnas.sim.__all__


def test_full_range_step_is_power_of_two():
    hw = HardwareConfig(xbar_rows=128, cell_bits=2, dac_bits=1, adc_bits=8, device="pcm")
    transfer = adc_transfer(hw, DEVICE_PRESETS["pcm"])
    # L = 127 codes must cover 384: step 4 (127 * 2 = 254 < 384 <= 508).
    assert (transfer.step, transfer.max_code, transfer.is_signed) == (4.0, 127, True)
    config = core_sim.CrossbarConfig(xbar_rows=128, xbar_cols=128, cell_bits=2, dac_bits=1, adc_bits=8)
    assert core_sim.adc_transfer(config, 0.0) == (4.0, 127.0, True)


def test_one_bit_per_column_adc_has_two_levels():
    hw = HardwareConfig(xbar_rows=4, xbar_cols=2, cols_per_adc=1, cell_bits=1, adc_bits=1,
                        adc_conversion="per_column", adc_mode="granular", device="ideal")
    weights = np.array([[1.0, 1.0, -1.0, 0.0]])

    layer = program_layer(weights, hw, w_bits=2)
    y_int = layer.forward_int(np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]), in_bits=1)

    # Codes are {0, 1}: a column sum of 2 clips to 1, and nothing divides by zero.
    np.testing.assert_array_equal(y_int, [[1.0], [-1.0], [0.0]])
    assert layer.last_stats["adc_clipped"] == 1


def test_granular_mode_clips_and_counts(layer_data):
    weights, x_int = layer_data
    hw = HardwareConfig(xbar_rows=64, xbar_cols=16, cols_per_adc=8, adc_bits=5, adc_mode="granular")

    layer = program_layer(weights, hw, w_bits=8)
    y_int = layer.forward_int(x_int, in_bits=8)

    assert not np.array_equal(y_int, x_int @ layer.weight_int.T)
    stats = layer.last_stats
    # Conversions: 4 row tiles x 4 slices x 8 cycles x 64 batch x 24 columns.
    assert stats["adc_conversions"] == 4 * 4 * 8 * 64 * 24
    assert 0 < stats["adc_clipped"] < stats["adc_conversions"]


def test_signed_per_column_counts_two_phases():
    hw = HardwareConfig(xbar_rows=16, xbar_cols=4, cols_per_adc=4, adc_conversion="per_column")
    layer = program_layer(np.ones((3, 20)), hw, w_bits=3)

    layer.forward_int(np.ones((2, 20), dtype=np.int64), in_bits=3, input_signed=True)

    # 2 row tiles x 1 slice x 2 cycles x 2 phases x 2 batch x 3 columns x 2 columns per pair.
    assert layer.last_stats["adc_conversions"] == 2 * 1 * 2 * 2 * 2 * 3 * 2


def test_lossy_adc_matches_reference_exactly(layer_data):
    weights, x_int = layer_data
    hw = HardwareConfig(xbar_rows=50, xbar_cols=10, cols_per_adc=2, cell_bits=3, dac_bits=3,
                        adc_bits=4, adc_conversion="per_column", device="rram")
    layer = program_layer(weights, hw, w_bits=7)

    y_int = layer.forward_int(x_int, in_bits=8)

    np.testing.assert_array_equal(
        y_int, reference.forward_int(layer.weight_int, x_int, hw, w_bits=7, in_bits=8)
    )


def test_calibrated_mode_is_a_named_error():
    with pytest.raises(ConfigError, match="adc_mode"):
        HardwareConfig(adc_mode="calibrated")
    with pytest.raises(ValueError, match="calibrated.*not implemented"):
        core_sim.CrossbarConfig(xbar_rows=8, xbar_cols=8, cell_bits=1, dac_bits=1, adc_bits=4,
                                adc_mode="calibrated")
