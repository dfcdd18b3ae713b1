"""Search strategies: reproducibility, no repeats, exhaustion, NSGA-II survival against pymoo."""

import logging

import numpy as np
import pytest

from imcnas.candidate import Candidate, NetworkSpec
from imcnas.hardware.config import ConfigError
from imcnas.search import NSGA2, RandomSearch, SearchSpace, make_strategy
from imcnas.search.kernels import pareto_mask
from imcnas.search.strategies.nsga2 import select_survivors

TINY = {
    "network": {"kind": ["mlp"], "depth": [0, 1], "width": [4, 8]},
    "compression": {"w_bits": [4, 8], "in_bits": [8], "prune": [0.0]},
    "hardware": {"xbar_size": [8], "adc_bits": [1, 2], "adc_conversion": ["difference", "per_column"],
                 "cell_bits": [1], "dac_bits": [1]},
}

MEDIUM = {
    "network": {"kind": ["mlp"], "depth": [1, 2], "width": [8, 16, 32, 64]},
    "compression": {"w_bits": [2, 4, 6, 8], "prune": [0.0, 0.5]},
    "hardware": {"xbar_size": [32, 64], "adc_bits": [2, 4, 6, 8], "cell_bits": [1, 2], "dac_bits": [1]},
}


@pytest.fixture(scope="module")
def tiny_space():
    return SearchSpace.from_dict(TINY)


@pytest.fixture(scope="module")
def medium_space():
    return SearchSpace.from_dict(MEDIUM)


def toy_objectives(candidate):
    """Two conflicting objectives: a capacity proxy to maximise and a cost proxy to minimise."""
    capacity = sum(candidate.network.hidden) * np.mean(candidate.w_bits) * (1 - np.mean(candidate.prune))
    cost = capacity * candidate.hardware.adc_bits / candidate.hardware.xbar_rows
    return np.array([-np.log1p(capacity) + 0.05 * candidate.hardware.cell_bits, cost])


def run(strategy, generations, batch):
    proposed = []
    for _ in range(generations):
        batch_candidates = strategy.propose(batch)
        proposed += batch_candidates
        strategy.observe([(candidate, toy_objectives(candidate)) for candidate in batch_candidates])
    return proposed


def test_tiny_space_size(tiny_space):
    # depth 0: 2 classifier w_bits; depth 1: 2 widths x 4 w_bits; times 3 valid ADC settings.
    assert tiny_space.size() == (2 + 8) * 3


@pytest.mark.parametrize("name", ["random", "nsga2"])
def test_strategy_is_reproducible(medium_space, name):
    first = run(make_strategy(name, medium_space, seed=7, population=8), generations=4, batch=8)
    second = run(make_strategy(name, medium_space, seed=7, population=8), generations=4, batch=8)
    other = run(make_strategy(name, medium_space, seed=8, population=8), generations=4, batch=8)

    assert [c.key() for c in first] == [c.key() for c in second]
    assert [c.key() for c in first] != [c.key() for c in other]


@pytest.mark.parametrize("name", ["random", "nsga2"])
def test_strategy_never_repeats_a_key(medium_space, name):
    proposed = run(make_strategy(name, medium_space, seed=1, population=6), generations=12, batch=6)

    keys = [candidate.key() for candidate in proposed]
    assert len(keys) == 72
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("name", ["random", "nsga2"])
def test_strategy_exhausts_tiny_space(tiny_space, name, caplog):
    strategy = make_strategy(name, tiny_space, seed=0, population=4)

    with caplog.at_level(logging.INFO, logger="imcnas.search"):
        proposed = run(strategy, generations=10, batch=4)
    after = strategy.propose(4)

    assert len({candidate.key() for candidate in proposed}) == len(proposed) == tiny_space.size()
    assert after == []
    assert strategy.exhausted
    assert "search space exhausted" in caplog.text


@pytest.mark.parametrize("name", ["random", "nsga2"])
def test_hot_start_skips_observed(medium_space, name):
    earlier = run(RandomSearch(medium_space, seed=3), generations=3, batch=10)
    strategy = make_strategy(name, medium_space, seed=3, population=10)

    strategy.observe([(candidate, toy_objectives(candidate)) for candidate in earlier])
    proposed = strategy.propose(30)

    assert strategy.n_seen == 60
    assert not {c.key() for c in proposed} & {c.key() for c in earlier}


def test_nsga2_hot_start_fills_population(medium_space):
    earlier = run(RandomSearch(medium_space, seed=4), generations=2, batch=10)
    strategy = NSGA2(medium_space, seed=4, population=8)

    strategy.observe([(candidate, toy_objectives(candidate)) for candidate in earlier])

    assert len(strategy.members) == 8


def test_nsga2_population_keeps_the_pareto_front(medium_space):
    strategy = NSGA2(medium_space, seed=5, population=12)
    observed = []

    for _ in range(8):
        batch = strategy.propose(12)
        results = [(candidate, toy_objectives(candidate)) for candidate in batch]
        strategy.observe(results)
        observed += results

        F = np.array([values for _, values in observed])
        front_keys = {observed[i][0].key() for i in np.flatnonzero(pareto_mask(F))}
        member_keys = {member.candidate.key() for member in strategy.members}
        # Elitism: the front of everything seen survives while it fits in the population.
        if len(front_keys) <= strategy.population:
            assert front_keys <= member_keys
        assert len(strategy.members) == min(len(observed), 12)


def test_nsga2_improves_on_random(medium_space):
    from imcnas.search.kernels import hypervolume_2d

    ref = [1.0, 400.0]
    volumes = {}
    for name in ("random", "nsga2"):
        proposed = run(make_strategy(name, medium_space, seed=11, population=10), generations=10, batch=10)
        volumes[name] = hypervolume_2d(np.array([toy_objectives(c) for c in proposed]), ref)

    assert volumes["nsga2"] > volumes["random"]


def test_select_survivors_matches_pymoo():
    from pymoo.core.population import Population
    from pymoo.core.problem import Problem
    from pymoo.operators.survival.rank_and_crowding import RankAndCrowding

    rng = np.random.default_rng(6)
    for n_points, n_objectives, n_survivors in [(40, 2, 20), (60, 3, 25), (30, 2, 29)]:
        F = rng.random((n_points, n_objectives))

        ours = select_survivors(F, n_survivors)
        theirs = RankAndCrowding().do(Problem(n_var=1, n_obj=n_objectives), Population.new(F=F), n_survive=n_survivors).get("F")

        # Continuous random data has no crowding ties, so both pick the same set.
        assert len(ours) == n_survivors
        assert {tuple(row) for row in F[ours]} == {tuple(row) for row in theirs}


def test_nsga2_excludes_failed_candidates(medium_space):
    strategy = NSGA2(medium_space, seed=2, population=4)
    batch = strategy.propose(6)

    strategy.observe([(c, np.array([np.inf, np.inf]) if i % 2 else toy_objectives(c)) for i, c in enumerate(batch)])

    assert len(strategy.members) == 3
    assert all(np.isfinite(member.objectives).all() for member in strategy.members)


def test_observe_rejects_nan_and_mixed_lengths(medium_space):
    strategy = RandomSearch(medium_space, seed=0)
    first, second = strategy.propose(2)

    with pytest.raises(ValueError, match="NaN and -inf are invalid"):
        strategy.observe([(first, [0.5, np.nan])])
    strategy.observe([(first, [0.5, 1.0])])
    with pytest.raises(ValueError, match="have 3 entries; earlier results had 2"):
        strategy.observe([(second, [0.5, 1.0, 2.0])])


def test_observe_outside_space_counts_as_seen_only(tiny_space):
    strategy = RandomSearch(tiny_space, seed=0)
    outsider = Candidate(NetworkSpec(hidden=(128,)), w_bits=(8, 8), in_bits=(8, 8), prune=(0.0, 0.0))

    strategy.observe([(outsider, [0.0, 0.0])])
    proposed = strategy.propose(100)

    assert strategy.is_seen(outsider)
    assert len(proposed) == tiny_space.size()


def test_worker_seeds_follow_spawn(medium_space):
    strategy = RandomSearch(medium_space, seed=42)
    expected = np.random.SeedSequence(42).spawn(2)[1].spawn(3)

    for worker in range(3):
        assert strategy.worker_seed(worker).generate_state(4).tolist() == expected[worker].generate_state(4).tolist()
    assert strategy.worker_seed(0).generate_state(4).tolist() != strategy.worker_seed(1).generate_state(4).tolist()


def test_make_strategy_rejects_unknown_name_and_option(medium_space):
    with pytest.raises(ConfigError, match="unknown search strategy 'grid'; valid strategies are nsga2, random"):
        make_strategy("grid", medium_space, seed=0)
    with pytest.raises(ConfigError, match="unknown option 'pop' for strategy 'nsga2'; valid options are"):
        make_strategy("nsga2", medium_space, seed=0, pop=10)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"population": 1}, "population must be an integer >= 2"),
     ({"crossover_rate": 1.5}, r"crossover_rate must be in \[0, 1\]"),
     ({"mutation_rate": -0.1}, r"mutation_rate must be in \[0, 1\]")],
)
def test_nsga2_rejects_bad_options(medium_space, options, message):
    with pytest.raises(ValueError, match=message):
        NSGA2(medium_space, seed=0, **options)


def test_strategy_rejects_bad_seed_and_count(medium_space):
    with pytest.raises(ValueError, match="seed must be a non-negative integer; got -1"):
        RandomSearch(medium_space, seed=-1)
    with pytest.raises(ValueError, match="n must be a non-negative integer; got -2"):
        RandomSearch(medium_space, seed=0).propose(-2)
