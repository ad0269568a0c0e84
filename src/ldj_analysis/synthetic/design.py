"""Fixed design of the synthetic study (docs/study.md section 1): teams, arms, moments, intended
conditions, instruments and implementation-date offsets.

The intended condition per team-period is the *latent truth* the calibration needs to know
which team-period belongs to which condition; the generator never writes it. It writes
training and dashboard dates (``DATE_RULES``) from which the pipeline's 42-day rule must
recover Table 1.
"""

from __future__ import annotations

#: team_id -> (institution, care_type, arm, number of moments, half-year of moment 1 (0 = H1 2018))
TEAMS: dict[str, tuple[str, str, str, int, int]] = {
    "1": ("I1", "ambulant", "experimental", 4, 0),
    "2": ("I1", "ambulant", "experimental", 4, 0),
    "3": ("I1", "ambulant", "control", 3, 0),
    "4": ("I1", "ambulant", "experimental", 4, 0),
    "5": ("I1", "dagbehandeling", "experimental", 4, 0),
    "6": ("I2", "ambulant", "experimental", 4, 0),
    "7": ("I2", "dagbehandeling", "experimental", 3, 1),
    "8": ("I2", "ambulant", "control", 4, 0),
    "9": ("I2", "verblijf", "control", 4, 0),
    "10": ("I3", "ambulant", "experimental", 4, 0),
    "11": ("I3", "ambulant", "experimental", 4, 0),
    "12": ("I3", "dagbehandeling", "experimental", 4, 0),
    "13": ("I3", "ambulant", "control", 3, 0),
    "14": ("I4", "verblijf", "experimental", 4, 0),
    "15": ("I4", "verblijf", "control", 4, 0),
    "16": ("I4", "verblijf", "experimental", 4, 0),
}

#: Table 1 order (the published row order) and the intended condition per moment.
CONDITIONS: dict[str, tuple[str, ...]] = {
    "3": ("control",) * 3,
    "13": ("control",) * 3,
    "8": ("control",) * 4,
    "9": ("control",) * 4,
    "15": ("control",) * 4,
    "2": ("control", "partial", "partial", "partial"),
    "5": ("control", "partial", "partial", "partial"),
    "6": ("control", "partial", "partial", "partial"),
    "14": ("control", "partial", "partial", "partial"),
    "1": ("control", "partial", "partial", "full"),
    "7": ("control", "partial", "full"),
    "4": ("control", "partial", "full", "full"),
    "10": ("control", "partial", "full", "full"),
    "11": ("control", "partial", "full", "full"),
    "12": ("control", "partial", "full", "full"),
    "16": ("control", "full", "full", "full"),
}

#: Team instruments per moment (opgroei, opvoed); None = the team uses none. Team 6 switches
#: from GVL to OBVL at moment 3 (its earlier GVL lists are then not its instrument).
INSTRUMENTS: dict[str, tuple[tuple[str | None, str | None], ...]] = {
    "1": (("CBCL_6-18", "OBVL"),) * 4,
    "2": (("CBCL_6-18", "GVL"),) * 4,
    "3": (("SDQ_ouder", "OBVL"),) * 3,
    "4": (("CBCL_6-18", "OBVL"),) * 4,
    "5": (("CBCL_1.5-5", "OBVL"),) * 4,
    "6": (("CBCL_6-18", "GVL"),) * 2 + (("CBCL_6-18", "OBVL"),) * 2,
    "7": (("CBCL_6-18", "OBVL"),) * 3,
    "8": (("SDQ_ouder", "GVL"),) * 4,
    "9": (("CBCL_6-18", "GVL"),) * 4,
    "10": (("CBCL_6-18", "OBVL"),) * 4,
    "11": (("SDQ_ouder", "OBVL"),) * 4,
    "12": (("CBCL_6-18", "GVL"),) * 4,
    "13": (("CBCL_6-18", "OBVL"),) * 3,
    "14": (("SIER", None),) * 4,
    "15": (("CBCL_6-18", None),) * 4,
    "16": (("SIER", None),) * 4,
}

#: The closed residential institution: its informant is the group worker.
GROUP_WORKER_INSTITUTION = "I4"

#: Implementation dates as day offsets from a moment's checklist date (reference date):
#: team -> (training: (moment, offset), dashboard: (moment, offset) or None). An offset of
#: -42 lies exactly on the 42-day boundary (counts); offsets in (-42, 0] fall inside the lag
#: window, so ``lag_days: 0`` changes the condition of that team-period.
DATE_RULES: dict[str, tuple[tuple[int, int], tuple[int, int] | None]] = {
    "2": ((1, 35), (4, -20)),  # dashboard 20 days before moment 4: partial at lag 42
    "5": ((2, -42), None),  # training exactly on the boundary
    "6": ((1, 28), None),
    "14": ((1, 40), (4, -41)),
    "1": ((1, 30), (3, -10)),  # dashboard inside the window of moment 3
    "7": ((1, 45), (2, 20)),
    "4": ((1, 33), (2, 25)),
    "10": ((1, 26), (2, -5)),  # dashboard 5 days before moment 2
    "11": ((1, 38), (3, -42)),  # dashboard exactly on the boundary of moment 3
    "12": ((1, 31), (2, 40)),
    "16": ((1, 21), (1, 70)),
}

#: Half-year periods: (start, end) of the standard periods; teams shift them a little.
PERIODS: tuple[tuple[str, str], ...] = (
    ("2018-01-01", "2018-06-30"),
    ("2018-07-01", "2018-12-31"),
    ("2019-01-01", "2019-06-30"),
    ("2019-07-01", "2019-11-30"),
)

#: Per team: days added to the standard period bounds (the study let periods differ a little).
PERIOD_SHIFT: dict[str, int] = {
    "1": 0, "2": 0, "3": -31, "4": 0, "5": 14, "6": 0, "7": 0, "8": -15,
    "9": 0, "10": 0, "11": 0, "12": -10, "13": 0, "14": 0, "15": 0, "16": -14,
}  # fmt: skip


def team_periods() -> list[tuple[str, int, str]]:
    """(team_id, moment, intended condition) in Table 1 order."""
    return [(t, m + 1, c) for t, conds in CONDITIONS.items() for m, c in enumerate(conds)]
