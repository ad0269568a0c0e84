"""The study's regressions under the small-sample tests: ``small_sample.csv``
(``small_sample_frame``; the report's robustness table shows it).

Every regression of the pipeline (``team_periods``: Checklist domains, total and response on
condition; ``outcomes``: post z per domain) is refitted under each design spec and each
coefficient tested by every method, next to the study's Mplus-style CR1 z-test:

- specs: ``study`` (the study's model), ``half_year`` (+ calendar half-year effects: a secular
  trend would otherwise look like an effect of the rolled-out conditions) and
  ``team_fe_half_year`` (+ team fixed effects and half-year effects: the within-team contrast).
  The added effects are nuisance terms and not reported; in the sensitivity specs neither is
  the intercept (its meaning changes with the reference team and half-year).
- methods: ``mplus`` (the existing MLR/FIML fit of ``models.regression``: on the study spec
  the numbers of checklist_response.csv and outcomes.csv), ``CR2``, ``CR3`` and ``WCR``
  (``models.small_sample.cluster_tests``) and, for outcome models whose FIML fit uses
  incomplete rows, ``JK-FIML``: the leave-one-team-out jackknife of the FIML estimate.

Missing data. CR2, CR3 and WCR are defined for OLS on complete rows, so outcome models use
the complete cases for them (``data`` column ``complete_cases``) while ``mplus`` and
``JK-FIML`` use FIML (``data`` ``fiml``, or ``complete_cases`` under ``models.missing:
listwise``). JK-FIML's variance is sum_g (b_(g) - b)^2, the form of CR3, which it equals on
complete data (FIML is OLS there, so it is only computed when FIML uses incomplete rows); its
reference is t with G - 1 df. The team-period models are complete-case models already.

A method that is undefined for a model (CR3 under team fixed effects; a condition without
within-team variation) gives a row with NaN statistics and the reason in ``note``; the frame's
``attrs["failures"]`` maps "model:spec:outcome:method" to the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from statsmodels.stats.multitest import multipletests

from ldj_analysis.models.clustered_ols import WildOptions
from ldj_analysis.models.regression import ModelError, fit_regression
from ldj_analysis.models.small_sample import cluster_tests
from ldj_analysis.models.study import OUTCOME_COVARIATES, condition_dummies, outcome_model_data
from ldj_analysis.vocabulary import (
    CLUSTER_TEST_METHODS,
    CONDITION_DUMMIES,
    JACKKNIFE,
    MODEL_FAMILIES,
    OUTCOME_DOMAINS,
    SMALL_SAMPLE_METHODS,
    SPECS,
    TEAM_FE_SPEC,
    TEAM_PERIOD_OUTCOMES,
)

log = logging.getLogger(__name__)

DEFAULT_FAMILIES: dict[str, tuple[str, ...]] = {
    "team_periods": tuple(TEAM_PERIOD_OUTCOMES),
    "outcomes": tuple(OUTCOME_DOMAINS),
}
COLUMNS: list[str] = [
    "model",
    "spec",
    "outcome",
    "term",
    "method",
    "estimate",
    "se",
    "df",
    "statistic",
    "p",
    "p_holm",
    "p_bh",
    "ci_low",
    "ci_high",
    "reject",
    "alpha",
    "family",
    "data",
    "n",
    "n_clusters",
    "note",
]
HALF_YEAR = "half_year"
_STAT_COLUMNS = ["estimate", "se", "df", "statistic", "p", "ci_low", "ci_high"]


@dataclass(frozen=True)
class SmallSampleOptions:
    """What ``small_sample_frame`` computes (config ``models`` and ``models.small_sample``)."""

    methods: tuple[str, ...] = SMALL_SAMPLE_METHODS
    specs: tuple[str, ...] = SPECS
    families: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_FAMILIES)
    alpha: float = 0.05
    missing: str = "fiml"
    wild: WildOptions = WildOptions()
    max_clusters: int = 100


def options_from_config(config: Mapping[str, Any] | None) -> SmallSampleOptions:
    """Options from the validated config (``{"models": {...}}``); defaults where absent."""
    models = (config or {}).get("models", {}) or {}
    small = models.get("small_sample", {}) or {}
    alpha = float(models.get("alpha", 0.05))
    wild = WildOptions(
        max_enumeration=int(small.get("max_enumeration", WildOptions.max_enumeration)),
        draws=int(small.get("draws", WildOptions.draws)),
        seed=int(small.get("seed", WildOptions.seed)),
        ci=bool(small.get("ci", True)),
        level=1 - alpha,
    )
    families = {
        str(k): tuple(map(str, v)) for k, v in (models.get("families") or DEFAULT_FAMILIES).items()
    }
    opts = SmallSampleOptions(
        methods=tuple(small.get("methods", SMALL_SAMPLE_METHODS)),
        specs=tuple(small.get("specs", SPECS)),
        families=families,
        alpha=alpha,
        missing=str(models.get("missing", "fiml")),
        wild=wild,
        max_clusters=int(small.get("max_clusters", SmallSampleOptions.max_clusters)),
    )
    check_options(opts)
    return opts


def check_options(opts: SmallSampleOptions) -> None:
    """Raise ValueError on an unknown method or spec, or an outcome in two families."""
    unknown = [m for m in opts.methods if m not in SMALL_SAMPLE_METHODS]
    unknown += [s for s in opts.specs if s not in SPECS]
    if unknown:
        raise ValueError(f"unknown small-sample method(s) or spec(s) {unknown}")
    if "study" not in opts.specs:
        raise ValueError("models.small_sample.specs must include 'study'")
    outcomes = [*TEAM_PERIOD_OUTCOMES, *OUTCOME_DOMAINS]
    seen: dict[str, str] = {}
    for family, members in opts.families.items():
        for out in members:
            if out not in outcomes:
                raise ValueError(f"models.families.{family}: unknown outcome {out!r}; {outcomes}")
            if out in seen:
                raise ValueError(f"outcome {out!r} is in families {seen[out]!r} and {family!r}")
            seen[out] = family


def half_year(team_periods: pd.DataFrame) -> pd.Series:
    """Calendar half-year ("2018H1") of each team-period, taken at its period's midpoint
    (periods run about half a year but start on different days per team)."""
    start = pd.to_datetime(team_periods["period_start"])
    mid = start + (pd.to_datetime(team_periods["period_end"]) - start) / 2
    label = mid.dt.year.astype(str) + "H" + np.where(mid.dt.month <= 6, "1", "2")
    return pd.Series(label.to_numpy(), index=team_periods.index, name=HALF_YEAR)


def _dummies(values: np.ndarray, prefix: str) -> tuple[np.ndarray, list[str]]:
    """0/1 columns of every level but the first (sorted), named prefix:level."""
    codes, levels = pd.factorize(values, sort=True)
    cols = (codes[:, None] == np.arange(1, len(levels))[None, :]).astype(float)
    return cols, [f"{prefix}:{lev}" for lev in levels[1:]]


def nuisance(spec: str, team: np.ndarray, period: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The spec's added columns: half-year dummies, and team dummies for ``team_fe_*``."""
    parts = []
    if spec == "team_fe_half_year":
        parts.append(_dummies(team, "team"))
    if spec in ("half_year", "team_fe_half_year"):
        parts.append(_dummies(period, HALF_YEAR))
    if not parts:
        return np.zeros((team.shape[0], 0)), []
    return np.column_stack([p[0] for p in parts]), [n for p in parts for n in p[1]]


def identified_columns(
    X: np.ndarray, names: Sequence[str], reported: Sequence[str], name: str
) -> list[str]:
    """Columns of a full-rank design: nuisance columns aliased with the intercept and earlier
    nuisance are dropped; a reported term aliased with the others raises ModelError."""
    names = list(names)
    order = [c for c in names if c not in reported] + [c for c in names if c in reported]
    top = np.abs(X).max(axis=0) if X.shape[0] else np.ones(X.shape[1])
    scaled = X / np.where(top > 0, top, 1.0)
    keep: list[str] = []
    space = np.empty((X.shape[0], len(order)))  # the orthonormal basis in its first columns
    for col in order:
        basis = space[:, : len(keep)]
        v = scaled[:, names.index(col)]
        if basis.shape[1]:
            v = v - basis @ (basis.T @ v)
        norm = float(np.linalg.norm(v))
        if norm > 1e-9 * np.sqrt(max(X.shape[0], 1)):
            space[:, len(keep)] = v / norm
            keep.append(col)
        elif col in reported:
            raise ModelError(
                f"model '{name}': term '{col}' is not identified in this design (it is a linear "
                "function of the intercept and the added team/half-year effects)"
            )
    return [c for c in names if c in keep]


@dataclass(frozen=True)
class ModelData:
    """One regression of one spec: y, the covariates (NaN = missing), the team of each row
    and the reported terms."""

    model: str
    spec: str
    outcome: str  # the output's outcome name (a checklist score or a domain)
    y_name: str
    y: np.ndarray
    names: list[str]  # covariates: the study's, then the spec's nuisance columns
    x: np.ndarray
    team: np.ndarray
    reported: list[str]

    @property
    def name(self) -> str:
        return f"{self.model}:{self.spec}:{self.outcome}"

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The data as fit_regression takes them (team_id, y, covariates)."""
        sel = slice(None) if rows is None else rows
        data = pd.DataFrame(self.x[sel], columns=self.names)
        data.insert(0, self.y_name, self.y[sel])
        data.insert(0, "team_id", self.team[sel])
        return data


def _model_data(
    model: str,
    spec: str,
    outcome: str,
    y_name: str,
    study: pd.DataFrame,
    period: np.ndarray,
    reported: list[str],
) -> ModelData:
    """A spec's ModelData from the study's variables (team_id, y, covariates) of its rows."""
    team = study["team_id"].astype(str).to_numpy(dtype=object)
    covs = [c for c in study.columns if c not in ("team_id", y_name)]
    extra, extra_names = nuisance(spec, team, period)
    x = np.column_stack([study[covs].to_numpy(float), extra])
    y = study[y_name].to_numpy(float)
    return ModelData(model, spec, outcome, y_name, y, [*covs, *extra_names], x, team, reported)


def many_clusters(model: str, spec: str, outcome: str, g: int, max_clusters: int) -> str:
    """Why a model with more than ``max_clusters`` teams gets only the Mplus-style test."""
    what = "team fixed effects are" if spec == TEAM_FE_SPEC else "the few-cluster methods are"
    return (
        f"model '{model}:{spec}:{outcome}': {g} teams > models.small_sample.max_clusters "
        f"({max_clusters}): {what} not computed (with this many clusters the cluster-robust "
        "z-test has its nominal size)"
    )


def team_period_models(
    team_periods: pd.DataFrame,
    specs: Sequence[str],
    max_clusters: int | None = None,
    failures: dict[str, str] | None = None,
) -> list[ModelData]:
    """The checklist/response regressions of each spec (rows with outcome and condition);
    the team fixed-effects spec only up to ``max_clusters`` teams (else its reason goes to
    ``failures``)."""
    failures = {} if failures is None else failures
    periods = half_year(team_periods).to_numpy(dtype=object)
    dummies = condition_dummies(team_periods["condition"])
    out = []
    for outcome in TEAM_PERIOD_OUTCOMES:
        if outcome not in team_periods.columns:
            continue
        y = pd.to_numeric(team_periods[outcome])
        used = (y.notna() & team_periods["condition"].notna()).to_numpy()
        study = pd.concat([team_periods[["team_id"]], y, dummies], axis=1)[used]
        g = study["team_id"].nunique()
        for spec in specs:
            if spec == TEAM_FE_SPEC and max_clusters is not None and g > max_clusters:
                model = "team_periods"
                failures[f"{model}:{spec}:{outcome}"] = many_clusters(
                    model, spec, outcome, g, max_clusters
                )
                continue
            reported = (
                ["intercept", *CONDITION_DUMMIES] if spec == "study" else list(CONDITION_DUMMIES)
            )
            out.append(
                _model_data("team_periods", spec, outcome, outcome, study, periods[used], reported)
            )
    return out


def outcome_models(
    pairs: pd.DataFrame,
    team_periods: pd.DataFrame,
    specs: Sequence[str],
    failures: dict[str, str] | None = None,
    max_clusters: int | None = None,
) -> list[ModelData]:
    """The outcome regressions per domain and spec; half-years from each pair's team-period
    (a spec with half-years that a pair lacks is left out, its reason put in ``failures``;
    so is the team fixed-effects spec beyond ``max_clusters`` teams)."""
    failures = {} if failures is None else failures
    periods = team_periods[["team_id", "moment"]].assign(**{HALF_YEAR: half_year(team_periods)})
    periods = periods.astype({"team_id": str, "moment": "int64"})
    out = []
    for domain in OUTCOME_DOMAINS:
        rows = pairs[pairs["domain"] == domain]
        study = outcome_model_data(rows)[["team_id", "post_z", *OUTCOME_COVARIATES]]
        keys = pd.DataFrame(
            {"team_id": rows["team_id"].astype(str), "moment": rows["moment"].astype("int64")}
        )
        period = keys.merge(periods, on=["team_id", "moment"], how="left")[HALF_YEAR]
        g = study["team_id"].nunique()
        for spec in specs:
            if spec == TEAM_FE_SPEC and max_clusters is not None and g > max_clusters:
                failures[f"outcomes:{spec}:{domain}"] = many_clusters(
                    "outcomes", spec, domain, g, max_clusters
                )
                continue
            reported = ["intercept", *OUTCOME_COVARIATES]
            if spec != "study":
                if period.isna().any():
                    failures[f"outcomes:{spec}:{domain}"] = (
                        f"model 'outcomes:{spec}:{domain}': {int(period.isna().sum())} pair(s) "
                        "have no team-period to date their half-year"
                    )
                    continue
                reported = list(CONDITION_DUMMIES)
            out.append(
                _model_data(
                    "outcomes",
                    spec,
                    domain,
                    "post_z",
                    study,
                    period.to_numpy(dtype=object),
                    reported,
                )
            )
    return out


def _failed(method: str, terms: Sequence[str], reason: str) -> pd.DataFrame:
    return pd.DataFrame({"term": list(terms), "method": method, "note": reason})


def _complete_design(md: ModelData) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """X (intercept first), y and clusters of the complete rows, identified columns only."""
    ok = np.isfinite(md.y) & np.isfinite(md.x).all(axis=1)
    names = ["intercept", *md.names]
    X = np.column_stack([np.ones(int(ok.sum())), md.x[ok]])
    keep = identified_columns(X, names, md.reported, md.name)
    X = X[:, [names.index(c) for c in keep]]
    return X, md.y[ok], md.team[ok], keep


def _mplus_fiml(md: ModelData, missing: str, alpha: float) -> tuple[pd.DataFrame, int, int]:
    """The study's MLR fit (FIML or listwise) with the spec's columns: mplus rows."""
    fit = fit_regression(
        md.frame(), md.y_name, md.names, cluster="team_id", missing=missing, name=md.name
    )
    t = fit.table.set_index("term").loc[md.reported]
    crit = special.ndtri(1 - alpha / 2)
    rows = pd.DataFrame(
        {
            "term": md.reported,
            "method": "mplus",
            "estimate": t["estimate"].to_numpy(),
            "se": t["se"].to_numpy(),
            "df": np.inf,
            "statistic": t["z"].to_numpy(),
            "p": t["p"].to_numpy(),
            "ci_low": (t["estimate"] - crit * t["se"]).to_numpy(),
            "ci_high": (t["estimate"] + crit * t["se"]).to_numpy(),
        }
    )
    return rows, fit.n, int(fit.n_clusters or 0)


def jackknife_fiml(md: ModelData, missing: str, alpha: float) -> pd.DataFrame:
    """Leave-one-team-out jackknife of the FIML estimate: se^2 = sum_g (b_(g) - b)^2 (CR3's
    form), t reference with G - 1 df. Nuisance columns constant or aliased without a team
    (its own fixed effect, a half-year only it had) are dropped from that replicate."""
    full = fit_regression(
        md.frame(), md.y_name, md.names, cluster="team_id", missing=missing, name=md.name
    )
    b = full.table.set_index("term").loc[md.reported, "estimate"].to_numpy()
    teams = pd.unique(md.team)
    extra = [c for c in md.names if c not in md.reported]
    reps = []
    for team in teams:
        rows = md.team != team
        covs = [c for c in md.names if c in md.reported]
        if extra:  # complete 0/1 columns
            X = np.column_stack(
                [np.ones(int(rows.sum())), md.x[rows][:, [md.names.index(c) for c in extra]]]
            )
            covs += identified_columns(X, ["intercept", *extra], [], md.name)[1:]
        fit = fit_regression(
            md.frame(rows), md.y_name, covs, cluster=None, missing=missing, name=md.name
        )
        reps.append(fit.table.set_index("term").loc[md.reported, "estimate"].to_numpy())
    se = np.sqrt(((np.array(reps) - b) ** 2).sum(axis=0))
    df = float(len(teams) - 1)
    t = b / se
    crit = special.stdtrit(df, 1 - alpha / 2)
    return pd.DataFrame(
        {
            "term": md.reported,
            "method": JACKKNIFE,
            "estimate": b,
            "se": se,
            "df": df,
            "statistic": t,
            "p": 2 * special.stdtr(df, -np.abs(t)),
            "ci_low": b - crit * se,
            "ci_high": b + crit * se,
        }
    )


CR3_WITH_TEAM_FE = (
    "CR3 is undefined with team fixed effects: each team's I - H_gg is singular (clubSandwich "
    "fails likewise); see CR2 and WCR"
)


def model_rows(md: ModelData, opts: SmallSampleOptions) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every method's rows of one regression; a method that fails gives rows with a note."""
    parts: list[pd.DataFrame] = []
    failures: dict[str, str] = {}

    def fail(method: str, reason: str, expected: bool = False) -> None:
        failures[f"{md.name}:{method}"] = reason
        (log.info if expected else log.warning)("%s [%s]: %s", md.name, method, reason)
        parts.append(_failed(method, md.reported, reason))

    fiml = md.model == "outcomes" and opts.missing == "fiml"
    try:
        X, y, cl, names = _complete_design(md)
    except ModelError as exc:
        for method in opts.methods:
            if method != JACKKNIFE or fiml:
                fail(method, str(exc))
        return pd.concat(parts, ignore_index=True), failures
    n_cc, g_cc = len(y), len(pd.unique(cl))
    observed = np.isfinite(md.y) | np.isfinite(md.x).any(axis=1)
    n_fiml = int(observed.sum()) if fiml else n_cc
    incomplete = n_fiml > n_cc  # FIML uses rows the complete-case methods cannot
    methods = list(opts.methods)
    if g_cc > opts.max_clusters:
        reason = many_clusters(md.model, md.spec, md.outcome, g_cc, opts.max_clusters)
        for method in [m for m in methods if m != "mplus"]:
            methods.remove(method)
            if method != JACKKNIFE:
                fail(method, reason, expected=True)
    ols = [m for m in methods if m in CLUSTER_TEST_METHODS and not (m == "mplus" and incomplete)]
    if md.spec == "team_fe_half_year" and "CR3" in ols:
        ols.remove("CR3")
        fail("CR3", f"model '{md.name}': {CR3_WITH_TEAM_FE}", expected=True)
    if ols:
        try:
            batches = [
                cluster_tests(X, y, cl, names, md.reported, ols, opts.wild, opts.alpha, md.name)
            ]
        except ModelError:  # find which method fails, keep the others
            batches = []
            for method in ols:
                try:
                    batches.append(
                        cluster_tests(
                            X, y, cl, names, md.reported, [method], opts.wild, opts.alpha, md.name
                        )
                    )
                except ModelError as exc:
                    fail(method, str(exc))
        for rows in batches:
            # On complete rows the MLR fit is OLS with the CR1 G/(G-1) sandwich: cluster_tests'
            # mplus equals fit_regression (FIML or listwise), as the model files have it.
            data = np.where((rows["method"] == "mplus") & fiml, "fiml", "complete_cases")
            parts.append(rows.assign(data=data, n=n_cc, n_clusters=g_cc))
    if "mplus" in methods and incomplete:
        try:
            rows, n, g = _mplus_fiml(md, opts.missing, opts.alpha)
            parts.append(rows.assign(data="fiml", n=n, n_clusters=g))
        except ModelError as exc:
            fail("mplus", str(exc))
    if JACKKNIFE in methods and incomplete:
        try:
            rows = jackknife_fiml(md, opts.missing, opts.alpha)
            g = len(pd.unique(md.team[observed]))
            parts.append(rows.assign(data="fiml", n=n_fiml, n_clusters=g))
        except ModelError as exc:
            fail(JACKKNIFE, str(exc))
    return pd.concat(parts, ignore_index=True), failures


def adjust(frame: pd.DataFrame, families: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """``family``, ``p_holm`` and ``p_bh``: Holm and Benjamini-Hochberg adjusted p over the
    condition effects of each family's outcomes, per model, spec and method (statsmodels)."""
    member = {out: fam for fam, outs in families.items() for out in outs}
    frame = frame.assign(
        family=frame["outcome"].map(member).where(frame["term"].isin(CONDITION_DUMMIES)),
        p_holm=np.nan,
        p_bh=np.nan,
    )
    testable = frame["family"].notna() & frame["p"].notna()
    for _, idx in frame[testable].groupby(["model", "spec", "method", "family"]).groups.items():
        p = frame.loc[idx, "p"].to_numpy(float)
        frame.loc[idx, "p_holm"] = multipletests(p, method="holm")[1]
        frame.loc[idx, "p_bh"] = multipletests(p, method="fdr_bh")[1]
    return frame


def small_sample_frame(
    team_periods: pd.DataFrame,
    pairs: pd.DataFrame | None,
    opts: SmallSampleOptions | None = None,
) -> pd.DataFrame:
    """The ``small_sample.csv`` frame of every model, spec, coefficient and method.

    ``pairs`` None leaves out the outcome models. ``reject`` is p < ``alpha`` (NA where
    p is NaN). ``attrs["failures"]`` names each model x method that could not be computed.
    """
    opts = opts or SmallSampleOptions()
    check_options(opts)
    failures: dict[str, str] = {}
    models = team_period_models(team_periods, opts.specs, opts.max_clusters, failures)
    parts = []
    if pairs is not None:
        models += outcome_models(pairs, team_periods, opts.specs, failures, opts.max_clusters)
    for reason in failures.values():
        log.warning("%s", reason)
        models.sort(
            key=lambda md: (MODEL_FAMILIES.index(md.model), md.outcome, SPECS.index(md.spec))
        )
    for md in models:
        rows, failed = model_rows(md, opts)
        failures.update(failed)
        parts.append(rows.assign(model=md.model, spec=md.spec, outcome=md.outcome))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = "" if col in ("note", "data") else np.nan
    frame[["note", "data"]] = frame[["note", "data"]].fillna("")
    frame = adjust(frame, opts.families)
    frame["reject"] = (frame["p"] < opts.alpha).astype("boolean").mask(frame["p"].isna())
    frame["alpha"] = opts.alpha
    frame = _ordered(frame, opts)[COLUMNS].astype({"n": "Int64", "n_clusters": "Int64"})
    frame.attrs["failures"] = failures
    return frame


def _ordered(frame: pd.DataFrame, opts: SmallSampleOptions) -> pd.DataFrame:
    terms = ["intercept", *OUTCOME_COVARIATES]
    outcomes = [*TEAM_PERIOD_OUTCOMES, *OUTCOME_DOMAINS]
    keys = {
        "model": list(MODEL_FAMILIES),
        "spec": list(SPECS),
        "outcome": outcomes,
        "term": terms,
        "method": list(SMALL_SAMPLE_METHODS),
    }
    ranks = pd.DataFrame(
        {k: frame[k].map({v: i for i, v in enumerate(vs)}) for k, vs in keys.items()}
    )
    order = ranks.sort_values(list(keys), kind="stable").index
    return frame.loc[order].reset_index(drop=True)
