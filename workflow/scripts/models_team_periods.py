"""Snakemake script: team-period models (ldj_analysis.models.outputs.team_period_models)."""

from ldj_analysis.models.outputs import team_period_models
from ldj_analysis.runlog import logged_step

with logged_step(snakemake.log[0], "models_team_periods"):
    team_period_models(
        snakemake.input.team_periods,
        {"models": snakemake.params.models},
        snakemake.output.checklist_response,
        snakemake.output.baseline_ttests,
    )
