"""NSGA-II over the integer genome (Deb, Pratap, Agarwal and Meyarivan, IEEE Trans. Evol.
Comput. 6(2), 2002).

The genome is discrete, so simulated binary crossover (for real variables) is replaced by
uniform crossover and per-gene mutation (:meth:`SearchSpace.crossover_genomes`,
:meth:`SearchSpace.mutate_genome`). Everything else follows the paper: binary tournament on
(rank, crowding distance), and elitist (mu + lambda) survival that fills the next
population front by front and cuts the last front by crowding distance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from imcnas.candidate import Candidate
from imcnas.search.kernels import crowding_distance, non_dominated_sort
from imcnas.search.space import SearchSpace
from imcnas.search.strategies.base import Strategy

logger = logging.getLogger("imcnas.search.strategies.nsga2")


@dataclass(frozen=True)
class Member:
    """An evaluated candidate of the population."""

    candidate: Candidate
    genome: np.ndarray
    objectives: np.ndarray


def rank_and_crowding(F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the Pareto rank and the crowding distance within its front of every row of ``F``."""
    ranks = non_dominated_sort(F)
    crowding = np.zeros(len(F))
    for rank in np.unique(ranks):
        front = np.flatnonzero(ranks == rank)
        crowding[front] = crowding_distance(F[front])
    return ranks, crowding


def select_survivors(F: np.ndarray, n_survivors: int) -> np.ndarray:
    """Return the indices of the ``n_survivors`` rows kept by NSGA-II survival.

    Whole fronts are taken in rank order. The front that does not fit is cut by decreasing
    crowding distance, with a stable sort so that ties keep row order.
    """
    ranks = non_dominated_sort(F)
    selected: list[np.ndarray] = []
    n_selected = 0
    for rank in range(int(ranks.max()) + 1 if len(F) else 0):
        front = np.flatnonzero(ranks == rank)
        if n_selected + len(front) <= n_survivors:
            selected.append(front)
            n_selected += len(front)
            continue
        crowding = crowding_distance(F[front])
        order = np.argsort(-crowding, kind="stable")
        selected.append(front[order[: n_survivors - n_selected]])
        break
    return np.concatenate(selected) if selected else np.empty(0, dtype=np.int64)


class NSGA2(Strategy):
    """NSGA-II with a population of ``population`` candidates.

    Until ``population`` results with finite objectives have been observed, proposals are
    random (the first generation). After that each :meth:`observe` merges the new results
    with the current population and keeps the best ``population`` by rank and crowding.
    Proposing and observing ``population`` candidates at a time is therefore one generation
    of NSGA-II (Deb et al., IEEE Trans. Evol. Comput. 6(2), 2002), and smaller batches give a
    steady-state variant. Results with an infinite
    objective (failed candidates) never enter the population.

    Options: ``crossover_rate`` is the probability that a pair of parents is recombined,
    otherwise the children are mutated copies. ``mutation_rate`` is the per-gene
    probability, by default one over the number of active genes.
    """

    name = "nsga2"

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int,
        population: int = 20,
        crossover_rate: float = 0.9,
        mutation_rate: float | None = None,
    ) -> None:
        super().__init__(space, seed=seed)
        if isinstance(population, bool) or not isinstance(population, (int, np.integer)) or population < 2:
            raise ValueError(f"population must be an integer >= 2; got {population!r}")
        if not 0.0 <= crossover_rate <= 1.0:
            raise ValueError(f"crossover_rate must be in [0, 1]; got {crossover_rate}")
        if mutation_rate is not None and not 0.0 <= mutation_rate <= 1.0:
            raise ValueError(f"mutation_rate must be in [0, 1] or None; got {mutation_rate}")
        self.population = int(population)
        self.crossover_rate = float(crossover_rate)
        self.mutation_rate = mutation_rate
        self.members: list[Member] = []
        self._ranks = np.empty(0, dtype=np.int64)
        self._crowding = np.empty(0)

    # ------------------------------------------------------------------ propose

    def _propose(self, n: int) -> list[Candidate]:
        if len(self.members) < self.population:
            return self.draw_unseen(n)

        batch: dict[str, Candidate] = {}
        offspring: list[Candidate] = []
        # Each attempt makes two children; a converged population can keep producing
        # known candidates, so the loop is bounded and random draws fill the rest.
        max_attempts = 10 * n + 50
        for _ in range(max_attempts):
            if len(offspring) >= n:
                break
            for child in self._make_children():
                candidate = self.space.decode(child)
                key = candidate.key()
                if key in batch or self.is_seen(candidate):
                    continue
                batch[key] = candidate
                offspring.append(candidate)
                if len(offspring) == n:
                    break

        if len(offspring) < n:
            logger.debug("variation gave %d of %d new candidates; drawing the rest at random", len(offspring), n)
            offspring += self.draw_unseen(n - len(offspring), batch)
        return offspring

    def _make_children(self) -> tuple[np.ndarray, np.ndarray]:
        first = self.members[self._tournament()].genome
        second = self.members[self._tournament()].genome
        if self.rng.random() < self.crossover_rate:
            first, second = self.space.crossover_genomes(first, second, self.rng)
        return (
            self.space.mutate_genome(first, self.rng, self.mutation_rate),
            self.space.mutate_genome(second, self.rng, self.mutation_rate),
        )

    def _tournament(self) -> int:
        """Binary tournament: lower rank wins, then larger crowding distance, then a coin flip."""
        a, b = (int(index) for index in self.rng.choice(len(self.members), size=2, replace=False))
        if self._ranks[a] != self._ranks[b]:
            return a if self._ranks[a] < self._ranks[b] else b
        if self._crowding[a] != self._crowding[b]:
            return a if self._crowding[a] > self._crowding[b] else b
        return a if self.rng.random() < 0.5 else b

    # ------------------------------------------------------------------ observe

    def _observe(self, results: list[tuple[Candidate, np.ndarray | None, np.ndarray]]) -> None:
        by_key = {member.candidate.key(): member for member in self.members}
        for candidate, genome, objectives in results:
            if genome is None or not np.isfinite(objectives).all():
                continue
            # A repeated observation of the same candidate replaces the earlier one.
            by_key[candidate.key()] = Member(candidate, genome, objectives)

        union = list(by_key.values())
        if len(union) > self.population:
            F = np.array([member.objectives for member in union])
            union = [union[int(index)] for index in select_survivors(F, self.population)]
        self.members = union
        if self.members:
            self._ranks, self._crowding = rank_and_crowding(np.array([member.objectives for member in self.members]))
