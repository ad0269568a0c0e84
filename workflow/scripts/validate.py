"""Snakemake script: validate the export (ldj_analysis.validation.run_validation)."""

from pathlib import Path

from ldj_analysis.key_lookups import rule_engine
from ldj_analysis.runlog import logged_step
from ldj_analysis.validation import run_validation

res = snakemake.resources
with (
    logged_step(snakemake.log[0], "validate"),
    rule_engine(res.mem_mb, res.tmpdir, snakemake.threads, "validate") as engine,
):
    run_validation(
        export_dir=Path(snakemake.input[0]).parent,
        config={
            "validation": snakemake.params.validation,
            "export_csv": snakemake.params.export_csv,
            "selection": {"instruments": snakemake.params.instruments},
            "engine": engine,  # DuckDB spills to the rule's tmpdir beyond half its mem_mb
        },
        validated_dir=Path(snakemake.output.validated[0]).parent,
        exclusions_path=snakemake.output.exclusions,
        summary_path=snakemake.output.summary,
    )
