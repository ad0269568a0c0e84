"""The project's vocabulary: every code list and name list, defined once and imported everywhere.

The export contract's code lists (docs/data-contract.md), the study's fixed vocabularies
(docs/study.md), the model specs and small-sample methods (docs/methods.md) and the
pipeline's outputs by name (docs/outputs.md). Adding an output is one line here (plus what
makes it: a builder in ``publish.display`` or ``publish.figures``, a caption in
``workflow/report/``)."""

from __future__ import annotations

#: The six tables of an LDJ export.
EXPORT_TABLES: tuple[str, ...] = (
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
#: Outcome domains of the pre/post pairs (docs/study.md section 2).
OUTCOME_DOMAINS: tuple[str, ...] = ("opgroei", "opvoed")

#: Instrument code -> outcome domain (one of OUTCOME_DOMAINS).
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

#: The four LDJ Checklist scores per team-period (the three domains and their total).
CHECKLIST_SCORES: tuple[str, ...] = (*CHECKLIST_DOMAINS, "total")
#: Outcomes of the team-period models: the Checklist scores and response.
TEAM_PERIOD_OUTCOMES: tuple[str, ...] = (*CHECKLIST_SCORES, "response")
#: Condition dummies of the models (control is the reference).
CONDITION_DUMMIES: tuple[str, ...] = tuple(c for c in CONDITIONS if c != "control")

#: Model families: the team-period models and the client-level outcome models.
MODEL_FAMILIES: tuple[str, ...] = ("team_periods", "outcomes")
#: Specifications of the sensitivity analysis (docs/methods.md).
SPECS: tuple[str, ...] = ("study", "half_year", "team_fe_half_year")
#: The spec with a dummy per team.
TEAM_FE_SPEC = "team_fe_half_year"
#: Tests of a cluster-robust coefficient (``models.small_sample.cluster_tests``; the methods
#: ``simulation.methods`` compares).
CLUSTER_TEST_METHODS: tuple[str, ...] = ("mplus", "CR2", "CR3", "WCR")
#: The jackknife of the FIML outcome models (``models.small_sample_models``).
JACKKNIFE = "JK-FIML"
#: Every method of ``small_sample.csv`` (``models.small_sample.methods``), the columns of the
#: robustness table.
SMALL_SAMPLE_METHODS: tuple[str, ...] = (*CLUSTER_TEST_METHODS, JACKKNIFE)

# The pipeline's outputs by name, imported by the Snakemake rules, the scripts and the modules.
#: Descriptive tables written by ``derive``: ``results/tables/<name>.csv``.
DESCRIPTIVE_TABLES: tuple[str, ...] = (
    "table1",
    "table2",
    "table3",
    "table4",
    "sample",
    "flow",
)

#: Model tables, in the report's order, each with the file the model rules write:
#: ``results/models/<file>.csv``. The table ``robustness`` (whether each condition effect's
#: decision survives the small-sample methods) shows ``small_sample.csv``.
MODEL_FILES: dict[str, str] = {
    "checklist_response": "checklist_response",
    "outcomes": "outcomes",
    "baseline_ttests": "baseline_ttests",
    "prepost_tests": "prepost_tests",
    "robustness": "small_sample",
    "icc": "icc",
}
MODEL_TABLES: tuple[str, ...] = tuple(MODEL_FILES)

#: Figures: ``results/figures/<name>.<format>``, embedded in the report. Those in
#: :data:`MODEL_FIGURES` are drawn from the model outputs, the others from derive's tables
#: alone (a job of their own that runs beside the models).
FIGURES: tuple[str, ...] = (
    "table1_grid",
    "checklist_response",
    "table4_means",
    "forest_betas",
    "flow_diagram",
)
MODEL_FIGURES: tuple[str, ...] = ("forest_betas",)
STUDY_FIGURES: tuple[str, ...] = tuple(f for f in FIGURES if f not in MODEL_FIGURES)
#: The forest plot of the findings (``results/figures/<name>.<format>``), drawn by the
#: ``findings`` rule from results/findings.csv and shown in the report's Findings section.
FINDINGS_FIGURE = "findings_forest"
