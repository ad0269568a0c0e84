# Extraction from the LDJ database (export_uri): read, anonymised at the source, validated.
# Included only for a database source; it then writes the outputs of rule validate.


ruleorder: extract > validate


rule extract:
    """Read the selected records from the LDJ database (pseudonymised, no birth dates),
    validate them and write the same working copy as validation of an export folder."""
    output:
        validated=temp(VALIDATED_TABLES),
        exclusions=VALIDATION_EXCLUSIONS,
        summary=VALIDATED_SUMMARY,
        provenance=EXTRACTION,
    params:
        # the URI holds no password (refused when the config is read)
        export_uri=config["export_uri"],
        export_schema=config["export_schema"],
        export_tables=config["export_tables"],
        validation=config["validation"],
        selection=config["selection"],
        pseudonym_key_file=config["pseudonym_key_file"],
        pseudonym_key_fingerprint=KEY_FINGERPRINT,
    threads: 2  # the database's reader and Arrow's conversions use two threads
    resources:
        # measured: 2.9 GB at 10 M questionnaire rows (benchmarks/README.md)
        mem_mb=5000,
        tmpdir=SPILL_DIR,  # DuckDB spills beyond half of mem_mb to a temp dir here
    benchmark:
        f"{LOGS}/benchmarks/extract.tsv"
    log:
        f"{LOGS}/extract.log",
    script:
        "../scripts/extract.py"
