"""Snakemake script: the simulated design and ICC (ldj_analysis.simulation.design)."""

import pandas as pd

from ldj_analysis.runlog import logged_step
from ldj_analysis.simulation.design import design_from_config, write_design
from ldj_analysis.simulation.generate import components_from_config

with logged_step(snakemake.log[0], "simulation_design") as log:
    sim = snakemake.params.simulation
    inputs = dict(snakemake.input.items())
    team_periods = pd.read_parquet(inputs["team_periods"]) if "team_periods" in inputs else None
    pairs = pd.read_parquet(inputs["pairs"]) if "pairs" in inputs else None
    design = design_from_config(sim, team_periods, pairs)
    components = components_from_config(sim, pairs)
    log.info(
        "design %s: %d teams, %d clients; ICC %.4f (%s)",
        design.source,
        design.n_teams,
        design.n_clients,
        components["icc"],
        components["source"],
    )
    write_design(design, components, snakemake.output[0])
