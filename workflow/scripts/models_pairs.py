"""Snakemake script: outcome models and pre/post tests (ldj_analysis.models.outputs)."""

from ldj_analysis.models.outputs import pair_models
from ldj_analysis.runlog import logged_step

with logged_step(snakemake.log[0], "models_pairs"):
    pair_models(
        snakemake.input.pairs,
        {"models": snakemake.params.models},
        snakemake.output.outcomes,
        snakemake.output.prepost_tests,
    )
