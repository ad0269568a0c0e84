"""Norm table and z-scores (docs/study.md section 2; docs/data-contract.md "norms").

z = (raw - mean) / sd, sign-flipped when ``higher_is_worse`` is false, so that a higher z
always means more problems. The norm group is found by instrument, sex and age in whole
(completed) years at the list's own date: a row with the client's sex is preferred over a
row with sex ``all``; a client without a recorded sex gets only ``all`` rows; a client
without a birth date gets no norm group. A list without a norm group is excluded (logged).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.lookup import index_in

NORM_COLUMNS = [
    "instrument",
    "sex",
    "age_min",
    "age_max",
    "mean",
    "sd",
    "higher_is_worse",
    "source",
]


#: The norm table shipped with the package; ``norms_file: null`` (the default) means this one.
DEFAULT_NORMS_FILE = Path(str(files("ldj_analysis") / "data" / "norms.csv"))

#: A norm row whose ``source`` starts with this word is a stand-in, not a manual's value.
PLACEHOLDER_MARK = "placeholder"


class NormsError(ValueError):
    """The norm table breaks its contract."""


class PlaceholderNormsError(NormsError):
    """Placeholder norm rows would score a real export; the message names them."""


def norms_path(config: dict[str, Any]) -> Path:
    """The norm table a config names: ``norms_file``, or the shipped one when it is null."""
    return Path(config.get("norms_file") or DEFAULT_NORMS_FILE)


def load_norms(path: str | Path) -> pd.DataFrame:
    """Read and check a norm table (CSV, columns per the contract)."""
    frame = pd.read_csv(path, dtype={"instrument": "str", "sex": "str", "source": "str"})
    return check_norms(frame, str(path))


def check_norms(frame: pd.DataFrame, name: str = "norms") -> pd.DataFrame:
    """Type the norm table and check its rules; raise :class:`NormsError` listing problems."""
    missing = [c for c in NORM_COLUMNS if c not in frame.columns]
    if missing:
        raise NormsError(f"{name}: columns missing: {', '.join(missing)}")
    out = frame[NORM_COLUMNS].copy()
    problems = []
    hiw = out["higher_is_worse"].astype(str).str.strip().str.lower()
    bad_bool = ~hiw.isin(["true", "false", "1", "0"])
    out["higher_is_worse"] = hiw.isin(["true", "1"])
    for col in ("age_min", "age_max", "mean", "sd"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    for i in np.flatnonzero(bad_bool.to_numpy()):
        problems.append(f"row {i + 2}: higher_is_worse must be true or false")
    checks = {
        "sex must be m, f or all": ~out["sex"].isin(["m", "f", "all"]),
        "age_min/age_max must be whole numbers with age_min <= age_max": ~(
            (out["age_min"] % 1 == 0)
            & (out["age_max"] % 1 == 0)
            & (out["age_min"] <= out["age_max"])
        ),
        "mean must be a number": out["mean"].isna(),
        "sd must be a number > 0": ~(out["sd"] > 0),
    }
    for rule, mask in checks.items():
        for i in np.flatnonzero(mask.fillna(True).to_numpy(bool)):
            problems.append(f"row {i + 2}: {rule}")
    if not problems:
        out["age_min"] = out["age_min"].astype(int)
        out["age_max"] = out["age_max"].astype(int)
        # Overlapping bands of one instrument and sex would make the group ambiguous.
        s = out.sort_values(["instrument", "sex", "age_min"])
        prev_max = s.groupby(["instrument", "sex"])["age_max"].shift()
        for i in s.index[(s["age_min"] <= prev_max).to_numpy(bool)]:
            problems.append(
                f"row {i + 2}: age band of {out.at[i, 'instrument']} ({out.at[i, 'sex']}) "
                "overlaps another row"
            )
    if problems:
        raise NormsError(f"{name}: invalid norm table:\n  " + "\n  ".join(problems))
    return out.reset_index(drop=True)


def is_placeholder(norms: pd.DataFrame) -> pd.Series:
    """True for the rows whose ``source`` is marked ``placeholder:`` (any case)."""
    source = norms["source"].astype("str").str.strip().str.lower()
    return source.str.startswith(PLACEHOLDER_MARK) & norms["source"].notna()


def norms_used(norms: pd.DataFrame, rows: pd.Series | np.ndarray) -> pd.DataFrame:
    """The norm rows (index labels ``rows``; -1 = none) that scored a list, in table order,
    with a ``placeholder`` column and ``row``, the row's line in the norm file."""
    labels = np.unique(np.asarray(rows, dtype="int64"))
    used = norms.loc[norms.index.isin(labels[labels >= 0])]
    return used.assign(placeholder=is_placeholder(used), row=used.index + 2)[
        ["row", *NORM_COLUMNS, "placeholder"]
    ].reset_index(drop=True)


def refuse_placeholders(used: pd.DataFrame, name: str = "norms") -> None:
    """Raise :class:`PlaceholderNormsError` naming every placeholder row in ``used`` (a
    :func:`norms_used` frame)."""
    bad = used[used["placeholder"]]
    if bad.empty:
        return
    lines = [
        f"row {r.row}: {r.instrument}, sex {r.sex}, age {r.age_min}-{r.age_max}"
        for r in bad.itertuples()
    ]
    raise PlaceholderNormsError(
        f"{name}: {len(bad)} placeholder norm row(s) would give z-scores of this export:\n  "
        + "\n  ".join(lines)
        + "\nReplace them with the manuals' norms (norms_file), or set "
        "norms_accept_placeholders: true to analyse with them anyway."
    )


def whole_years(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Completed years of age from ``birth`` to ``on`` (float; NaN where either is missing)."""
    b, d = pd.DatetimeIndex(birth), pd.DatetimeIndex(on)
    years = d.year - b.year - ((d.month < b.month) | ((d.month == b.month) & (d.day < b.day)))
    return pd.Series(np.asarray(years, dtype="float64"), index=birth.index)


def norm_scores(lists: pd.DataFrame, norms: pd.DataFrame) -> pd.DataFrame:
    """z-score and norm group of each list.

    ``lists``: columns ``instrument, sex, age_years, raw`` (any index). Returns a frame on
    the same index with ``z`` (NaN when no norm group), ``no_norm_reason`` (NaN when a
    group was found) and ``norm_row``, the index label of the norm row used (-1 when none).
    """
    best = norm_groups(lists, norms)  # -1 (none) takes the value appended to each column

    def of_group(column: np.ndarray, none: Any) -> np.ndarray:
        return np.append(column, none)[best]

    mean = of_group(norms["mean"].to_numpy("float64"), np.nan)
    sd = of_group(norms["sd"].to_numpy("float64"), np.nan)
    higher_is_worse = of_group(norms["higher_is_worse"].fillna(True).to_numpy(bool), True)
    sign = np.where(higher_is_worse, 1.0, -1.0)
    raw = lists["raw"].to_numpy(dtype="float64")
    z = sign * (raw - mean) / sd
    has_instr = index_in(lists["instrument"], norms["instrument"]) >= 0
    age = lists["age_years"].to_numpy(dtype="float64")
    reason = np.where(
        ~np.isnan(mean),
        None,
        np.where(
            ~has_instr,
            "no norm group: instrument not in the norm table",
            np.where(
                np.isnan(age),
                "no norm group: age unknown (birth date missing)",
                "no norm group for this instrument, sex and age",
            ),
        ),
    )
    norm_row = of_group(norms.index.to_numpy("int64"), -1)
    return pd.DataFrame({"z": z, "no_norm_reason": reason, "norm_row": norm_row}, index=lists.index)


def norm_groups(lists: pd.DataFrame, norms: pd.DataFrame) -> np.ndarray:
    """Position in ``norms`` of each list's norm row (-1: none): of the rows of its
    instrument whose age band holds its age, the first with its sex, else the first with
    sex ``all``. One pass over the lists per norm row (norm tables are small)."""
    instrument = index_in(lists["instrument"], norms["instrument"])  # first row of it
    norm_instrument = index_in(norms["instrument"], norms["instrument"])
    sexes = norms["sex"].dropna().unique()
    sex, norm_sex = index_in(lists["sex"], sexes), index_in(norms["sex"], sexes)
    age = lists["age_years"].to_numpy(dtype="float64")
    age_min, age_max = norms["age_min"].to_numpy(), norms["age_max"].to_numpy()
    for_all = (norms["sex"] == "all").to_numpy(bool)
    best = np.full(len(lists), -1, np.int64)
    for k in [*np.flatnonzero(~for_all), *np.flatnonzero(for_all)]:  # own sex before 'all'
        fits = (best < 0) & (instrument == norm_instrument[k])
        fits &= (age >= age_min[k]) & (age <= age_max[k])
        if not for_all[k]:
            fits &= (sex == norm_sex[k]) & (norm_sex[k] >= 0)
        best[fits] = k
    return best
