"""The strategy interface shared by every search strategy: propose candidates, observe results."""

from __future__ import annotations

import abc
import logging
from typing import Any, ClassVar, Sequence

import numpy as np

from imcnas.candidate import Candidate
from imcnas.hardware.config import ConfigError
from imcnas.search.space import SearchSpace

logger = logging.getLogger("imcnas.search.strategies")

ENUMERATION_LIMIT = 1_000_000
"""Largest space size that :meth:`Strategy.draw_unseen` enumerates once random draws keep
hitting candidates it has already seen."""

MAX_REJECTED_DRAWS = 200
"""Consecutive random draws of already-seen candidates after which enumeration starts."""


class Strategy(abc.ABC):
    """A search strategy over a :class:`SearchSpace`.

    The caller alternates :meth:`propose` and :meth:`observe`. Objective vectors are
    minimised in every entry (negate a metric such as accuracy that should grow). A
    strategy never proposes a candidate key that it has proposed or observed before. Once
    every candidate of the space has been seen, :meth:`propose` returns fewer than
    requested (possibly none) and :attr:`exhausted` becomes True.

    Randomness comes from one ``numpy.random.Generator`` seeded from ``seed`` through
    ``SeedSequence(seed).spawn(2)[0]``; :meth:`worker_seed` derives independent streams
    for evaluation workers from the other child. Equal seeds and equal call sequences
    give equal proposals.
    """

    name: ClassVar[str]

    def __init__(self, space: SearchSpace, *, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
        self.space = space
        self.seed = int(seed)
        strategy_sequence, self._worker_root = np.random.SeedSequence(self.seed).spawn(2)
        self.rng = np.random.default_rng(strategy_sequence)
        self.exhausted = False
        self._space_size = space.size()
        self.n_objectives: int | None = None
        # A dict keeps insertion order, so nothing depends on string hash randomisation.
        self._seen: dict[str, None] = {}
        self._seen_in_space: dict[str, None] = {}

    # ------------------------------------------------------------------ public interface

    def propose(self, n: int) -> list[Candidate]:
        """Return up to ``n`` candidates that were never proposed or observed before."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative integer; got {n!r}")
        if n == 0:
            return []

        proposals = self._propose(int(n))
        for candidate in proposals:
            self._seen[candidate.key()] = None
            self._seen_in_space[candidate.key()] = None
        if len(proposals) < n:
            self.exhausted = True
            logger.info(
                "search space exhausted: %d of %d requested candidates proposed, all %d seen",
                len(proposals), n, len(self._seen),
            )
        return proposals

    def observe(self, results: Sequence[tuple[Candidate, Any]]) -> None:
        """Record evaluated candidates with their objective vectors (all minimised).

        Each vector has one float per objective, the same length every time. NaN is
        rejected; score a failed candidate with ``+inf`` (every finished candidate then
        dominates it) or leave it out. Stored results of an earlier run may be observed
        before the first :meth:`propose` to hot-start the strategy.
        """
        checked = []
        for candidate, values in results:
            vector = self._check_objectives(candidate, values)
            try:
                genome = self.space.encode(candidate)
            except ConfigError:
                # A result from a different space (e.g. a stored run whose config changed)
                # still counts as seen, but it cannot be varied and does not count towards
                # exhausting this space.
                genome = None
                logger.debug("observed candidate %s lies outside the search space", candidate.key()[:12])
            checked.append((candidate, genome, vector))

        for candidate, genome, _ in checked:
            self._seen[candidate.key()] = None
            if genome is not None:
                self._seen_in_space[candidate.key()] = None
        if checked:
            self._observe(checked)

    def worker_seed(self, worker: int) -> np.random.SeedSequence:
        """Return the seed sequence of evaluation worker ``worker`` (0, 1, ...).

        Equal to ``SeedSequence(seed).spawn(2)[1].spawn(worker + 1)[worker]`` and independent
        of the strategy's own stream and of how often this is called.
        """
        if isinstance(worker, bool) or not isinstance(worker, (int, np.integer)) or worker < 0:
            raise ValueError(f"worker must be a non-negative integer; got {worker!r}")
        root = self._worker_root
        return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, int(worker)))

    def is_seen(self, candidate: Candidate) -> bool:
        """Return whether ``candidate`` was proposed or observed before."""
        return candidate.key() in self._seen

    @property
    def n_seen(self) -> int:
        """Distinct candidates proposed or observed so far."""
        return len(self._seen)

    # ------------------------------------------------------------------ for subclasses

    @abc.abstractmethod
    def _propose(self, n: int) -> list[Candidate]:
        """Return up to ``n`` unseen candidates with distinct keys (fewer only when the space runs out)."""

    @abc.abstractmethod
    def _observe(self, results: list[tuple[Candidate, np.ndarray | None, np.ndarray]]) -> None:
        """Use validated (candidate, genome, objectives) results; their keys are already marked as seen.

        The genome is the canonical one, or None for a candidate outside the space.
        """

    def draw_unseen(self, n: int, exclude: dict[str, Candidate] | None = None) -> list[Candidate]:
        """Draw up to ``n`` random candidates that are neither seen nor keys of ``exclude``.

        ``exclude`` contains the candidates already chosen for the current batch, and every
        drawn candidate is added to it.

        Draws come from :meth:`SearchSpace.sample`. After :data:`MAX_REJECTED_DRAWS`
        consecutive draws of known candidates, the remaining candidates are enumerated
        (spaces of at most :data:`ENUMERATION_LIMIT`) and drawn from without replacement.
        """
        exclude = {} if exclude is None else exclude
        drawn: list[Candidate] = []
        rejected = 0
        while len(drawn) < n:
            if len(self._seen_in_space) + len(exclude) >= self._space_size:
                break
            candidate = self.space.sample(self.rng)
            key = candidate.key()
            if key in self._seen or key in exclude:
                rejected += 1
                if rejected >= MAX_REJECTED_DRAWS:
                    drawn += self._draw_by_enumeration(n - len(drawn), exclude)
                    break
                continue
            rejected = 0
            exclude[key] = candidate
            drawn.append(candidate)
        return drawn

    def _draw_by_enumeration(self, n: int, exclude: dict[str, Candidate]) -> list[Candidate]:
        size = self._space_size
        if size > ENUMERATION_LIMIT:
            raise RuntimeError(
                f"{MAX_REJECTED_DRAWS} random draws in a row returned known candidates, and the space of "
                f"{size} candidates is too large to enumerate (limit {ENUMERATION_LIMIT}); widen the space"
            )
        logger.debug("random draws keep repeating; enumerating the %d candidates of the space", size)
        unseen = []
        for genome in self.space.iter_genomes():
            candidate = self.space.decode(genome)
            if candidate.key() not in self._seen and candidate.key() not in exclude:
                unseen.append(candidate)
        chosen = self.rng.permutation(len(unseen))[:n]
        drawn = [unseen[int(index)] for index in chosen]
        for candidate in drawn:
            exclude[candidate.key()] = candidate
        return drawn

    def _check_objectives(self, candidate: Candidate, values: Any) -> np.ndarray:
        if not isinstance(candidate, Candidate):
            raise TypeError(f"results must be (Candidate, objectives) pairs; got {type(candidate).__name__}")
        vector = np.asarray(values, dtype=np.float64)
        if vector.ndim != 1 or vector.size == 0:
            raise ValueError(f"objectives of {candidate.key()[:12]} must be a non-empty 1-D vector; got shape {vector.shape}")
        if self.n_objectives is None:
            self.n_objectives = vector.size
        if vector.size != self.n_objectives:
            raise ValueError(
                f"objectives of {candidate.key()[:12]} have {vector.size} entries; earlier results had {self.n_objectives}"
            )
        if np.isnan(vector).any() or (vector == -np.inf).any():
            raise ValueError(
                f"objectives of {candidate.key()[:12]} are {vector.tolist()}; NaN and -inf are invalid "
                "(score a failed candidate with +inf or leave it out)"
            )
        return vector
