"""Snakemake script: extract the export from the LDJ database (ldj_analysis.extract)."""

import tempfile
from pathlib import Path

from ldj_analysis.dbsource import parse_source
from ldj_analysis.extract import run_extraction
from ldj_analysis.pseudonym import load_key
from ldj_analysis.runlog import logged_step

with (
    logged_step(snakemake.log[0], "extract"),
    tempfile.TemporaryDirectory(prefix="ldj-extract-", dir=snakemake.resources.tmpdir) as tmp,
):
    run_extraction(
        parse_source(
            snakemake.params.export_uri,
            snakemake.params.export_schema,
            snakemake.params.export_tables,
        ),
        config={
            "validation": snakemake.params.validation,
            "selection": snakemake.params.selection,
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
        provenance_path=snakemake.output.provenance,
        key=load_key(snakemake.params.pseudonym_key_file),
    )
