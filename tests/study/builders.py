"""Small LDJ exports built in code for the study-logic tests (contract version 1)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ldj_analysis.config import validate_config
from ldj_analysis.export import COLUMNS, Export, coerce_export
from ldj_analysis.vocabulary import CHECKLIST_ITEMS

TEST_KEY = b"test-key"


def config(**sections: dict[str, Any]) -> dict[str, Any]:
    """A validated config with defaults, sections overridden key by key."""
    cfg = validate_config({})
    for name, values in sections.items():
        cfg[name] = {**cfg[name], **values}
    return validate_config(cfg)


def team(team_id: str = "T1", institution_id: str = "I1", arm: str = "experimental") -> dict:
    return {
        "team_id": team_id,
        "institution_id": institution_id,
        "care_type": "ambulant",
        "arm": arm,
    }


def period(
    team_id: str = "T1",
    moment: int = 1,
    start: str = "2018-01-01",
    end: str = "2018-06-30",
    closed: Any = 10,
    training: str = "",
    dashboard: str = "",
    opgroei: str = "CBCL_6-18",
    opvoed: str = "OBVL",
    filled_on: str | None = None,
) -> dict:
    return {
        "team_id": team_id,
        "moment": moment,
        "filled_on": filled_on or end,
        "period_start": start,
        "period_end": end,
        "closed_treatments": closed,
        "training_date": training,
        "dashboard_date": dashboard,
        "instrument_opgroei": opgroei,
        "instrument_opvoed": opvoed,
    }


def checklist_row(
    team_id: str = "T1", moment: int = 1, filled_on: str = "2018-06-30", items: Any = 1
) -> dict:
    """``items``: one value for all 25 items, or a list of 25 (None = empty)."""
    values = items if isinstance(items, list) else [items] * 25
    row = {"team_id": team_id, "moment": moment, "filled_on": filled_on}
    row.update({c: v for c, v in zip(CHECKLIST_ITEMS, values, strict=True)})
    row.update({"grade_collection": "", "grade_use": "", "grade_preconditions": ""})
    return row


def client(client_id: str, sex: str = "m", birth: str = "2008-01-01") -> dict:
    return {"client_id": client_id, "sex": sex, "birth_date": birth}


def treatment(
    treatment_id: str, client_id: str, team_id: str = "T1", start: str = "2017-06-01", end: str = ""
) -> dict:
    return {
        "treatment_id": treatment_id,
        "client_id": client_id,
        "team_id": team_id,
        "start_date": start,
        "end_date": end,
    }


def q(
    record_id: str,
    client_id: str,
    occasion: str,
    date: str,
    raw: Any = 30,
    informant: str = "moeder",
    instrument: str = "CBCL_6-18",
    treatment_id: str = "",
) -> dict:
    return {
        "record_id": record_id,
        "client_id": client_id,
        "treatment_id": treatment_id,
        "instrument": instrument,
        "informant": informant,
        "occasion": occasion,
        "filled_on": date,
        "raw_total": raw,
    }


def make_export(
    teams: list[dict] | None = None,
    implementation: list[dict] | None = None,
    checklist: list[dict] | None = None,
    clients: list[dict] | None = None,
    treatments: list[dict] | None = None,
    questionnaires: list[dict] | None = None,
) -> Export:
    """Type the given rows as a contract export; checklist rows default to one per
    implementation row (all items 1, filled on the period end)."""
    teams = teams if teams is not None else [team()]
    implementation = implementation if implementation is not None else [period()]
    if checklist is None:
        checklist = [
            checklist_row(r["team_id"], r["moment"], r["period_end"]) for r in implementation
        ]
    tables = {
        "teams": teams,
        "implementation": implementation,
        "checklist": checklist,
        "clients": clients or [],
        "treatments": treatments or [],
        "questionnaires": questionnaires or [],
    }
    raw = {}
    for name, rows in tables.items():
        frame = pd.DataFrame(rows, columns=list(COLUMNS[name]) if not rows else None)
        raw[name] = (
            frame.astype(object)
            .where(frame.notna(), None)
            .map(lambda v: "" if v is None else str(v))
        )
    export, problems = coerce_export(raw)
    assert export is not None and not problems, problems
    return export
