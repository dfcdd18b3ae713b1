"""Chip evaluation on the crossbar simulator: bit-true agreement, seeds and errors."""

import numpy as np
import pytest
import torch

from imcnas.candidate import Candidate, NetworkSpec
from imcnas.data import load_dataset
from imcnas.hardware.config import HardwareConfig
from imcnas.sim import lossless_adc_bits
from imcnas.train import (
    ChipAccuracy,
    TrainSettings,
    evaluate_on_chip,
    predict,
    predict_on_chip,
    program_chip,
    train_candidate,
)
from imcnas.train.chip import _SimulatorBackend
from imcnas.train.geometry import mvm_backend

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", train_samples=500, test_samples=200, seed=0)


@pytest.fixture(scope="module")
def trained_cnn(digits):
    candidate = Candidate(
        NetworkSpec("cnn", channels=(6, 8), kernels=(3, 3), hidden=(16,)),
        w_bits=(5, 6, 4, 6),
        in_bits=(4, 5, 6, 3),
        prune=(0.5, 0.25, 0.25, 0.0),
    )
    settings = TrainSettings(epochs=3, finetune_epochs=1, batch_size=32, lr=3e-3, noise_std=0.02)
    return train_candidate(candidate, digits, settings, seed=3).model


@pytest.fixture(scope="module")
def trained_mlp(digits):
    candidate = Candidate(NetworkSpec("mlp", hidden=(24,)), w_bits=(7, 5), in_bits=(6, 6), prune=(0.25, 0.0))
    settings = TrainSettings(epochs=2, finetune_epochs=1, batch_size=32, lr=3e-3, noise_std=0.02)
    return train_candidate(candidate, digits, settings, seed=4).model


def lossless(**changes) -> HardwareConfig:
    hw = HardwareConfig(**changes)
    return hw.replace(adc_bits=lossless_adc_bits(hw))


LOSSLESS_CONFIGS = [
    dict(xbar_rows=128, xbar_cols=128, cell_bits=2, dac_bits=1),
    dict(xbar_rows=16, xbar_cols=8, cell_bits=1, dac_bits=2),
    dict(xbar_rows=32, xbar_cols=16, cell_bits=3, dac_bits=3, adc_conversion="per_column"),
]


@pytest.mark.parametrize("changes", LOSSLESS_CONFIGS, ids=["one-tile", "small-tiles", "per-column"])
@pytest.mark.parametrize("model_name", ["trained_cnn", "trained_mlp"])
def test_ideal_chip_equals_software(request, digits, model_name, changes):
    model = request.getfixturevalue(model_name)
    hw = lossless(**changes)

    programmed = program_chip(model, hw, seed=0)
    chip_predictions = predict_on_chip(model, programmed, digits.x_test, t_seconds=86400.0)

    # The simulator returns the exact integer products, scaled as the software path scales them.
    np.testing.assert_array_equal(chip_predictions, predict(model, digits.x_test))
    images = torch.from_numpy(digits.x_test[:20])
    with torch.no_grad():
        software_logits = model(images)
        backend = _SimulatorBackend(programmed, list(programmed), 86400.0, read_seed=0)
        with mvm_backend(model, backend):
            chip_logits = model(images)
    assert torch.equal(chip_logits, software_logits)


def test_ideal_chip_accuracy_equals_software(digits, trained_cnn):
    hw = lossless(xbar_rows=64, xbar_cols=32)

    result = evaluate_on_chip(trained_cnn, digits, hw, times_s=(1.0, 86400.0), chips=2, seed=1)

    software = float(np.mean(predict(trained_cnn, digits.x_test) == digits.y_test))
    np.testing.assert_array_equal(result.per_chip, np.full((2, 2), software))
    np.testing.assert_array_equal(result.std, [0.0, 0.0])


def test_noisy_chips_repeat_for_seed_and_differ(digits, trained_mlp):
    hw = HardwareConfig(device="pcm")

    first = evaluate_on_chip(trained_mlp, digits, hw, times_s=(20.0, 1e6), chips=3, seed=5, device="pcm")
    again = evaluate_on_chip(trained_mlp, digits, hw, times_s=(20.0, 1e6), chips=3, seed=5, device="pcm")

    np.testing.assert_array_equal(first.per_chip, again.per_chip)
    assert first.per_chip.shape == (3, 2)
    assert len(np.unique(first.per_chip)) > 1
    assert np.all((first.per_chip >= 0) & (first.per_chip <= 1))


def test_chip_programs_differ_between_chips(trained_mlp):
    hw = HardwareConfig(device="rram")

    chip_a = program_chip(trained_mlp, hw, device="rram", seed=1)
    chip_b = program_chip(trained_mlp, hw, device="rram", seed=2)

    layer = trained_mlp.linears[0]
    assert not np.array_equal(chip_a[layer].conductances_us(1.0)[0], chip_b[layer].conductances_us(1.0)[0])


def test_test_samples_subset(digits, trained_mlp):
    result = evaluate_on_chip(trained_mlp, digits, lossless(), seed=0, test_samples=50)

    assert result.per_chip.shape == (1, 1)
    assert result.per_chip[0, 0] * 50 == pytest.approx(round(result.per_chip[0, 0] * 50))


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(chips=0), "chips must be a positive integer"),
        (dict(chips=2.0), "chips must be a positive integer"),
        (dict(test_samples=0), "test_samples=0 must be at least 1"),
        (dict(test_samples=201), "test_samples=201 exceeds the 200 test images of digits"),
        (dict(test_samples=2.5), "test_samples must be an integer"),
        (dict(batch_size=0), "batch_size must be an integer >= 1; got batch_size=0"),
        (dict(times_s=()), "times_s must be a non-empty list"),
        (dict(times_s=(-1.0,)), "times_s must be"),
        (dict(device="unobtainium"), r"device must be a device preset name \(ideal, pcm, rram, sram\).*'unobtainium'"),
        (dict(device=3), r"device must be a device preset name .*got device=3"),
        (dict(device=""), r"device must be a device preset name .*got device=''"),
    ],
    ids=[
        "chips", "float-chips", "no-samples", "too-many-samples", "float-samples", "batch-size",
        "no-times", "negative-time", "device", "integer-device", "empty-device",
    ],
)
def test_invalid_arguments_rejected(digits, trained_mlp, options, message):
    with pytest.raises(ValueError, match=message):
        evaluate_on_chip(trained_mlp, digits, HardwareConfig(), seed=0, **options)


@pytest.mark.parametrize(
    "times_s",
    ["12", b"1", {1.0: 2.0}, {1.0}, [1.0, "2"], [True], True, float("nan"), [float("inf")], np.ones((1, 2)), None],
    ids=["str", "bytes", "dict", "set", "str-item", "bool-item", "bool", "nan", "inf", "2d-array", "none"],
)
def test_invalid_times_rejected(digits, trained_mlp, times_s):
    with pytest.raises(ValueError, match=r"times_s must be a non-empty list of finite times >= 0 .*got times_s="):
        evaluate_on_chip(trained_mlp, digits, HardwareConfig(), seed=0, times_s=times_s)


def test_times_accept_number_and_array(digits, trained_mlp):
    listed = evaluate_on_chip(trained_mlp, digits, lossless(), times_s=[86400.0], seed=3, test_samples=40)
    number = evaluate_on_chip(trained_mlp, digits, lossless(), times_s=86400.0, seed=3, test_samples=40)
    array = evaluate_on_chip(trained_mlp, digits, lossless(), times_s=np.array([86400]), seed=3, test_samples=40)

    assert number.times_s == (86400.0,)
    assert array.times_s == (86400.0,)
    assert type(array.times_s[0]) is float
    np.testing.assert_array_equal(number.per_chip, listed.per_chip)
    np.testing.assert_array_equal(array.per_chip, listed.per_chip)


@pytest.mark.parametrize("seed", [-1, 1.5, True, 2**64], ids=["negative", "float", "bool", "too-large"])
def test_invalid_seed_rejected(digits, trained_mlp, seed):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\^64\); got seed="):
        evaluate_on_chip(trained_mlp, digits, HardwareConfig(), seed=seed)


def test_numpy_integer_arguments_accepted(digits, trained_mlp):
    plain = evaluate_on_chip(trained_mlp, digits, lossless(), chips=2, seed=5, batch_size=64)
    numpy = evaluate_on_chip(
        trained_mlp, digits, lossless(), chips=np.int64(2), seed=np.uint64(5), batch_size=np.int32(64)
    )

    assert numpy.per_chip.shape == (2, 1)
    np.testing.assert_array_equal(numpy.per_chip, plain.per_chip)


def test_unprogrammed_layer_rejected(digits, trained_mlp):
    with pytest.raises(ValueError, match=r"IMC layers \[0, 1\] are not programmed"):
        predict_on_chip(trained_mlp, {}, digits.x_test, t_seconds=1.0)


def test_chip_accuracy_statistics():
    result = ChipAccuracy((1.0, 10.0), np.array([[0.5, 0.4], [0.7, 0.4], [0.6, 0.1]]))

    np.testing.assert_allclose(result.mean, [0.6, 0.3])
    np.testing.assert_allclose(result.std, [0.1, np.std([0.4, 0.4, 0.1], ddof=1)])
    assert result.to_dict()["times_s"] == [1.0, 10.0]
