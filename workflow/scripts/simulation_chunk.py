"""Snakemake script: one chunk of replications (ldj_analysis.simulation.replicate)."""

from ldj_analysis.runlog import logged_step
from ldj_analysis.simulation.replicate import run_replications, write_chunk
from ldj_analysis.simulation.sets import read_sets

with logged_step(snakemake.log[0], "simulation_chunk"):
    start, stop = snakemake.params.replications
    frame = run_replications(
        read_sets(snakemake.input.design), snakemake.params.simulation, start, stop
    )
    write_chunk(frame, snakemake.output[0])
