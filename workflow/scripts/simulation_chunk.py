"""Snakemake script: one chunk of replications (ldj_analysis.simulation.replicate)."""

from ldj_analysis.runlog import logged_step
from ldj_analysis.simulation.design import read_design
from ldj_analysis.simulation.replicate import run_replications, write_chunk

with logged_step(snakemake.log[0], "simulation_chunk"):
    design, components = read_design(snakemake.input.design)
    start, stop = snakemake.params.replications
    frame = run_replications(design, components["icc"], snakemake.params.simulation, start, stop)
    write_chunk(frame, snakemake.output[0])
