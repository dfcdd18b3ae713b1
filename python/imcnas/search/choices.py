"""Parse and validate the ``[space]`` table of a sweep config into per-key choice lists.

Every key is optional; :data:`DEFAULT_CHOICES` lists the defaults. A key's value is a list
of choices (a single value counts as a one-element list). Unknown tables or keys, empty or
repeated choices and values that no candidate could use raise :class:`ConfigError` naming
the key and the value.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any, Mapping

from imcnas.candidate import NETWORK_KINDS, Candidate, NetworkSpec
from imcnas.hardware.config import (
    ADC_CONVERSIONS,
    ADC_MODES,
    MAX_XBAR_SIZE,
    WEIGHT_MAPPINGS,
    ConfigError,
    HardwareConfig,
)
from imcnas.hardware.devices import DEVICE_PRESETS

DEFAULT_CHOICES: dict[str, dict[str, tuple[Any, ...]]] = {
    "network": {
        "kind": ("mlp",),
        "depth": (1, 2, 3),
        "hidden_depth": (0, 1),
        "width": (32, 64, 128, 256),
        "conv_depth": (1, 2),
        "channels": (8, 16, 32),
        "kernel": (3, 5),
    },
    "compression": {
        "w_bits": (4, 6, 8),
        "in_bits": (8,),
        "prune": (0.0, 0.25, 0.5),
    },
    "hardware": {
        "xbar_size": (64, 128, 256),
        "cell_bits": (1, 2, 4),
        "dac_bits": (1, 2),
        "adc_bits": (4, 6, 8),
        "adc_mode": ("full_range",),
        "adc_conversion": ("difference",),
        "cols_per_adc": (8,),
        "weight_mapping": ("differential",),
        "device": ("rram",),
    },
}
"""Choices used for every key the config leaves out. ``xbar_size`` sets square crossbars;
a config may give ``xbar_rows`` and ``xbar_cols`` instead (a missing one of the two then
takes the ``xbar_size`` default list)."""

HARDWARE_KEYS = tuple(field.name for field in dataclasses.fields(HardwareConfig))

COUPLED_HARDWARE_KEYS: tuple[frozenset[str], ...] = (
    frozenset({"xbar_size", "xbar_rows", "xbar_cols", "cols_per_adc", "weight_mapping"}),
    frozenset({"adc_bits", "adc_conversion", "adc_mode"}),
    frozenset({"cell_bits", "device"}),
)
"""Hardware keys whose valid values depend on each other through HardwareConfig's rules
(``cols_per_adc <= xbar_cols``, even ``xbar_cols`` for differential mapping, ``adc_bits >= 2``
for difference conversion, ``cell_bits`` within what the device's cells store). Each group is enumerated and repaired as a unit; keys outside
every group are independent. A test checks this against the full product of all keys."""

MAX_LAYERS = 64
"""Largest depth accepted for any layer count, a guard against typos such as ``depth = [300]``."""

MAX_HARDWARE_COMBINATIONS = 1_000_000
"""Largest product of choice counts within one coupled hardware group (each is checked)."""


@dataclass(frozen=True)
class HardwareGroup:
    """A set of coupled hardware genes and the index combinations that form a valid config."""

    keys: tuple[str, ...]
    valid: tuple[tuple[int, ...], ...]
    """Valid combinations of choice indices, in ``itertools.product`` order."""


@dataclass(frozen=True)
class SpaceChoices:
    """Validated choice lists of a search space, by table and key."""

    network: dict[str, tuple[Any, ...]]
    compression: dict[str, tuple[Any, ...]]
    hardware: dict[str, tuple[Any, ...]]
    """One entry per hardware gene: ``xbar_size`` or ``xbar_rows``/``xbar_cols``, then every
    other HardwareConfig field."""
    hardware_groups: tuple[HardwareGroup, ...]


def _as_choices(table: str, key: str, value: Any) -> tuple[Any, ...]:
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    if not values:
        raise ConfigError(f"space.{table}.{key} is an empty list; give at least one choice")
    for item in values:
        if not isinstance(item, (bool, int, float, str)):
            raise ConfigError(f"space.{table}.{key} choices must be numbers or strings; got {item!r}")
    for first, second in itertools.combinations(values, 2):
        if first == second:
            raise ConfigError(f"space.{table}.{key} lists the choice {first!r} twice; list each choice once")
    return values


def _check_int_choices(table: str, key: str, values: tuple[Any, ...], low: int) -> None:
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_LAYERS:
            raise ConfigError(
                f"space.{table}.{key} choices must be integers in [{low}, {MAX_LAYERS}]; got {value!r}"
            )


def _read_table(space: Mapping[str, Any], table: str) -> dict[str, tuple[Any, ...]]:
    config_table = space.get(table, {})
    if not isinstance(config_table, Mapping):
        raise ConfigError(f"space.{table} must be a table; got {config_table!r}")
    valid_keys = set(DEFAULT_CHOICES[table])
    if table == "hardware":
        valid_keys |= set(HARDWARE_KEYS)
    unknown = sorted(set(config_table) - valid_keys)
    if unknown:
        raise ConfigError(
            f"unknown key space.{table}.{unknown[0]}; valid keys are {', '.join(sorted(valid_keys))}"
        )
    return {key: _as_choices(table, key, value) for key, value in config_table.items()}


def _parse_network(configured: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    network = {**DEFAULT_CHOICES["network"], **configured}
    for kind in network["kind"]:
        if kind not in NETWORK_KINDS:
            raise ConfigError(f"space.network.kind choice {kind!r} is invalid; valid kinds are {', '.join(NETWORK_KINDS)}")
    _check_int_choices("network", "depth", network["depth"], 0)
    _check_int_choices("network", "hidden_depth", network["hidden_depth"], 0)
    _check_int_choices("network", "conv_depth", network["conv_depth"], 1)

    for key in ("width", "channels", "kernel"):
        for value in network[key]:
            try:
                NetworkSpec(kind="cnn", channels=(value,) if key == "channels" else (1,),
                            kernels=(value,) if key == "kernel" else (1,),
                            hidden=(value,) if key == "width" else ())
            except ConfigError:
                raise ConfigError(f"space.network.{key} choices must be positive integers; got {value!r}") from None
    return network


def _parse_compression(configured: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    compression = {**DEFAULT_CHOICES["compression"], **configured}
    probe_network = NetworkSpec(kind="mlp", hidden=(1,))

    # Candidate carries the valid ranges, so each choice is checked by building a two-layer probe.
    for key in ("w_bits", "in_bits", "prune"):
        for value in compression[key]:
            layers = {"w_bits": (8, 8), "in_bits": (8, 8), "prune": (0.0, 0.0)}
            layers[key] = (value, layers[key][1])
            if key == "prune" and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ConfigError(f"space.compression.prune choices must be numbers in [0, 0.9]; got {value!r}")
            try:
                Candidate(probe_network, **layers)
            except ConfigError as error:
                raise ConfigError(f"space.compression.{key} choice {value!r} is invalid: {error}") from None
    compression["prune"] = tuple(float(value) for value in compression["prune"])
    return compression


def hardware_config_from_genes(values: Mapping[str, Any]) -> HardwareConfig:
    """Build a HardwareConfig from gene values, expanding ``xbar_size`` into rows and columns."""
    fields = dict(values)
    if "xbar_size" in fields:
        size = fields.pop("xbar_size")
        fields["xbar_rows"] = size
        fields["xbar_cols"] = size
    return HardwareConfig(**fields)


def _probe_configs() -> list[dict[str, Any]]:
    """Return the most permissive hardware configs, one per mix of the named options.

    Crossbars are as large as allowed, one column per ADC and one bit per cell, so a choice
    that fails with all of them breaks a rule of its own key, not one of a coupled group.
    """
    default = HardwareConfig()
    devices = [default.device, *(name for name in DEVICE_PRESETS if name != default.device)]
    probes = []
    for adc_mode, adc_conversion, weight_mapping, device in itertools.product(
        ADC_MODES, ADC_CONVERSIONS, WEIGHT_MAPPINGS, devices
    ):
        fields = default.to_dict()
        fields.update(
            xbar_rows=MAX_XBAR_SIZE, xbar_cols=MAX_XBAR_SIZE, cols_per_adc=1, cell_bits=1,
            adc_mode=adc_mode, adc_conversion=adc_conversion, weight_mapping=weight_mapping,
            device=device,
        )
        probes.append(fields)
    return probes


def _probe_error(key: str, value: Any, probes: list[dict[str, Any]]) -> ConfigError | None:
    """Return None if some probe config accepts ``key = value``, else the first probe's error."""
    first_error = None
    for probe in probes:
        fields = {**probe, key: value}
        if key == "xbar_size":
            del fields["xbar_rows"], fields["xbar_cols"]
        try:
            hardware_config_from_genes(fields)
        except ConfigError as error:
            first_error = first_error or error
            continue
        return None
    return first_error


def _check_hardware_choices(hardware: dict[str, tuple[Any, ...]]) -> None:
    """Reject a hardware choice that no config accepts whatever the other keys are.

    Checking each key alone first makes the error name the key that breaks the rule
    (type, range, allowed names), before the coupled groups are enumerated.
    """
    probes = _probe_configs()
    for key, values in hardware.items():
        for value in values:
            error = _probe_error(key, value, probes)
            if error is not None:
                raise ConfigError(f"space.hardware.{key} choice {value!r} is invalid: {error}")


def _parse_hardware(configured: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    has_size = "xbar_size" in configured
    has_rows_or_cols = "xbar_rows" in configured or "xbar_cols" in configured
    if has_size and has_rows_or_cols:
        raise ConfigError("space.hardware sets xbar_size together with xbar_rows/xbar_cols; use one or the other")

    defaults = dict(DEFAULT_CHOICES["hardware"])
    if has_rows_or_cols:
        square = defaults.pop("xbar_size")
        defaults["xbar_rows"] = square
        defaults["xbar_cols"] = square
    hardware = {**defaults, **configured}
    for key in HARDWARE_KEYS:
        if key not in hardware and key not in ("xbar_rows", "xbar_cols"):
            hardware[key] = (getattr(HardwareConfig(), key),)
    _check_hardware_choices(hardware)
    return hardware


def _blocking_keys(key: str, failing: dict[str, Any]) -> list[str]:
    """Return the keys other than ``key`` that alone make the ``failing`` gene values invalid.

    A key counts when setting it to its value in a permissive probe config, with every
    other value kept, gives a valid config. If no single key does, all others are returned.
    """
    others = [other for other in failing if other != key]
    blocking = []
    for other in others:
        for probe in _probe_configs():
            replacement = probe["xbar_cols"] if other == "xbar_size" else probe[other]
            try:
                hardware_config_from_genes({**failing, other: replacement})
            except ConfigError:
                continue
            blocking.append(other)
            break
    return blocking or others


def _enumerate_group(keys: tuple[str, ...], hardware: dict[str, tuple[Any, ...]]) -> HardwareGroup:
    """Find the valid index combinations of one coupled group, the rest held at defaults."""
    counts = [len(hardware[key]) for key in keys]
    n_combinations = 1
    for count in counts:
        n_combinations *= count
    if n_combinations > MAX_HARDWARE_COMBINATIONS:
        raise ConfigError(
            f"space.hardware keys {', '.join(keys)} give {n_combinations} combinations, more than "
            f"{MAX_HARDWARE_COMBINATIONS}; list fewer choices"
        )

    valid = []
    last_failure: dict[tuple[str, Any], tuple[dict[str, Any], str]] = {}
    for indices in itertools.product(*(range(count) for count in counts)):
        values = {key: hardware[key][index] for key, index in zip(keys, indices)}
        try:
            hardware_config_from_genes(values)
        except (ConfigError, TypeError) as error:
            for key, value in values.items():
                last_failure[(key, value)] = (values, str(error))
            continue
        valid.append(indices)

    # A choice that appears in no valid combination can never be used: reject it, naming
    # the other keys of the group that rule it out.
    for position, key in enumerate(keys):
        used = {combination[position] for combination in valid}
        for index, value in enumerate(hardware[key]):
            if index not in used:
                failing, reason = last_failure[(key, value)]
                others = _blocking_keys(key, failing)
                fixed = [f"{other}={hardware[other][0]!r}" for other in others if len(hardware[other]) == 1]
                free = [other for other in others if len(hardware[other]) > 1]
                context = fixed + ([f"any choice of {', '.join(free)}"] if free else [])
                with_others = f" with {' and '.join(context)}" if context else ""
                change_others = f" or change {', '.join(others)}" if others else ""
                raise ConfigError(
                    f"space.hardware.{key} choice {value!r} gives no valid hardware config"
                    f"{with_others}: {reason}; remove {value!r} from space.hardware.{key}"
                    f"{change_others}"
                )
    return HardwareGroup(keys, tuple(valid))


def hardware_groups(hardware: dict[str, tuple[Any, ...]]) -> tuple[HardwareGroup, ...]:
    """Split the hardware genes into coupled groups (then one group per independent key)."""
    groups = []
    grouped: set[str] = set()
    for coupled in COUPLED_HARDWARE_KEYS:
        keys = tuple(key for key in hardware if key in coupled)
        if keys:
            groups.append(_enumerate_group(keys, hardware))
            grouped.update(keys)
    for key in hardware:
        if key not in grouped:
            groups.append(_enumerate_group((key,), hardware))
    return tuple(groups)


def parse_space(space: Mapping[str, Any]) -> SpaceChoices:
    """Validate the ``[space]`` table of a config and return its choice lists."""
    if not isinstance(space, Mapping):
        raise ConfigError(f"[space] must be a table; got {space!r}")
    unknown = sorted(set(space) - set(DEFAULT_CHOICES))
    if unknown:
        raise ConfigError(
            f"unknown table [space.{unknown[0]}]; valid tables are {', '.join(sorted(DEFAULT_CHOICES))}"
        )

    network = _parse_network(_read_table(space, "network"))
    compression = _parse_compression(_read_table(space, "compression"))
    hardware = _parse_hardware(_read_table(space, "hardware"))
    return SpaceChoices(network, compression, hardware, hardware_groups(hardware))
