"""The recipe's code lists as small tables, from :mod:`ldj_analysis.vocabulary` and the
config: the study's instruments, the informant priority per institution and the Checklist's
items per score (docs/development.md, "The recipe")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ldj_analysis.vocabulary import CHECKLIST_DOMAINS, INFORMANTS


def register_code_lists(
    con: Any, instruments: Mapping[str, str], pairing: Mapping[str, Any], teams: pd.DataFrame
) -> None:
    """``study_instruments`` (instrument, domain), ``informant_rank`` and
    ``checklist_items`` for the recipe."""
    con.register(
        "study_instruments",
        pd.DataFrame({"instrument": list(instruments), "domain": list(instruments.values())}),
    )
    con.register("informant_rank", informant_ranks(teams["institution_id"], pairing))
    con.register("checklist_items", checklist_items())


def informant_ranks(institutions: pd.Series, pairing: Mapping[str, Any]) -> pd.DataFrame:
    """``institution_id, informant, grp, grp_pos`` for each institution of the teams:
    ``pairing.informant_priority`` or the institution's ``institution_informants``. Only
    informants of the contract count; one named twice keeps its first place."""
    overrides = pairing.get("institution_informants") or {}
    rows = [
        (institution, informant, g, p)
        for institution in pd.unique(institutions.dropna())
        for g, group in enumerate(overrides.get(str(institution), pairing["informant_priority"]))
        for p, informant in enumerate(group)
        if informant in INFORMANTS
    ]
    ranks = pd.DataFrame(rows, columns=["institution_id", "informant", "grp", "grp_pos"])
    ranks = ranks.astype({"institution_id": "str", "informant": "str"})
    return ranks.drop_duplicates(["institution_id", "informant"]).astype(
        {"grp": "int64", "grp_pos": "int64"}
    )


def checklist_items() -> pd.DataFrame:
    """``item, score, score_no``: each item under its domain and under ``total``."""
    rows = [
        (f"item_{i:02d}", score, k)
        for k, (score, numbers) in enumerate(CHECKLIST_DOMAINS.items())
        for i in numbers
    ]
    rows += [(item, "total", len(CHECKLIST_DOMAINS)) for item, _, _ in list(rows)]
    return pd.DataFrame(rows, columns=["item", "score", "score_no"])
