"""train_candidate flow, determinism and the device-derived noise level."""

import math

import numpy as np
import pytest
import torch

from imcnas.candidate import Candidate, NetworkSpec
from imcnas.data import load_dataset
from imcnas.hardware.config import HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS, DeviceModel
from imcnas.train import (
    MAX_NOISE_STD,
    TrainingDivergedError,
    TrainSettings,
    relative_weight_noise,
    train_candidate,
    training_noise_std,
)

torch.set_num_threads(1)

FAST = TrainSettings(epochs=4, finetune_epochs=1, batch_size=32, lr=1e-2, noise_std=0.02)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", train_samples=600, seed=0)


def mlp_candidate(prune=(0.5, 0.0)):
    return Candidate(NetworkSpec("mlp", hidden=(32,)), w_bits=(6, 6), in_bits=(6, 6), prune=prune)


def test_mlp_learns_digits(digits):
    result = train_candidate(mlp_candidate(), digits, FAST, seed=0)

    assert result.software_accuracy > 0.8
    assert len(result.losses) == 5
    assert result.losses[1] < result.losses[0]
    assert result.train_time_s > 0
    assert not result.model.training


def test_pruning_shrinks_layers(digits):
    result = train_candidate(mlp_candidate(prune=(0.75, 0.0)), digits, FAST, seed=0)

    assert result.model.linears[0].out_features == 8
    assert result.model.linears[1].in_features == 8
    assert len(result.kept_channels[0]) == 8
    assert result.kept_channels[1] == list(range(10))


def test_cnn_trains(digits):
    candidate = Candidate(
        NetworkSpec("cnn", channels=(4,), kernels=(3,), hidden=(16,)),
        w_bits=(5, 5, 5),
        in_bits=(4, 4, 4),
        prune=(0.25, 0.25, 0.0),
    )

    result = train_candidate(candidate, digits, FAST, seed=1)

    assert result.model.convs[0].out_channels == 3
    assert result.software_accuracy > 0.7


def test_same_seed_same_model(digits):
    first = train_candidate(mlp_candidate(), digits, FAST, seed=7)
    second = train_candidate(mlp_candidate(), digits, FAST, seed=7)
    other = train_candidate(mlp_candidate(), digits, FAST, seed=8)

    for name, value in first.model.state_dict().items():
        assert torch.equal(value, second.model.state_dict()[name]), name
    assert first.software_accuracy == second.software_accuracy
    assert first.losses == second.losses
    assert not torch.equal(first.model.linears[0].weight, other.model.linears[0].weight)


def test_noise_off_gives_zero_noise(digits):
    settings = TrainSettings(epochs=1, finetune_epochs=0, noise=False)

    result = train_candidate(mlp_candidate(), digits, settings, seed=0)

    assert result.noise_std == [0.0, 0.0]
    assert all(layer.noise_std == 0.0 for layer in result.model.weight_layers)


def test_noise_from_candidate_device(digits):
    candidate = mlp_candidate()
    settings = TrainSettings(epochs=1, finetune_epochs=0)

    result = train_candidate(candidate, digits, settings, seed=0)

    expected = training_noise_std(candidate.hardware.device, candidate.hardware, 6)
    assert result.noise_std == [expected, expected]
    assert expected > 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("epochs", -1),
        ("epochs", 0),
        ("epochs", 2.0),
        ("epochs", True),
        ("finetune_epochs", -1),
        ("batch_size", 0),
        ("batch_size", np.int64(0)),
        ("lr", 0.0),
        ("lr", float("inf")),
        ("lr", float("nan")),
        ("lr", "0.01"),
        ("threads", 0),
        ("noise", 1),
        ("noise", "yes"),
        ("noise_std", -0.1),
        ("noise_std", float("inf")),
        ("noise_std", float("nan")),
        ("noise_std", 1e300),
        ("noise_std", 1.5),
        ("noise_std", "0.1"),
        ("noise_std", True),
        ("device", "tpu"),
        ("device", "cuda"),
        ("device", ""),
        ("device", 3),
    ],
)
def test_invalid_settings_rejected(field, value):
    with pytest.raises(ValueError, match=f"{field} must be") as error:
        TrainSettings(**{field: value})
    assert repr(value) in str(error.value) or str(value) in str(error.value)


def test_invalid_device_names_presets():
    with pytest.raises(ValueError, match=r"device must be a device preset name \(ideal, pcm, rram, sram\)"):
        TrainSettings(device="tpu")


def test_noise_std_with_noise_off_rejected():
    with pytest.raises(ValueError, match=r"noise_std=0.1 contradicts noise=False.*set noise=True"):
        TrainSettings(noise=False, noise_std=0.1)


def test_noise_std_bounds_accepted():
    assert TrainSettings(noise_std=0).noise_std == 0.0
    assert type(TrainSettings(noise_std=np.float32(0.5)).noise_std) is float
    assert TrainSettings(noise_std=MAX_NOISE_STD).noise_std == MAX_NOISE_STD
    assert TrainSettings(noise=False, noise_std=None).noise_std is None


def test_device_setting_sets_noise(digits):
    # The candidate's hardware uses RRAM, so PCM's lower noise shows the setting wins.
    candidate = mlp_candidate()
    by_name = TrainSettings(epochs=1, finetune_epochs=0, device="pcm")
    by_model = TrainSettings(epochs=1, finetune_epochs=0, device=DEVICE_PRESETS["pcm"])

    from_name = train_candidate(candidate, digits, by_name, seed=0)
    from_model = train_candidate(candidate, digits, by_model, seed=0)

    expected = training_noise_std("pcm", candidate.hardware, 6)
    assert candidate.hardware.device == "rram"
    assert expected != training_noise_std("rram", candidate.hardware, 6)
    assert from_name.noise_std == [expected, expected]
    assert from_model.noise_std == [expected, expected]


def test_settings_accept_numpy_scalars():
    settings = TrainSettings(epochs=np.int64(2), batch_size=np.int32(16), lr=np.float32(0.5), noise=np.bool_(False))

    assert type(settings.epochs) is int
    assert settings.epochs == 2
    assert type(settings.batch_size) is int
    assert settings.batch_size == 16
    assert type(settings.lr) is float
    assert settings.lr == 0.5
    assert settings.noise is False


@pytest.mark.parametrize("seed", [-1, 0.5, True, 2**64], ids=["negative", "float", "bool", "too-large"])
def test_invalid_seed_rejected(digits, seed):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\^64\); got seed="):
        train_candidate(mlp_candidate(), digits, FAST, seed=seed)


@pytest.mark.parametrize("lr", [1e30, 1e38], ids=["nan-loss", "step-overflow"])
def test_diverging_training_raises(digits, lr):
    settings = TrainSettings(epochs=1, finetune_epochs=0, batch_size=32, lr=lr, noise=False)

    with pytest.raises(TrainingDivergedError, match="training diverged.*lower the learning rate"):
        train_candidate(mlp_candidate(), digits, settings, seed=0)


@pytest.mark.parametrize("cell_bits, w_bits", [(1, 3), (2, 5), (2, 6), (3, 8)])
def test_additive_noise_closed_form(cell_bits, w_bits):
    sigma, g_min, g_max = 0.3, 1.0, 11.0
    step = (g_max - g_min) / (2**cell_bits - 1)
    n_slices = math.ceil((w_bits - 1) / cell_bits)
    # Constant sigma: both cells of each slice pair add sigma**2, whatever the digit.
    expected = math.sqrt(sum(4.0 ** (cell_bits * k) * 2 * sigma**2 for k in range(n_slices))) / step
    expected /= 2 ** (w_bits - 1) - 1

    got = relative_weight_noise(lambda g: sigma, g_min, g_max, cell_bits, w_bits)

    assert got == pytest.approx(expected, rel=1e-12)


def test_proportional_noise_uses_slice_digits():
    # w_bits=4, cell_bits=2: q_max = 7 = 1 * 4 + 3, digits (3, 1); G_min = 0 adds nothing.
    got = relative_weight_noise(lambda g: 0.1 * g, 0.0, 3.0, 2, 4)

    expected = math.sqrt((0.1 * 3) ** 2 + 16 * (0.1 * 1) ** 2) / 7

    assert got == pytest.approx(expected, rel=1e-12)


def test_device_noise_from_model_and_name():
    hw = HardwareConfig(cell_bits=1)
    device = DeviceModel("flat", g_min_us=0.0, g_max_us=10.0, programming_noise="additive", programming_noise_params=(0.02,))

    got = training_noise_std(device, hw, 3)

    # sigma = 0.02 * 10 uS per cell, two cells per slice, slices of weight 1 and 2, dG = 10 uS.
    assert got == pytest.approx(math.sqrt(2 * 0.2**2 * (1 + 4)) / 10 / 3, rel=1e-12)
    assert training_noise_std("ideal", hw, 8) == 0.0
    assert training_noise_std("rram", hw, 8) > 0.0
    assert np.isfinite(training_noise_std("pcm", hw, 8))
