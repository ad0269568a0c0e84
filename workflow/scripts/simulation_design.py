"""Snakemake script: the scenario sets (designs and ICCs) of the simulation (simulation.sets)."""

import pandas as pd

from ldj_analysis.runlog import logged_step
from ldj_analysis.simulation.sets import sets_from_config, write_sets

with logged_step(snakemake.log[0], "simulation_design") as log:
    inputs = dict(snakemake.input.items())
    team_periods = pd.read_parquet(inputs["team_periods"]) if "team_periods" in inputs else None
    pairs = pd.read_parquet(inputs["pairs"]) if "pairs" in inputs else None
    sets = sets_from_config(snakemake.params.simulation, team_periods, pairs)
    for s in sets:
        log.info(
            "set %s:%s (%s): %d teams, %d observations; ICC %.4f (%s)",
            s.model,
            s.outcome,
            "+".join(s.kinds),
            s.design.n_teams,
            s.design.n_clients,
            s.icc,
            s.components["source"],
        )
    write_sets(sets, snakemake.output[0])
