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


# The workflow's own files, copied into the crate (read no data: file names only).
WORKFLOW_SOURCES = sorted(
    [
        "Snakefile",
        *(
            str(p)
            for pattern in ("rules/*.smk", "scripts/*.py", "report/*.rst")
            for p in Path("workflow").glob(pattern)
        ),
    ]
)


rule ro_crate:
    """RO-Crate of the run (Workflow Run Crate): workflow, config, versions, fingerprint."""
    input:
        # the default run's other targets: the crate describes every file in results/
        # that a rule of the workflow made (Snakemake's records say which)
        results=lambda wc: [
            str(f) for f in rules.all.input if str(f) != "results/ro-crate-metadata.json"
        ],
        validation=VALIDATED_SUMMARY,
    output:
        crate="results/ro-crate-metadata.json",
        workflow=directory("results/workflow"),
    params:
        config=config,
        sources=WORKFLOW_SOURCES,
        norms=NORMS_FILE,
    threads: 1
    resources:
        mem_mb=500,
    benchmark:
        f"{LOGS}/benchmarks/ro_crate.tsv"
    log:
        f"{LOGS}/ro_crate.log",
    script:
        "../scripts/ro_crate.py"
