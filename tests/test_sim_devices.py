"""Device catalog: presets, conversions of programming noise kinds, config validation."""

import dataclasses

import pytest

from imcnas.hardware import ConfigError, HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS, IDEAL, DeviceError, DeviceModel, get_device


def test_required_presets_exist_with_sources():
    for name in ("rram", "pcm", "sram", "ideal"):
        model = DEVICE_PRESETS[name]
        assert model.name == name
        assert model.source
        assert 0.0 <= model.g_min_us < model.g_max_us


def test_rram_range_is_neurosim_default():
    rram = DEVICE_PRESETS["rram"]
    # Ron = 6 kOhm -> 166.7 uS; on/off ratio 17.
    assert rram.g_max_us == pytest.approx(1e6 / 6e3)
    assert rram.on_off_ratio == pytest.approx(17.0)


def test_pcm_matches_aihwkit_fit():
    pcm = DEVICE_PRESETS["pcm"]
    assert (pcm.g_min_us, pcm.g_max_us, pcm.t0_s) == (0.0, 25.0, 20.0)
    coefficients = [c * pcm.g_max_us for c in pcm.programming_sigma_coeffs()]
    assert coefficients == pytest.approx([0.26348, 1.9650, -1.1731])


def test_sram_is_binary_without_noise():
    sram = DEVICE_PRESETS["sram"]
    assert sram.max_cell_bits == 1
    assert sram == sram.noiseless()


def test_noise_kinds_map_to_polynomials():
    base = {"name": "x", "g_min_us": 0.0, "g_max_us": 10.0}
    assert DeviceModel(**base).programming_sigma_coeffs() == ()
    additive = DeviceModel(**base, programming_noise="additive", programming_noise_params=(0.02,))
    assert additive.programming_sigma_coeffs() == (0.02,)
    proportional = DeviceModel(**base, programming_noise="proportional", programming_noise_params=(0.03,))
    assert proportional.programming_sigma_coeffs() == (0.0, 0.03)


def test_noiseless_keeps_range_and_drops_effects():
    pcm = DEVICE_PRESETS["pcm"].noiseless()
    assert (pcm.g_min_us, pcm.g_max_us) == (0.0, 25.0)
    assert pcm.programming_sigma_coeffs() == ()
    assert pcm.read_noise == pcm.drift_nu_mean == pcm.drift_nu_std == 0.0
    assert IDEAL.on_off_ratio == float("inf")


def test_models_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEVICE_PRESETS["pcm"].read_noise = 0.5


def test_lookup_errors_name_the_presets():
    assert get_device("pcm") is DEVICE_PRESETS["pcm"]
    with pytest.raises(DeviceError, match="unknown device 'flash'; valid presets are ideal, pcm"):
        get_device("flash")
    with pytest.raises(ConfigError, match="device must be one of"):
        HardwareConfig(device="flash")
