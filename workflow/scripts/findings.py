"""Snakemake script: what the study found and whether it holds, as results/findings.md and
.csv (ldj_analysis.publish.findings)."""

from pathlib import Path

import pandas as pd

from ldj_analysis.publish.figure_style import save_figure
from ldj_analysis.publish.findings import findings_table
from ldj_analysis.publish.findings_figure import figure_findings
from ldj_analysis.publish.findings_text import write_findings
from ldj_analysis.publish.tables import privacy_from_config
from ldj_analysis.runlog import logged_step
from ldj_analysis.vocabulary import FINDINGS_FIGURE

with logged_step(snakemake.log[0], "findings"):
    inputs = dict(snakemake.input.items())
    config = {"publication": snakemake.params.publication}
    team_periods = pd.read_parquet(inputs["team_periods"])
    priv = privacy_from_config(config, team_periods, pd.read_csv(inputs["table4"]))
    found = findings_table(
        pd.read_csv(inputs["small_sample"]),
        pd.read_csv(inputs["checklist_response"]),
        pd.read_csv(inputs["outcomes"]),
        pd.read_csv(inputs["sim_summary"]) if "sim_summary" in inputs else None,
        priv,
    )
    language = snakemake.params.publication["language"]
    write_findings(found, snakemake.output.md, snakemake.output.csv, language)
    stem = Path(snakemake.output.md).parent / "figures" / FINDINGS_FIGURE
    pub = snakemake.params.publication
    save_figure(figure_findings(found, language), stem, pub["figure_formats"], pub["figure_dpi"])
