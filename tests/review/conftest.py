"""Small team-period and pair frames shaped like data/derived/*.parquet, with missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def team_periods() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    teams = [f"T{i:02d}" for i in range(1, 13) for _ in range(4)]
    condition = np.array(["control", "partial", "full"] * 16)
    frame = pd.DataFrame({"team_id": teams, "condition": condition})
    for name, shift in [("collection", 8), ("use", 12), ("preconditions", 9), ("total", 10)]:
        frame[name] = 45 + shift * (condition == "full") + rng.normal(0, 15, len(frame))
    frame["response"] = np.clip(30 + rng.normal(0, 12, len(frame)), 0, 100)
    frame.loc[[3, 17], "response"] = np.nan  # no closed treatments
    frame.loc[5, "condition"] = None  # condition unknown: left out of every model
    frame.loc[9, "use"] = np.nan
    return frame


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    team = rng.integers(1, 13, n)
    condition = np.array(["control", "partial", "full"])[rng.integers(0, 3, n)]
    pre = rng.normal(1.5, 1.2, n)
    frame = pd.DataFrame(
        {
            "client_key": [f"k{i}" for i in range(n)],
            "team_id": [f"T{t:02d}" for t in team],
            "condition": condition,
            "domain": np.where(rng.random(n) < 0.55, "opgroei", "opvoed"),
            "pre_z": pre,
            "post_z": 0.4 + 0.5 * pre - 0.2 * (condition == "full") + rng.normal(0, 1, n),
            "sex": np.array(["f", "m", "M ", "x"])[rng.choice(4, n, p=[0.4, 0.45, 0.1, 0.05])],
            "age": np.round(rng.uniform(1, 18, n), 2),
            "duration_days": rng.integers(30, 700, n),
        }
    )
    for col, share in [("post_z", 0.12), ("pre_z", 0.08), ("age", 0.05)]:
        frame.loc[rng.random(n) < share, col] = np.nan
    frame["duration_days"] = frame["duration_days"].astype("float")
    frame.loc[rng.random(n) < 0.06, "duration_days"] = np.nan
    empty = [2, 50]  # every model variable missing: left out by the pipeline
    frame.loc[empty, ["pre_z", "post_z", "age", "duration_days", "condition"]] = None
    frame.loc[empty, "sex"] = None
    return frame
