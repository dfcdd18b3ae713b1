"""Search strategies behind one interface (:class:`Strategy`: propose / observe)."""

from __future__ import annotations

import inspect
from typing import Any

from imcnas.hardware.config import ConfigError
from imcnas.search.space import SearchSpace
from imcnas.search.strategies.base import Strategy
from imcnas.search.strategies.nsga2 import NSGA2
from imcnas.search.strategies.random_search import RandomSearch

STRATEGIES: dict[str, type[Strategy]] = {cls.name: cls for cls in (RandomSearch, NSGA2)}
"""Strategy classes by the name a config uses."""


def make_strategy(name: str, space: SearchSpace, seed: int, **options: Any) -> Strategy:
    """Build the strategy called ``name`` (see :data:`STRATEGIES`) with its ``options``.

    An unknown name or option raises ConfigError listing the valid ones.
    """
    if name not in STRATEGIES:
        raise ConfigError(f"unknown search strategy {name!r}; valid strategies are {', '.join(sorted(STRATEGIES))}")
    cls = STRATEGIES[name]
    parameters = inspect.signature(cls.__init__).parameters
    valid = sorted(key for key, parameter in parameters.items()
                   if parameter.kind is inspect.Parameter.KEYWORD_ONLY and key != "seed")
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ConfigError(f"unknown option {unknown[0]!r} for strategy {name!r}; valid options are {', '.join(valid)}")
    return cls(space, seed=seed, **options)


__all__ = ["NSGA2", "STRATEGIES", "RandomSearch", "Strategy", "make_strategy"]
