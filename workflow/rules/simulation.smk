# Design simulation (docs/simulation.md): `snakemake simulate`; the client-level outcome
# models and the team-period models (a scenario set per Checklist/response outcome). Not part
# of `rule all`, so plain `snakemake` keeps its speed; `simulation.in_report: true` adds it to
# the report (and so to the default run). Replications are scattered into seeded chunks (one
# job each) and gathered; more replications add chunks and reuse the chunks already done.

from ldj_analysis.simulation.chunks import chunk_ranges

SIMULATION = config["simulation"]
SIM_DIR = "results/simulation"
SIM_CHUNKS = chunk_ranges(SIMULATION["replications"], SIMULATION["chunk_size"])
SIM_FIGURES = [
    "simulation_size",
    "simulation_size_team_periods",
    "simulation_power",
    "simulation_icc",
]
# What a chunk's results depend on (a change reruns the chunks; replications does not).
SIM_CHUNK_PARAMS = {
    k: v for k, v in SIMULATION.items() if k not in ("replications", "chunk_size", "in_report")
}
SIM_SELECTED = SIMULATION["design"]["source"] == "selected"
SIM_NEEDS_DATA = (
    SIM_SELECTED
    or SIMULATION["icc"] == "estimate"
    or (SIMULATION["team_periods"]["outcomes"] and SIMULATION["team_periods"]["icc"] == "estimate")
)
SIM_OUTPUTS = {
    "summary": f"{SIM_DIR}/summary.csv",
    "mdes": f"{SIM_DIR}/mdes.csv",
    "icc_sensitivity": f"{SIM_DIR}/icc_sensitivity.csv",
    "findings": f"{SIM_DIR}/findings.csv",
    "reading": f"{SIM_DIR}/reading.md",
}
SIM_FIGURE_FILES = {
    f"{name}_{fmt}": (
        in_report(
            f"{FIGURES_DIR}/{name}.{fmt}",
            caption=f"../report/fig_{name}.rst",
            category="Simulation",
        )
        if fmt == SHOWN_FIGURE_FORMAT
        else f"{FIGURES_DIR}/{name}.{fmt}"
    )
    for name in SIM_FIGURES
    for fmt in PUBLICATION["figure_formats"]
}
# Inputs report_html gets when simulation.in_report is true (declared, so tracked).
SIM_REPORT_INPUTS = (
    {
        "sim_summary": SIM_OUTPUTS["summary"],
        "sim_mdes": SIM_OUTPUTS["mdes"],
        "sim_reading": SIM_OUTPUTS["reading"],
        "sim_icc": SIM_OUTPUTS["icc_sensitivity"],
        "sim_findings": SIM_OUTPUTS["findings"],
        "sim_figures": [f"{FIGURES_DIR}/{name}.png" for name in SIM_FIGURES],
    }
    if SIMULATION["in_report"]
    else {}
)


rule simulate:
    """Target: the design simulation (size, power, MDES, figures, plain-language reading)."""
    input:
        f"{SIM_DIR}/results.csv",
        *SIM_OUTPUTS.values(),
        *SIM_FIGURE_FILES.values(),


rule simulation_design:
    """The scenario sets: per model family and outcome the simulated design (grid,
    observations per team-period) and its variance components."""
    input:
        **({"team_periods": TEAM_PERIODS, "pairs": PAIRS} if SIM_NEEDS_DATA else {}),
    output:
        f"{SIM_DIR}/design.json",
    params:
        simulation=SIM_CHUNK_PARAMS,
    threads: 1
    resources:
        mem_mb=1000,
    benchmark:
        f"{LOGS}/benchmarks/simulation_design.tsv"
    log:
        f"{LOGS}/simulation_design.log",
    script:
        "../scripts/simulation_design.py"


rule simulation_chunk:
    """One chunk of replications: every scenario, spec and method (seeded per replication)."""
    input:
        design=f"{SIM_DIR}/design.json",
    output:
        f"{SIM_DIR}/chunks/{{chunk}}.parquet",
    wildcard_constraints:
        chunk=r"\d+",
    params:
        simulation=SIM_CHUNK_PARAMS,
        replications=lambda wc: list(SIM_CHUNKS[int(wc.chunk)]),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=120,
    benchmark:
        f"{LOGS}/benchmarks/simulation_chunk_{{chunk}}.tsv"
    log:
        f"{LOGS}/simulation_chunk_{{chunk}}.log",
    script:
        "../scripts/simulation_chunk.py"


rule simulation_gather:
    """All chunks in one table; rejection rates with MC intervals, power, MDES, the ICC
    sensitivity, the verdict on each significant finding and the interpretation."""
    input:
        design=f"{SIM_DIR}/design.json",
        chunks=[f"{SIM_DIR}/chunks/{c}.parquet" for c in range(len(SIM_CHUNKS))],
        # the study's significant findings, read against the simulated design (selected)
        **({"small_sample": f"{MODELS_DIR}/small_sample.csv"} if SIM_SELECTED else {}),
    output:
        results=f"{SIM_DIR}/results.csv",
        **SIM_OUTPUTS,
    params:
        simulation=SIMULATION,
        alpha=config["models"]["alpha"],
        language=PUBLICATION["language"],
    threads: 1
    resources:
        mem_mb=4000,
    benchmark:
        f"{LOGS}/benchmarks/simulation_gather.tsv"
    log:
        f"{LOGS}/simulation_gather.log",
    script:
        "../scripts/simulation_gather.py"


rule simulation_figures:
    """Size per method against alpha; power curves by number of teams and effect."""
    input:
        summary=SIM_OUTPUTS["summary"],
    output:
        **SIM_FIGURE_FILES,
    params:
        simulation=SIMULATION,
        alpha=config["models"]["alpha"],
        publication=PUBLICATION,
    threads: 1
    resources:
        mem_mb=1000,
    benchmark:
        f"{LOGS}/benchmarks/simulation_figures.tsv"
    log:
        f"{LOGS}/simulation_figures.log",
    script:
        "../scripts/simulation_figures.py"
