# Publication: human-facing tables, figures and the self-contained HTML report.

from snakemake.io import report as in_report  # `report` at a line start is a keyword

from ldj_analysis.vocabulary import (
    FIGURES,
    FINDINGS_FIGURE,
    MODEL_FIGURES,
    MODEL_FILES,
    MODEL_TABLES,
    STUDY_FIGURES,
)

ALL_TABLES = DESCRIPTIVE_TABLES + MODEL_TABLES
FIGURES_DIR = "results/figures"
PUBLICATION = config["publication"]
TABLE_CSVS = {
    **{name: f"{TABLES_DIR}/{name}.csv" for name in DESCRIPTIVE_TABLES},
    **{name: f"{MODELS_DIR}/{MODEL_FILES[name]}.csv" for name in MODEL_TABLES},
}


SHOWN_FIGURE_FORMAT = "svg" if "svg" in PUBLICATION["figure_formats"] else "png"
HUMAN_TABLES = {
    f"{name}_{fmt}": (
        in_report(
            f"{TABLES_DIR}/{name}.{fmt}", caption=f"../report/{name}.rst", category="Tables"
        )
        if fmt == "html"
        else f"{TABLES_DIR}/{name}.{fmt}"
    )
    for name in ALL_TABLES
    for fmt in PUBLICATION["formats"]
}


# Figure outputs by figure name: every configured format, one shown in the Snakemake report.
FIGURE_FILES = {
    name: {
        f"{name}_{fmt}": (
            in_report(
                f"{FIGURES_DIR}/{name}.{fmt}",
                caption=f"../report/fig_{name}.rst",
                category="Figures",
            )
            if fmt == SHOWN_FIGURE_FORMAT
            else f"{FIGURES_DIR}/{name}.{fmt}"
        )
        for fmt in PUBLICATION["figure_formats"]
    }
    for name in (*FIGURES, FINDINGS_FIGURE)
}


rule publish_tables:
    """Human-facing tables in the configured language and formats, small cells suppressed."""
    input:
        **TABLE_CSVS,
        team_periods=TEAM_PERIODS,
    output:
        **HUMAN_TABLES,
    params:
        publication=PUBLICATION,
    threads: 1
    resources:
        mem_mb=1000,
    benchmark:
        f"{LOGS}/benchmarks/publish_tables.tsv"
    log:
        f"{LOGS}/publish_tables.log",
    script:
        "../scripts/publish_tables.py"


rule figures_study:
    """Figures from derive's tables (Table 1 grid, scores and response by condition, pre/post
    z, flow diagram): beside the model jobs."""
    input:
        **{name: f"{TABLES_DIR}/{name}.csv" for name in DESCRIPTIVE_TABLES},
        team_periods=TEAM_PERIODS,
    output:
        **{k: v for name in STUDY_FIGURES for k, v in FIGURE_FILES[name].items()},
    params:
        publication=PUBLICATION,
        names=STUDY_FIGURES,
    threads: 1
    resources:
        mem_mb=1000,
    benchmark:
        f"{LOGS}/benchmarks/figures_study.tsv"
    log:
        f"{LOGS}/figures_study.log",
    script:
        "../scripts/figures.py"


rule figures:
    """Figures from the model outputs (forest plot of betas)."""
    input:
        **TABLE_CSVS,
        team_periods=TEAM_PERIODS,
    output:
        **{k: v for name in MODEL_FIGURES for k, v in FIGURE_FILES[name].items()},
    params:
        publication=PUBLICATION,
        names=MODEL_FIGURES,
    threads: 1
    resources:
        mem_mb=1000,
    benchmark:
        f"{LOGS}/benchmarks/figures.tsv"
    log:
        f"{LOGS}/figures.log",
    script:
        "../scripts/figures.py"


rule findings:
    """What the study found and whether it holds: results/findings.md and .csv."""
    input:
        # the design simulation's rates, declared only when simulation.in_report
        unpack(lambda wildcards: {k: v for k, v in SIM_REPORT_INPUTS.items() if k == "sim_summary"}),
        small_sample=f"{MODELS_DIR}/small_sample.csv",
        checklist_response=f"{MODELS_DIR}/checklist_response.csv",
        outcomes=f"{MODELS_DIR}/outcomes.csv",
        # what the tables suppress, the findings do not show (docs/privacy.md)
        table4=f"{TABLES_DIR}/table4.csv",
        team_periods=TEAM_PERIODS,
    output:
        md=report("results/findings.md", caption="../report/findings.rst", category="Findings"),
        csv="results/findings.csv",
        **FIGURE_FILES[FINDINGS_FIGURE],
    params:
        publication=PUBLICATION,
    threads: 1
    resources:
        mem_mb=500,
    benchmark:
        f"{LOGS}/benchmarks/findings.tsv"
    log:
        f"{LOGS}/findings.log",
    script:
        "../scripts/findings.py"


rule report_html:
    """One self-contained HTML page: every table, model and figure, config and versions."""
    input:
        # the design simulation (simulation.smk), declared only when simulation.in_report
        unpack(lambda wildcards: SIM_REPORT_INPUTS),
        **TABLE_CSVS,
        team_periods=TEAM_PERIODS,
        figures=[f"{FIGURES_DIR}/{name}.png" for name in (*FIGURES, FINDINGS_FIGURE)]
        if "png" in PUBLICATION["figure_formats"]
        else [],
        validation=VALIDATED_SUMMARY,
        norms_used=NORMS_USED,
    output:
        report(
            "results/report.html",
            caption="../report/report_html.rst",
            category="Report",
        ),
    params:
        config=config,
    threads: 1
    resources:
        mem_mb=1000,
    benchmark:
        f"{LOGS}/benchmarks/report_html.tsv"
    log:
        f"{LOGS}/report_html.log",
    script:
        "../scripts/report_html.py"
