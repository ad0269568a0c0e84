"""Snakemake script: validate the export (ldj_analysis.validation.run_validation)."""

from pathlib import Path

from ldj_analysis.runlog import logged_step
from ldj_analysis.validation import run_validation

with logged_step(snakemake.log[0], "validate"):
    run_validation(
        export_dir=Path(snakemake.input[0]).parent,
        config={
            "validation": snakemake.params.validation,
            "selection": {"instruments": snakemake.params.instruments},
        },
        validated_dir=Path(snakemake.output.validated[0]).parent,
        exclusions_path=snakemake.output.exclusions,
        summary_path=snakemake.output.summary,
    )
