"""Snakemake script: figures (ldj_analysis.publish.figures.write_figures)."""

from pathlib import Path

import pandas as pd

from ldj_analysis.publish.figures import write_figures
from ldj_analysis.publish.tables import read_csvs
from ldj_analysis.runlog import logged_step
from ldj_analysis.vocabulary import MODEL_TABLES

with logged_step(snakemake.log[0], "figures"):
    frames = read_csvs({k: v for k, v in snakemake.input.items() if k != "team_periods"})
    write_figures(
        {k: v for k, v in frames.items() if k not in MODEL_TABLES},
        {k: v for k, v in frames.items() if k in MODEL_TABLES},
        pd.read_parquet(snakemake.input.team_periods),
        {"publication": snakemake.params.publication},
        Path(snakemake.output[0]).parent,
        names=snakemake.params.names,
    )
