"""Quantizers and straight-through estimators of the IMC layers."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from imcnas.train import IMCConv2d, IMCLinear
from imcnas.train.quantize import input_levels, quantize_input_ste, quantize_weight_ste, weight_levels

torch.set_num_threads(1)


def reference_weight_levels(weight: np.ndarray, bits: int) -> tuple[np.ndarray, float]:
    """Symmetric per-layer quantizer in float64 with half-to-even rounding."""
    max_level = 2 ** (bits - 1) - 1
    scale = np.abs(weight).max() / max_level
    if scale == 0:
        return np.zeros_like(weight, dtype=np.int64), 0.0
    return np.clip(np.rint(weight / scale), -max_level, max_level).astype(np.int64), scale


@settings(max_examples=80, deadline=None)
@given(
    weight=arrays(np.float64, st.integers(1, 40), elements=st.floats(-4, 4, allow_subnormal=False)),
    bits=st.integers(2, 12),
)
def test_weight_levels_match_integer_reference(weight, bits):
    levels, scale = weight_levels(torch.from_numpy(weight), bits)
    expected, expected_scale = reference_weight_levels(weight, bits)

    np.testing.assert_array_equal(levels.numpy().astype(np.int64), expected)
    assert float(scale) == pytest.approx(expected_scale, rel=1e-15)
    assert np.abs(expected).max() <= 2 ** (bits - 1) - 1


def test_weight_max_maps_to_top_level():
    weight = torch.tensor([0.5, -2.0, 1.2])

    levels, scale = weight_levels(weight, 4)

    np.testing.assert_array_equal(levels.numpy(), [2, -7, 4])
    assert float(scale) == pytest.approx(2.0 / 7)


def test_all_zero_weights_give_zero_not_nan():
    weight = torch.zeros(3, 4, requires_grad=True)

    quantized = quantize_weight_ste(weight, 4)
    quantized.sum().backward()

    assert torch.equal(quantized, torch.zeros(3, 4))
    assert torch.equal(weight.grad, torch.ones(3, 4))


@settings(max_examples=60, deadline=None)
@given(
    x=arrays(np.float64, st.integers(1, 40), elements=st.floats(-2, 3, allow_subnormal=False)),
    x_max=st.floats(0.01, 2.5),
    bits=st.integers(1, 10),
)
def test_input_levels_match_integer_reference(x, x_max, bits):
    max_level = 2**bits - 1
    scale = x_max / max_level
    expected = np.rint(np.clip(x, 0, x_max) / scale)

    levels, got_scale = input_levels(torch.from_numpy(x), bits, torch.tensor(x_max, dtype=torch.float64))

    np.testing.assert_array_equal(levels.numpy(), expected)
    assert levels.min() >= 0
    assert levels.max() <= max_level
    assert float(got_scale) == pytest.approx(scale, rel=1e-15)


def test_zero_input_range_gives_zero():
    levels, scale = input_levels(torch.tensor([0.0, 1.0]), 4, torch.tensor(0.0))

    assert torch.equal(levels, torch.zeros(2))
    assert float(scale) == 0.0


def test_weight_ste_gradient_is_identity():
    torch.manual_seed(0)
    weight = torch.randn(5, 7, requires_grad=True)
    upstream = torch.randn(5, 7)

    quantized = quantize_weight_ste(weight, 3)
    quantized.retain_grad()
    (quantized * upstream).sum().backward()

    assert torch.equal(weight.grad, quantized.grad)
    assert torch.equal(weight.grad, upstream)


def test_input_ste_gradient_inside_clip_only():
    x = torch.tensor([-0.5, 0.0, 0.3, 0.7, 1.0, 1.5], requires_grad=True)

    quantized = quantize_input_ste(x, 3, torch.tensor(1.0))
    quantized.sum().backward()

    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 1, 0])
    np.testing.assert_allclose(quantized.detach().numpy(), np.array([0, 0, 2, 5, 7, 7]) / 7, rtol=1e-6)


def test_linear_gradient_flows_through_quantized_weight():
    torch.manual_seed(1)
    layer = IMCLinear(6, 3, w_bits=4, in_bits=4)
    x = torch.rand(8, 6)

    layer(x).square().sum().backward()

    # Same loss computed on the quantized weight as a leaf: d loss / d W_q equals d loss / d W.
    weight_q = layer.quantized_weight().detach().requires_grad_(True)
    x_q = quantize_input_ste(x, 4, layer.x_max)
    torch.nn.functional.linear(x_q, weight_q, layer.bias.detach()).square().sum().backward()
    torch.testing.assert_close(layer.weight.grad, weight_q.grad, rtol=1e-6, atol=1e-6)


def test_x_max_tracks_ema_of_batch_max():
    layer = IMCLinear(2, 2, x_max_momentum=0.25)

    layer(torch.tensor([[0.5, 2.0]]))
    assert float(layer.x_max) == 2.0
    layer(torch.tensor([[1.0, 0.0]]))
    assert float(layer.x_max) == pytest.approx(2.0 + 0.25 * (1.0 - 2.0))

    layer.eval()
    layer(torch.tensor([[10.0, 0.0]]))
    assert float(layer.x_max) == pytest.approx(1.75)


def test_x_max_is_saved_in_state_dict():
    layer = IMCConv2d(1, 2, 3, w_bits=4, in_bits=4)
    layer(torch.rand(2, 1, 5, 5) * 3)

    state = layer.state_dict()

    assert float(state["x_max"]) == float(layer.x_max)
    assert bool(state["x_max_tracked"])


def test_eval_without_range_raises():
    layer = IMCLinear(3, 2).eval()

    with pytest.raises(RuntimeError, match="no input range x_max yet"):
        layer(torch.rand(1, 3))


def test_noise_is_fresh_each_forward_and_sized():
    torch.manual_seed(2)
    layer = IMCLinear(200, 100, w_bits=8, noise_std=0.05, bias=False)
    identity = torch.eye(200)

    with torch.no_grad():
        first = layer(identity).T
        second = layer(identity).T

    deviation = first - layer.quantized_weight().detach()
    max_weight = layer.weight.detach().abs().max()
    assert not torch.equal(first, second)
    # 20,000 draws: the std estimate is within a few percent of 0.05 * max|W|.
    assert float(deviation.std() / max_weight) == pytest.approx(0.05, rel=0.05)
    assert abs(float(deviation.mean() / max_weight)) < 0.002


@pytest.mark.parametrize("name, value", [("w_bits", 1), ("in_bits", 0), ("w_bits", 17), ("in_bits", True)])
def test_invalid_bits_rejected(name, value):
    with pytest.raises(ValueError, match=name):
        IMCLinear(2, 2, **{name: value})
