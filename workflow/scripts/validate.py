"""Snakemake script: validate the export (ldj_analysis.validation.run_validation)."""

import tempfile
from pathlib import Path

from ldj_analysis.runlog import logged_step
from ldj_analysis.validation import run_validation

with (
    logged_step(snakemake.log[0], "validate"),
    tempfile.TemporaryDirectory(prefix="ldj-validate-", dir=snakemake.resources.tmpdir) as tmp,
):
    run_validation(
        export_dir=Path(snakemake.input[0]).parent,
        config={
            "validation": snakemake.params.validation,
            "export_csv": snakemake.params.export_csv,
            "selection": {"instruments": snakemake.params.instruments},
            # DuckDB's lookups: half the rule's memory (the tables in pandas hold the rest)
            "engine": {
                "memory_mb": snakemake.resources.mem_mb // 2,
                "temp_dir": tmp,
                "threads": snakemake.threads,
            },
        },
        validated_dir=Path(snakemake.output.validated[0]).parent,
        exclusions_path=snakemake.output.exclusions,
        summary_path=snakemake.output.summary,
    )
