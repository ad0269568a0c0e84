"""Snakemake script: selection + study logic (ldj_analysis.selection, ldj_analysis.derive)."""

from pathlib import Path

from ldj_analysis.derive import derive_files
from ldj_analysis.key_lookups import rule_engine
from ldj_analysis.runlog import logged_step

res = snakemake.resources
with (
    logged_step(snakemake.log[0], "derive"),
    rule_engine(res.mem_mb, res.tmpdir, snakemake.threads, "derive") as engine,
):
    config = dict(snakemake.params.items())
    synthetic_export = config.pop("synthetic_export")
    config.pop("pseudonym_key_fingerprint")  # in params only to rerun on a changed key
    derive_files(
        validated_dir=Path(snakemake.input.validated[0]).parent,
        validation_exclusions=snakemake.input.exclusions,
        norms_file=snakemake.input.norms,
        config=config,
        team_periods_path=snakemake.output.team_periods,
        pairs_path=snakemake.output.pairs,
        exclusions_path=snakemake.output.exclusions,
        tables_dir=Path(snakemake.output.tables[0]).parent,
        norms_used_path=snakemake.output.norms_used,
        synthetic_export=synthetic_export,
        engine=engine,  # DuckDB spills to the rule's tmpdir beyond half its mem_mb
    )
