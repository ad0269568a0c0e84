# Study logic: selection, conditions, checklist scores, response, pairing, z-scores and the
# descriptive tables (Tables 1-4, sample, record flow).

from ldj_analysis.vocabulary import DESCRIPTIVE_TABLES

TEAM_PERIODS = f"{DERIVED}/team_periods.parquet"
PAIRS = f"{DERIVED}/pairs.parquet"
NORMS_USED = f"{DERIVED}/norms_used.csv"


rule derive:
    """Turn the valid export into team-periods, pairs, the exclusion log and Tables 1-4."""
    input:
        validated=rules.validate.output.validated,
        exclusions=VALIDATION_EXCLUSIONS,
        norms=NORMS_FILE,
    output:
        team_periods=TEAM_PERIODS,
        pairs=PAIRS,
        exclusions=f"{DERIVED}/exclusions.csv",
        norms_used=NORMS_USED,
        tables=expand("{dir}/{name}.csv", dir=TABLES_DIR, name=DESCRIPTIVE_TABLES),
    params:
        selection=config["selection"],
        conditions=config["conditions"],
        checklist=config["checklist"],
        response=config["response"],
        pairing=config["pairing"],
        norms_accept_placeholders=config["norms_accept_placeholders"],
        pseudonym_key_file=config["pseudonym_key_file"],
        pseudonym_key_fingerprint=KEY_FINGERPRINT,
        synthetic_export=IS_SYNTHETIC,
        # client ids read from a database are pseudonyms already (ldj_analysis.extract)
        ids_pseudonymised=SOURCE is not None,
    resources:
        # peak about 2.2 x the working copy's size at 10 M rows; at most 5 GB, so that
        # DuckDB spills beyond 2.5 GB at 50 M rows (peak 4.9 GB) instead of taking half of
        # 4 x 5 GB (9.6 GB; benchmarks/README.md); more for speed: --set-resources
        mem_mb=lambda wc, input: max(2000, min(int(4 * input.size_mb), 5000)),
        tmpdir=SPILL_DIR,  # DuckDB spills beyond half of mem_mb to a temp dir here
    threads: 2  # DuckDB runs the recipe's queries in the rule's threads
    benchmark:
        f"{LOGS}/benchmarks/derive.tsv"
    log:
        f"{LOGS}/derive.log",
    script:
        "../scripts/derive.py"
