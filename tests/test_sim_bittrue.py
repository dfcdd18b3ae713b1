"""Bit-true checks: ideal devices reproduce the integer matmul, and C++ equals the reference."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imcnas.hardware import HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS
from imcnas.sim import lossless_adc_bits, program_layer, quantize_inputs, reference


def random_case(rng, n_out, n_in, batch, w_bits, in_bits, input_signed):
    weights = rng.normal(size=(n_out, n_in))
    max_x = 2 ** (in_bits - 1) - 1 if input_signed else 2**in_bits - 1
    low = -max_x if input_signed else 0
    x_int = rng.integers(low, max_x + 1, size=(batch, n_in))
    return weights, x_int


@pytest.mark.parametrize("cell_bits", [1, 2, 3, 4])
@pytest.mark.parametrize("dac_bits", [1, 2, 3, 4])
@pytest.mark.parametrize("conversion", ["difference", "per_column"])
@pytest.mark.parametrize("input_signed", [False, True], ids=["unsigned", "signed"])
def test_lossless_equals_integer_matmul(cell_bits, dac_bits, conversion, input_signed):
    rng = np.random.default_rng(cell_bits * 100 + dac_bits * 10 + input_signed)
    hw = HardwareConfig(
        xbar_rows=48, xbar_cols=22, cell_bits=cell_bits, dac_bits=dac_bits,
        adc_conversion=conversion, device="rram",
    )
    hw = hw.replace(adc_bits=lossless_adc_bits(hw))
    weights, x_int = random_case(rng, 37, 101, 7, w_bits=8, in_bits=7, input_signed=input_signed)

    layer = program_layer(weights, hw, w_bits=8)
    y_int = layer.forward_int(x_int, in_bits=7, input_signed=input_signed)
    expected = x_int @ layer.weight_int.T.astype(np.int64)

    assert y_int.dtype == np.float64
    np.testing.assert_array_equal(y_int, expected)
    np.testing.assert_array_equal(
        reference.forward_int(layer.weight_int, x_int, hw, w_bits=8, in_bits=7,
                              input_signed=input_signed),
        expected,
    )
    assert layer.last_stats["adc_clipped"] == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_out=st.integers(1, 40),
    n_in=st.integers(1, 90),
    batch=st.integers(1, 6),
    xbar_rows=st.sampled_from([1, 5, 16, 33]),
    xbar_cols=st.sampled_from([2, 6, 16]),
    cell_bits=st.integers(1, 4),
    dac_bits=st.integers(1, 4),
    w_bits=st.integers(2, 9),
    in_bits=st.integers(2, 9),
    input_signed=st.booleans(),
    conversion=st.sampled_from(["difference", "per_column"]),
    mode=st.sampled_from(["full_range", "granular"]),
    device=st.sampled_from(["rram", "pcm", "ideal"]),
    adc_deficit=st.integers(0, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_cpp_matches_reference_any_adc(
    n_out, n_in, batch, xbar_rows, xbar_cols, cell_bits, dac_bits, w_bits, in_bits,
    input_signed, conversion, mode, device, adc_deficit, seed,
):
    rng = np.random.default_rng(seed)
    hw = HardwareConfig(
        xbar_rows=xbar_rows, xbar_cols=xbar_cols, cols_per_adc=2, cell_bits=cell_bits, dac_bits=dac_bits,
        adc_conversion=conversion, adc_mode=mode, device=device,
    )
    lossless = lossless_adc_bits(hw)
    minimum = 2 if conversion == "difference" else 1
    hw = hw.replace(adc_bits=max(minimum, lossless - adc_deficit))
    weights, x_int = random_case(rng, n_out, n_in, batch, w_bits, in_bits, input_signed)

    layer = program_layer(weights, hw, w_bits=w_bits)
    y_int = layer.forward_int(x_int, in_bits=in_bits, input_signed=input_signed)
    expected = reference.forward_int(
        layer.weight_int, x_int, hw, w_bits=w_bits, in_bits=in_bits, input_signed=input_signed
    )

    np.testing.assert_array_equal(y_int, expected)
    if hw.adc_bits >= lossless:
        np.testing.assert_array_equal(y_int, x_int @ layer.weight_int.T.astype(np.int64))


def test_full_scale_inputs_stay_exact():
    # Every weight and input at its largest magnitude drives every conversion to P_max.
    hw = HardwareConfig(xbar_rows=32, xbar_cols=8, cell_bits=2, dac_bits=2, adc_conversion="per_column")
    hw = hw.replace(adc_bits=lossless_adc_bits(hw))
    weights = np.ones((9, 70))
    x_int = np.full((3, 70), 2**8 - 1)

    layer = program_layer(weights, hw, w_bits=8)
    y_int = layer.forward_int(x_int, in_bits=8)

    np.testing.assert_array_equal(y_int, np.full((3, 9), 70 * 127 * 255.0))
    assert layer.last_stats["adc_clipped"] == 0


@pytest.mark.parametrize("per_channel", [False, True], ids=["per_layer", "per_channel"])
def test_forward_dequantizes_with_scales(per_channel):
    rng = np.random.default_rng(3)
    hw = HardwareConfig(xbar_rows=64, xbar_cols=32, adc_bits=10)
    weights = rng.normal(size=(20, 90))
    x = rng.uniform(0.0, 2.0, size=(5, 90))

    layer = program_layer(weights, hw, w_bits=6, per_channel=per_channel)
    y = layer.forward(x, in_bits=6)
    x_int, x_scale = quantize_inputs(x, 6)
    expected = (x_int @ layer.weight_int.T) * (np.asarray(layer.weight_scale) * x_scale)

    assert y.dtype == np.float32
    np.testing.assert_allclose(y, expected.astype(np.float32), rtol=1e-6)
    # 6-bit quantization of weights and inputs keeps the product within a few percent.
    assert np.abs(y - x @ weights.T).max() < 0.05 * np.abs(x @ weights.T).max()


def test_signed_inputs_use_sign_magnitude():
    hw = HardwareConfig(xbar_rows=16, xbar_cols=4, cols_per_adc=4, adc_bits=10)
    weights = np.array([[1.0, -1.0, 0.5]])
    x = np.array([[-1.0, 0.5, 1.0]])

    layer = program_layer(weights, hw, w_bits=8)
    y = layer.forward(x, in_bits=8, input_signed=True)

    # x -> (-127, 64, 127), w -> (127, -127, 64): -127*127 - 64*127 + 127*64 = -16129.
    assert layer.forward_int(np.array([[-127, 64, 127]]), in_bits=8, input_signed=True)[0, 0] == -16129
    np.testing.assert_allclose(y, [[-16129 * (1 / 127) * (1 / 127)]], rtol=1e-6)


def test_sram_one_bit_cells_are_exact():
    rng = np.random.default_rng(5)
    hw = HardwareConfig(xbar_rows=64, xbar_cols=64, cell_bits=1, device="sram")
    hw = hw.replace(adc_bits=lossless_adc_bits(hw))
    weights, x_int = random_case(rng, 30, 130, 4, w_bits=5, in_bits=4, input_signed=False)

    layer = program_layer(weights, hw, w_bits=5, device=DEVICE_PRESETS["sram"])

    np.testing.assert_array_equal(layer.forward_int(x_int, in_bits=4), x_int @ layer.weight_int.T)
