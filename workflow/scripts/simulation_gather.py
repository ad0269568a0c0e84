"""Snakemake script: gather the chunks; rates, MDES, ICC sensitivity, findings and the
interpretation (ldj_analysis.simulation)."""

import pandas as pd

from ldj_analysis.runlog import logged_step
from ldj_analysis.simulation.interpretation import FINDING_COLUMNS, findings, interpretation
from ldj_analysis.simulation.replicate import gather
from ldj_analysis.simulation.sets import CLIENT_MODEL, read_sets
from ldj_analysis.simulation.summary import icc_sensitivity, mdes_table, rejection_rates

with logged_step(snakemake.log[0], "simulation_gather"):
    sets = read_sets(snakemake.input.design)
    client = next(s for s in sets if s.model == CLIENT_MODEL)
    sim, alpha = snakemake.params.simulation, snakemake.params.alpha
    results = gather(snakemake.input.chunks)
    results.to_csv(snakemake.output.results, index=False)
    rates = rejection_rates(results, alpha)
    rates.to_csv(snakemake.output.summary, index=False)
    mdes = mdes_table(rates, client.design, client.icc, sim, alpha)
    mdes.to_csv(snakemake.output.mdes, index=False)
    icc_sensitivity(rates).to_csv(snakemake.output.icc_sensitivity, index=False)
    inputs = dict(snakemake.input.items())
    found = (
        findings(pd.read_csv(inputs["small_sample"]), rates, sim, alpha)
        if "small_sample" in inputs
        else None
    )
    (found if found is not None else pd.DataFrame(columns=FINDING_COLUMNS)).to_csv(
        snakemake.output.findings, index=False
    )
    text = interpretation(rates, mdes, sets, sim, alpha, snakemake.params.language, found)
    with open(snakemake.output.reading, "w", encoding="utf-8") as fh:
        fh.write(text)
