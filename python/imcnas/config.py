"""Sweep configuration: the TOML file that drives ``imcnas search``.

A config has the tables ``[run]``, ``[data]``, ``[train]``, ``[evaluate]`` and ``[space]``.
Every key is checked here, before anything is trained or written, so a typo stops the run
with a one-line :class:`ConfigError` that names the key and the file.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from imcnas.hardware.config import ConfigError

OBJECTIVES = {
    # name: (sense, description). "max" objectives are negated before a strategy receives them.
    "accuracy": ("max", "test accuracy on the simulated chip at the first evaluation time"),
    "energy_pj": ("min", "energy per inference in pJ"),
    "latency_ns": ("min", "latency per inference in ns"),
    "area_mm2": ("min", "chip area in mm^2"),
    "edp": ("min", "energy-delay product in pJ*ns"),
}


@dataclass(frozen=True)
class RunSection:
    name: str = "search"
    """Run name; a second ``imcnas search`` with the same name and store resumes it."""
    output_dir: str = "runs/search"
    """Folder for results.sqlite, pareto.csv, evaluations.csv and pareto.png, relative to the config file."""
    seed: int = 0
    strategy: str = "nsga2"
    """Search strategy: ``random`` or ``nsga2``."""
    evaluations: int = 24
    """Total candidates to evaluate in this run (finished ones count on resume)."""
    population: int = 8
    """Candidates proposed per generation (NSGA-II population size)."""
    workers: int = 1
    """Worker processes evaluating candidates in parallel (each pins torch to one thread)."""
    objectives: tuple[str, ...] = ("accuracy", "energy_pj")


@dataclass(frozen=True)
class DataSection:
    dataset: str = "digits"
    """``digits`` (scikit-learn), ``fashion-mnist`` or ``mnist`` (idx files)."""
    root: str | None = None
    """Folder with the dataset files; ``None`` uses the dataset's default location."""
    train_samples: int | None = None
    test_samples: int | None = None


@dataclass(frozen=True)
class TrainSection:
    epochs: int = 3
    finetune_epochs: int = 1
    """Epochs of noise-aware fine-tuning after structured pruning."""
    batch_size: int = 128
    lr: float = 2e-3
    noise: bool = True
    """Inject device noise into the weights during training."""


@dataclass(frozen=True)
class EvaluateSection:
    times_s: tuple[float, ...] = (86400.0,)
    """Times after programming, in seconds, at which chip accuracy is measured; the first is the objective."""
    chips: int = 2
    """Programmed chip instances (Monte Carlo) averaged per time."""
    drift_compensation: bool = False
    """Apply global drift compensation from a calibration read."""


@dataclass(frozen=True)
class SweepConfig:
    run: RunSection = field(default_factory=RunSection)
    data: DataSection = field(default_factory=DataSection)
    train: TrainSection = field(default_factory=TrainSection)
    evaluate: EvaluateSection = field(default_factory=EvaluateSection)
    space: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<dict>"
    """Path of the TOML file the config was read from."""
    base_dir: Path = Path(".")
    """Folder that relative paths in the config are resolved against."""

    @property
    def output_dir(self) -> Path:
        return (self.base_dir / self.run.output_dir).resolve()

    @property
    def store_path(self) -> Path:
        return self.output_dir / "results.sqlite"

    def to_dict(self) -> dict[str, Any]:
        """Return the config as plain JSON-ready data (stored with the run)."""
        return {
            "run": dataclasses.asdict(self.run),
            "data": dataclasses.asdict(self.data),
            "train": dataclasses.asdict(self.train),
            "evaluate": dataclasses.asdict(self.evaluate),
            "space": dict(self.space),
        }


def _check_type(where: str, key: str, value: Any, expected: Any) -> Any:
    """Coerce ``value`` to the annotated type of a section field or raise ConfigError."""
    text = str(expected)
    if value is None and text.endswith("| None"):
        return None
    if text in ("int", "int | None"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}.{key} must be an integer, got {value!r}")
        return value
    if text == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"{where}.{key} must be a finite number, got {value!r}")
        return float(value)
    if text == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}.{key} must be true or false, got {value!r}")
        return value
    if text in ("str", "str | None"):
        if not isinstance(value, str):
            raise ConfigError(f"{where}.{key} must be a string, got {value!r}")
        return value
    if text.startswith("tuple"):
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{where}.{key} must be a non-empty list, got {value!r}")
        item_type = "float" if "float" in text else "str"
        return tuple(_check_type(where, key, item, item_type) for item in value)
    raise AssertionError(f"unhandled field type {text}")


def _build_section(cls: type, where: str, values: Any) -> Any:
    if not isinstance(values, Mapping):
        raise ConfigError(f"[{where}] must be a table, got {values!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r} in [{where}]; valid keys are {', '.join(sorted(fields))}"
        )
    checked = {key: _check_type(where, key, value, fields[key].type) for key, value in values.items()}
    return cls(**checked)


STRATEGIES = ("random", "nsga2")


def _validate(config: SweepConfig) -> None:
    run = config.run
    if not run.name.strip():
        raise ConfigError("run.name must be a non-empty string")
    if not run.output_dir.strip():
        raise ConfigError("run.output_dir must be a non-empty path; use \".\" for the config file's folder")
    if run.seed < 0:
        raise ConfigError(f"run.seed must be a non-negative integer, got {run.seed}")
    if run.strategy not in STRATEGIES:
        raise ConfigError(f"run.strategy must be one of {', '.join(STRATEGIES)}; got {run.strategy!r}")
    if run.evaluations < 1:
        raise ConfigError(f"run.evaluations must be >= 1, got {run.evaluations}")
    if run.population < 2:
        raise ConfigError(f"run.population must be >= 2, got {run.population}")
    if run.workers < 1:
        raise ConfigError(f"run.workers must be >= 1, got {run.workers}")
    for name in run.objectives:
        if name not in OBJECTIVES:
            raise ConfigError(f"unknown objective {name!r} in run.objectives; valid: {', '.join(OBJECTIVES)}")
    if len(set(run.objectives)) != len(run.objectives) or len(run.objectives) < 2:
        raise ConfigError(f"run.objectives needs at least two distinct names, got {list(run.objectives)}")

    for key in ("train_samples", "test_samples"):
        value = getattr(config.data, key)
        if value is not None and value < 10:
            raise ConfigError(f"data.{key} must be >= 10 or left out for the whole split, got {value}")

    train = config.train
    if train.epochs < 1 or train.finetune_epochs < 0 or train.batch_size < 1:
        raise ConfigError(
            f"train needs epochs >= 1, finetune_epochs >= 0 and batch_size >= 1; got epochs={train.epochs}, "
            f"finetune_epochs={train.finetune_epochs}, batch_size={train.batch_size}"
        )
    if not train.lr > 0:
        raise ConfigError(f"train.lr must be > 0, got {train.lr}")

    evaluate = config.evaluate
    if evaluate.chips < 1:
        raise ConfigError(f"evaluate.chips must be >= 1, got {evaluate.chips}")
    for value in evaluate.times_s:
        if not value > 0:
            raise ConfigError(f"evaluate.times_s entries must be > 0 seconds, got {value}")
    if len(set(evaluate.times_s)) != len(evaluate.times_s):
        raise ConfigError(f"evaluate.times_s lists a time twice: {list(evaluate.times_s)}; list each time once")


def config_from_dict(values: Mapping[str, Any], *, source: str = "<dict>", base_dir: Path = Path(".")) -> SweepConfig:
    """Build and validate a :class:`SweepConfig` from parsed TOML data."""
    sections = {"run": RunSection, "data": DataSection, "train": TrainSection, "evaluate": EvaluateSection}
    unknown = sorted(set(values) - set(sections) - {"space"})
    if unknown:
        raise ConfigError(
            f"unknown table [{unknown[0]}] in {source}; valid tables are "
            f"{', '.join(sorted([*sections, 'space']))}"
        )
    built = {name: _build_section(cls, name, values.get(name, {})) for name, cls in sections.items()}
    space = values.get("space", {})
    if not isinstance(space, Mapping):
        raise ConfigError(f"[space] must be a table, got {space!r}")
    # The search space checks its own keys; doing it here makes every config error name the file.
    from imcnas.search import SearchSpace

    SearchSpace.from_dict(space)
    config = SweepConfig(**built, space=space, source=source, base_dir=base_dir)
    _validate(config)
    return config


def load_config(path: str | Path) -> SweepConfig:
    """Read and validate a sweep config from a TOML file.

    Raises ConfigError for a missing or unreadable file, invalid TOML, an unknown key or a bad value.
    """
    path = Path(path)
    try:
        # utf-8-sig drops a byte-order mark, which some editors write and TOML rejects.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML in {path}: {error}") from None
    try:
        return config_from_dict(values, source=str(path), base_dir=path.resolve().parent)
    except ConfigError as error:
        message = str(error).replace(f" in {path}", "")
        raise ConfigError(f"{path}: {message}") from None
