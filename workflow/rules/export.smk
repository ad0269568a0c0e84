# The export: the synthetic one (generated) and validation of whichever is analysed.


rule synthetic_export:
    """Generate the synthetic LDJ export (raw records only) that reproduces the study."""
    output:
        expand("{dir}/{table}.csv", dir=SYNTHETIC_DIR, table=EXPORT_TABLES),
    params:
        seed=config["synthetic"]["seed"],
        scale=config["synthetic"]["scale"],
        last_year=config["synthetic"]["last_year"],
        norms_file=NORMS_FILE,
    threads: 1
    resources:
        # measured: 7.2 GB at scale 1246 (10 M questionnaire rows), ~0.2 GB at scale 1
        mem_mb=lambda wc: 1000 + 7 * config["synthetic"]["scale"],
    benchmark:
        f"{LOGS}/benchmarks/synthetic_export.tsv"
    log:
        f"{LOGS}/synthetic_export.log",
    script:
        "../scripts/synthetic_export.py"


rule validate:
    """Check the export against the contract; nothing downstream runs on an invalid export."""
    input:
        EXPORT_FILES,
    output:
        validated=temp(expand("{dir}/{table}.parquet", dir=VALIDATED_DIR, table=EXPORT_TABLES)),
        exclusions=VALIDATION_EXCLUSIONS,
        summary=VALIDATED_SUMMARY,
    params:
        validation=config["validation"],
        export_csv=config["export_csv"],
        instruments=config["selection"]["instruments"],
    threads: 2  # Arrow's CSV reader and DuckDB's key lookups run in two threads
    resources:
        # peak about 2.9 x the export's size at 10 M rows (benchmarks/README.md);
        # DuckDB gets half of it and spills beyond it to a temp dir in tmpdir
        mem_mb=lambda wc, input: max(2000, int(5 * input.size_mb)),
        tmpdir=SPILL_DIR,
    benchmark:
        f"{LOGS}/benchmarks/validate.tsv"
    log:
        f"{LOGS}/validate.log",
    script:
        "../scripts/validate.py"


if SOURCE is not None:  # the LDJ database: rule extract writes validate's outputs

    include: "extract.smk"
