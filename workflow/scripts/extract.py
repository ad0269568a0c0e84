"""Snakemake script: extract the export from the LDJ database (ldj_analysis.extract)."""

from pathlib import Path

from ldj_analysis.dbsource import parse_source
from ldj_analysis.extract import run_extraction
from ldj_analysis.key_lookups import rule_engine
from ldj_analysis.pseudonym import load_key
from ldj_analysis.runlog import logged_step

res = snakemake.resources
with (
    logged_step(snakemake.log[0], "extract"),
    rule_engine(res.mem_mb, res.tmpdir, snakemake.threads, "extract") as engine,
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
            "engine": engine,  # DuckDB spills to the rule's tmpdir beyond half its mem_mb
        },
        validated_dir=Path(snakemake.output.validated[0]).parent,
        exclusions_path=snakemake.output.exclusions,
        summary_path=snakemake.output.summary,
        provenance_path=snakemake.output.provenance,
        key=load_key(snakemake.params.pseudonym_key_file),
    )
