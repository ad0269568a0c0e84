"""A small, valid LDJ export built in code, for foundation tests (contract version 1)."""

from __future__ import annotations

import pandas as pd

from ldj_analysis.vocabulary import CHECKLIST_ITEMS


def small_export_tables() -> dict[str, pd.DataFrame]:
    """Two teams (one per arm), two moments each, three clients: raw text, as in a CSV."""
    teams = pd.DataFrame(
        {
            "team_id": ["T1", "T2"],
            "institution_id": ["I1", "I1"],
            "care_type": ["ambulant", "verblijf"],
            "arm": ["experimental", "control"],
        }
    )
    implementation = pd.DataFrame(
        {
            "team_id": ["T1", "T1", "T2", "T2"],
            "moment": ["1", "2", "1", "2"],
            "filled_on": ["2018-06-30", "2018-12-31"] * 2,
            "period_start": ["2018-01-01", "2018-07-01"] * 2,
            "period_end": ["2018-06-30", "2018-12-31"] * 2,
            "closed_treatments": ["10", "12", "8", "0"],
            "training_date": ["", "2018-08-01", "", ""],
            "dashboard_date": ["", "", "", ""],
            "instrument_opgroei": ["CBCL_6-18"] * 4,
            "instrument_opvoed": ["OBVL", "OBVL", "", ""],
        }
    )
    items = {item: ["1", "2", "0", "1"] for item in CHECKLIST_ITEMS}
    checklist = pd.DataFrame(
        {
            "team_id": ["T1", "T1", "T2", "T2"],
            "moment": ["1", "2", "1", "2"],
            "filled_on": ["2018-06-30", "2018-12-31"] * 2,
            **items,
            "grade_collection": ["7", "", "6.5", ""],
            "grade_use": [""] * 4,
            "grade_preconditions": [""] * 4,
        }
    )
    clients = pd.DataFrame(
        {
            "client_id": ["C1", "C2", "C3"],
            "sex": ["m", "f", ""],
            "birth_date": ["2008-03-01", "2010-01-01", ""],
        }
    )
    treatments = pd.DataFrame(
        {
            "treatment_id": ["B1", "B2", "B3"],
            "client_id": ["C1", "C2", "C3"],
            "team_id": ["T1", "T1", "T2"],
            "start_date": ["2017-10-01", "2018-01-15", "2018-02-01"],
            "end_date": ["2018-05-01", "", "2018-11-01"],
        }
    )
    questionnaires = pd.DataFrame(
        {
            "record_id": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
            "client_id": ["C1", "C1", "C2", "C2", "C3", "C3"],
            "treatment_id": ["B1", "B1", "B2", "", "B3", "B3"],
            "instrument": ["CBCL_6-18", "CBCL_6-18", "OBVL", "OBVL", "CBCL_6-18", "CBCL_6-18"],
            "informant": ["moeder", "moeder", "vader", "vader", "pleegmoeder", "pleegmoeder"],
            "occasion": ["begin", "eind", "begin", "eind", "begin", "eind"],
            "filled_on": [
                "2017-10-05",
                "2018-04-28",
                "2018-01-20",
                "2018-09-01",
                "2018-02-03",
                "2018-10-30",
            ],
            "raw_total": ["40", "22", "80", "", "35", "30"],
        }
    )
    return {
        "teams": teams,
        "implementation": implementation,
        "checklist": checklist,
        "clients": clients,
        "treatments": treatments,
        "questionnaires": questionnaires,
    }


def write_tables(tables: dict[str, pd.DataFrame], folder) -> None:
    """Write raw text tables as contract CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
