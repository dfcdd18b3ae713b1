"""Device catalog: conductance range, noise, drift and fault parameters of memory cells.

Each preset names the published source of its numbers. Conductances are in microsiemens
(uS), times in seconds. The simulator (:mod:`imcnas.sim`) reads these models.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from imcnas.hardware.config import MAX_CELL_BITS

PROGRAMMING_NOISE_KINDS = ("none", "additive", "proportional", "state_dependent")


class DeviceError(ValueError):
    """Invalid device parameter; the message names the field and the value."""


@dataclass(frozen=True)
class DeviceModel:
    """Conductance range and non-idealities of one memory-cell technology.

    Programming noise is drawn once per programmed chip; ``programming_noise`` selects the
    standard deviation sigma(G) of the programmed conductance G (clipped at >= 0):

    - ``additive``: sigma = p0 * g_max_us, with ``programming_noise_params = (p0,)``;
    - ``proportional``: sigma = p0 * G;
    - ``state_dependent``: sigma = g_max_us * sum_k p_k * (G / g_max_us)^k (PCM-like).
    """

    name: str
    """Preset name, the key in :data:`DEVICE_PRESETS`."""
    g_min_us: float
    """Conductance of level 0 in uS (the off state)."""
    g_max_us: float
    """Conductance of the top level in uS (the on state)."""
    programming_noise: str = "none"
    """Kind of programming noise: none, additive, proportional or state_dependent."""
    programming_noise_params: tuple[float, ...] = ()
    """Coefficients of the programming noise kind (dimensionless, see the class doc)."""
    read_noise: float = 0.0
    """Relative standard deviation of one device read: sigma_r * G, resampled per MVM."""
    drift_nu_mean: float = 0.0
    """Mean drift exponent nu in G(t) = G(t0) * (t / t0)^(-nu)."""
    drift_nu_std: float = 0.0
    """Device-to-device standard deviation of nu (nu is clipped at 0)."""
    t0_s: float = 1.0
    """Reference time of the drift law in seconds after programming."""
    stuck_at_gmin_rate: float = 0.0
    """Fraction of devices stuck at g_min_us (no variation, no drift)."""
    stuck_at_gmax_rate: float = 0.0
    """Fraction of devices stuck at g_max_us (no variation, no drift)."""
    max_cell_bits: int | None = None
    """Most bits one cell can store, or None where the source sets no limit."""
    source: str = ""
    """Publication or tool that the numbers come from."""

    def __post_init__(self) -> None:
        self._require_finite("g_min_us", self.g_min_us, low=0.0)
        self._require_finite("g_max_us", self.g_max_us, low=0.0)
        if self.g_max_us <= self.g_min_us:
            raise DeviceError(
                f"g_max_us={self.g_max_us} must be greater than g_min_us={self.g_min_us}"
            )

        if self.programming_noise not in PROGRAMMING_NOISE_KINDS:
            raise DeviceError(
                f"programming_noise must be one of {', '.join(PROGRAMMING_NOISE_KINDS)}; "
                f"got {self.programming_noise!r}"
            )
        expected = {"none": 0, "additive": 1, "proportional": 1}.get(self.programming_noise)
        count = len(self.programming_noise_params)
        if expected is not None and count != expected:
            raise DeviceError(
                f"programming_noise={self.programming_noise!r} takes {expected} parameter(s), "
                f"got {count}: {self.programming_noise_params!r}"
            )
        for value in self.programming_noise_params:
            self._require_finite("programming_noise_params", value)

        self._require_finite("read_noise", self.read_noise, low=0.0)
        self._require_finite("drift_nu_mean", self.drift_nu_mean)
        self._require_finite("drift_nu_std", self.drift_nu_std, low=0.0)
        self._require_finite("t0_s", self.t0_s, low=0.0)
        if self.t0_s == 0.0:
            raise DeviceError("t0_s must be > 0 seconds, got 0.0")

        self._require_finite("stuck_at_gmin_rate", self.stuck_at_gmin_rate, low=0.0, high=1.0)
        self._require_finite("stuck_at_gmax_rate", self.stuck_at_gmax_rate, low=0.0, high=1.0)
        if self.stuck_at_gmin_rate + self.stuck_at_gmax_rate > 1.0:
            raise DeviceError(
                "stuck_at_gmin_rate + stuck_at_gmax_rate must be <= 1, got "
                f"{self.stuck_at_gmin_rate} + {self.stuck_at_gmax_rate}"
            )
        if self.max_cell_bits is not None and (
            isinstance(self.max_cell_bits, bool)
            or not isinstance(self.max_cell_bits, int)
            or not 1 <= self.max_cell_bits <= MAX_CELL_BITS
        ):
            raise DeviceError(
                f"max_cell_bits must be None or an integer in [1, {MAX_CELL_BITS}], "
                f"got {self.max_cell_bits!r}"
            )

    @staticmethod
    def _require_finite(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise DeviceError(f"{name} must be a finite number, got {value!r}")
        if not low <= value <= high:
            raise DeviceError(f"{name} must be in [{low}, {high}], got {value}")

    @classmethod
    def ideal(cls, g_min_us: float = 0.0, g_max_us: float = 1.0) -> "DeviceModel":
        """Return a device with no noise, drift or faults (infinite on/off ratio by default)."""
        return cls(
            name="ideal",
            g_min_us=g_min_us,
            g_max_us=g_max_us,
            source="idealised cell: a normalised conductance range, no non-idealities",
        )

    def noiseless(self) -> "DeviceModel":
        """Return a copy with the same conductance range and every non-ideality off."""
        return dataclasses.replace(
            self,
            programming_noise="none",
            programming_noise_params=(),
            read_noise=0.0,
            drift_nu_mean=0.0,
            drift_nu_std=0.0,
            stuck_at_gmin_rate=0.0,
            stuck_at_gmax_rate=0.0,
        )

    @property
    def supported_cell_bits(self) -> tuple[int, ...]:
        """Bits per cell that this device can store, 1 up to max_cell_bits (or MAX_CELL_BITS)."""
        limit = MAX_CELL_BITS if self.max_cell_bits is None else self.max_cell_bits
        return tuple(range(1, limit + 1))

    def supports_cell_bits(self, cell_bits: int) -> bool:
        """Return whether one cell of this device can store ``cell_bits`` bits."""
        return cell_bits in self.supported_cell_bits

    def replace(self, **changes: Any) -> "DeviceModel":
        """Return a copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)

    def programming_sigma_coeffs(self) -> tuple[float, ...]:
        """Return c_k with sigma(G) = g_max * sum_k c_k (G / g_max)^k for every noise kind."""
        if self.programming_noise == "additive":
            return (self.programming_noise_params[0],)
        if self.programming_noise == "proportional":
            return (0.0, self.programming_noise_params[0])
        return tuple(self.programming_noise_params)

    @property
    def on_off_ratio(self) -> float:
        """g_max / g_min (infinite when g_min is 0)."""
        return math.inf if self.g_min_us == 0.0 else self.g_max_us / self.g_min_us


# RRAM. Conductance range from the default 22 nm RRAM cell of DNN+NeuroSim (Param.cpp:
# resistanceOn = 6 kOhm, resistanceOff = 17 * 6 kOhm, cellBit = 1). Programming noise is
# the 1 s fit that aihwkit's ReRamWan2022NoiseModel makes of Wan et al., Nature 608, 504
# (2022): sigma(G) [uS] = 0.348 + 16.030 x - 43.853 x^2 + 45.393 x^3 - 16.815 x^4 with
# x = G / g_max, fitted at g_max = 40 uS, so the coefficients below are divided by 40.
# The same aihwkit model recommends about 1 % short-term read noise and has no power-law
# drift.
_RRAM_G_MAX_US = 1e6 / 6e3
_WAN2022_FIT_G_MAX_US = 40.0
RRAM = DeviceModel(
    name="rram",
    g_min_us=_RRAM_G_MAX_US / 17.0,
    g_max_us=_RRAM_G_MAX_US,
    programming_noise="state_dependent",
    programming_noise_params=tuple(
        c / _WAN2022_FIT_G_MAX_US for c in (0.348, 16.030, -43.853, 45.393, -16.815)
    ),
    read_noise=0.01,
    t0_s=1.0,
    source=(
        "G range: DNN+NeuroSim Param.cpp default RRAM (Ron 6 kOhm, on/off 17); programming "
        "noise: Wan et al., Nature 2022, as fitted in aihwkit ReRamWan2022NoiseModel; read "
        "noise 1 %: the same aihwkit model's note"
    ),
)

# PCM. aihwkit's PCMLikeNoiseModel, fitted on a 1-million-device IBM PCM array
# (Nandakumar et al., ICECS 2019; used by Joshi et al., Nat. Commun. 11, 2473, 2020):
# g_max = 25 uS with g_min = 0 (SinglePairConductanceConverter defaults); programming
# sigma(G) [uS] = 0.26348 + 1.9650 x - 1.1731 x^2 at g_max = 25 uS; t0 = 20 s; drift
# nu ~ N(mu, sigma) with mu = clip(-0.0155 ln x + 0.0244, 0.049, 0.1) and
# sigma = clip(-0.0125 ln x - 0.0059, 0.008, 0.045), which is mu = 0.049, sigma = 0.008
# for x >= about 0.2.
# NOTE: this preset uses that x >= 0.2 value for every device, so low-conductance cells
# drift less here than in the fit. The per-read noise std is the fit's 1/f amplitude at
# g_max (0.0088). The fit's growth with sqrt(ln((t + t_read) / (2 t_read))) and its larger
# relative noise at low G are not modelled.
_PCM_G_MAX_US = 25.0
PCM = DeviceModel(
    name="pcm",
    g_min_us=0.0,
    g_max_us=_PCM_G_MAX_US,
    programming_noise="state_dependent",
    programming_noise_params=tuple(c / _PCM_G_MAX_US for c in (0.26348, 1.9650, -1.1731)),
    read_noise=0.0088,
    drift_nu_mean=0.049,
    drift_nu_std=0.008,
    t0_s=20.0,
    source=(
        "aihwkit PCMLikeNoiseModel (Nandakumar et al., ICECS 2019; Joshi et al., Nat. "
        "Commun. 2020): g_max 25 uS, programming polynomial, t0 20 s, nu at G >= 0.2 g_max"
    ),
)

# SRAM compute cells are binary and digital: DNN+NeuroSim forces cellBit = 1 for SRAM.
# NOTE: the conductance values are a normalised estimate (leakage taken as 0), not a
# measured cell; with differential mapping only the on/off ratio affects results.
SRAM = DeviceModel(
    name="sram",
    g_min_us=0.0,
    g_max_us=1.0,
    max_cell_bits=1,
    source="binary cell (DNN+NeuroSim cellBit = 1 for SRAM); normalised G range, an estimate",
)

IDEAL = DeviceModel.ideal()

DEVICE_PRESETS: dict[str, DeviceModel] = {
    model.name: model for model in (RRAM, PCM, SRAM, IDEAL)
}
"""Presets by name; :class:`imcnas.hardware.HardwareConfig` validates ``device`` against it."""


def get_device(name: str) -> DeviceModel:
    """Return the preset called ``name``, raising DeviceError with the valid names if missing."""
    try:
        return DEVICE_PRESETS[name]
    except KeyError:
        raise DeviceError(
            f"unknown device {name!r}; valid presets are {', '.join(sorted(DEVICE_PRESETS))}"
        ) from None
