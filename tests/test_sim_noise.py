"""Device non-idealities: zero weights, drift, seeds, read noise, programming noise, faults."""

import os
import subprocess
import sys

import numpy as np
import pytest

from imcnas.hardware import HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS, DeviceModel
from imcnas.sim import program_layer, reference

HW = HardwareConfig(xbar_rows=64, xbar_cols=32, cols_per_adc=8, cell_bits=2, dac_bits=1,
                    adc_bits=12, adc_mode="granular", device="pcm")


def drift_only(nu_mean=0.05, nu_std=0.01, t0_s=20.0):
    return DeviceModel(name="drift", g_min_us=1.0, g_max_us=25.0, drift_nu_mean=nu_mean,
                       drift_nu_std=nu_std, t0_s=t0_s)


@pytest.fixture
def data():
    rng = np.random.default_rng(21)
    return rng.normal(size=(16, 100)), rng.uniform(0.0, 1.0, size=(8, 100))


@pytest.mark.parametrize("device", [None, DEVICE_PRESETS["pcm"], DEVICE_PRESETS["rram"]],
                         ids=["ideal", "pcm", "rram"])
def test_zero_weights_give_finite_output(data, device):
    _, x = data
    layer = program_layer(np.zeros((5, 100)), HW, w_bits=8, device=device, seed=1)

    y = layer.forward(x, in_bits=8)

    assert layer.weight_scale == 0.0
    assert np.all(np.isfinite(y))
    if device is None:
        np.testing.assert_array_equal(y, 0.0)


def test_zero_channel_gives_zero_output(data):
    weights, x = data
    weights[3] = 0.0

    layer = program_layer(weights, HW, w_bits=8, per_channel=True)
    y = layer.forward(x, in_bits=8)

    assert layer.weight_scale[3] == 0.0
    assert np.all(np.isfinite(y))
    np.testing.assert_array_equal(y[:, 3], 0.0)
    assert np.all(y[:, [0, 1, 2, 4]] != 0.0)


def test_zero_inputs_give_zero_output(data):
    weights, _ = data
    layer = program_layer(weights, HW, w_bits=8)

    y = layer.forward(np.zeros((3, 100)), in_bits=8)

    np.testing.assert_array_equal(y, 0.0)


def test_reads_before_t0_are_not_amplified(data):
    weights, x = data
    device = drift_only()
    layer = program_layer(weights, HW, w_bits=8, device=device, seed=3)
    programmed = layer.conductances_us(device.t0_s)

    for t in (0.0, 1e-3, device.t0_s / 2):
        g_plus, g_minus = layer.conductances_us(t)
        np.testing.assert_array_equal(g_plus, programmed[0])
        np.testing.assert_array_equal(g_minus, programmed[1])
    y_t0 = layer.forward(x, in_bits=8, t_seconds=device.t0_s)
    np.testing.assert_array_equal(layer.forward(x, in_bits=8, t_seconds=0.0), y_t0)
    assert np.all(np.isfinite(y_t0))


def test_drift_reduces_conductance_over_time(data):
    weights, _ = data
    layer = program_layer(weights, HW, w_bits=8, device=drift_only(), seed=3)

    times = [20.0, 3600.0, 86400.0, 86400.0 * 365]
    totals = []
    previous = layer.conductances_us(times[0])
    for t in times[1:]:
        current = layer.conductances_us(t)
        assert np.all(current[0] <= previous[0])
        assert np.all(current[1] <= previous[1])
        totals.append(current[0].sum() + current[1].sum())
        previous = current
    assert totals[0] > totals[1] > totals[2]


def test_drift_exponents_follow_their_distribution(data):
    weights, _ = data
    t0, t = 20.0, 20.0 * np.e**4
    layer = program_layer(weights, HW, w_bits=8, device=drift_only(0.05, 0.01, t0), seed=4)

    g0 = np.concatenate([g.ravel() for g in layer.conductances_us(t0)])
    g_t = np.concatenate([g.ravel() for g in layer.conductances_us(t)])
    nu = -np.log(g_t / g0) / np.log(t / t0)

    # 2 x 4 slices x 100 x 16 = 12,800 devices: standard error of the mean ~1e-4.
    assert nu.mean() == pytest.approx(0.05, abs=1e-3)
    assert nu.std() == pytest.approx(0.01, rel=0.05)


def test_drift_compensation_restores_scale(data):
    weights, x = data
    device = drift_only(nu_mean=0.08, nu_std=0.0)
    exact = program_layer(weights, HW, w_bits=8).forward(x, in_bits=8).ravel()
    plain = program_layer(weights, HW, w_bits=8, device=device)
    compensated = program_layer(weights, HW, w_bits=8, device=device, drift_compensation=True)

    t = 86400.0 * 30
    y_plain = plain.forward(x, in_bits=8, t_seconds=t).ravel()
    y_compensated = compensated.forward(x, in_bits=8, t_seconds=t).ravel()

    # Uniform nu scales every conductance by (t / t0)^-nu = 0.390. The ADC then rounds
    # the shrunken, non-integer currents, which scatters single outputs by several
    # percent, but the least-squares gain against the ideal output is the drift factor.
    factor = (t / device.t0_s) ** -device.drift_nu_mean
    assert exact @ y_plain / (exact @ exact) == pytest.approx(factor, rel=0.02)
    assert exact @ y_compensated / (exact @ exact) == pytest.approx(1.0, rel=0.02)
    np.testing.assert_array_equal(compensated.forward(x, in_bits=8, t_seconds=1.0).ravel(), exact)


def test_same_seeds_give_identical_output(data):
    weights, x = data
    device = DEVICE_PRESETS["pcm"]
    first = program_layer(weights, HW, w_bits=8, device=device, seed=7)
    second = program_layer(weights, HW, w_bits=8, device=device, seed=7)

    y_first = first.forward(x, in_bits=8, read_seed=5)

    np.testing.assert_array_equal(y_first, second.forward(x, in_bits=8, read_seed=5))
    np.testing.assert_array_equal(y_first, first.forward(x, in_bits=8, read_seed=5))


def test_different_seeds_give_different_output(data):
    weights, x = data
    device = DEVICE_PRESETS["pcm"]
    layer = program_layer(weights, HW, w_bits=8, device=device, seed=7)
    other_chip = program_layer(weights, HW, w_bits=8, device=device, seed=8)

    y = layer.forward(x, in_bits=8, read_seed=5)

    assert not np.array_equal(y, layer.forward(x, in_bits=8, read_seed=6))
    assert not np.array_equal(y, other_chip.forward(x, in_bits=8, read_seed=5))
    assert not np.array_equal(layer.conductances_us(20.0)[0], other_chip.conductances_us(20.0)[0])
    no_read_noise = layer.forward(x, in_bits=8, read_seed=5, read_noise=False)
    np.testing.assert_array_equal(no_read_noise, layer.forward(x, in_bits=8, read_seed=6, read_noise=False))


@pytest.mark.parametrize("conversion", ["difference", "per_column"])
def test_read_noise_std_matches_closed_form(conversion):
    # One slice (w_bits=2, cell_bits=1), one input cycle (in_bits=1), one row tile: each
    # output is one conversion (two per column pair), so its std is the read-noise std
    # sqrt(sum_i v_i^2 sigma_r^2 (G+_i^2 + G-_i^2)) / dG plus the rounding of a unit step.
    sigma_r = 0.2
    device = DeviceModel(name="noisy", g_min_us=50.0, g_max_us=100.0, read_noise=sigma_r)
    hw = HardwareConfig(xbar_rows=64, xbar_cols=8, cols_per_adc=8, cell_bits=1, adc_bits=12,
                        adc_mode="granular", adc_conversion=conversion)
    rng = np.random.default_rng(2)
    weights = rng.choice([-1.0, 1.0], size=(4, 64))
    x_int = np.ones((4000, 64), dtype=np.int64)

    layer = program_layer(weights, hw, w_bits=2, device=device)
    y_int = layer.forward_int(x_int, in_bits=1, read_seed=9)

    # In units of dG = 50 uS each pair stores levels 1 and 0 above g0 = 1, so
    # G+^2 + G-^2 = 4 + 1 = 5 per row.
    expected_std = np.sqrt(64 * sigma_r**2 * 5 + (2 if conversion == "per_column" else 1) / 12)
    # 4000 draws: the sample std has a relative standard error of about 1.1 %.
    np.testing.assert_allclose(y_int.std(axis=0), expected_std, rtol=0.05)
    np.testing.assert_allclose(y_int.mean(axis=0), x_int[0] @ layer.weight_int.T, atol=0.5)


def test_programming_noise_std_matches_pcm_polynomial():
    device = DEVICE_PRESETS["pcm"]
    hw = HW.replace(cell_bits=1)
    weights = np.ones((50, 200))

    layer = program_layer(weights, hw, w_bits=2, device=device, seed=12)
    g_plus, _ = layer.conductances_us(device.t0_s)

    # G+ targets g_max = 25 uS: sigma = 0.26348 + 1.9650 - 1.1731 = 1.05538 uS.
    assert g_plus.mean() == pytest.approx(25.0, abs=0.05)
    assert g_plus.std() == pytest.approx(1.05538, rel=0.03)


def test_stuck_at_rates_match(data):
    device = DeviceModel(name="faulty", g_min_us=1.0, g_max_us=11.0,
                         stuck_at_gmin_rate=0.05, stuck_at_gmax_rate=0.1)
    weights = np.zeros((100, 200))

    layer = program_layer(weights, HW, w_bits=3, device=device, seed=13)
    g_plus, g_minus = layer.conductances_us(1.0)
    values = np.concatenate([g_plus.ravel(), g_minus.ravel()])

    # All targets are g_min, so only stuck-at-g_max devices leave it: 40,000 devices.
    assert np.mean(values == 11.0) == pytest.approx(0.1, abs=0.006)
    assert np.mean(values == 1.0) == pytest.approx(0.9, abs=0.006)


def test_noisy_chip_matches_reference_with_its_conductances(data):
    weights, x = data
    hw = HW.replace(adc_bits=9, adc_mode="full_range")
    layer = program_layer(weights, hw, w_bits=8, device=DEVICE_PRESETS["pcm"], seed=5)
    x_int = np.rint(x * 255).astype(np.int64)
    t = 3600.0

    y_int = layer.forward_int(x_int, in_bits=8, t_seconds=t, read_noise=False)
    expected = reference.forward_int(
        layer.weight_int, x_int, hw, w_bits=8, in_bits=8, device=DEVICE_PRESETS["pcm"],
        conductances_us=layer.conductances_us(t),
    )

    # Sums in a different order differ by ~1e-13, so a conversion only flips when a sum
    # sits within that of a rounding boundary: none do for this seed.
    np.testing.assert_array_equal(y_int, expected)


def test_results_do_not_depend_on_thread_count():
    script = (
        "import numpy as np, sys\n"
        "from imcnas.hardware import HardwareConfig\n"
        "from imcnas.hardware.devices import DEVICE_PRESETS\n"
        "from imcnas.sim import program_layer\n"
        "rng = np.random.default_rng(0)\n"
        "hw = HardwareConfig(xbar_rows=64, xbar_cols=32, cols_per_adc=8, device='pcm')\n"
        "layer = program_layer(rng.normal(size=(70, 150)), hw, w_bits=8,\n"
        "                      device=DEVICE_PRESETS['pcm'], seed=3)\n"
        "y = layer.forward(rng.uniform(size=(40, 150)), in_bits=8, read_seed=4)\n"
        "sys.stdout.write(y.tobytes().hex())\n"
    )
    outputs = []
    for threads in ("1", "2"):
        environment = dict(os.environ, OMP_NUM_THREADS=threads)
        completed = subprocess.run([sys.executable, "-c", script], env=environment,
                                   capture_output=True, text=True, check=True, timeout=120)
        outputs.append(completed.stdout)

    assert outputs[0] == outputs[1]
