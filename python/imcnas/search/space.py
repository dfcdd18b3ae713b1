"""The search space: choice lists, an integer genome encoding, and the variation operators.

A candidate is encoded as a genome: one integer per gene, each the index of a choice. Per-layer
choices get one slot per layer up to the largest depth in the space, split by role (conv,
hidden, classifier) so a layer keeps its settings when the depth changes. Slots a candidate
does not use are inactive; :meth:`SearchSpace.canonical` sets them to 0, so every candidate has
exactly one canonical genome and :meth:`SearchSpace.encode` returns it.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Iterator, Mapping

import numpy as np

from imcnas.candidate import Candidate, NetworkSpec
from imcnas.hardware.config import ConfigError
from imcnas.search.choices import SpaceChoices, hardware_config_from_genes, parse_space

__all__ = ["SearchSpace"]


class SearchSpace:
    """Choices for network, per-layer compression and hardware, with genome operators.

    Build one with :meth:`from_dict` from the ``[space]`` table of a config. Operators take
    a ``numpy.random.Generator`` and never keep random state of their own.
    """

    def __init__(self, choices: SpaceChoices) -> None:
        self.choices = choices
        self._names: list[str] = []
        self._values: list[tuple[Any, ...]] = []

        network = choices.network
        self._kind = self._add_gene("network.kind", network["kind"])
        self._depth = self._add_gene("network.depth", network["depth"])
        self._conv_depth = self._add_gene("network.conv_depth", network["conv_depth"])
        self._hidden_depth = self._add_gene("network.hidden_depth", network["hidden_depth"])

        max_conv = max(network["conv_depth"]) if "cnn" in network["kind"] else 0
        hidden_depths = [*(network["depth"] if "mlp" in network["kind"] else ()),
                         *(network["hidden_depth"] if "cnn" in network["kind"] else ())]
        max_hidden = max(hidden_depths)
        self._channels = self._add_slots("network.channels", network["channels"], max_conv)
        self._kernels = self._add_slots("network.kernel", network["kernel"], max_conv)
        self._widths = self._add_slots("network.width", network["width"], max_hidden)

        # Per-layer compression genes by role: conv slots, hidden slots, then the classifier.
        self._layer_genes: dict[str, tuple[list[int], list[int], int | None]] = {}
        for key in ("w_bits", "in_bits", "prune"):
            values = choices.compression[key]
            conv = self._add_slots(f"compression.{key}.conv", values, max_conv)
            hidden = self._add_slots(f"compression.{key}.hidden", values, max_hidden)
            # The classifier is never pruned, so it has no prune gene.
            classifier = None if key == "prune" else self._add_gene(f"compression.{key}.classifier", values)
            self._layer_genes[key] = (conv, hidden, classifier)

        self._hardware = {key: self._add_gene(f"hardware.{key}", values) for key, values in choices.hardware.items()}
        self._groups = []
        for group in choices.hardware_groups:
            genes = np.array([self._hardware[key] for key in group.keys], dtype=np.int64)
            valid = np.array(group.valid, dtype=np.int64).reshape(len(group.valid), len(group.keys))
            self._groups.append((genes, valid, set(group.valid)))

        self._n_choices = np.array([len(values) for values in self._values], dtype=np.int64)

    def _add_gene(self, name: str, values: tuple[Any, ...]) -> int:
        self._names.append(name)
        self._values.append(tuple(values))
        return len(self._names) - 1

    def _add_slots(self, name: str, values: tuple[Any, ...], count: int) -> list[int]:
        return [self._add_gene(f"{name}[{i}]", values) for i in range(count)]

    @classmethod
    def from_dict(cls, space: Mapping[str, Any]) -> "SearchSpace":
        """Build a space from the ``[space]`` table of a TOML config (see :mod:`imcnas.search.choices`)."""
        return cls(parse_space(space))

    # ------------------------------------------------------------------ genome layout

    @property
    def genome_length(self) -> int:
        return len(self._names)

    @property
    def gene_names(self) -> tuple[str, ...]:
        """Dotted name of each gene, e.g. ``network.width[1]`` or ``hardware.adc_bits``."""
        return tuple(self._names)

    @property
    def n_choices(self) -> np.ndarray:
        """Number of choices of each gene (a copy)."""
        return self._n_choices.copy()

    def _check_genome(self, genome: Any) -> np.ndarray:
        array = np.asarray(genome)
        if array.shape != (self.genome_length,) or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(
                f"genome must be a 1-D integer array of length {self.genome_length}; "
                f"got dtype {array.dtype} and shape {array.shape}"
            )
        out_of_range = np.flatnonzero((array < 0) | (array >= self._n_choices))
        if out_of_range.size:
            gene = int(out_of_range[0])
            raise ValueError(
                f"genome value {int(array[gene])} for gene {self._names[gene]} is outside "
                f"[0, {int(self._n_choices[gene]) - 1}]"
            )
        return array.astype(np.int64, copy=True)

    def _value(self, genome: np.ndarray, gene: int) -> Any:
        return self._values[gene][int(genome[gene])]

    def _layer_counts(self, genome: np.ndarray) -> tuple[str, int, int]:
        """Return (kind, conv layers, hidden layers) that ``genome`` selects."""
        kind = self._value(genome, self._kind)
        if kind == "mlp":
            return kind, 0, self._value(genome, self._depth)
        return kind, self._value(genome, self._conv_depth), self._value(genome, self._hidden_depth)

    def _active_genes(self, kind: str, n_conv: int, n_hidden: int) -> list[int]:
        genes = [self._kind]
        genes += [self._depth] if kind == "mlp" else [self._conv_depth, self._hidden_depth]
        genes += self._channels[:n_conv] + self._kernels[:n_conv] + self._widths[:n_hidden]
        for conv, hidden, classifier in self._layer_genes.values():
            genes += conv[:n_conv] + hidden[:n_hidden]
            if classifier is not None:
                genes.append(classifier)
        genes += list(self._hardware.values())
        return genes

    def active_mask(self, genome: Any) -> np.ndarray:
        """Return a boolean mask of the genes that the candidate of ``genome`` uses."""
        return self._active_mask(self._check_genome(genome))

    def _active_mask(self, genome: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.genome_length, dtype=bool)
        mask[self._active_genes(*self._layer_counts(genome))] = True
        return mask

    def canonical(self, genome: Any) -> np.ndarray:
        """Return a copy of ``genome`` with every inactive gene set to 0."""
        genome = self._check_genome(genome)
        genome[~self._active_mask(genome)] = 0
        return genome

    # ------------------------------------------------------------------ encode / decode

    def decode(self, genome: Any) -> Candidate:
        """Build the candidate of ``genome``; an invalid hardware combination raises ConfigError (see :meth:`repair`)."""
        genome = self._check_genome(genome)
        kind, n_conv, n_hidden = self._layer_counts(genome)

        network = NetworkSpec(
            kind=kind,
            channels=tuple(self._value(genome, gene) for gene in self._channels[:n_conv]),
            kernels=tuple(self._value(genome, gene) for gene in self._kernels[:n_conv]),
            hidden=tuple(self._value(genome, gene) for gene in self._widths[:n_hidden]),
        )
        layers = {}
        for key, (conv, hidden, classifier) in self._layer_genes.items():
            values = [self._value(genome, gene) for gene in conv[:n_conv] + hidden[:n_hidden]]
            values.append(0.0 if classifier is None else self._value(genome, classifier))
            layers[key] = tuple(values)

        hardware_values = {key: self._value(genome, gene) for key, gene in self._hardware.items()}
        try:
            hardware = hardware_config_from_genes(hardware_values)
        except ConfigError as error:
            raise ConfigError(f"genome has an invalid hardware combination ({error}); call repair() first") from None
        return Candidate(network, hardware=hardware, **layers)

    def _index_of(self, gene: int, value: Any) -> int:
        values = self._values[gene]
        for index, choice in enumerate(values):
            if choice == value:
                return index
        table_key = self._names[gene].split("[")[0]
        raise ConfigError(f"candidate value {value!r} is not a choice of {table_key} {list(values)}")

    def encode(self, candidate: Candidate) -> np.ndarray:
        """Return the canonical genome of ``candidate``; a value outside the space raises ConfigError."""
        network = candidate.network
        genome = np.zeros(self.genome_length, dtype=np.int64)
        genome[self._kind] = self._index_of(self._kind, network.kind)
        n_conv, n_hidden = len(network.channels), len(network.hidden)
        if network.kind == "mlp":
            genome[self._depth] = self._index_of(self._depth, n_hidden)
        else:
            genome[self._conv_depth] = self._index_of(self._conv_depth, n_conv)
            genome[self._hidden_depth] = self._index_of(self._hidden_depth, n_hidden)
        max_conv, max_hidden = len(self._channels), len(self._widths)
        if n_conv > max_conv or n_hidden > max_hidden:
            raise ConfigError(f"candidate network {network} is deeper than the space allows")

        slots = [(self._channels, network.channels), (self._kernels, network.kernels), (self._widths, network.hidden)]
        for key, (conv, hidden, classifier) in self._layer_genes.items():
            values = getattr(candidate, key)
            slots += [(conv, values[:n_conv]), (hidden, values[n_conv : n_conv + n_hidden])]
            if classifier is not None:
                slots.append(([classifier], values[-1:]))
        for genes, values in slots:
            for gene, value in zip(genes, values):
                genome[gene] = self._index_of(gene, value)

        for key, gene in self._hardware.items():
            hardware = candidate.hardware
            if key == "xbar_size":
                if hardware.xbar_rows != hardware.xbar_cols:
                    raise ConfigError(
                        f"candidate crossbar {hardware.xbar_rows}x{hardware.xbar_cols} is not square, "
                        "but the space sets hardware.xbar_size"
                    )
                value = hardware.xbar_rows
            else:
                value = getattr(hardware, key)
            genome[gene] = self._index_of(gene, value)

        return genome

    # ------------------------------------------------------------------ operators

    def repair(self, genome: Any) -> np.ndarray:
        """Return the canonical genome of the nearest valid candidate.

        Network and compression genes are always valid together. An invalid combination
        within a coupled hardware group (for example ``adc_bits`` with ``adc_conversion``)
        is replaced by the valid one that changes the fewest genes. Ties go to the smallest
        total index distance, then to the first combination in enumeration order.
        """
        genome = self.canonical(genome)
        for genes, valid, valid_set in self._groups:
            combination = genome[genes]
            if tuple(int(value) for value in combination) in valid_set:
                continue
            changed = (valid != combination).sum(axis=1)
            distance = np.abs(valid - combination).sum(axis=1)
            scale = int(self._n_choices.max()) * len(genes) + 1
            genome[genes] = valid[int(np.argmin(changed * scale + distance))]
        return genome

    def sample_genome(self, rng: np.random.Generator) -> np.ndarray:
        """Draw a canonical genome: each network and compression gene uniformly, and each
        coupled hardware group uniformly over its valid combinations.

        Depth is drawn first, so candidates are not uniform over the space: each depth
        choice is equally likely whatever the number of candidates it holds.
        """
        genome = rng.integers(0, self._n_choices)
        for genes, valid, _ in self._groups:
            genome[genes] = valid[rng.integers(len(valid))]
        return self.canonical(genome)

    def sample(self, rng: np.random.Generator) -> Candidate:
        """Draw a random candidate (see :meth:`sample_genome` for the distribution)."""
        return self.decode(self.sample_genome(rng))

    def _fill_inactive(self, genome: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # Unused slots get fresh random choices, so a layer that a later depth change turns
        # on is drawn at random instead of always taking choice 0.
        genome = self._check_genome(genome)
        inactive = ~self._active_mask(genome)
        genome[inactive] = rng.integers(0, self._n_choices)[inactive]
        return genome

    def mutate_genome(self, genome: Any, rng: np.random.Generator, rate: float | None = None) -> np.ndarray:
        """Resample each active gene with probability ``rate`` to a different choice, then repair.

        ``rate`` defaults to one over the number of active genes that have more than one choice.
        """
        genome = self._fill_inactive(genome, rng)
        mutable = np.flatnonzero(self._active_mask(genome) & (self._n_choices > 1))
        if rate is None:
            rate = 1.0 / max(len(mutable), 1)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"mutation rate must be in [0, 1]; got {rate}")

        chosen = mutable[rng.random(len(mutable)) < rate]
        for gene in chosen:
            # Draw among the other choices, so a mutated gene always changes.
            new_value = int(rng.integers(self._n_choices[gene] - 1))
            genome[gene] = new_value + (new_value >= genome[gene])
        return self.repair(genome)

    def mutate(self, candidate: Candidate, rng: np.random.Generator, rate: float | None = None) -> Candidate:
        """Return a mutated copy of ``candidate`` (see :meth:`mutate_genome`)."""
        return self.decode(self.mutate_genome(self.encode(candidate), rng, rate))

    def crossover_genomes(self, first: Any, second: Any, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Uniform crossover: each gene comes from either parent with probability 1/2.

        Returns two repaired children that take complementary genes.
        """
        first = self._fill_inactive(first, rng)
        second = self._fill_inactive(second, rng)
        from_first = rng.random(self.genome_length) < 0.5
        child_a = np.where(from_first, first, second)
        child_b = np.where(from_first, second, first)
        return self.repair(child_a), self.repair(child_b)

    def crossover(self, first: Candidate, second: Candidate, rng: np.random.Generator) -> tuple[Candidate, Candidate]:
        """Return two children of uniform crossover (see :meth:`crossover_genomes`)."""
        child_a, child_b = self.crossover_genomes(self.encode(first), self.encode(second), rng)
        return self.decode(child_a), self.decode(child_b)

    # ------------------------------------------------------------------ counting

    def _structures(self) -> Iterator[tuple[dict[int, int], list[int]]]:
        """Yield each network structure as (fixed structural genes, free active genes)."""
        network = self.choices.network
        if "mlp" in network["kind"]:
            for depth_index, depth in enumerate(network["depth"]):
                fixed = {self._kind: network["kind"].index("mlp"), self._depth: depth_index}
                yield fixed, self._free_genes("mlp", 0, depth, fixed)
        if "cnn" in network["kind"]:
            for conv_index, n_conv in enumerate(network["conv_depth"]):
                for hidden_index, n_hidden in enumerate(network["hidden_depth"]):
                    fixed = {
                        self._kind: network["kind"].index("cnn"),
                        self._conv_depth: conv_index,
                        self._hidden_depth: hidden_index,
                    }
                    yield fixed, self._free_genes("cnn", n_conv, n_hidden, fixed)

    def _free_genes(self, kind: str, n_conv: int, n_hidden: int, fixed: dict[int, int]) -> list[int]:
        hardware = set(self._hardware.values())
        return [gene for gene in self._active_genes(kind, n_conv, n_hidden) if gene not in fixed and gene not in hardware]

    def size(self) -> int:
        """Return the number of distinct valid candidates in the space."""
        n_hardware = math.prod(len(valid) for _, valid, _ in self._groups)
        n_networks = sum(
            math.prod(int(self._n_choices[gene]) for gene in free) for _, free in self._structures()
        )
        return n_networks * n_hardware

    def iter_genomes(self) -> Iterator[np.ndarray]:
        """Yield every canonical genome of the space once (:meth:`size` of them)."""
        for fixed, free in self._structures():
            ranges = [range(int(self._n_choices[gene])) for gene in free]
            hardware_ranges = [range(len(valid)) for _, valid, _ in self._groups]
            for network_indices in itertools.product(*ranges):
                for hardware_indices in itertools.product(*hardware_ranges):
                    genome = np.zeros(self.genome_length, dtype=np.int64)
                    for gene, index in fixed.items():
                        genome[gene] = index
                    genome[free] = network_indices
                    for (genes, valid, _), row in zip(self._groups, hardware_indices):
                        genome[genes] = valid[row]
                    yield genome

    def __repr__(self) -> str:
        return f"SearchSpace({self.genome_length} genes, {self.size()} candidates)"
