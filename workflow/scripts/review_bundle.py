"""Snakemake script: the reviewer bundle (ldj_analysis.review.write_bundle)."""

import pandas as pd

from ldj_analysis.review import write_bundle
from ldj_analysis.runlog import logged_step

with logged_step(snakemake.log[0], "review_bundle") as log:
    written = write_bundle(
        pd.read_parquet(snakemake.input.team_periods),
        pd.read_parquet(snakemake.input.pairs),
        {"models": snakemake.params.models},
        snakemake.output.bundle,
    )
    log.info("wrote %d files to %s", len(written), snakemake.output.bundle)
