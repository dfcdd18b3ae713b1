"""Run a sweep: propose candidates, evaluate them (in parallel), store each result, observe.

Every finished candidate is written to the store before the next one is awaited, so a killed
sweep loses at most the candidates still being evaluated. Running the same config again
resumes it. Stored candidates are fed back to the strategy and never evaluated twice.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
import traceback
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait, FIRST_COMPLETED
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from imcnas.candidate import Candidate
from imcnas.config import OBJECTIVES, SweepConfig
from imcnas.hardware.config import ConfigError
from imcnas.evaluate import EvaluationSettings, evaluate_candidate

logger = logging.getLogger("imcnas.sweep")


@dataclass
class SweepSummary:
    run_id: int
    evaluated: int
    """Candidates evaluated by this call (resumed ones excluded)."""
    resumed: int
    """Finished candidates found in the store at start."""
    failed: int
    seconds: float


def objective_vector(metrics: dict[str, Any], objectives: Sequence[str]) -> np.ndarray:
    """Return the objectives of one result as a vector in which every entry is minimised."""
    values = []
    for name in objectives:
        value = float(metrics[name])
        values.append(-value if OBJECTIVES[name][0] == "max" else value)
    return np.asarray(values, dtype=np.float64)


# Each worker process loads the dataset once, in its initializer, and keeps it here.
_worker_dataset: Any = None


def _pin_threads() -> None:
    """Give torch and the C++ core one thread each, so parallel workers do not oversubscribe the cores."""
    import torch

    from imcnas import _core

    torch.set_num_threads(1)
    _core.set_num_threads(1)


def _init_worker(config: SweepConfig) -> None:
    global _worker_dataset

    _pin_threads()
    _worker_dataset = load_sweep_dataset(config)


def _evaluate_in_worker(candidate: Candidate, settings: EvaluationSettings) -> dict[str, Any]:
    return evaluate_candidate(candidate, _worker_dataset, settings)


def load_sweep_dataset(config: SweepConfig) -> Any:
    """Load the dataset a config names (raises imcnas.data's error for missing files)."""
    from imcnas.data import DataError, load_dataset

    root = config.data.root
    if root is not None:
        root = str((config.base_dir / root).resolve())
    try:
        return load_dataset(
            config.data.dataset,
            train_samples=config.data.train_samples,
            test_samples=config.data.test_samples,
            seed=config.run.seed,
            root=root,
        )
    except DataError as error:
        # Name the [data] table and the file, like every other config error.
        raise type(error)(f"{config.source}: [data] {error}") from None


def open_store(path: Any) -> Any:
    """Open (or create) the results store at ``path``; an unusable file raises OSError naming it."""
    import sqlite3

    from imcnas.store import ResultStore

    path = Path(path)
    if path.exists() and not path.is_file():
        raise FileExistsError(f"results store {path} is not a file; move it away or set run.output_dir")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create output folder {path.parent}: {error.strerror or error}") from None
    try:
        return ResultStore(path)
    except sqlite3.Error as error:
        access = "" if os.access(path.parent, os.W_OK) else " (the folder is not writable)"
        raise OSError(f"cannot open results store {path}{access}: {error}") from None


def check_networks_fit(space: Any, input_shape: Sequence[int], n_classes: int) -> None:
    """Raise ConfigError if a conv depth of ``space`` cannot run on inputs of ``input_shape``.

    Each conv layer halves the feature map, so for every conv depth the largest kernel in
    every layer is the case that fails first. Building that case once here replaces a
    failure in every evaluation.
    """
    from imcnas.candidate import NetworkSpec
    from imcnas.train import build_model

    network = space.choices.network
    if "cnn" not in network["kind"]:
        return
    kernel = max(network["kernel"])
    channels = min(network["channels"])
    hidden = (min(network["width"]),) * min(network["hidden_depth"])
    for depth in network["conv_depth"]:
        spec = NetworkSpec("cnn", channels=(channels,) * depth, kernels=(kernel,) * depth, hidden=hidden)
        n_layers = spec.n_weight_layers
        try:
            build_model(spec, input_shape, n_classes, (8,) * n_layers, (8,) * n_layers)
        except ValueError as error:
            shape = "x".join(str(size) for size in input_shape)
            raise ConfigError(
                f"space.network: conv_depth={depth} with kernel={kernel} does not fit the {shape} input "
                f"({error}); remove that conv_depth or kernel choice"
            ) from None


# Run settings that may change between a run and its resume; any other change would mix
# results of different experiments in one front.
_RESUMABLE_CHANGES = {("run", "evaluations"), ("run", "workers"), ("run", "output_dir")}


def check_resumable(stored: dict[str, Any], current: dict[str, Any], name: str, store_path: Any) -> None:
    """Raise ConfigError naming the first setting that differs between a stored run and this config."""
    current = json.loads(json.dumps(current))
    for table in sorted(set(stored) | set(current)):
        old_table, new_table = stored.get(table, {}), current.get(table, {})
        for key in sorted(set(old_table) | set(new_table)):
            if (table, key) in _RESUMABLE_CHANGES:
                continue
            old, new = old_table.get(key), new_table.get(key)
            if old != new:
                raise ConfigError(
                    f"run {name!r} in {store_path} was started with {table}.{key}={old!r}, this config has "
                    f"{new!r}; restore it to resume, or set a new run.name or run.output_dir"
                )


class _InlineExecutor(Executor):
    """Runs each submission at once in this process; used for ``workers = 1``."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self._function = function

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # the caller records it as a failed candidate
            future.set_exception(error)
        return future


def run_sweep(
    config: SweepConfig,
    *,
    dataset: Any = None,
    executor: Executor | None = None,
    progress: bool = True,
) -> SweepSummary:
    """Run (or resume) the sweep that ``config`` describes and return a summary.

    ``executor`` may be any :class:`concurrent.futures.Executor` (for example a Dask
    ``Client.get_executor()``); by default ``workers`` local processes are used. Results
    go to ``config.store_path``.
    """
    from imcnas.search import SearchSpace, make_strategy

    space = SearchSpace.from_dict(config.space)
    objectives = config.run.objectives
    settings = EvaluationSettings(train=config.train, evaluate=config.evaluate, seed=config.run.seed)
    strategy = make_strategy(config.run.strategy, space, seed=config.run.seed, population=config.run.population)
    if dataset is None:
        dataset = load_sweep_dataset(config)
    check_networks_fit(space, dataset.input_shape, dataset.n_classes)

    started = time.perf_counter()
    store = open_store(config.store_path)
    try:
        stored_run = store.run(config.run.name)
        if stored_run is None:
            run_id = store.begin_run(config.run.name, config.to_dict(), config.run.seed)
        else:
            check_resumable(stored_run.config, config.to_dict(), config.run.name, config.store_path)
            run_id = stored_run.id
        finished = store.records(run_id, status="ok")
        if finished:
            strategy.observe([(record.candidate, objective_vector(record.metrics, objectives)) for record in finished])
        done_keys = {record.key for record in store.records(run_id, status=None)}
        resumed = len(finished)
        logger.info(
            "run %s (id %d): %d stored, %d requested", config.run.name, run_id, len(done_keys), config.run.evaluations
        )

        owned_executor = None
        if executor is None:
            if config.run.workers == 1:
                # One evaluation at a time: torch stays on one thread (small models train
                # fastest that way) while the simulator's OpenMP loops keep every core.
                import torch

                torch.set_num_threads(1)
                _install_dataset(dataset)
                executor = _InlineExecutor(_evaluate_in_worker)
            else:
                context = multiprocessing.get_context("spawn")
                owned_executor = executor = ProcessPoolExecutor(
                    config.run.workers, mp_context=context, initializer=_init_worker, initargs=(config,)
                )
        try:
            evaluated, failed = _evaluation_loop(
                store, run_id, strategy, executor, settings, objectives, config.run.evaluations, done_keys,
                config.run.population, progress,
            )
        except BaseException:
            if owned_executor is not None:
                _terminate_workers(owned_executor)
            raise
        finally:
            if owned_executor is not None:
                owned_executor.shutdown(wait=True, cancel_futures=True)
    finally:
        store.close()
    return SweepSummary(run_id, evaluated, resumed, failed, time.perf_counter() - started)


def _terminate_workers(executor: ProcessPoolExecutor) -> None:
    """Stop worker processes at once; their unfinished candidates were never stored.

    NOTE: ProcessPoolExecutor has no public way to stop running tasks, so this reads its
    private ``_processes`` table (CPython 3.10-3.13); without it, shutdown waits for them.
    """
    for process in list(getattr(executor, "_processes", {}).values()):
        process.terminate()


def _install_dataset(dataset: Any) -> None:
    global _worker_dataset
    _worker_dataset = dataset


def _evaluation_loop(
    store: Any,
    run_id: int,
    strategy: Any,
    executor: Executor,
    settings: EvaluationSettings,
    objectives: Sequence[str],
    target: int,
    done_keys: set[str],
    population: int,
    progress: bool,
) -> tuple[int, int]:
    """Evaluate until the run contains ``target`` results; return (stored by this call, failed)."""
    from tqdm import tqdm

    from imcnas.store import DuplicateResultError

    counts = {"stored": 0, "failed": 0}
    initial = store.count(run_id, status=None)
    # disable=None lets tqdm hide the bar when stderr is not a terminal (a log file or pipe).
    bar = tqdm(
        total=max(target - initial, 0), desc="evaluating", unit="cand", disable=None if progress else True, leave=False
    )

    def record(future: Future, candidate: Candidate, observed: list) -> None:
        # Each result is committed here, as soon as its evaluation finishes.
        error = future.exception()
        try:
            if error is None:
                metrics = future.result()
                wall_time_s = sum(float(metrics.get(name, 0.0)) for name in ("train_s", "chip_s", "cost_s"))
                store.add(run_id, candidate, metrics, status="ok", wall_time_s=wall_time_s)
                observed.append((candidate, objective_vector(metrics, objectives)))
            else:
                text = "".join(traceback.format_exception_only(type(error), error)).strip()
                logger.warning("candidate %s failed: %s", candidate.key()[:12], text)
                store.add(run_id, candidate, None, status="failed", error=text)
                counts["failed"] += 1
            counts["stored"] += 1
            bar.update(1)
        except DuplicateResultError:
            # Another process sweeping the same run stored this candidate first.
            logger.info("candidate %s was stored by another process; keeping that result", candidate.key()[:12])
        done_keys.add(candidate.key())

    try:
        while (stored_total := store.count(run_id, status=None)) < target:
            proposals = [
                candidate
                for candidate in strategy.propose(min(population, target - stored_total))
                if candidate.key() not in done_keys and not store.has(run_id, candidate.key())
            ]
            if not proposals:
                logger.warning("strategy proposed no new candidates; stopping with %d results", stored_total)
                break
            observed: list = []
            futures: dict[Future, Candidate] = {}
            recorded: set[Future] = set()
            for candidate in proposals:
                future = executor.submit(_evaluate_in_worker, candidate, settings)
                futures[future] = candidate
                # The in-process executor finishes inside submit(): store that result now.
                if future.done():
                    record(future, candidate, observed)
                    recorded.add(future)
            pending = set(futures) - recorded
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    record(future, futures[future], observed)
            # Observe in proposal order, not completion order, so a seeded sweep gives the
            # same search trajectory with any number of workers.
            order = {candidate.key(): index for index, candidate in enumerate(proposals)}
            observed.sort(key=lambda item: order[item[0].key()])
            strategy.observe(observed)
    finally:
        bar.close()
    return counts["stored"], counts["failed"]


def default_workers() -> int:
    """Return the number of CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
