"""Snakemake script: simulation figures (ldj_analysis.simulation.figures)."""

from pathlib import Path

import pandas as pd

from ldj_analysis.runlog import logged_step
from ldj_analysis.simulation.figures import write_simulation_figures

with logged_step(snakemake.log[0], "simulation_figures"):
    write_simulation_figures(
        pd.read_csv(snakemake.input.summary),
        snakemake.params.simulation,
        snakemake.params.alpha,
        snakemake.params.publication,
        Path(snakemake.output[0]).parent,
    )
