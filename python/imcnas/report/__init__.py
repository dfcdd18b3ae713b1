"""Reports of finished sweeps: Pareto tables, CSV and plots."""

from imcnas.report.pareto import format_pareto_table, pareto_front, plot_pareto, write_csv

__all__ = ["format_pareto_table", "pareto_front", "plot_pareto", "write_csv"]
