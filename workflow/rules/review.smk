# Reviewer bundle (client-level, not published: data/derived/, never results/) and the
# RO-Crate of the run. `snakemake review_bundle` makes the bundle; it is not in `all`.


rule review_bundle:
    """Mplus inputs, lavaan scripts and their data for every fitted model (confidential)."""
    input:
        team_periods=TEAM_PERIODS,
        pairs=PAIRS,
        # the models the bundle reproduces: made first, so a reviewer can compare at once
        models=[
            rules.models_team_periods.output.checklist_response,
            rules.models_pairs.output.outcomes,
        ],
    output:
        bundle=directory(f"{DERIVED}/review_bundle"),
    params:
        models=config["models"],
    threads: 1
    resources:
        mem_mb=1000,
    benchmark:
        f"{LOGS}/benchmarks/review_bundle.tsv"
    log:
        f"{LOGS}/review_bundle.log",
    script:
        "../scripts/review_bundle.py"
