"""The reviewer bundle: per fitted model an Mplus input, a lavaan script and the data file
both read, the team codes and a README (data/derived/review_bundle/, never results/).

The data are client-level (pseudonymised): only model variables and integer team codes,
no client keys, dates or birth dates. The bundle is for the study's authors and reviewers
under the data agreement, not for publication.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ldj_analysis.publish.privacy import CLIENT_COLUMNS
from ldj_analysis.review import lavaan, mplus
from ldj_analysis.review.models import MISSING_FLAG, SHORT_NAMES, ReviewModel, review_models

README = """\
# Reviewer bundle (ldj-analysis)

**Confidential: client-level data.** The `.dat` files hold one row per analysed team-period
or client pair (pseudonymised: no client keys, dates or birth dates, teams as integer codes).
They may be given only to people covered by the study's data agreement (the authors and the
reviewers the data holder admits) and must not be published, put in a repository or mailed
outside that circle. Delete the folder when the review is done.

Each model the pipeline fitted has three files here, named by the model's stem:

- `<stem>.inp`: Mplus input as the study ran it (`TYPE = COMPLEX; ESTIMATOR = MLR;`
  `CLUSTER = team;` covariates brought into the model, `OUTPUT: STDYX;`).
- `<stem>.R`: the same model in lavaan (`sem(..., cluster = "team", estimator = "MLR",
  fixed.x = FALSE, information = "observed", observed.information = "hessian")`).
- `<stem>.dat`: the rows the pipeline analysed, in Mplus format: free format, no header,
  columns in the order of the input's `NAMES ARE`, missing values as `{flag}`.

## How to run

Mplus (8 or later): open `<stem>.inp` in this folder and run it (or `mplus <stem>.inp`).
R: `Rscript <stem>.R` in this folder (needs the `lavaan` package; writes `<stem>_lavaan.csv`
and prints lavaan's summary); all models: `for f in *.R; do Rscript "$f"; done`.

## What each model reproduces

The pipeline's numbers are in `results/models/<file>` in the rows of the named outcome:
`estimate`, `se`, `z`, `p` are Mplus's unstandardized `ON` estimates (intercept: the
`Intercepts` row), `beta`, `beta_se`, `beta_p` its STDYX ones; lavaan's `est`, `se`, `std_all`
and `std_se` of the `~` and `~1` rows. `n` is Mplus's number of observations, `n_clusters`
its number of clusters. lavaan matches the pipeline to about 1e-7 (tested in
tests/review/). Mplus was not available to the developers: that its output matches is
inferred from its documented estimator (ML, observed information, the MLR cluster
sandwich) and checked against a real Mplus output only without clusters (User's Guide
example 3.1); please report any difference.

| model | Mplus input | lavaan script | data | rows | missing data | reproduces |
|---|---|---|---|---|---|---|
{rows}

Rows: the pipeline leaves out team-periods whose outcome or condition is missing (Checklist
and response models, listwise), and client pairs missing on every model variable (outcome
models, FIML; Mplus leaves those out too). Those rows are not in the `.dat` files, so Mplus
and lavaan count the same observations and clusters as the pipeline.

## Variables

{variables}

Team codes: `team_codes.csv` maps each integer code to the export's `team_id`.
"""

#: What each short name stands for (README).
DESCRIPTIONS: dict[str, str] = {
    "team": "team (integer code; the cluster)",
    "collect": "LDJ Checklist score, collection (0-100)",
    "use": "LDJ Checklist score, use (0-100)",
    "precond": "LDJ Checklist score, preconditions (0-100)",
    "total": "LDJ Checklist total score (0-100)",
    "response": "response of the team-period (%)",
    "post_z": "end-of-care z-score",
    "partial": "condition partial implementation (1) vs other (0); control is the reference",
    "full": "condition full implementation (1) vs other (0)",
    "pre_z": "start-of-care z-score",
    "sex": "sex: female = 1, male = 0",
    "age": "age (years), as in the pairs",
    "duration": "treatment duration (days)",
}


def _check_private(model: ReviewModel) -> None:
    leaked = [c for c in model.data.columns if str(c).lower() in CLIENT_COLUMNS]
    if leaked:
        raise ValueError(f"model '{model.name}': identifying column(s) {leaked} in the bundle")


def readme_text(models: list[ReviewModel]) -> str:
    rows = "\n".join(
        f"| {m.name} | {m.stem}.inp | {m.stem}.R | {m.stem}.dat | {len(m.data)} | "
        f"{'FIML' if m.missing == 'fiml' else 'listwise'} | "
        f"results/models/{m.output}, outcome {m.outcome} |"
        for m in models
    )
    used = {v for m in models for v in m.variables}
    short_to_long = {s: p for p, s in SHORT_NAMES.items()}
    variables = "\n".join(
        f"- `{s}` ({short_to_long[s]}): {DESCRIPTIONS[s]}"
        for s in SHORT_NAMES.values()
        if s in used
    )
    return README.format(flag=MISSING_FLAG, rows=rows, variables=variables)


def write_bundle(
    team_periods: pd.DataFrame,
    pairs: pd.DataFrame,
    config: Mapping[str, Any] | None,
    out_dir: str | Path,
) -> list[Path]:
    """Write the bundle folder (replacing an old one) and return the files written."""
    out = Path(out_dir)
    if out.resolve().is_relative_to(Path("results").resolve()):
        raise ValueError(
            f"the reviewer bundle holds client-level data and may not be written under "
            f"results/ (asked: {out}); write it under data/derived/"
        )
    models = review_models(team_periods, pairs, config)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []

    def put(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)

    for model in models:
        _check_private(model)
        data_file = f"{model.stem}.dat"
        put(data_file, mplus.data_text(model))
        put(f"{model.stem}.inp", mplus.input_text(model, data_file))
        put(f"{model.stem}.R", lavaan.script_text(model, data_file))
    put("team_codes.csv", models[0].team_codes.to_csv(index=False, lineterminator="\n"))
    put("README.md", readme_text(models))
    return written
