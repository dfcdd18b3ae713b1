"""Device cell precision: which cell_bits each device preset supports, checked by HardwareConfig."""

import pytest

from imcnas.hardware.config import MAX_CELL_BITS, ConfigError, HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS, DeviceError, DeviceModel


def test_sram_supports_only_binary_cells():
    sram = DEVICE_PRESETS["sram"]
    assert sram.supported_cell_bits == (1,)
    assert sram.supports_cell_bits(1)
    assert not sram.supports_cell_bits(2)


@pytest.mark.parametrize("name", ["rram", "pcm", "ideal"])
def test_analog_presets_support_every_width(name):
    device = DEVICE_PRESETS[name]
    assert device.supported_cell_bits == tuple(range(1, MAX_CELL_BITS + 1))
    assert not device.supports_cell_bits(0)
    assert not device.supports_cell_bits(MAX_CELL_BITS + 1)


def test_max_cell_bits_sets_supported_range():
    device = DeviceModel(name="test", g_min_us=0.0, g_max_us=1.0, max_cell_bits=3)
    assert device.supported_cell_bits == (1, 2, 3)


@pytest.mark.parametrize("max_cell_bits", [0, 9, 2.5, True, "2"])
def test_max_cell_bits_must_be_integer_in_range(max_cell_bits):
    with pytest.raises(DeviceError, match=f"max_cell_bits must be None or an integer in \\[1, {MAX_CELL_BITS}\\]"):
        DeviceModel(name="test", g_min_us=0.0, g_max_us=1.0, max_cell_bits=max_cell_bits)


@pytest.mark.parametrize("cell_bits", [2, 4, 8])
def test_config_rejects_multibit_sram(cell_bits):
    with pytest.raises(ConfigError, match=f"cell_bits={cell_bits} is not supported by device='sram'.*at most 1 bit;"):
        HardwareConfig(device="sram", cell_bits=cell_bits)


def test_config_accepts_supported_pairs():
    assert HardwareConfig(device="sram", cell_bits=1).cell_bits == 1
    assert HardwareConfig(device="rram", cell_bits=MAX_CELL_BITS).cell_bits == MAX_CELL_BITS
    with pytest.raises(ConfigError, match="device='sram'"):
        HardwareConfig(cell_bits=1).replace(device="sram", cell_bits=2)
