"""Snakemake script: write the synthetic LDJ export (ldj_analysis.synthetic)."""

from pathlib import Path

from ldj_analysis.runlog import logged_step
from ldj_analysis.synthetic import write_synthetic

with logged_step(snakemake.log[0], "synthetic_export"):
    write_synthetic(
        Path(snakemake.output[0]).parent,
        seed=snakemake.params.seed,
        scale=snakemake.params.scale,
        last_year=snakemake.params.last_year,
        norms_file=snakemake.params.norms_file,
    )
