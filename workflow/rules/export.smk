# The export: the synthetic one (generated), then validation of an export folder
# (validate.smk) or extraction from the LDJ database (extract.smk).


rule synthetic_export:
    """Generate the synthetic LDJ export (raw records only) that reproduces the study."""
    output:
        expand("{dir}/{table}.csv", dir=SYNTHETIC_DIR, table=TABLES),
    params:
        seed=config["synthetic"]["seed"],
        scale=config["synthetic"]["scale"],
        last_year=config["synthetic"]["last_year"],
        norms_file=config["norms_file"],
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


if SOURCE is None:

    include: "validate.smk"

else:

    include: "extract.smk"
