"""Snakemake script: human-facing tables (ldj_analysis.publish.tables.write_tables)."""

from pathlib import Path

import pandas as pd

from ldj_analysis.publish.tables import read_csvs, write_tables
from ldj_analysis.runlog import logged_step

with logged_step(snakemake.log[0], "publish_tables"):
    paths = {k: v for k, v in snakemake.input.items() if k != "team_periods"}
    written = write_tables(
        read_csvs(paths),
        Path(snakemake.output[0]).parent,
        {"publication": snakemake.params.publication},
        team_periods=pd.read_parquet(snakemake.input.team_periods),
    )
    missing = set(map(str, snakemake.output)) - {str(p) for p in written}
    if missing:
        raise RuntimeError(f"publish_tables did not write: {sorted(missing)}")
