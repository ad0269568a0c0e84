"""Code lists of the LDJ export contract (version 1) and the study's fixed vocabularies."""

from __future__ import annotations

TABLES: tuple[str, ...] = (
    "teams",
    "implementation",
    "checklist",
    "clients",
    "treatments",
    "questionnaires",
)

CARE_TYPES: tuple[str, ...] = ("ambulant", "dagbehandeling", "verblijf")
ARMS: tuple[str, ...] = ("control", "experimental")
CONDITIONS: tuple[str, ...] = ("control", "partial", "full")
OCCASIONS: tuple[str, ...] = ("begin", "tussen", "eind")
SEXES: tuple[str, ...] = ("m", "f")
DOMAINS: tuple[str, ...] = ("opgroei", "opvoed")

#: Instrument code -> outcome domain.
INSTRUMENTS: dict[str, str] = {
    "CBCL_1.5-5": "opgroei",
    "CBCL_6-18": "opgroei",
    "SDQ_ouder": "opgroei",
    "SIER": "opgroei",
    "GVL": "opvoed",
    "OBVL": "opvoed",
}

MOTHER_INFORMANTS: tuple[str, ...] = (
    "moeder",
    "adoptiemoeder",
    "stiefmoeder",
    "pleegmoeder",
    "grootmoeder",
)
FATHER_INFORMANTS: tuple[str, ...] = (
    "vader",
    "adoptievader",
    "stiefvader",
    "pleegvader",
    "grootvader",
)
INFORMANTS: tuple[str, ...] = (
    *MOTHER_INFORMANTS,
    *FATHER_INFORMANTS,
    "groepsleider",
    "jeugdige",
    "leerkracht",
    "hulpverlener",
    "anders",
)

#: LDJ Checklist: domain -> item numbers (1-based) and maximum points.
CHECKLIST_DOMAINS: dict[str, tuple[int, ...]] = {
    "collection": tuple(range(1, 9)),
    "use": tuple(range(9, 16)),
    "preconditions": tuple(range(16, 26)),
}
CHECKLIST_ITEMS: tuple[str, ...] = tuple(f"item_{i:02d}" for i in range(1, 26))
CHECKLIST_ITEM_MAX = 2
