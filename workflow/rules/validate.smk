# Validation of an export folder (export_dir).


rule validate:
    """Check the export against the contract; nothing downstream runs on an invalid export."""
    input:
        EXPORT_FILES,
    output:
        validated=temp(VALIDATED_TABLES),
        exclusions=VALIDATION_EXCLUSIONS,
        summary=VALIDATED_SUMMARY,
    params:
        validation=config["validation"],
        instruments=config["selection"]["instruments"],
    threads: 2  # Arrow reading and hash lookups run in two threads
    resources:
        # peak about 3.7 x the export's size at 10 M rows (benchmarks/README.md)
        mem_mb=lambda wc, input: max(2000, int(5 * input.size_mb)),
    benchmark:
        f"{LOGS}/benchmarks/validate.tsv"
    log:
        f"{LOGS}/validate.log",
    script:
        "../scripts/validate.py"
