# The study's models (docs/study.md section 4): Mplus-equivalent MLR/FIML regressions, t-tests.


rule models_team_periods:
    """Checklist scores and response on condition (cluster-robust MLR); baseline t-tests."""
    input:
        team_periods=TEAM_PERIODS,
    output:
        checklist_response=f"{MODELS_DIR}/checklist_response.csv",
        baseline_ttests=f"{MODELS_DIR}/baseline_ttests.csv",
    params:
        models=config["models"],
    threads: 1
    resources:
        mem_mb=1000,
    benchmark:
        f"{LOGS}/benchmarks/models_team_periods.tsv"
    log:
        f"{LOGS}/models_team_periods.log",
    script:
        "../scripts/models_team_periods.py"


rule models_pairs:
    """Outcome models per domain (FIML, cluster-robust MLR); pre/post tests and ES; the
    small-sample tests (CR2, CR3, WCR; sensitivity specs) of every model and the ICCs."""
    input:
        pairs=PAIRS,
        team_periods=TEAM_PERIODS,
    output:
        outcomes=f"{MODELS_DIR}/outcomes.csv",
        prepost_tests=f"{MODELS_DIR}/prepost_tests.csv",
        small_sample=f"{MODELS_DIR}/small_sample.csv",
        icc=f"{MODELS_DIR}/icc.csv",
    params:
        models=config["models"],
    resources:
        mem_mb=lambda wc, input: max(2000, int(20 * input.size_mb)),
    threads: 1
    benchmark:
        f"{LOGS}/benchmarks/models_pairs.tsv"
    log:
        f"{LOGS}/models_pairs.log",
    script:
        "../scripts/models_pairs.py"
