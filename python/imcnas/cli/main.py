"""The ``imcnas`` command line: run, resume and report sweeps from a TOML config."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Sequence

logger = logging.getLogger("imcnas.cli")


def _add_sweep_arguments(command: argparse.ArgumentParser, config_help: str) -> None:
    command.add_argument("config", type=Path, help=config_help)
    command.add_argument("--evaluations", type=int, help="override run.evaluations (total candidates)")
    command.add_argument("--workers", type=int, help="override run.workers (parallel processes)")
    command.add_argument("--output-dir", help="override run.output_dir (relative to the current folder)")
    command.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imcnas",
        description="Hardware-aware neural architecture search for analog in-memory-computing chips.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    parser.add_argument("--version", action="version", version=f"imcnas {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    search = commands.add_parser(
        "search",
        help="run a sweep from a TOML config (resumes a stored run of the same name)",
        description="Run a sweep and print its Pareto front; results go to the run's output_dir.",
    )
    _add_sweep_arguments(search, "sweep config (TOML), see examples/")

    resume = commands.add_parser(
        "resume",
        help="continue a stored sweep (an error if the run is not in the store)",
        description="Continue a stored sweep; only evaluations, workers and output_dir may change.",
    )
    _add_sweep_arguments(resume, "the sweep config (TOML) the run was started with")

    report = commands.add_parser("report", help="print the Pareto front of a stored sweep and rewrite its CSV and plot")
    report.add_argument("config", type=Path, help="the sweep config (TOML) of the stored run")
    report.add_argument("--output-dir", help="override run.output_dir (relative to the current folder)")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("imcnas")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _apply_overrides(config, args):
    run_changes = {}
    if getattr(args, "evaluations", None) is not None:
        run_changes["evaluations"] = args.evaluations
    if getattr(args, "workers", None) is not None:
        run_changes["workers"] = args.workers
    if args.output_dir is not None:
        run_changes["output_dir"] = str(Path(args.output_dir).resolve())
    if not run_changes:
        return config
    from imcnas.config import config_from_dict

    values = config.to_dict()
    values["run"].update(run_changes)
    values["run"]["objectives"] = list(values["run"]["objectives"])
    values["evaluate"]["times_s"] = list(values["evaluate"]["times_s"])
    return config_from_dict(values, source=config.source, base_dir=config.base_dir)


def _write_report(config) -> int:
    """Print the Pareto front of the stored run and write CSV files and the plot; return the front size.

    Objectives, evaluation times, chip count and dataset come from the config stored with the
    run, so the labels describe the stored results even if the config file changed since.
    """
    from imcnas.config import config_from_dict
    from imcnas.report import format_pareto_table, pareto_front, plot_pareto, write_csv
    from imcnas.sweep import open_store

    with open_store(_existing_store(config)) as store:
        run = store.run(config.run.name)
        if run is None:
            names = ", ".join(repr(info.name) for info in store.runs()) or "none"
            raise FileNotFoundError(
                f"no run named {config.run.name!r} in {config.store_path} (stored runs: {names})"
            )
        records = store.records(run.id, status="ok")
        n_failed = store.count(run.id, status="failed")
    stored = config_from_dict(run.config, source=f"the config stored with run {run.name!r}")
    objectives = stored.run.objectives
    front = pareto_front(records, objectives)
    front_keys = {record.key for record in front}
    output = config.output_dir
    write_csv(output / "evaluations.csv", records, front_keys)
    write_csv(output / "pareto.csv", front, front_keys)
    if records:
        plot_pareto(
            output / "pareto.png", records, front, objectives=objectives, title=f"{run.name}: {stored.data.dataset}"
        )

    hardware_configs = {
        tuple(sorted(dataclasses.asdict(record.candidate.hardware).items())) for record in front
    }
    print(
        f"Pareto front of run '{run.name}' ({' vs '.join(objectives)}): "
        f"{len(front)} of {len(records)} candidates, {len(hardware_configs)} distinct hardware configs"
        + (f", {n_failed} failed" if n_failed else "")
    )
    times = ", ".join(f"{t:.15g}" for t in stored.evaluate.times_s)
    print(
        f"accuracy at t = {stored.evaluate.times_s[0]:.15g} s after programming, mean of {stored.evaluate.chips} "
        f"chip(s); evaluations.csv also has it at every time in [{times}] s"
    )
    print(format_pareto_table(front))
    print(f"\nstore:       {config.store_path}")
    print(f"all results: {output / 'evaluations.csv'}")
    print(f"front:       {output / 'pareto.csv'}")
    if records:
        print(f"plot:        {output / 'pareto.png'}")
    return len(front)


def _existing_store(config):
    """Return the store path of ``config``, raising FileNotFoundError if no sweep has written it."""
    path = config.store_path
    if path.exists() and not path.is_file():
        raise FileExistsError(f"results store {path} is not a file; move it away or set run.output_dir")
    if not path.is_file():
        raise FileNotFoundError(f"no results store at {path}; run `imcnas search {config.source}` first")
    return path


def _command_search(args) -> int:
    from imcnas.config import load_config
    from imcnas.sweep import load_sweep_dataset, run_sweep

    # load_config checks every key, the space included, and the data is loaded before the
    # store is created, so bad input stops here and writes nothing.
    config = _apply_overrides(load_config(args.config), args)
    if args.command == "resume":
        from imcnas.sweep import open_store

        with open_store(_existing_store(config)) as store:
            if store.run(config.run.name) is None:
                raise FileNotFoundError(
                    f"no run named {config.run.name!r} in {config.store_path}; start it with `imcnas search`"
                )
    dataset = load_sweep_dataset(config)
    summary = run_sweep(config, dataset=dataset, progress=not args.no_progress)
    print(
        f"evaluated {summary.evaluated} candidates in {summary.seconds:.1f} s"
        + (f" ({summary.resumed} resumed from the store)" if summary.resumed else "")
        + (f", {summary.failed} failed (their errors are in the store)" if summary.failed else "")
    )
    front_size = _write_report(config)
    if summary.evaluated and summary.failed == summary.evaluated and not front_size:
        print(f"imcnas: error: all {summary.failed} candidates failed; see the 'error' column of "
              f"the evaluations table in {config.store_path}", file=sys.stderr)
        return 1
    return 0


def _command_report(args) -> int:
    from imcnas.config import load_config

    config = _apply_overrides(load_config(args.config), args)
    _write_report(config)
    return 0


class _Terminated(KeyboardInterrupt):
    """Raised by the SIGTERM handler so a sweep stops like it does on Ctrl-C."""


def _raise_terminated(signum, frame) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``imcnas`` command; returns the process exit status."""
    args = _build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("imcnas: %(levelname)s: %(message)s"))
    package_logger = logging.getLogger("imcnas")
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.DEBUG if args.verbose else logging.WARNING)

    from imcnas.hardware.config import ConfigError

    # OSError covers missing files and output folders that cannot be created or written,
    # such as a file in the way or no permission. sqlite3.Error covers a store that fails
    # while a sweep writes to it. Each is reported as one line.
    expected_errors: tuple[type[BaseException], ...] = (ConfigError, OSError, sqlite3.Error)
    try:
        from imcnas.data import DataError

        expected_errors += (DataError,)
    except ImportError:
        pass
    commands = {"search": _command_search, "resume": _command_search, "report": _command_report}
    # SIGTERM stops a sweep like Ctrl-C does, so worker processes are stopped too.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        return commands[args.command](args)
    except BrokenPipeError:
        # The reader of stdout went away (for example `imcnas report ... | head`).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except expected_errors as error:
        print(f"imcnas: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, _Terminated)
        print(f"imcnas: {'terminated' if terminated else 'interrupted'}; finished candidates are in the store, "
              "run the same command to resume", file=sys.stderr)
        # 128 + signal number, the shell convention for a process stopped by a signal.
        return 143 if terminated else 130
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous_handler)
        package_logger.removeHandler(handler)


if __name__ == "__main__":
    sys.exit(main())
