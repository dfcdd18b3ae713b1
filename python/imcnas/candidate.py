"""A search candidate: network, per-layer compression policy and hardware, with a canonical hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from imcnas.hardware.config import ConfigError, HardwareConfig

NETWORK_KINDS = ("mlp", "cnn")


@dataclass(frozen=True)
class NetworkSpec:
    """Macro-architecture of a small feed-forward network.

    A ``cnn`` runs ``len(channels)`` conv layers (each followed by ReLU and a 2x2 max-pool),
    then the ``hidden`` fully connected layers, then the classifier. An ``mlp`` has no conv
    layers. Weight layers are counted in that order: convs, hidden, classifier.
    """

    kind: str = "mlp"
    channels: tuple[int, ...] = ()
    """Output channels of each conv layer (cnn only)."""
    kernels: tuple[int, ...] = ()
    """Square kernel size of each conv layer, same length as ``channels``."""
    hidden: tuple[int, ...] = (128,)
    """Widths of the hidden fully connected layers."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "kernels", tuple(self.kernels))
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if self.kind not in NETWORK_KINDS:
            raise ConfigError(f"network kind must be one of {', '.join(NETWORK_KINDS)}; got {self.kind!r}")
        if self.kind == "mlp" and self.channels:
            raise ConfigError(f"an mlp has no conv layers; got channels={self.channels}")
        if self.kind == "cnn" and not self.channels:
            raise ConfigError("a cnn needs at least one conv layer; got channels=()")
        if len(self.kernels) != len(self.channels):
            raise ConfigError(
                f"kernels {self.kernels} must have one entry per conv layer in channels {self.channels}"
            )
        for name, values in (("channels", self.channels), ("kernels", self.kernels), ("hidden", self.hidden)):
            for value in values:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ConfigError(f"{name} entries must be positive integers; got {value!r} in {values}")

    @property
    def n_weight_layers(self) -> int:
        """Conv layers, hidden layers and the classifier."""
        return len(self.channels) + len(self.hidden) + 1


@dataclass(frozen=True)
class Candidate:
    """One point of the search space: what is trained, how it is compressed, what it runs on.

    ``w_bits``, ``in_bits`` and ``prune`` hold one entry per weight layer (see
    :class:`NetworkSpec`). ``prune`` is the fraction of a layer's output channels removed by
    structured pruning; the classifier's entry must be 0.
    """

    network: NetworkSpec
    w_bits: tuple[int, ...]
    """Signed weight bits per layer, sign included (2..16)."""
    in_bits: tuple[int, ...]
    """Input (activation) bits per layer (1..16)."""
    prune: tuple[float, ...]
    """Pruned fraction of output channels per layer, in [0, 0.9]."""
    hardware: HardwareConfig = field(default_factory=HardwareConfig)

    def __post_init__(self) -> None:
        object.__setattr__(self, "w_bits", tuple(self.w_bits))
        object.__setattr__(self, "in_bits", tuple(self.in_bits))
        object.__setattr__(self, "prune", tuple(float(p) for p in self.prune))
        n_layers = self.network.n_weight_layers
        for name in ("w_bits", "in_bits", "prune"):
            values = getattr(self, name)
            if len(values) != n_layers:
                raise ConfigError(
                    f"{name} has {len(values)} entries but the network has {n_layers} weight layers"
                )
        for bits in self.w_bits:
            if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 16:
                raise ConfigError(f"w_bits entries must be integers in [2, 16]; got {bits!r}")
        for bits in self.in_bits:
            if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 16:
                raise ConfigError(f"in_bits entries must be integers in [1, 16]; got {bits!r}")
        for ratio in self.prune:
            if not 0.0 <= ratio <= 0.9:
                raise ConfigError(f"prune entries must be in [0, 0.9]; got {ratio}")
        if self.prune[-1] != 0.0:
            raise ConfigError(f"the classifier cannot be pruned; got prune[-1]={self.prune[-1]}")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; :meth:`from_dict` inverts it."""
        return {
            "network": {
                "kind": self.network.kind,
                "channels": list(self.network.channels),
                "kernels": list(self.network.kernels),
                "hidden": list(self.network.hidden),
            },
            "w_bits": list(self.w_bits),
            "in_bits": list(self.in_bits),
            "prune": list(self.prune),
            "hardware": self.hardware.to_dict(),
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "Candidate":
        return cls(
            network=NetworkSpec(**values["network"]),
            w_bits=tuple(values["w_bits"]),
            in_bits=tuple(values["in_bits"]),
            prune=tuple(values["prune"]),
            hardware=HardwareConfig.from_dict(values["hardware"]),
        )

    def canonical_json(self) -> str:
        """Return the candidate as JSON with sorted keys and no spaces: equal candidates give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def key(self) -> str:
        """Return the canonical hash (SHA-256 hex of :meth:`canonical_json`), the store's primary key."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()
