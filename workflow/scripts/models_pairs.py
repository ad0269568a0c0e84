"""Snakemake script: outcome models, pre/post tests, small-sample tests of every model and
ICCs (ldj_analysis.models.outputs.pair_models)."""

from ldj_analysis.models.outputs import pair_models
from ldj_analysis.runlog import logged_step

with logged_step(snakemake.log[0], "models_pairs"):
    pair_models(
        snakemake.input.pairs,
        {"models": snakemake.params.models},
        snakemake.output.outcomes,
        snakemake.output.prepost_tests,
        team_periods_path=snakemake.input.team_periods,
        small_sample_path=snakemake.output.small_sample,
        icc_path=snakemake.output.icc,
    )
