"""Search space: config parsing, genome encoding, repair, operators and counting."""

import itertools
import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imcnas.candidate import Candidate, NetworkSpec
from imcnas.hardware.config import ConfigError, HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS
from imcnas.search import SearchSpace
from imcnas.search.choices import COUPLED_HARDWARE_KEYS, hardware_config_from_genes

EXAMPLE_TOML = """
[space.network]
kind = ["mlp"]
depth = [1, 2, 3]
width = [32, 64, 128, 256]
[space.compression]
w_bits = [4, 6, 8]
in_bits = [8]
prune = [0.0, 0.25, 0.5]
[space.hardware]
xbar_size = [64, 128, 256]
adc_bits = [4, 6, 8]
dac_bits = [1, 2]
cell_bits = [1, 2, 4]
cols_per_adc = [8]
device = ["rram"]
adc_mode = ["full_range"]
"""

# Both kinds, depth 0, and coupled hardware choices where some combinations are invalid:
# adc_bits = 1 needs per_column conversion, cols_per_adc = 8 needs 8 or more columns.
SMALL = {
    "network": {"kind": ["mlp", "cnn"], "depth": [0, 1, 2], "width": [4, 8], "conv_depth": [1],
                "hidden_depth": [0, 1], "channels": [2], "kernel": [3]},
    "compression": {"w_bits": [4, 8], "in_bits": [8], "prune": [0.0]},
    "hardware": {"xbar_size": [4, 8], "cols_per_adc": [4, 8], "adc_bits": [1, 2],
                 "adc_conversion": ["difference", "per_column"], "cell_bits": [1], "dac_bits": [1]},
}


@pytest.fixture(scope="module")
def small_space():
    return SearchSpace.from_dict(SMALL)


def test_example_toml_size_closed_form():
    space = SearchSpace.from_dict(tomllib.loads(EXAMPLE_TOML)["space"])

    # mlp with d hidden layers: 4^d widths, (3 w_bits * 1 in_bits)^(d+1), 3^d prune ratios.
    networks = sum(4**d * 3 ** (d + 1) * 3**d for d in (1, 2, 3))
    # 3 crossbar sizes x 3 ADC x 2 DAC x 3 cell widths, all valid together.
    assert space.size() == networks * 3 * 3 * 2 * 3


def test_defaults_equal_the_example():
    assert SearchSpace.from_dict({}).size() == SearchSpace.from_dict(tomllib.loads(EXAMPLE_TOML)["space"]).size()


def test_small_space_enumerates_each_candidate_once(small_space):
    genomes = list(small_space.iter_genomes())
    keys = {small_space.decode(genome).key() for genome in genomes}

    # mlp with d hidden layers: 2^d widths and 2^(d+1) w_bits; cnn with one conv layer and
    # h hidden layers: 2^h widths and 2^(h+2) w_bits.
    mlp = sum(2**d * 2 ** (d + 1) for d in (0, 1, 2))
    cnn = sum(2**h * 2 ** (h + 2) for h in (0, 1))
    # Valid (xbar, cols_per_adc): (4,4) (8,4) (8,8); valid (adc_bits, conversion): 3 of 4.
    assert small_space.size() == (mlp + cnn) * 3 * 3
    assert len(genomes) == small_space.size()
    assert len(keys) == small_space.size()


def test_encode_inverts_decode_on_every_genome(small_space):
    for genome in small_space.iter_genomes():
        candidate = small_space.decode(genome)
        np.testing.assert_array_equal(small_space.encode(candidate), genome)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_repair_gives_canonical_valid_genome(data):
    space = SearchSpace.from_dict(SMALL)
    genome = np.array([data.draw(st.integers(0, int(n) - 1)) for n in space.n_choices])

    repaired = space.repair(genome)
    candidate = space.decode(repaired)

    np.testing.assert_array_equal(space.encode(candidate), repaired)
    np.testing.assert_array_equal(space.canonical(repaired), repaired)
    np.testing.assert_array_equal(space.repair(repaired), repaired)


def test_repair_changes_one_gene_to_nearest_valid(small_space):
    names = small_space.gene_names
    genome = next(iter(small_space.iter_genomes())).copy()
    adc = names.index("hardware.adc_bits")
    conversion = names.index("hardware.adc_conversion")
    genome[adc] = 0  # adc_bits = 1
    genome[conversion] = 0  # difference

    repaired = small_space.repair(genome)

    # Raising adc_bits to 2 and switching to per_column both change one gene by one index;
    # the first valid combination in enumeration order wins.
    assert (repaired[adc], repaired[conversion]) == (0, 1)
    assert small_space.decode(repaired).hardware.adc_conversion == "per_column"


def test_repair_fixes_cols_per_adc_above_columns(small_space):
    names = small_space.gene_names
    genome = next(iter(small_space.iter_genomes())).copy()
    genome[names.index("hardware.xbar_size")] = 0  # 4x4
    genome[names.index("hardware.cols_per_adc")] = 1  # 8

    hardware = small_space.decode(small_space.repair(genome)).hardware

    assert hardware.cols_per_adc <= hardware.xbar_cols


def test_decode_rejects_invalid_hardware(small_space):
    names = small_space.gene_names
    genome = next(iter(small_space.iter_genomes())).copy()
    genome[names.index("hardware.adc_bits")] = 0
    genome[names.index("hardware.adc_conversion")] = 0

    with pytest.raises(ConfigError, match=r"invalid hardware combination .* call repair\(\) first"):
        small_space.decode(genome)


def test_decode_rejects_out_of_range_genome(small_space):
    genome = np.zeros(small_space.genome_length, dtype=np.int64)
    genome[0] = 5

    with pytest.raises(ValueError, match=r"genome value 5 for gene network.kind is outside \[0, 1\]"):
        small_space.decode(genome)
    with pytest.raises(ValueError, match="1-D integer array of length"):
        small_space.decode(np.zeros(3))


def test_encode_rejects_candidate_outside_space(small_space):
    candidate = Candidate(NetworkSpec(hidden=(16,)), w_bits=(4, 4), in_bits=(8, 8), prune=(0.0, 0.0),
                          hardware=HardwareConfig(xbar_rows=8, xbar_cols=8, cell_bits=1, adc_bits=2))

    with pytest.raises(ConfigError, match=r"16 is not a choice of network.width \[4, 8\]"):
        small_space.encode(candidate)


def test_inactive_slots_are_canonicalised(small_space):
    genome = next(g for g in small_space.iter_genomes() if small_space.decode(g).network.hidden == ())
    width = small_space.gene_names.index("network.width[0]")
    other = genome.copy()
    other[width] = 1

    assert small_space.decode(other) == small_space.decode(genome)
    np.testing.assert_array_equal(small_space.canonical(other), genome)


def test_sample_is_reproducible(small_space):
    first = [small_space.sample(np.random.default_rng(3)).key() for _ in range(3)]
    second = [small_space.sample(np.random.default_rng(3)).key() for _ in range(3)]

    assert first == second


def test_sample_covers_small_space():
    space = SearchSpace.from_dict({**SMALL, "network": {**SMALL["network"], "depth": [0, 1]}})
    rng = np.random.default_rng(0)

    # The rarest candidates (cnn with a hidden layer) have probability 1/576 per draw.
    keys = {space.sample(rng).key() for _ in range(6000)}

    assert len(keys) == space.size()


def test_mutate_rate_zero_keeps_candidate(small_space):
    rng = np.random.default_rng(1)
    candidate = small_space.sample(rng)

    assert small_space.mutate(candidate, rng, rate=0.0) == candidate


def test_mutate_rate_one_changes_every_active_gene():
    space = SearchSpace.from_dict({"network": {"depth": [2], "width": [8, 16, 32]},
                                   "compression": {"w_bits": [4, 8], "prune": [0.0, 0.5]}})
    rng = np.random.default_rng(2)
    genome = space.sample_genome(rng)

    mutated = space.mutate_genome(genome, rng, rate=1.0)

    mutable = space.active_mask(genome) & (space.n_choices > 1)
    assert (mutated[mutable] != genome[mutable]).all()
    assert (mutated[~mutable] == genome[~mutable]).all()


def test_mutate_rejects_bad_rate(small_space):
    with pytest.raises(ValueError, match=r"mutation rate must be in \[0, 1\]; got 1.5"):
        small_space.mutate_genome(next(iter(small_space.iter_genomes())), np.random.default_rng(0), rate=1.5)


def test_crossover_children_take_complementary_genes():
    space = SearchSpace.from_dict({"network": {"depth": [2], "width": [8, 16, 32, 64]},
                                   "compression": {"w_bits": [2, 4, 6, 8]}})
    rng = np.random.default_rng(4)
    first, second = space.sample_genome(rng), space.sample_genome(rng)

    child_a, child_b = space.crossover_genomes(first, second, rng)

    # With one structure and no invalid hardware, repair changes nothing.
    assert ((child_a == first) | (child_a == second)).all()
    assert (np.where(child_a == first, child_b == second, child_b == first)).all()
    assert space.decode(child_a) is not None


def test_crossover_of_candidates_returns_two_valid_children(small_space):
    rng = np.random.default_rng(5)
    for _ in range(50):
        child_a, child_b = small_space.crossover(small_space.sample(rng), small_space.sample(rng), rng)
        small_space.encode(child_a)
        small_space.encode(child_b)


def test_hardware_groups_match_full_product():
    hardware = {
        "xbar_rows": [4, 8], "xbar_cols": [4, 8, 16], "cell_bits": [1, 2], "dac_bits": [1, 2],
        "adc_bits": [1, 2, 3], "adc_mode": ["full_range", "granular"],
        "adc_conversion": ["difference", "per_column"], "cols_per_adc": [4, 8, 16],
        "weight_mapping": ["differential"], "device": ["rram", "sram"],
    }
    space = SearchSpace.from_dict({"network": {"depth": [0]}, "compression": {"w_bits": [8]}, "hardware": hardware})

    valid = 0
    for values in itertools.product(*hardware.values()):
        try:
            hardware_config_from_genes(dict(zip(hardware, values)))
        except ConfigError:
            continue
        valid += 1

    assert {key for group in COUPLED_HARDWARE_KEYS for key in group} <= set(hardware) | {"xbar_size"}
    assert space.size() == valid


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"netwrok": {}}, r"unknown table \[space.netwrok\]"),
        ({"network": {"widht": [8]}}, "unknown key space.network.widht; valid keys are"),
        ({"hardware": {"adc": [8]}}, "unknown key space.hardware.adc"),
        ({"network": {"kind": ["rnn"]}}, "space.network.kind choice 'rnn' is invalid"),
        ({"network": {"width": []}}, "space.network.width is an empty list"),
        ({"network": {"width": [8, 8]}}, "lists the choice 8 twice"),
        ({"network": {"width": [8.5]}}, r"space.network.width choices must be positive integers; got 8.5"),
        ({"network": {"depth": [-1]}}, r"space.network.depth choices must be integers in \[0, 64\]; got -1"),
        ({"network": {"conv_depth": [0]}}, r"conv_depth choices must be integers in \[1, 64\]"),
        ({"compression": {"w_bits": [1]}}, "space.compression.w_bits choice 1 is invalid"),
        ({"compression": {"prune": [0.95]}}, "space.compression.prune choice 0.95 is invalid"),
        ({"compression": {"prune": ["half"]}}, "prune choices must be numbers"),
        ({"hardware": {"adc_bits": [30]}}, r"space.hardware.adc_bits choice 30 is invalid: adc_bits must be in \[1, 24\]"),
        ({"hardware": {"xbar_size": [7]}}, "space.hardware.xbar_size choice 7 is invalid: xbar_cols=7 must be even"),
        ({"hardware": {"xbar_size": [64], "xbar_rows": [64]}}, "xbar_size together with xbar_rows"),
        ({"hardware": {"adc_bits": [1]}},
         r"adc_bits choice 1 gives no valid hardware config with adc_conversion='difference'.*adc_bits >= 2"),
        ({"hardware": {"device": ["unobtainium"]}}, "device choice 'unobtainium'"),
        ({"hardware": {"adc_bits": [[8]]}}, "choices must be numbers or strings"),
        ({"network": "mlp"}, "space.network must be a table"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_from_dict_rejects_bad_config(space, message):
    with pytest.raises(ConfigError, match=message):
        SearchSpace.from_dict(space)


@pytest.mark.parametrize(
    ("hardware", "message"),
    [
        ({"adc_mode": ["fast"]}, r"space.hardware.adc_mode choice 'fast' is invalid: adc_mode must be one of"),
        ({"adc_conversion": ["both"]}, r"space.hardware.adc_conversion choice 'both' is invalid"),
        ({"weight_mapping": ["single"]}, r"space.hardware.weight_mapping choice 'single' is invalid"),
        ({"device": ["flash"]}, r"space.hardware.device choice 'flash' is invalid"),
        ({"cols_per_adc": [0]}, r"space.hardware.cols_per_adc choice 0 is invalid: cols_per_adc must be in \[1, 4096\]"),
        ({"cols_per_adc": [5000]}, r"space.hardware.cols_per_adc choice 5000 is invalid"),
        ({"cols_per_adc": [8.0]}, r"space.hardware.cols_per_adc choice 8.0 is invalid: cols_per_adc must be an integer"),
        ({"xbar_cols": [63]}, r"space.hardware.xbar_cols choice 63 is invalid: xbar_cols=63 must be even"),
        ({"xbar_rows": [0]}, r"space.hardware.xbar_rows choice 0 is invalid: xbar_rows must be in \[1, 4096\]"),
        ({"xbar_size": [8192]}, r"space.hardware.xbar_size choice 8192 is invalid"),
        ({"cell_bits": [True]}, r"space.hardware.cell_bits choice True is invalid: cell_bits must be an integer"),
        ({"cell_bits": [9]}, r"space.hardware.cell_bits choice 9 is invalid"),
        ({"dac_bits": [0]}, r"space.hardware.dac_bits choice 0 is invalid"),
        ({"adc_bits": [4, "8"]}, r"space.hardware.adc_bits choice '8' is invalid"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_hardware_choice_error_names_its_key(hardware, message):
    with pytest.raises(ConfigError, match=message):
        SearchSpace.from_dict({"hardware": hardware})


@pytest.mark.parametrize(
    ("hardware", "message"),
    [
        ({"cols_per_adc": [128]},
         r"space.hardware.xbar_size choice 64 gives no valid hardware config with cols_per_adc=128: "
         r"cols_per_adc must be in \[1, 64\], got 128; remove 64 from space.hardware.xbar_size or change cols_per_adc$"),
        ({"xbar_rows": [8, 16], "xbar_cols": [8], "cols_per_adc": [4, 16]},
         r"space.hardware.cols_per_adc choice 16 gives no valid hardware config with xbar_cols=8: .*or change xbar_cols$"),
        ({"adc_bits": [1, 8], "adc_conversion": ["difference"], "adc_mode": ["full_range", "granular"]},
         r"adc_bits choice 1 gives no valid hardware config with adc_conversion='difference': .*change adc_conversion$"),
    ],
    ids=["cols-per-adc-over-size", "cols-per-adc-over-cols", "adc-bits-with-difference"],
)
def test_coupled_error_names_blocking_key(hardware, message):
    with pytest.raises(ConfigError, match=message):
        SearchSpace.from_dict({"hardware": hardware})


@pytest.mark.parametrize("cell_bits", [[2, 4], [1, 2, 4], 2])
def test_sram_only_space_rejects_multibit_cells(cell_bits):
    with pytest.raises(
        ConfigError,
        match=r"space.hardware.cell_bits choice 2 gives no valid hardware config with device='sram': "
        r"cell_bits=2 is not supported by device='sram'.*change device$",
    ):
        SearchSpace.from_dict({"hardware": {"device": ["sram"], "cell_bits": cell_bits}})


MIXED_DEVICES = {
    "network": {"depth": [1], "width": [8]},
    "compression": {"w_bits": [4], "in_bits": [8], "prune": [0.0]},
    "hardware": {"xbar_size": [64], "dac_bits": [1], "adc_bits": [8], "cell_bits": [1, 2, 4],
                 "device": ["rram", "sram"]},
}


def test_mixed_device_space_counts_valid_pairs():
    space = SearchSpace.from_dict(MIXED_DEVICES)
    pairs = {(c.hardware.device, c.hardware.cell_bits) for c in map(space.decode, space.iter_genomes())}

    assert space.size() == 4
    assert pairs == {("rram", 1), ("rram", 2), ("rram", 4), ("sram", 1)}


def test_mixed_device_space_repairs_multibit_sram():
    space = SearchSpace.from_dict(MIXED_DEVICES)
    names = space.gene_names
    genome = next(iter(space.iter_genomes())).copy()
    cell_bits, device = names.index("hardware.cell_bits"), names.index("hardware.device")
    genome[cell_bits] = 2  # 4 bits
    genome[device] = 1  # sram

    with pytest.raises(ConfigError, match="invalid hardware combination.*device='sram'"):
        space.decode(genome)
    hardware = space.decode(space.repair(genome)).hardware

    # One gene changes: cell_bits 4 -> 1 and device sram -> rram tie on changed genes, and
    # device moves one index while cell_bits moves two, so the device changes.
    assert (hardware.device, hardware.cell_bits) == ("rram", 4)


def test_mixed_device_space_samples_only_valid_pairs():
    space = SearchSpace.from_dict(MIXED_DEVICES)
    rng = np.random.default_rng(7)
    for _ in range(50):
        candidate = space.sample(rng)
        assert DEVICE_PRESETS[candidate.hardware.device].supports_cell_bits(candidate.hardware.cell_bits)
        mutated = space.mutate(candidate, rng, rate=1.0)
        assert DEVICE_PRESETS[mutated.hardware.device].supports_cell_bits(mutated.hardware.cell_bits)


def test_from_dict_accepts_single_values_and_rows_cols():
    space = SearchSpace.from_dict({"network": {"kind": "cnn"}, "hardware": {"xbar_rows": [32], "xbar_cols": 64}})
    candidate = space.sample(np.random.default_rng(0))

    assert candidate.network.kind == "cnn"
    assert (candidate.hardware.xbar_rows, candidate.hardware.xbar_cols) == (32, 64)
