"""Energy, latency and area of a network on an IMC chip, per layer and per component.

The analytical estimator is a NeuroSim-style closed-form model in C++ (``imcnas._core.cost``).
It maps each layer onto differential, bit-sliced crossbars and counts its events: cell reads,
row drives, ADC conversions, additions, buffer and bus bits. A :class:`TechnologyTable`
prices each event. ``docs/cost_model.md`` gives the formulas and their limits.

Units: energy in pJ per inference, latency in ns per inference, area in mm^2.
"""

from __future__ import annotations

import abc
import dataclasses
import numbers
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from imcnas._core import cost as _core
from imcnas.hardware.config import ConfigError, HardwareConfig
from imcnas.hardware.technology import TECH_22NM, TechnologyTable

SCHEDULES = ("layer_by_layer", "pipelined")
COMPONENTS: tuple[str, ...] = tuple(_core.component_names())
"""Component names of the energy and area breakdowns, in summation order."""

# Valid ranges of the LayerSpec integers, the same as the C++ model's checks in
# cpp/src/cost/validate.cpp (a test compares the two), and the largest magnitude that each
# C++ field stores (int64 sizes, int bits). LayerSpec rejects only values beyond the field,
# which pybind11 would turn into a TypeError; the C++ model checks the valid range.
_LAYER_INT_RANGES: dict[str, tuple[int, int, int]] = {
    "n_in": (1, 2**32, 2**63 - 1),
    "n_out": (1, 2**32, 2**63 - 1),
    "n_mvm": (1, 2**32, 2**63 - 1),
    "w_bits": (2, 32, 2**31 - 1),
    "in_bits": (1, 32, 2**31 - 1),
    "duplication": (1, 4096, 2**31 - 1),
}

__all__ = [
    "COMPONENTS",
    "SCHEDULES",
    "AnalyticalEstimator",
    "CostEstimator",
    "CostReport",
    "LayerCost",
    "LayerSpec",
    "estimate_cost",
    "estimate_cost_batch",
]


@dataclass(frozen=True)
class LayerSpec:
    """One weight layer as a matrix: conv layers use their im2col shape.

    Pruning is applied by the caller: ``n_in`` and ``n_out`` are the kept rows and columns.
    Sizes are checked by the C++ model, which raises ``ValueError`` naming the value.
    """

    name: str
    n_in: int
    """Matrix rows: inputs per MVM (C_in * k * k for a conv layer)."""
    n_out: int
    """Weight columns: outputs per MVM (C_out for a conv layer)."""
    n_mvm: int
    """MVMs per inference: output positions of a conv layer, 1 for a linear layer."""
    w_bits: int
    """Signed weight bits, sign included (>= 2)."""
    in_bits: int
    """Input bits, sign included when ``input_signed``."""
    input_signed: bool = False
    """Signed inputs stream their magnitude bits; the sign is the input polarity."""
    duplication: int = 1
    """Weight copies that share the layer's MVMs (more area, less latency)."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ConfigError(f"layer name must be a string, got {self.name!r}")
        if not isinstance(self.input_signed, (bool, np.bool_)):
            raise ConfigError(
                f"layer {self.name!r}: input_signed must be True or False, got {self.input_signed!r}"
            )
        object.__setattr__(self, "input_signed", bool(self.input_signed))
        for name, (low, high, field_max) in _LAYER_INT_RANGES.items():
            value = getattr(self, name)
            # numpy integer scalars are numbers.Integral; bool and numpy.bool_ are rejected.
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                raise ConfigError(f"layer {self.name!r}: {name} must be an integer, got {value!r}")
            value = int(value)
            if abs(value) > field_max:
                raise ConfigError(
                    f"layer {self.name!r}: {name} must be in [{low}, {high}], got {value}"
                )
            object.__setattr__(self, name, value)

    def _to_core(self) -> Any:
        return _core.LayerShape(
            self.name, self.n_in, self.n_out, self.n_mvm, self.w_bits, self.in_bits,
            self.input_signed, self.duplication,
        )


@dataclass(frozen=True)
class LayerCost:
    """Cost of one layer per inference, with its mapping onto crossbars."""

    name: str
    crossbars: int
    """Crossbars holding the layer, duplicates included."""
    tiles: int
    """Tiles of the layer (one layer per tile)."""
    utilization: float
    """Used cells over the cells of the crossbars of one weight copy."""
    energy_pj: float
    latency_ns: float
    area_mm2: float
    ops: float
    """Operations per inference, 2 * n_in * n_out * n_mvm."""
    breakdown_energy: dict[str, float]
    """Energy by component, pJ; its values add up to ``energy_pj`` in :data:`COMPONENTS` order."""
    breakdown_area: dict[str, float]
    """Area by component, mm^2; its values add up to ``area_mm2`` in :data:`COMPONENTS` order."""
    mapping: dict[str, float]
    """Mapping details: slices, bit lines, row and column tiles, input cycles, conversions..."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CostReport:
    """Cost of a whole network per inference.

    Totals are the sums of the per-layer values in layer order (latency: the maximum when
    the schedule is ``pipelined``), so summing ``layers`` reproduces them exactly.
    """

    energy_pj: float
    """Energy per inference, pJ."""
    latency_ns: float
    """Latency per inference, ns."""
    area_mm2: float
    """Chip area, mm^2."""
    ops: float
    """Operations per inference, counting a multiply-accumulate as two."""
    edp: float
    """Energy-delay product, pJ * ns."""
    edap: float
    """Energy-delay-area product, pJ * ns * mm^2."""
    tops_per_w: float
    """Energy efficiency, tera-operations per second per watt (ops / energy)."""
    tops: float
    """Throughput, tera-operations per second (ops / latency)."""
    tops_per_mm2: float
    """Area efficiency, TOPS per mm^2."""
    schedule: str
    """``layer_by_layer`` or ``pipelined``."""
    technology: str
    """Name of the technology table used."""
    breakdown_energy: dict[str, float]
    """Energy per inference by component (array, dac, adc, shift_add, ...), pJ."""
    breakdown_area: dict[str, float]
    """Area by component, mm^2."""
    layers: list[LayerCost]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return dataclasses.asdict(self)


class CostEstimator(abc.ABC):
    """Interface of every cost estimator (analytical, lookup table, learned)."""

    @abc.abstractmethod
    def estimate(self, layers: Sequence[LayerSpec], hw: HardwareConfig) -> CostReport:
        """Price ``layers`` on ``hw``."""

    def estimate_batch(
        self, pairs: Sequence[tuple[Sequence[LayerSpec], HardwareConfig]]
    ) -> list[CostReport]:
        """Price many (layers, hardware) pairs; result i belongs to pair i."""
        return [self.estimate(layers, hw) for layers, hw in pairs]


class AnalyticalEstimator(CostEstimator):
    """The closed-form NeuroSim-style model of the C++ core."""

    def __init__(self, tech: TechnologyTable | None = None, schedule: str = "layer_by_layer") -> None:
        if schedule not in SCHEDULES:
            raise ConfigError(f"schedule must be one of {', '.join(SCHEDULES)}; got {schedule!r}")
        if tech is not None and not isinstance(tech, TechnologyTable):
            raise ConfigError(
                f"tech must be a TechnologyTable or None (for {TECH_22NM.name}); "
                f"got {type(tech).__name__} {tech!r}"
            )
        self.tech = TECH_22NM if tech is None else tech
        self.schedule = schedule
        self._core_tech = self.tech.to_core()

    def estimate(self, layers: Sequence[LayerSpec], hw: HardwareConfig) -> CostReport:
        result = _core.estimate(self._core_layers(layers), self._core_hardware(hw),
                                self._core_tech, self.schedule)
        return self._report(result)

    def estimate_batch(
        self, pairs: Sequence[tuple[Sequence[LayerSpec], HardwareConfig]]
    ) -> list[CostReport]:
        core_pairs = [(self._core_layers(layers), self._core_hardware(hw)) for layers, hw in pairs]
        results = _core.estimate_batch(core_pairs, self._core_tech, self.schedule)
        return [self._report(result) for result in results]

    @staticmethod
    def _core_layers(layers: Sequence[LayerSpec]) -> list[Any]:
        # An empty list passes through, because the core rejects it with its own message.
        is_sequence = isinstance(layers, Sequence) and not isinstance(layers, (str, bytes, bytearray))
        if not is_sequence:
            raise ConfigError(
                f"layers must be a list of LayerSpec, not a {type(layers).__name__}; "
                f"wrap a single layer as [layer]; got {layers!r}"
            )
        for index, layer in enumerate(layers):
            if not isinstance(layer, LayerSpec):
                raise ConfigError(
                    f"layers[{index}] must be a LayerSpec; got {type(layer).__name__} {layer!r}"
                )
        return [layer._to_core() for layer in layers]

    def _core_hardware(self, hw: HardwareConfig) -> Any:
        if not isinstance(hw, HardwareConfig):
            raise ConfigError(f"hw must be a HardwareConfig; got {type(hw).__name__} {hw!r}")
        g = self.tech.conductance(hw.device)
        return _core.HardwareSpec(
            hw.xbar_rows, hw.xbar_cols, hw.cell_bits, hw.dac_bits, hw.adc_bits,
            hw.cols_per_adc, hw.adc_conversion, g.g_min_us, g.g_max_us,
        )

    def _report(self, result: Any) -> CostReport:
        layers = [_layer_cost(layer) for layer in result.layers]
        return CostReport(
            energy_pj=result.energy_pj_total,
            latency_ns=result.latency_ns,
            area_mm2=result.area_mm2_total,
            ops=result.ops,
            edp=result.edp_pj_ns,
            edap=result.edap_pj_ns_mm2,
            tops_per_w=result.tops_per_w,
            tops=result.tops,
            tops_per_mm2=result.tops_per_mm2,
            schedule=result.schedule,
            technology=self.tech.name,
            breakdown_energy=dict(zip(COMPONENTS, result.energy_pj)),
            breakdown_area=dict(zip(COMPONENTS, result.area_mm2)),
            layers=layers,
        )


def _layer_cost(layer: Any) -> LayerCost:
    mapping = layer.mapping.as_dict()
    return LayerCost(
        name=layer.name,
        crossbars=mapping["crossbars"],
        tiles=mapping["tiles"],
        utilization=mapping["utilization"],
        energy_pj=layer.energy_pj_total,
        latency_ns=layer.latency_ns,
        area_mm2=layer.area_mm2_total,
        ops=layer.ops,
        breakdown_energy=dict(zip(COMPONENTS, layer.energy_pj)),
        breakdown_area=dict(zip(COMPONENTS, layer.area_mm2)),
        mapping=mapping,
    )


def estimate_cost(
    layers: Sequence[LayerSpec],
    hw: HardwareConfig,
    tech: TechnologyTable | None = None,
    schedule: str = "layer_by_layer",
) -> CostReport:
    """Price ``layers`` on ``hw`` with the analytical model and ``tech`` (default 22 nm).

    ``layers`` is a non-empty sequence of :class:`LayerSpec` and ``tech`` a
    :class:`TechnologyTable` or None. Raises ``ValueError`` (the message names the value)
    for invalid layers, hardware or technology.
    """
    return AnalyticalEstimator(tech, schedule).estimate(layers, hw)


def estimate_cost_batch(
    pairs: Sequence[tuple[Sequence[LayerSpec], HardwareConfig]],
    tech: TechnologyTable | None = None,
    schedule: str = "layer_by_layer",
) -> list[CostReport]:
    """Price many (layers, hardware) pairs in one C++ call, in parallel, without the GIL."""
    return AnalyticalEstimator(tech, schedule).estimate_batch(pairs)
