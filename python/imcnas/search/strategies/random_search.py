"""Random search: independent draws from the space, without repeats."""

from __future__ import annotations

import numpy as np

from imcnas.candidate import Candidate
from imcnas.search.space import SearchSpace
from imcnas.search.strategies.base import Strategy


class RandomSearch(Strategy):
    """Propose candidates drawn with :meth:`SearchSpace.sample`, skipping seen keys.

    ``population`` is accepted so that one set of options fits every strategy; random
    search draws each candidate on its own and does not use it.
    """

    name = "random"

    def __init__(self, space: SearchSpace, *, seed: int, population: int | None = None) -> None:
        super().__init__(space, seed=seed)
        self.population = population

    def _propose(self, n: int) -> list[Candidate]:
        return self.draw_unseen(n)

    def _observe(self, results: list[tuple[Candidate, np.ndarray | None, np.ndarray]]) -> None:
        # Results only matter for the record of seen keys, which the base class keeps.
        pass
