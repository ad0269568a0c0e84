"""Snakemake script: gather the chunks; rates, MDES, reading (ldj_analysis.simulation)."""

from ldj_analysis.runlog import logged_step
from ldj_analysis.simulation.design import read_design
from ldj_analysis.simulation.interpretation import reading
from ldj_analysis.simulation.replicate import gather
from ldj_analysis.simulation.summary import mdes_table, rejection_rates

with logged_step(snakemake.log[0], "simulation_gather"):
    design, components = read_design(snakemake.input.design)
    sim, alpha = snakemake.params.simulation, snakemake.params.alpha
    results = gather(snakemake.input.chunks)
    results.to_csv(snakemake.output.results, index=False)
    rates = rejection_rates(results, alpha)
    rates.to_csv(snakemake.output.summary, index=False)
    mdes = mdes_table(rates, design, components["icc"], sim, alpha)
    mdes.to_csv(snakemake.output.mdes, index=False)
    text = reading(rates, mdes, design, components, sim, alpha, snakemake.params.language)
    with open(snakemake.output.reading, "w", encoding="utf-8") as fh:
        fh.write(text)
