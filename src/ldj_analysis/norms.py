"""The norm table (docs/norms.md; docs/data-contract.md "norms"): reading, checking,
placeholder rows. The z-scores are recipe steps ``12_norm_groups.sql`` and
``13_norm_exclusions.sql``; :func:`norm_scores` runs step 12 on lists given as a frame.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis import steps

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


def register_norms(con: Any, norms: pd.DataFrame) -> None:
    """The norm table as the recipe's ``norms_in``, with ``norm_row`` (its index label)."""
    con.register("norms_in", norms[NORM_COLUMNS].assign(norm_row=norms.index.to_numpy("int64")))


def norm_scores(lists: pd.DataFrame, norms: pd.DataFrame) -> pd.DataFrame:
    """z-score and norm group of each list (``instrument, sex, age_years, raw``) by recipe
    step 12: a frame on the lists' index with ``z`` (NaN: no norm group),
    ``no_norm_reason`` (None when a group was found) and ``norm_row``, the index label of the
    norm row used (-1: none)."""
    con = steps.open_recipe()
    frame = lists[["instrument", "sex", "age_years", "raw"]].reset_index(drop=True)
    frame = frame.astype(
        {"instrument": "str", "sex": "str", "age_years": "float64", "raw": "float64"}
    )
    con.register("pair_list", frame.assign(pair_no=np.arange(len(frame)), side="list"))
    register_norms(con, norms)
    steps.run(con, ["12_norm_groups"])
    out = steps.fetch(con, "SELECT z, no_norm_reason, norm_row FROM list_norm ORDER BY pair_no")
    out["norm_row"] = out["norm_row"].fillna(-1).astype("int64")
    out["no_norm_reason"] = (
        out["no_norm_reason"].astype(object).where(out["no_norm_reason"].notna(), None)
    )
    return out.set_axis(lists.index)
