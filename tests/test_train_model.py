"""build_model geometry, integer eval path, pruning and layer_geometry."""

import numpy as np
import pytest
import torch
from torch import nn

from imcnas.candidate import NetworkSpec
from imcnas.train import (
    IMCConv2d,
    IMCLinear,
    build_model,
    calibrate_input_ranges,
    convert_module,
    layer_geometry,
    prune_model,
)
from imcnas.train.prune import channels_to_remove

torch.set_num_threads(1)

CNN = NetworkSpec("cnn", channels=(6, 8), kernels=(3, 5), hidden=(12,))


def calibrated(model: nn.Module, input_shape, seed=0) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    calibrate_input_ranges(model, [torch.rand(16, *input_shape, generator=generator)])
    return model.eval()


def test_cnn_layers_and_shapes():
    model = build_model(CNN, (1, 8, 8), 10, (4, 5, 6, 7), (3, 4, 5, 6))

    assert [type(layer) for layer in model.weight_layers] == [IMCConv2d, IMCConv2d, IMCLinear, IMCLinear]
    assert [layer.w_bits for layer in model.weight_layers] == [4, 5, 6, 7]
    assert [layer.in_bits for layer in model.weight_layers] == [3, 4, 5, 6]
    assert model.convs[1].padding == (2, 2)
    assert model.conv_output_shapes() == [(6, 4, 4), (8, 2, 2)]
    assert model.linears[0].in_features == 8 * 2 * 2
    assert model(torch.rand(3, 1, 8, 8)).shape == (3, 10)


def test_pool_skipped_on_1x1_map():
    network = NetworkSpec("cnn", channels=(4, 4, 4, 4), kernels=(3, 3, 3, 1), hidden=(8,))

    model = build_model(network, (1, 8, 8), 10, (4,) * 6, (4,) * 6)

    assert model.pools == (True, True, True, False)
    assert model.conv_output_shapes()[-1] == (4, 1, 1)
    assert model(torch.rand(2, 1, 8, 8)).shape == (2, 10)


def test_kernel_too_large_for_map_rejected():
    network = NetworkSpec("cnn", channels=(4, 4, 4, 4), kernels=(3, 3, 3, 3), hidden=(8,))

    with pytest.raises(ValueError, match=r"conv layer 3 \(kernel 3\) does not fit its 1x1 input map"):
        build_model(network, (1, 8, 8), 10, (4,) * 6, (4,) * 6)


def test_mlp_flattens_input():
    model = build_model(NetworkSpec("mlp", hidden=(32, 16)), (1, 28, 28), 10, (4, 4, 4), (8, 8, 8))

    assert [layer.in_features for layer in model.linears] == [784, 32, 16]
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_bits_count_must_match_layers():
    with pytest.raises(ValueError, match="w_bits has 2 entries but the network has 4 weight layers"):
        build_model(CNN, (1, 8, 8), 10, (4, 4), (4, 4, 4, 4))


def test_integer_eval_matches_numpy_reference():
    torch.manual_seed(0)
    layer = IMCLinear(9, 4, w_bits=5, in_bits=3)
    x = torch.rand(7, 9) * 2
    layer(x)
    layer.eval()

    w = layer.weight.detach().double().numpy()
    w_scale = np.abs(w).max() / 15
    w_int = np.clip(np.rint(w / w_scale), -15, 15)
    x_max = float(layer.x_max)
    x_int = np.rint(np.clip(x.double().numpy(), 0, x_max) / (x_max / 7))
    expected = (x_int @ w_int.T) * w_scale * (x_max / 7) + layer.bias.detach().double().numpy()

    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-6, atol=1e-6)


def test_conv_integer_path_matches_im2col_path():
    torch.manual_seed(1)
    model = calibrated(build_model(CNN, (1, 8, 8), 10, (4, 5, 6, 7), (3, 4, 5, 6)), (1, 8, 8))
    x = torch.rand(5, 1, 8, 8)

    direct = model(x)
    with torch.no_grad():
        for layer in model.convs:
            layer.mvm_backend = type(layer).integer_mvm
        unfolded = model(x)

    # Both sum the same integers exactly in float64, then scale identically.
    assert torch.equal(direct, unfolded)


def test_convert_module_copies_weights():
    torch.manual_seed(2)
    plain = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 16, 5))
    x = torch.rand(4, 1, 4, 4)
    expected = plain(x)

    converted = convert_module(plain, w_bits=16, in_bits=[16, 16])
    calibrated(converted, (1, 4, 4))

    assert isinstance(converted[0], IMCConv2d)
    assert isinstance(converted[3], IMCLinear)
    # 16-bit levels leave only a rounding error far below the output range.
    torch.testing.assert_close(converted(x), expected, rtol=0, atol=2e-3)


def test_convert_rejects_grouped_conv():
    with pytest.raises(ValueError, match="groups=2"):
        convert_module(nn.Sequential(nn.Conv2d(2, 2, 3, groups=2)))


@pytest.mark.parametrize(
    "n_out, fraction, removed", [(10, 0.3, 3), (10, 0.0, 0), (4, 0.9, 3), (1, 0.5, 0), (7, 0.5, 3)]
)
def test_channels_to_remove(n_out, fraction, removed):
    assert channels_to_remove(n_out, fraction) == removed


def test_prune_removes_lowest_l1_channels():
    model = build_model(NetworkSpec("mlp", hidden=(4,)), (1, 1, 3), 2, (8, 8), (8, 8))
    with torch.no_grad():
        model.linears[0].weight.copy_(torch.tensor([[3.0, 0, 0], [0.5, -0.5, 0], [-2, 2, 0], [0, 0, 0.1]]))

    kept = prune_model(model, (0.5, 0.0))

    assert kept[0].tolist() == [0, 2]
    torch.testing.assert_close(model.linears[0].weight, torch.tensor([[3.0, 0, 0], [-2, 2, 0]]))
    assert model.linears[1].in_features == 2


def test_pruned_cnn_equals_masked_dense():
    torch.manual_seed(3)
    dense = calibrated(build_model(CNN, (1, 8, 8), 10, (4, 5, 6, 7), (3, 4, 5, 6)), (1, 8, 8))
    pruned = build_model(CNN, (1, 8, 8), 10, (4, 5, 6, 7), (3, 4, 5, 6))
    pruned.load_state_dict(dense.state_dict())
    pruned.eval()

    kept = prune_model(pruned, (0.5, 0.25, 0.5, 0.0))

    assert [layer.n_out for layer in pruned.weight_layers] == [3, 6, 6, 10]
    assert [layer.n_in for layer in pruned.weight_layers] == [9, 3 * 25, 6 * 4, 6]
    # Zero the removed output channels of the dense net and the weights that read them
    # in the next layer: max |W| per layer then matches the pruned net, and so do the outputs.
    with torch.no_grad():
        for index, (layer, indices) in enumerate(zip(dense.weight_layers, kept)):
            removed = torch.ones(layer.n_out, dtype=torch.bool)
            removed[indices] = False
            layer.weight[removed] = 0.0
            layer.bias[removed] = 0.0
            if index + 1 == len(kept):
                continue
            follower = dense.weight_layers[index + 1]
            if index == len(dense.convs) - 1:
                # The last conv's 2x2 map is flattened channel-major.
                removed = removed.repeat_interleave(4)
            follower.weight[:, removed] = 0.0
    x = torch.rand(6, 1, 8, 8)
    torch.testing.assert_close(pruned(x), dense(x), rtol=1e-5, atol=1e-5)
    dense.train()
    pruned.train()
    for layer in [*dense.weight_layers, *pruned.weight_layers]:
        layer.x_max_momentum = 1e-6
    torch.testing.assert_close(pruned(x), dense(x), rtol=1e-5, atol=1e-5)


def test_prune_rejects_classifier_pruning():
    model = build_model(NetworkSpec("mlp", hidden=(4,)), (1, 2, 2), 3, (4, 4), (4, 4))

    with pytest.raises(ValueError, match="classifier cannot be pruned"):
        prune_model(model, (0.0, 0.5))


def test_layer_geometry_of_pruned_cnn():
    torch.manual_seed(4)
    model = calibrated(build_model(CNN, (1, 8, 8), 10, (4, 5, 6, 7), (3, 4, 5, 6)), (1, 8, 8))
    prune_model(model, (0.5, 0.25, 0.5, 0.0))
    before = {name: value.clone() for name, value in model.state_dict().items()}

    geometry = layer_geometry(model, (1, 8, 8))

    assert geometry == [
        {"name": "convs.0", "n_in": 9, "n_out": 3, "n_mvm": 64, "w_bits": 4, "in_bits": 3, "input_signed": False},
        {"name": "convs.1", "n_in": 75, "n_out": 6, "n_mvm": 16, "w_bits": 5, "in_bits": 4, "input_signed": False},
        {"name": "linears.0", "n_in": 24, "n_out": 6, "n_mvm": 1, "w_bits": 6, "in_bits": 5, "input_signed": False},
        {"name": "linears.1", "n_in": 6, "n_out": 10, "n_mvm": 1, "w_bits": 7, "in_bits": 6, "input_signed": False},
    ]
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_layer_geometry_of_converted_module():
    plain = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 7 * 7, 5))
    model = convert_module(plain, w_bits=4, in_bits=6)

    geometry = layer_geometry(model, (3, 16, 16))

    assert [(layer["n_in"], layer["n_out"], layer["n_mvm"]) for layer in geometry] == [(27, 4, 49), (196, 5, 1)]
    assert model.training
    assert not bool(model[0].x_max_tracked)


def test_one_bit_inputs_give_two_outputs():
    # With in_bits=1 every input is 0 or x_max, and 0.5 rounds half to even, down to 0.
    torch.manual_seed(5)
    layer = IMCLinear(1, 1, w_bits=2, in_bits=1, bias=False)
    layer(torch.tensor([[1.0]]))
    layer.eval()

    outputs = layer(torch.linspace(0, 1, 11)[:, None]).detach()

    weight = float(layer.quantized_weight())
    np.testing.assert_allclose(outputs.numpy().ravel(), [0.0] * 6 + [weight] * 5, rtol=1e-6)
    assert abs(weight) == pytest.approx(abs(float(layer.weight.detach())), rel=1e-6)
