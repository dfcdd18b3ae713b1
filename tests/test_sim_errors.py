"""Invalid arguments raise clear errors of the documented types."""

import numpy as np
import pytest

from imcnas._core import sim as core_sim
from imcnas.hardware import HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS, DeviceError, DeviceModel
from imcnas.sim import program_layer, quantize_inputs, reference

HW = HardwareConfig(xbar_rows=32, xbar_cols=16, cols_per_adc=8)


@pytest.fixture
def layer():
    return program_layer(np.ones((4, 10)), HW, w_bits=4)


def core_config(**changes):
    fields = dict(xbar_rows=32, xbar_cols=16, cell_bits=2, dac_bits=1, adc_bits=8)
    fields.update(changes)
    return core_sim.CrossbarConfig(**fields)


@pytest.mark.parametrize(
    "weights, match",
    [
        (np.ones(10), "2-D"),
        (np.ones((2, 3, 4)), "2-D"),
        (np.array([[1.0, np.nan]]), "NaN"),
        (np.array([[1.0, np.inf]]), "NaN or infinity"),
    ],
    ids=["1d", "3d", "nan", "inf"],
)
def test_program_rejects_bad_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        program_layer(weights, HW, w_bits=4)


@pytest.mark.parametrize("w_bits", [1, 25, 2.5, True])
def test_program_rejects_bad_w_bits(w_bits):
    with pytest.raises(ValueError, match="w_bits"):
        program_layer(np.ones((2, 2)), HW, w_bits=w_bits)


def test_program_rejects_wrong_argument_types():
    with pytest.raises(TypeError, match="HardwareConfig"):
        program_layer(np.ones((2, 2)), {"xbar_rows": 4}, w_bits=4)
    with pytest.raises(TypeError, match="DeviceModel"):
        program_layer(np.ones((2, 2)), HW, w_bits=4, device="pcm")
    with pytest.raises(ValueError, match="seed"):
        program_layer(np.ones((2, 2)), HW, w_bits=4, seed=-1)


def test_program_rejects_too_many_bits_per_cell():
    with pytest.raises(ValueError, match="max_cell_bits=1"):
        program_layer(np.ones((2, 2)), HW.replace(cell_bits=2), w_bits=4, device=DEVICE_PRESETS["sram"])


def test_forward_rejects_wrong_width(layer):
    with pytest.raises(ValueError, match=r"shape \(batch, 10\)"):
        layer.forward(np.ones((3, 9)), in_bits=4)
    with pytest.raises(ValueError, match="2-D"):
        layer.forward(np.ones(10), in_bits=4)


def test_forward_rejects_negative_unsigned_inputs(layer):
    with pytest.raises(ValueError, match="negative values.*input_signed=True"):
        layer.forward(-np.ones((1, 10)), in_bits=4)


@pytest.mark.parametrize("x_max", [0.0, -1.0, float("nan"), float("inf")])
def test_forward_rejects_bad_x_max(layer, x_max):
    with pytest.raises(ValueError, match="x_max"):
        layer.forward(np.ones((1, 10)), in_bits=4, x_max=x_max)


@pytest.mark.parametrize("in_bits, signed", [(0, False), (1, True), (33, False), (4.0, False)])
def test_forward_rejects_bad_in_bits(layer, in_bits, signed):
    with pytest.raises(ValueError, match="in_bits"):
        layer.forward(np.ones((1, 10)), in_bits=in_bits, input_signed=signed)


def test_forward_int_rejects_float_and_out_of_range(layer):
    with pytest.raises(ValueError, match="integer dtype"):
        layer.forward_int(np.ones((1, 10)), in_bits=4)
    with pytest.raises(ValueError, match=r"x_int value 16 .* outside \[0, 15\]"):
        layer.forward_int(np.full((1, 10), 16), in_bits=4)
    with pytest.raises(ValueError, match=r"outside \[-7, 7\]"):
        layer.forward_int(np.full((1, 10), -8), in_bits=4, input_signed=True)


def test_forward_int_reports_large_uint64_unwrapped(layer):
    x_int = np.zeros((2, 10), dtype=np.uint64)
    x_int[1, 3] = 2**63 + 5

    with pytest.raises(ValueError, match=rf"x_int value {2**63 + 5} at flat index 13 is outside \[0, 15\]"):
        layer.forward_int(x_int, in_bits=4)
    with pytest.raises(ValueError, match=rf"x_int value {2**63 + 5} at flat index 13 is outside \[-7, 7\]"):
        layer.forward_int(x_int, in_bits=4, input_signed=True)


def test_forward_int_accepts_in_range_uint64(layer):
    x_int = np.arange(20, dtype=np.uint64).reshape(2, 10) % 16

    y_int = layer.forward_int(x_int, in_bits=4)

    np.testing.assert_array_equal(y_int, x_int.astype(np.int64) @ layer.weight_int.T)


@pytest.mark.parametrize("t_seconds", [-1.0, float("nan"), float("inf")])
def test_forward_rejects_bad_read_time(layer, t_seconds):
    with pytest.raises(ValueError, match="t_seconds"):
        layer.forward_int(np.ones((1, 10), dtype=np.int64), in_bits=4, t_seconds=t_seconds)


def test_forward_rejects_inexact_accumulation():
    hw = HardwareConfig(xbar_rows=1, xbar_cols=2, cols_per_adc=1, cell_bits=1, adc_bits=24,
                        adc_mode="granular")
    layer = program_layer(np.ones((1, 4)), hw, w_bits=24)
    with pytest.raises(ValueError, match="2\\^53"):
        layer.forward_int(np.ones((1, 4), dtype=np.int64), in_bits=32)


def test_empty_batch_returns_empty_output(layer):
    y = layer.forward_int(np.zeros((0, 10), dtype=np.int64), in_bits=4)
    assert y.shape == (0, 4)


def test_core_checks_dtype_layout_and_range():
    config, device = core_config(), core_sim.DeviceParams(g_min_us=0.0, g_max_us=1.0)
    with pytest.raises(ValueError, match="dtype int32, got int64"):
        core_sim.ProgrammedLayer(np.ones((2, 3), dtype=np.int64), config=config, device=device, w_bits=4)
    with pytest.raises(ValueError, match="C-contiguous"):
        core_sim.ProgrammedLayer(np.ones((3, 2), dtype=np.int32).T, config=config, device=device, w_bits=4)
    with pytest.raises(ValueError, match=r"weight_int\[0, 1\]=8 is outside"):
        core_sim.ProgrammedLayer(np.array([[1, 8]], dtype=np.int32), config=config, device=device, w_bits=4)
    with pytest.raises(ValueError, match="non-empty"):
        core_sim.ProgrammedLayer(np.ones((0, 3), dtype=np.int32), config=config, device=device, w_bits=4)

    core = core_sim.ProgrammedLayer(np.ones((2, 3), dtype=np.int32), config=config, device=device, w_bits=4)
    with pytest.raises(ValueError, match="dtype int64, got int32"):
        core.forward_int(np.ones((1, 3), dtype=np.int32), in_bits=4)
    with pytest.raises(ValueError, match=r"shape \(batch, 3\), got \(1, 4\)"):
        core.forward_int(np.ones((1, 4), dtype=np.int64), in_bits=4)


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"xbar_cols": 15}, "xbar_cols"),
        ({"adc_bits": 1}, "adc_bits=1"),
        ({"cell_bits": 9}, "cell_bits"),
        ({"adc_conversion": "both"}, "adc_conversion"),
    ],
    ids=["odd-cols", "one-bit-difference", "cell-bits", "conversion"],
)
def test_core_config_rejects_bad_values(changes, match):
    with pytest.raises(ValueError, match=match):
        core_config(**changes)


@pytest.mark.parametrize(
    "fields, match",
    [
        ({"g_min_us": 2.0, "g_max_us": 1.0}, "g_max_us"),
        ({"g_min_us": 0.0, "g_max_us": 1.0, "t0_s": 0.0}, "t0_s"),
        ({"g_min_us": 0.0, "g_max_us": 1.0, "stuck_at_gmin_rate": 0.7, "stuck_at_gmax_rate": 0.7}, "sum"),
        ({"g_min_us": 0.0, "g_max_us": 1.0, "read_noise": -0.1}, "read_noise"),
    ],
    ids=["range", "t0", "stuck-sum", "read-noise"],
)
def test_core_device_rejects_bad_values(fields, match):
    with pytest.raises(ValueError, match=match):
        core_sim.DeviceParams(**fields)


@pytest.mark.parametrize(
    "fields, match",
    [
        ({"g_min_us": 2.0, "g_max_us": 1.0}, "g_max_us"),
        ({"programming_noise": "gaussian"}, "programming_noise must be one of"),
        ({"programming_noise": "additive"}, "takes 1 parameter"),
        ({"read_noise": float("nan")}, "read_noise"),
        ({"stuck_at_gmin_rate": 0.6, "stuck_at_gmax_rate": 0.6}, "<= 1"),
        ({"max_cell_bits": 9}, "max_cell_bits"),
    ],
    ids=["range", "kind", "param-count", "nan", "stuck-sum", "cell-bits"],
)
def test_device_model_rejects_bad_values(fields, match):
    base = {"name": "test", "g_min_us": 0.0, "g_max_us": 1.0}
    base.update(fields)
    with pytest.raises(DeviceError, match=match):
        DeviceModel(**base)


def test_reference_rejects_out_of_range_integers():
    with pytest.raises(ValueError, match="w_bits=3"):
        reference.forward_int(np.array([[4]]), np.array([[1]]), HW, w_bits=3, in_bits=2)
    with pytest.raises(ValueError, match="in_bits=2"):
        reference.forward_int(np.array([[1]]), np.array([[4]]), HW, w_bits=3, in_bits=2)
    with pytest.raises(ValueError, match="non-finite|NaN"):
        quantize_inputs(np.array([[np.nan]]), 4)


@pytest.mark.parametrize("order", ["transposed", "fortran", "strided"])
def test_program_accepts_any_weight_layout(order):
    weights = np.random.default_rng(3).normal(size=(10, 4))
    if order == "transposed":
        view = weights.T
    elif order == "fortran":
        view = np.asfortranarray(weights.T)
    else:
        view = np.repeat(weights.T, 2, axis=1)[:, ::2]
    assert not view.flags.c_contiguous
    layer = program_layer(view, HW, w_bits=4)
    expected = program_layer(np.ascontiguousarray(view), HW, w_bits=4)
    np.testing.assert_array_equal(layer.weight_int, expected.weight_int)
    x = np.arange(10, dtype=np.int64)[None, :] % 16
    np.testing.assert_array_equal(
        layer.forward_int(x, in_bits=4), x @ expected.weight_int.T.astype(np.int64)
    )


@pytest.mark.parametrize(
    "x",
    [np.ones((1, 10)) + 1j, np.array([["1"] * 10]), np.full((1, 10), None), np.ones((1, 10), dtype=bool)],
    ids=["complex", "string", "object", "bool"],
)
def test_forward_rejects_non_real_dtypes(layer, x):
    with pytest.raises(ValueError, match=f"x must have a real numeric dtype.*got {x.dtype}"):
        layer.forward(x, in_bits=4)


@pytest.mark.parametrize("weights", [np.ones((2, 2)) + 1j, np.array([["1", "2"]])], ids=["complex", "string"])
def test_program_rejects_non_real_weights(weights):
    with pytest.raises(ValueError, match=f"real numeric dtype, got {weights.dtype}"):
        program_layer(weights, HW, w_bits=4)


@pytest.mark.parametrize("t_seconds", ["1", None, True, 1 + 0j], ids=["string", "none", "bool", "complex"])
def test_read_time_must_be_real(layer, t_seconds):
    x_int = np.ones((1, 10), dtype=np.int64)
    with pytest.raises(ValueError, match="t_seconds must be a real number"):
        layer.forward_int(x_int, in_bits=4, t_seconds=t_seconds)
    with pytest.raises(ValueError, match="t_seconds must be a real number"):
        layer.forward(np.ones((1, 10)), in_bits=4, t_seconds=t_seconds)
    with pytest.raises(ValueError, match="t_seconds must be a real number"):
        layer.conductances_us(t_seconds)


def test_read_time_accepts_numpy_scalars(layer):
    x_int = np.ones((1, 10), dtype=np.int64)
    expected = layer.forward_int(x_int, in_bits=4, t_seconds=100.0)
    np.testing.assert_array_equal(layer.forward_int(x_int, in_bits=4, t_seconds=np.float32(100)), expected)
    np.testing.assert_array_equal(layer.forward_int(x_int, in_bits=4, t_seconds=np.int64(100)), expected)


def test_flags_and_x_max_must_have_right_type(layer):
    with pytest.raises(ValueError, match="input_signed must be True or False"):
        layer.forward(np.ones((1, 10)), in_bits=4, input_signed="no")
    with pytest.raises(ValueError, match="read_noise must be True or False"):
        layer.forward_int(np.ones((1, 10), dtype=np.int64), in_bits=4, read_noise="off")
    with pytest.raises(ValueError, match="x_max must be a finite number"):
        layer.forward(np.ones((1, 10)), in_bits=4, x_max="1")
    with pytest.raises(ValueError, match="per_channel must be True or False"):
        program_layer(np.ones((2, 2)), HW, w_bits=4, per_channel="yes")
    with pytest.raises(ValueError, match="drift_compensation must be True or False"):
        program_layer(np.ones((2, 2)), HW, w_bits=4, drift_compensation=1)
