"""Search: the space of candidates, strategies that explore it, and multi-objective kernels."""

from imcnas.search.space import SearchSpace
from imcnas.search.strategies import NSGA2, STRATEGIES, RandomSearch, Strategy, make_strategy

__all__ = ["NSGA2", "STRATEGIES", "RandomSearch", "SearchSpace", "Strategy", "make_strategy"]
